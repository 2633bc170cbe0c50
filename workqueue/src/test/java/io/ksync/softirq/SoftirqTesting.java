package io.ksync.softirq;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared pieces of the softirq and tasklet tests: a failure collector, a CPU blocker, bounded waits. */
final class SoftirqTesting {

    static final long TIMEOUT_SECONDS = 20;

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

    static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "timed out waiting for a latch");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls {@code condition} until it holds; fails after the timeout. */
    static void awaitCondition(String what, BooleanSupplier condition) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Waits until {@code thread} is parked (WAITING or TIMED_WAITING); fails after the timeout. */
    static void awaitParked(Thread thread) {
        awaitCondition(thread.getName() + " parks", () -> {
            final Thread.State state = thread.getState();
            return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        });
    }

    static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertTrue(!thread.isAlive(), thread.getName() + " did not end");
    }
}
