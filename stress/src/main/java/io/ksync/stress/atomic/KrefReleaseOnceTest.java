package io.ksync.stress.atomic;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.atomic.Kref;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * {@link Kref}'s release action runs exactly once, after every holder's {@code put()}, and sees what every
 * holder wrote before its put (kref_put). Two holders each write their own field and {@code put()}; the action
 * counts its runs and records how many of the two writes it saw. The arbiter reports r1 = runs of the action,
 * r2 = writes it saw.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "released once, and the action saw both holders' writes")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "the release action missed a holder's write before its put()")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "never released: a put() was lost")
@Outcome(expect = FORBIDDEN, desc = "released more than once")
@State
public class KrefReleaseOnceTest {
    private final Kref kref = new Kref(this::release);
    private int a;
    private int b;
    private int runs;
    private int seen;

    public KrefReleaseOnceTest() {
        kref.get(); // two holders
    }

    private void release() {
        runs++;
        seen = a + b;
    }

    @Actor
    public void holder1() {
        a = 1;
        kref.put();
    }

    @Actor
    public void holder2() {
        b = 1;
        kref.put();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = runs;
        r.r2 = seen;
    }
}
