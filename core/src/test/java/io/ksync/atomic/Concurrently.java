package io.ksync.atomic;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a body on several fresh threads that start together through a latch, and joins them with a bound: a
 * thread still running after it fails the test (a hang), the first exception or assertion error of any thread
 * is rethrown in the test thread. Joining gives the test thread a happens-before edge from everything the
 * threads did.
 */
final class Concurrently {

    /** How long all threads of one run may take together before the run counts as hung. */
    static final long JOIN_BOUND_SECONDS = 60;

    /** The body of one thread, given its number in {@code [0, threads)}. */
    @FunctionalInterface
    interface Body {
        void run(int thread) throws Exception;
    }

    private Concurrently() {
    }

    static void run(int threads, Body body) throws InterruptedException {
        final CountDownLatch ready = new CountDownLatch(threads);
        final CountDownLatch start = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] started = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int thread = t;
            started[t] = new Thread(() -> {
                ready.countDown();
                try {
                    start.await();
                    body.run(thread);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "ksync-atomic-test-" + t);
            started[t].setDaemon(true);
            started[t].start();
        }
        assertTrue(ready.await(JOIN_BOUND_SECONDS, TimeUnit.SECONDS), "test threads did not start");
        start.countDown();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOIN_BOUND_SECONDS);
        for (Thread thread : started) {
            thread.join(Math.max(1L, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            assertTrue(!thread.isAlive(), thread.getName() + " still running after " + JOIN_BOUND_SECONDS
                    + " s: a hang");
        }
        final Throwable first = failure.get();
        if (first instanceof Error) {
            throw (Error) first;
        }
        if (first != null) {
            throw new AssertionError(first);
        }
    }

    /** Waits for a condition another thread will make true, without sleeping: spins, then yields. */
    static void spinUntil(java.util.function.BooleanSupplier condition) {
        for (int spins = 0; !condition.getAsBoolean(); spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }
}
