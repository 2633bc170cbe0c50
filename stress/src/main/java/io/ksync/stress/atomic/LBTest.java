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
 * The load-buffering shape (LB, the kernel's {@code LB+poacquireonce+pooncerelease.litmus}): each thread loads
 * the other's variable, then stores 1 to its own (r1 = y as thread 1 saw it, r2 = x as thread 2 saw it). The
 * weak outcome "1, 1" (each load saw the other thread's later store) is forbidden once each thread orders its
 * load before its store: an acquire load, a release store, or an acquire fence between them. Without, the JMM
 * allows it; x86 never produces it, and weakly ordered CPUs rarely do.
 */
public final class LBTest {

    private LBTest() {
    }

    /** {@code smp_load_acquire()} ({@code getAcquire}) then {@code smp_store_release()} ({@code setRelease}). */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 0"}, expect = ACCEPTABLE, desc = "some load ran before the other thread's store")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "load buffering: getAcquire/setRelease did not order the load before the store")
    @State
    public static class AcquireRelease {
        private int x;
        private int y;

        @Actor
        public void actor1(II_Result r) {
            r.r1 = (int) Y.getAcquire(this);
            X.setRelease(this, 1);
        }

        @Actor
        public void actor2(II_Result r) {
            r.r2 = (int) X.getAcquire(this);
            Y.setRelease(this, 1);
        }

        private static final VarHandle X;
        private static final VarHandle Y;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                X = lookup.findVarHandle(AcquireRelease.class, "x", int.class);
                Y = lookup.findVarHandle(AcquireRelease.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /**
     * {@code READ_ONCE}; {@code acquireFence()} ({@code smp_acquire__after_ctrl_dep}, the part of a control
     * dependency that the JMM does not honour); {@code WRITE_ONCE}.
     */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 0"}, expect = ACCEPTABLE, desc = "some load ran before the other thread's store")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "load buffering: acquireFence did not order the load before the store")
    @State
    public static class AcquireFence {
        private int x;
        private int y;

        @Actor
        public void actor1(II_Result r) {
            r.r1 = (int) Y.getOpaque(this);
            Barriers.acquireFence();
            X.setOpaque(this, 1);
        }

        @Actor
        public void actor2(II_Result r) {
            r.r2 = (int) X.getOpaque(this);
            Barriers.acquireFence();
            Y.setOpaque(this, 1);
        }

        private static final VarHandle X;
        private static final VarHandle Y;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                X = lookup.findVarHandle(AcquireFence.class, "x", int.class);
                Y = lookup.findVarHandle(AcquireFence.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** No barrier, plain accesses: the weak outcome is allowed (what the orderings above buy). */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 0"}, expect = ACCEPTABLE, desc = "some load ran before the other thread's store")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "load buffering: each load saw the other thread's later store")
    @State
    public static class Plain {
        private int x;
        private int y;

        @Actor
        public void actor1(II_Result r) {
            r.r1 = y;
            x = 1;
        }

        @Actor
        public void actor2(II_Result r) {
            r.r2 = x;
            y = 1;
        }
    }
}
