package io.ksync.stress.atomic;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.atomic.Barriers;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The store-buffering shape (SB, the kernel's {@code SB+fencembonceonces.litmus}, Dekker's core): each thread
 * stores 1 to its own variable, then loads the other's (r1 = y as thread 1 saw it, r2 = x as thread 2 saw it).
 * The weak outcome "0, 0" (both loads passed their own earlier store) is forbidden only by a full barrier,
 * {@code smp_mb()}, or by a fully ordered atomic; acquire and release do not forbid it, and x86's store buffer
 * produces it readily without a barrier: the {@code Plain} variant here, and the busted control
 * {@code io.ksync.stress.busted.SBWithoutFullFenceTest} (release/acquire, outcome declared forbidden), show it.
 */
public final class SBTest {

    private SBTest() {
    }

    /** {@code WRITE_ONCE}; {@code smp_mb()}; {@code READ_ONCE} in each thread. */
    @JCStressTest
    @Outcome(id = {"0, 1", "1, 0", "1, 1"}, expect = ACCEPTABLE, desc = "at least one store was visible to the other thread's load")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "store buffering: fullFence did not order a store before a later load")
    @State
    public static class FullFence {
        private int x;
        private int y;

        @Actor
        public void actor1(II_Result r) {
            X.setOpaque(this, 1);
            Barriers.fullFence();
            r.r1 = (int) Y.getOpaque(this);
        }

        @Actor
        public void actor2(II_Result r) {
            Y.setOpaque(this, 1);
            Barriers.fullFence();
            r.r2 = (int) X.getOpaque(this);
        }

        private static final VarHandle X;
        private static final VarHandle Y;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                X = lookup.findVarHandle(FullFence.class, "x", int.class);
                Y = lookup.findVarHandle(FullFence.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /**
     * The store is a fully ordered atomic ({@code atomic_fetch_add}, a volatile {@code getAndAdd}) followed by
     * {@code smp_mb__after_atomic()}, then {@code READ_ONCE}: checks the claim that {@link Barriers#afterAtomic()}
     * may be a no-op because the volatile RMW already orders its store before later loads.
     */
    @JCStressTest
    @Outcome(id = {"0, 1", "1, 0", "1, 1"}, expect = ACCEPTABLE, desc = "at least one store was visible to the other thread's load")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "store buffering: the volatile RMW did not order its store before a later load")
    @State
    public static class AtomicRmwAfterAtomic {
        private int x;
        private int y;

        @Actor
        public void actor1(II_Result r) {
            X.getAndAdd(this, 1);
            Barriers.afterAtomic();
            r.r1 = (int) Y.getOpaque(this);
        }

        @Actor
        public void actor2(II_Result r) {
            Y.getAndAdd(this, 1);
            Barriers.afterAtomic();
            r.r2 = (int) X.getOpaque(this);
        }

        private static final VarHandle X;
        private static final VarHandle Y;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                X = lookup.findVarHandle(AtomicRmwAfterAtomic.class, "x", int.class);
                Y = lookup.findVarHandle(AtomicRmwAfterAtomic.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** No barrier, plain accesses: the weak outcome is allowed, and common on x86 (what {@code fullFence()} buys). */
    @JCStressTest
    @Outcome(id = {"0, 1", "1, 0", "1, 1"}, expect = ACCEPTABLE, desc = "at least one store was visible to the other thread's load")
    @Outcome(id = "0, 0", expect = ACCEPTABLE_INTERESTING, desc = "store buffering: both loads passed their own earlier store")
    @State
    public static class Plain {
        private int x;
        private int y;

        @Actor
        public void actor1(II_Result r) {
            x = 1;
            r.r1 = y;
        }

        @Actor
        public void actor2(II_Result r) {
            y = 1;
            r.r2 = x;
        }
    }
}
