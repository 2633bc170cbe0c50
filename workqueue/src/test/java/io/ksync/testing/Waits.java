package io.ksync.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Bounded waits for the workqueue module's tests: every wait fails the test instead of hanging it. */
public final class Waits {

    public static final long TIMEOUT_SECONDS = 20;

    /** Failures of threads made by {@link #start}, rethrown by {@link #join}. */
    private static final java.util.Map<Thread, Throwable> FAILURES = new java.util.concurrent.ConcurrentHashMap<>();

    private Waits() {
    }

    public static void await(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("timed out waiting for a latch; threads:\n" + threadDump());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls {@code condition} until it holds; fails after the timeout. */
    public static void awaitCondition(String what, BooleanSupplier condition) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what + "; threads:\n" + threadDump());
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** The ksync frames of every thread, to say where a timed-out test was stuck. */
    public static String threadDump() {
        final StringBuilder dump = new StringBuilder();
        for (java.util.Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            final StringBuilder frames = new StringBuilder();
            for (StackTraceElement frame : entry.getValue()) {
                if (frame.getClassName().startsWith("io.ksync")) {
                    frames.append("    at ").append(frame).append('\n');
                }
            }
            if (frames.length() > 0) {
                dump.append(entry.getKey().getName()).append(' ').append(entry.getKey().getState()).append('\n')
                        .append(frames);
            }
        }
        return dump.toString();
    }

    /** Waits until {@code thread} is parked (WAITING or TIMED_WAITING); fails after the timeout. */
    public static void awaitParked(Thread thread) {
        awaitCondition(thread.getName() + " parks", () -> {
            final Thread.State state = thread.getState();
            return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        });
    }

    public static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (thread.isAlive()) {
            fail(thread.getName() + " did not end; threads:\n" + threadDump());
        }
        final Throwable failure = FAILURES.remove(thread);
        if (failure != null) {
            throw new AssertionError(thread.getName() + " failed", failure);
        }
    }

    /** Starts a daemon thread running {@code body}; {@link #join} rethrows what it threw. */
    public static Thread start(String name, Runnable body) {
        final Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler(FAILURES::put);
        thread.start();
        return thread;
    }
}
