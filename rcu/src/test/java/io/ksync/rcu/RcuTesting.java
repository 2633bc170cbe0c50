package io.ksync.rcu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Helpers shared by the RCU tests: bounded waits (never timing assertions) and a thread holding a section open. */
final class RcuTesting {

    static final long WAIT_SECONDS = 30;

    private RcuTesting() {
    }

    static void await(CountDownLatch latch) throws InterruptedException {
        assertTrue(latch.await(WAIT_SECONDS, TimeUnit.SECONDS), "timed out waiting");
    }

    /** Waits until the thread blocks (parked or waiting), or fails after {@link #WAIT_SECONDS}. */
    static void awaitParkedOrWaiting(Thread thread) {
        awaitCondition(() -> thread.getState() == Thread.State.TIMED_WAITING
                || thread.getState() == Thread.State.WAITING, thread + " never waited");
    }

    /** Waits until the condition holds, or fails after {@link #WAIT_SECONDS}. */
    static void awaitCondition(BooleanSupplier condition, String failure) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, failure);
            Thread.onSpinWait();
        }
    }

    static void join(Thread thread) throws InterruptedException {
        thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertTrue(!thread.isAlive(), thread + " did not finish");
    }

    static void assertMessage(Throwable e, String expected) {
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /**
     * A thread that enters a read-side section, signals, and holds the section open until {@link #leave()}.
     * {@code beforeLeaving} runs inside the section just before it ends.
     */
    static final class SectionHolder {
        private final CountDownLatch in = new CountDownLatch(1);
        private final CountDownLatch leave = new CountDownLatch(1);
        private final Thread thread;

        SectionHolder(String name, Runnable enter, Runnable exit, Runnable beforeLeaving) {
            thread = new Thread(() -> {
                enter.run();
                try {
                    in.countDown();
                    leave.await();
                    beforeLeaving.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    exit.run();
                }
            }, name);
        }

        /** Starts the thread and returns once its section is open. */
        SectionHolder start() throws InterruptedException {
            thread.start();
            await(in);
            return this;
        }

        /** Lets the section end and waits for the thread. */
        void leave() throws InterruptedException {
            leave.countDown();
            join(thread);
        }

        Thread thread() {
            return thread;
        }
    }
}
