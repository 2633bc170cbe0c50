package io.ksync.softirq;

import io.ksync.testing.Waits;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;

/** Shared pieces of the softirq and tasklet tests: a failure collector, a CPU blocker, bounded waits. */
final class SoftirqTesting {

    static final long TIMEOUT_SECONDS = Waits.TIMEOUT_SECONDS;

    private SoftirqTesting() {
    }

    /** Collects what the softirq reports, so a test can assert on it. */
    static final class Failures implements Thread.UncaughtExceptionHandler {
        final List<Throwable> reported = new CopyOnWriteArrayList<>();

        @Override
        public void uncaughtException(Thread thread, Throwable failure) {
            reported.add(failure);
        }
    }

    /**
     * Holds one CPU's ksoftirqd thread inside the TIMER vector's handler until released, so that work can be
     * raised or scheduled behind it deterministically. Opens TIMER on the softirq.
     */
    static final class CpuBlocker {
        private final Softirq softirq;
        private volatile CountDownLatch entered = new CountDownLatch(1);
        private volatile CountDownLatch release = new CountDownLatch(1);

        CpuBlocker(Softirq softirq) {
            this.softirq = softirq;
            softirq.open(Softirq.Vector.TIMER, cpu -> {
                entered.countDown();
                await(release);
            });
        }

        /** Blocks {@code cpu}'s thread and returns once it is inside the handler. */
        void block(int cpu) {
            entered = new CountDownLatch(1);
            release = new CountDownLatch(1);
            softirq.raiseOn(cpu, Softirq.Vector.TIMER);
            await(entered);
        }

        void release() {
            release.countDown();
        }
    }

    /**
     * Runs actions on a chosen CPU's ksoftirqd thread, inside the NET_RX handler, as softirq code of that CPU
     * would. Opens NET_RX on the softirq.
     */
    static final class OnCpu {
        private final Softirq softirq;
        private final AtomicReferenceArray<Runnable> actions;

        OnCpu(Softirq softirq) {
            this.softirq = softirq;
            this.actions = new AtomicReferenceArray<>(softirq.cpus());
            softirq.open(Softirq.Vector.NET_RX, cpu -> {
                final Runnable action = actions.getAndSet(cpu, null);
                if (action != null) {
                    action.run();
                }
            });
        }

        /** Runs {@code action} on {@code cpu}'s thread and returns what it threw, or null, once it has returned. */
        Throwable call(int cpu, Runnable action) {
            final CountDownLatch done = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            start(cpu, () -> {
                try {
                    action.run();
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    done.countDown();
                }
            });
            await(done);
            return failure.get();
        }

        /** Has {@code cpu}'s thread run {@code action} soon, without waiting for it. */
        void start(int cpu, Runnable action) {
            if (!actions.compareAndSet(cpu, null, action)) {
                throw new AssertionError("an action is already waiting to run on cpu " + cpu);
            }
            softirq.raiseOn(cpu, Softirq.Vector.NET_RX);
        }
    }

    static void await(CountDownLatch latch) {
        Waits.await(latch);
    }

    static void awaitCondition(String what, BooleanSupplier condition) {
        Waits.awaitCondition(what, condition);
    }

    static void awaitParked(Thread thread) {
        Waits.awaitParked(thread);
    }

    static void join(Thread thread) {
        Waits.join(thread);
    }
}
