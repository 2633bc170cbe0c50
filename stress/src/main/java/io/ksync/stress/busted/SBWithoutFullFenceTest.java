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
 * Busted control for the store-buffering test {@code io.ksync.stress.atomic.SBTest}: each thread stores to its
 * own variable with release and loads the other's with acquire, without the full fence (smp_mb) between the
 * store and the load. Release/acquire does not order a store before a later load, and x86's store buffer really
 * reorders them, yet this test declares the (0, 0) outcome forbidden as if the fence were there. It must FAIL:
 * if it passed, the real SB test could not tell a fence from none.
 */
@JCStressTest
@Outcome(id = {"0, 1", "1, 0", "1, 1"}, expect = ACCEPTABLE, desc = "some store became visible before the other thread's load")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "store buffering: both loads passed their own thread's earlier store")
@State
public class SBWithoutFullFenceTest {
    private int x;
    private int y;

    @Actor
    public void actor1(II_Result r) {
        X.setRelease(this, 1);
        // BROKEN: no VarHandle.fullFence() here
        r.r1 = (int) Y.getAcquire(this);
    }

    @Actor
    public void actor2(II_Result r) {
        Y.setRelease(this, 1);
        // BROKEN: no VarHandle.fullFence() here
        r.r2 = (int) X.getAcquire(this);
    }

    private static final VarHandle X;
    private static final VarHandle Y;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            X = lookup.findVarHandle(SBWithoutFullFenceTest.class, "x", int.class);
            Y = lookup.findVarHandle(SBWithoutFullFenceTest.class, "y", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
