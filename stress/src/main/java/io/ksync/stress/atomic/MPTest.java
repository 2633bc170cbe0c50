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
 * The message-passing shape (MP, the kernel's {@code MP+fencewmbonceonce+fencermbonceonce.litmus} and
 * {@code MP+pooncerelease+poacquireonce.litmus}): the writer stores the data {@code x = 1}, then the flag
 * {@code y = 1}; the reader loads the flag, then the data (r1 = y, r2 = x). The weak outcome "1, 0" (flag seen,
 * data missed) is forbidden with a write barrier paired with a read barrier, or with a release store paired
 * with an acquire load; with plain accesses it is allowed. x86 never reorders stores with stores or loads with
 * loads, so there the {@code Plain} variant shows it only if the JIT reorders.
 */
public final class MPTest {

    private MPTest() {
    }

    /** {@code smp_wmb()} between the stores, {@code smp_rmb()} between the loads; the flag through {@code WRITE_ONCE}/{@code READ_ONCE}. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the data is visible whenever the flag is")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw the flag but not the data: writeFence/readFence did not order them")
    @State
    public static class WriteFenceReadFence {
        private int x;
        private int y;

        @Actor
        public void writer() {
            x = 1;
            Barriers.writeFence();
            Y.setOpaque(this, 1);
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = (int) Y.getOpaque(this);
            Barriers.readFence();
            r.r2 = x;
        }

        private static final VarHandle Y;

        static {
            try {
                Y = MethodHandles.lookup().findVarHandle(WriteFenceReadFence.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** {@code smp_store_release()} of the flag ({@code setRelease}), {@code smp_load_acquire()} of it ({@code getAcquire}). */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the data is visible whenever the flag is")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw the flag but not the data: setRelease/getAcquire did not order them")
    @State
    public static class ReleaseAcquire {
        private int x;
        private int y;

        @Actor
        public void writer() {
            x = 1;
            Y.setRelease(this, 1);
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = (int) Y.getAcquire(this);
            r.r2 = x;
        }

        private static final VarHandle Y;

        static {
            try {
                Y = MethodHandles.lookup().findVarHandle(ReleaseAcquire.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** The fence forms: {@code releaseFence()} before the flag store, {@code acquireFence()} after the flag load. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the data is visible whenever the flag is")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw the flag but not the data: releaseFence/acquireFence did not order them")
    @State
    public static class ReleaseFenceAcquireFence {
        private int x;
        private int y;

        @Actor
        public void writer() {
            x = 1;
            Barriers.releaseFence();
            Y.setOpaque(this, 1);
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = (int) Y.getOpaque(this);
            Barriers.acquireFence();
            r.r2 = x;
        }

        private static final VarHandle Y;

        static {
            try {
                Y = MethodHandles.lookup().findVarHandle(ReleaseFenceAcquireFence.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** No barrier, plain accesses: the weak outcome is allowed (what the barriers above buy). */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the data is visible whenever the flag is")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING, desc = "saw the flag but not the data: reordered without a barrier")
    @State
    public static class Plain {
        private int x;
        private int y;

        @Actor
        public void writer() {
            x = 1;
            y = 1;
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = y;
            r.r2 = x;
        }
    }
}
