package io.ksync.stress.atomic;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.atomic.Refcount;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * {@link Refcount} releases an object exactly once, and the release sees what every holder did: the guarantee
 * of {@code refcount_dec_and_test} (release on every drop, acquire on the drop that returns {@code true}) and
 * of {@code refcount_inc_not_zero} (a released object is never revived). The busted control
 * {@code io.ksync.stress.busted.GetThenSetRefcountReleaseOnceTest} runs the first shape on a refcount whose
 * decrement is not atomic.
 */
public final class RefcountReleaseOnceTest {

    private RefcountReleaseOnceTest() {
    }

    /**
     * Two holders of a count of 2 each write their own field, then {@code decAndTest()}. The one that gets
     * {@code true} reads the other's field: r1 is what holder 1 read if it released, else -1; r2 likewise for
     * holder 2. Exactly one must release, and it must see the other's write (message passing through the
     * count: the release sequence of the decrements ends at the final one).
     */
    @JCStressTest
    @Outcome(id = {"1, -1", "-1, 1"}, expect = ACCEPTABLE, desc = "exactly one holder released, and saw the other's write")
    @Outcome(id = {"0, -1", "-1, 0"}, expect = FORBIDDEN, desc = "the releasing holder missed the other holder's write before its drop")
    @Outcome(id = "-1, -1", expect = FORBIDDEN, desc = "nobody released: a decrement was lost")
    @Outcome(expect = FORBIDDEN, desc = "both holders released: double release")
    @State
    public static class DecAndTest {
        private final Refcount refs = new Refcount(2);
        private int a;
        private int b;

        @Actor
        public void holder1(II_Result r) {
            a = 1;
            r.r1 = refs.decAndTest() ? b : -1;
        }

        @Actor
        public void holder2(II_Result r) {
            b = 1;
            r.r2 = refs.decAndTest() ? a : -1;
        }
    }

    /**
     * The last holder drops a count of 1 with {@code decAndTest()} while a lock-free lookup calls
     * {@code incNotZero()}: r1 says whether the lookup took a reference, r2 whether the drop released.
     */
    @JCStressTest
    @Outcome(id = "true, false", expect = ACCEPTABLE, desc = "the lookup took a reference first; the drop was not the last")
    @Outcome(id = "false, true", expect = ACCEPTABLE, desc = "the drop released first; the lookup found 0 and backed off")
    @Outcome(id = "true, true", expect = FORBIDDEN, desc = "use-after-free: the lookup revived a released object")
    @Outcome(id = "false, false", expect = FORBIDDEN, desc = "leak: the lookup failed yet the drop did not release")
    @State
    public static class IncNotZeroVsDecAndTest {
        private final Refcount refs = new Refcount(1);

        @Actor
        public void lookup(ZZ_Result r) {
            r.r1 = refs.incNotZero();
        }

        @Actor
        public void lastHolder(ZZ_Result r) {
            r.r2 = refs.decAndTest();
        }
    }
}
