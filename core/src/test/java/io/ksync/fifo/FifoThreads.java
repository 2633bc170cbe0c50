package io.ksync.fifo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one body per fresh thread, all started together through a latch, and joins them with a bound: a thread
 * still running after it fails the test (a hang); the first exception or assertion error of any thread is
 * rethrown in the test thread. Joining gives the test thread a happens-before edge from everything the
 * threads did.
 */
final class FifoThreads {

    /** How long all threads of one run may take together before the run counts as hung. */
    static final long JOIN_BOUND_SECONDS = 120;

    /** The body of one thread. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    private FifoThreads() {
    }

    static void runTogether(Body... bodies) throws InterruptedException {
        final CountDownLatch ready = new CountDownLatch(bodies.length);
        final CountDownLatch start = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] threads = new Thread[bodies.length];
        for (int t = 0; t < bodies.length; t++) {
            final Body body = bodies[t];
            threads[t] = new Thread(() -> {
                ready.countDown();
                try {
                    start.await();
                    body.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "ksync-fifo-test-" + t);
            threads[t].setDaemon(true);
            threads[t].start();
        }
        assertTrue(ready.await(JOIN_BOUND_SECONDS, TimeUnit.SECONDS), "test threads did not start");
        start.countDown();
        join(threads);
        final Throwable first = failure.get();
        if (first instanceof Error) {
            throw (Error) first;
        }
        if (first != null) {
            throw new AssertionError(first);
        }
    }

    /** Runs {@code body} on a fresh thread and waits for it to end (with the bound), rethrowing its failure. */
    static void runOnOtherThread(Body body) throws InterruptedException {
        runTogether(body);
    }

    /** Starts {@code body} on a fresh daemon thread and returns it; join it with {@link #join}. */
    static Thread start(String name, Body body, AtomicReference<Throwable> failure) {
        final Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    static void join(Thread... threads) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOIN_BOUND_SECONDS);
        for (Thread thread : threads) {
            thread.join(Math.max(1L, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            assertTrue(!thread.isAlive(), thread.getName() + " still running after " + JOIN_BOUND_SECONDS
                    + " s: a hang");
        }
    }

    /** Waits for a full or empty fifo to change: spins a little, then yields (no sleeping, no clock). */
    static int backOff(int spins) {
        if (spins < 64) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
        return spins + 1;
    }
}
