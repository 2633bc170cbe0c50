package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Busted control for {@code io.ksync.stress.atomic.RefcountReleaseOnceTest.DecAndTest}: a refcount whose
 * {@code decAndTest()} reads the count and writes it back decremented in two steps (each volatile, the pair not
 * atomic). Two holders of a count of 2 can both read 2 and both write 1: neither sees zero and the object is
 * never released (with more holders, a lost decrement also lets a later drop release an object still in use).
 * Same shape as the real test; this test must FAIL.
 */
@JCStressTest
@Outcome(id = {"1, -1", "-1, 1"}, expect = ACCEPTABLE, desc = "exactly one holder released, and saw the other's write")
@Outcome(id = {"0, -1", "-1, 0"}, expect = FORBIDDEN, desc = "the releasing holder missed the other holder's write before its drop")
@Outcome(id = "-1, -1", expect = FORBIDDEN, desc = "nobody released: a decrement was lost")
@Outcome(expect = FORBIDDEN, desc = "both holders released: double release")
@State
public class GetThenSetRefcountReleaseOnceTest {

    /** The broken refcount. */
    static final class GetThenSetRefcount {
        private volatile int refs = 2;

        boolean decAndTest() {
            final int now = (int) REFS.getVolatile(this) - 1;
            REFS.setVolatile(this, now); // BROKEN: a decrement between the get and the set is overwritten
            return now == 0;
        }

        private static final VarHandle REFS;

        static {
            try {
                REFS = MethodHandles.lookup().findVarHandle(GetThenSetRefcount.class, "refs", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private final GetThenSetRefcount refs = new GetThenSetRefcount();
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
