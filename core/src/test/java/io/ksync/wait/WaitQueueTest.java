package io.ksync.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.ConcurrentTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaitQueueTest extends ConcurrentTest {

    private volatile boolean ready;
    private final AtomicInteger tokens = new AtomicInteger();

    /** Takes a token if there is one: the condition of the exclusive tests (consumes what it waited for). */
    private boolean takeToken() {
        for (;;) {
            int n = tokens.get();
            if (n == 0) {
                return false;
            }
            if (tokens.compareAndSet(n, n - 1)) {
                return true;
            }
        }
    }

    @Test
    void waitEventReturnsAtOnceWhenTheConditionHolds() throws Exception {
        WaitQueue queue = new WaitQueue();
        ready = true;
        queue.waitEvent(() -> ready);
        queue.waitEventInterruptible(() -> ready);
        assertTrue(queue.waitEventTimeout(() -> ready, 0, TimeUnit.SECONDS) >= 1,
                "a true condition returns at least 1 even with no time left (the kernel's rule)");
        assertEquals(TimeUnit.SECONDS.toNanos(5), queue.waitEventTimeout(() -> ready, 5, TimeUnit.SECONDS));
        assertEquals(0, queue.getQueueLength());
        assertFalse(queue.hasSleepers());
    }

    @Test
    void wakeUpAllWakesEveryWaiterOnceTheConditionHolds() throws Exception {
        WaitQueue queue = new WaitQueue();
        List<Future<?>> waiters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waiters.add(threads.submit(() -> {
                queue.waitEvent(() -> ready);
                return null;
            }));
        }
        awaitCondition("four sleepers", () -> queue.getQueueLength() == 4);
        assertTrue(queue.hasSleepers());
        queue.wakeUpAll(); // condition still false: everybody re-checks and sleeps again
        awaitCondition("the sleepers to go back to sleep", () -> queue.getQueueLength() == 4);
        assertTrue(waiters.stream().noneMatch(Future::isDone), "a wake-up without the condition must not return");
        ready = true;
        queue.wakeUpAll();
        for (Future<?> waiter : waiters) {
            get(waiter);
        }
        assertEquals(0, queue.getQueueLength());
    }

    @Test
    void wakeUpWakesAllNonExclusiveWaiters() throws Exception {
        WaitQueue queue = new WaitQueue();
        List<Future<?>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(threads.submit(() -> {
                queue.waitEvent(() -> ready);
                return null;
            }));
        }
        awaitCondition("three sleepers", () -> queue.getQueueLength() == 3);
        ready = true;
        queue.wakeUp();
        for (Future<?> waiter : waiters) {
            get(waiter);
        }
    }

    @Test
    void wakeUpWakesOneExclusiveWaiterAndWakeUpNrWakesN() throws Exception {
        WaitQueue queue = new WaitQueue();
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 4; i++) {
            threads.submit(() -> {
                queue.waitEventExclusive(this::takeToken);
                done.incrementAndGet();
                return null;
            });
        }
        awaitCondition("four exclusive sleepers", () -> queue.getQueueLength() == 4);
        tokens.set(4); // enough for all, but wake-ups are counted
        queue.wakeUp();
        awaitCondition("one to finish", () -> done.get() == 1);
        assertEquals(3, queue.getQueueLength(), "wakeUp() must wake exactly one exclusive waiter");
        queue.wakeUpNr(2);
        awaitCondition("two more to finish", () -> done.get() == 3);
        assertEquals(1, queue.getQueueLength());
        queue.wakeUpAll();
        awaitCondition("the last to finish", () -> done.get() == 4);
        assertEquals(0, tokens.get());
    }

    @Test
    void nonExclusiveWaitersAreWokenAheadOfTheExclusiveCount() throws Exception {
        WaitQueue queue = new WaitQueue();
        AtomicInteger exclusiveDone = new AtomicInteger();
        threads.submit(() -> {
            queue.waitEventExclusive(this::takeToken);
            exclusiveDone.incrementAndGet();
            return null;
        });
        threads.submit(() -> {
            queue.waitEventExclusive(this::takeToken);
            exclusiveDone.incrementAndGet();
            return null;
        });
        awaitCondition("two exclusive sleepers", () -> queue.getQueueLength() == 2);
        Future<?> shared = threads.submit(() -> {
            queue.waitEvent(() -> ready);
            return null;
        });
        awaitCondition("a shared sleeper", () -> queue.getQueueLength() == 3);
        ready = true;
        tokens.set(2);
        queue.wakeUp();
        get(shared);
        awaitCondition("one exclusive to finish", () -> exclusiveDone.get() == 1);
        assertEquals(1, queue.getQueueLength());
        queue.wakeUp();
        awaitCondition("the other exclusive to finish", () -> exclusiveDone.get() == 2);
    }

    /**
     * An exclusive waiter that is woken but times out before it can re-check must pass its wake-up on; here the
     * wake-up reaches a waiter whose timeout has already passed, so the second waiter must get it.
     */
    @Test
    void anExclusiveWaiterThatGivesUpAfterAWakeUpPassesItOn() throws Exception {
        WaitQueue queue = new WaitQueue();
        Thread[] first = new Thread[1];
        Future<Boolean> interrupted = threads.submit(() -> {
            first[0] = Thread.currentThread();
            try {
                queue.waitEventInterruptibleExclusive(this::takeToken);
                return false;
            } catch (InterruptedException expected) {
                return true;
            }
        });
        awaitCondition("the first exclusive sleeper", () -> queue.getQueueLength() == 1);
        Future<?> second = threads.submit(() -> {
            queue.waitEventExclusive(this::takeToken);
            return null;
        });
        awaitCondition("the second exclusive sleeper", () -> queue.getQueueLength() == 2);
        // Interrupt, then wake: whichever the first waiter sees first, the single wake-up must not be lost.
        first[0].interrupt();
        tokens.set(1);
        queue.wakeUp();
        boolean firstWasInterrupted = get(interrupted);
        if (firstWasInterrupted) {
            get(second); // the wake-up was passed on (or never reached the first one)
            assertEquals(0, tokens.get());
        } else {
            tokens.set(1);
            queue.wakeUp();
            get(second);
        }
    }

    @Test
    void timedWaitsReturnZeroOnTimeoutAndTimeLeftOnSuccess() throws Exception {
        WaitQueue queue = new WaitQueue();
        assertEquals(0, queue.waitEventTimeout(() -> ready, 20, TimeUnit.MILLISECONDS));
        assertEquals(0, queue.waitEventInterruptibleTimeout(() -> ready, 20, TimeUnit.MILLISECONDS));
        assertEquals(0, queue.waitEventExclusiveTimeout(() -> ready, 20, TimeUnit.MILLISECONDS));
        assertEquals(0, queue.waitEventInterruptibleExclusiveTimeout(() -> ready, 0, TimeUnit.MILLISECONDS));
        assertEquals(0, queue.getQueueLength(), "timed-out waiters must leave the queue");
        Future<Long> waiter = threads.submit(() -> queue.waitEventTimeout(() -> ready, TIMEOUT_SECONDS,
                TimeUnit.SECONDS));
        awaitCondition("a timed sleeper", () -> queue.getQueueLength() == 1);
        ready = true;
        queue.wakeUp();
        long left = get(waiter);
        assertTrue(left > 0 && left <= TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS), "left: " + left);
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() {
        WaitQueue queue = new WaitQueue();
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> queue.waitEventTimeout(() -> ready, -1, TimeUnit.SECONDS));
        assertTrue(negative.getMessage().contains("WaitQueue.waitEventTimeout: timeout must be >= 0"),
                negative.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> queue.waitEventInterruptibleTimeout(() -> ready, -1, TimeUnit.SECONDS));
        assertThrows(NullPointerException.class, () -> queue.waitEventTimeout(() -> ready, 1, null));
        assertThrows(NullPointerException.class, () -> queue.waitEvent(null));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> queue.wakeUpNr(0));
        assertTrue(zero.getMessage().contains("wakeUpAll()"), zero.getMessage());
    }

    @Test
    void interruptibleWaitsThrowOnInterruptButReturnIfTheConditionAlreadyHolds() throws Exception {
        WaitQueue queue = new WaitQueue();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> queue.waitEventInterruptible(() -> ready));
        assertFalse(Thread.interrupted(), "the status must be cleared with the exception");
        ready = true;
        Thread.currentThread().interrupt();
        queue.waitEventInterruptible(() -> ready); // the condition is checked first, as in the kernel
        assertTrue(Thread.interrupted(), "the status must be kept when the wait returns normally");
        ready = false;

        Thread[] sleeper = new Thread[1];
        Future<Boolean> waiter = threads.submit(() -> {
            sleeper[0] = Thread.currentThread();
            try {
                queue.waitEventInterruptibleTimeout(() -> ready, TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return false;
            } catch (InterruptedException expected) {
                return true;
            }
        });
        awaitCondition("a sleeper", () -> queue.getQueueLength() == 1);
        sleeper[0].interrupt();
        assertTrue(get(waiter));
        assertEquals(0, queue.getQueueLength());
    }

    @Test
    void uninterruptibleWaitsKeepSleepingAndKeepTheInterrupt() throws Exception {
        WaitQueue queue = new WaitQueue();
        Thread[] sleeper = new Thread[1];
        Future<Boolean> waiter = threads.submit(() -> {
            sleeper[0] = Thread.currentThread();
            queue.waitEvent(() -> ready);
            return Thread.currentThread().isInterrupted();
        });
        awaitCondition("a sleeper", () -> queue.getQueueLength() == 1);
        sleeper[0].interrupt();
        awaitCondition("the sleeper to sleep again", () -> queue.getQueueLength() == 1);
        assertFalse(waiter.isDone());
        ready = true;
        queue.wakeUp();
        assertTrue(get(waiter));
    }

    @Test
    void openCodedLoopWithEntries() throws Exception {
        WaitQueue queue = new WaitQueue();
        WaitQueue.Entry unprepared = new WaitQueue.Entry();
        IllegalStateException e = assertThrows(IllegalStateException.class, unprepared::sleep);
        assertTrue(e.getMessage().contains("prepareToWait"), e.getMessage());

        Future<Integer> waiter = threads.submit(() -> {
            WaitQueue.Entry entry = new WaitQueue.Entry();
            int sleeps = 0;
            try {
                for (;;) {
                    queue.prepareToWait(entry);
                    if (ready) {
                        break;
                    }
                    entry.sleep();
                    sleeps++;
                }
            } finally {
                queue.finishWait(entry);
            }
            return sleeps;
        });
        awaitCondition("a sleeper", () -> queue.getQueueLength() == 1);
        ready = true;
        queue.wakeUp();
        assertTrue(get(waiter) >= 1);
        assertEquals(0, queue.getQueueLength());

        WaitQueue.Entry entry = new WaitQueue.Entry();
        queue.prepareToWaitExclusive(entry);
        assertFalse(entry.isWoken());
        assertEquals(0, entry.sleep(1, TimeUnit.MILLISECONDS));
        queue.wakeUp();
        assertTrue(entry.isWoken(), "a wake-up must reach a prepared entry");
        entry.sleep(); // returns at once: already woken
        assertEquals(0, queue.getQueueLength(), "a wake-up removes the entry");
        queue.prepareToWait(entry);
        IllegalStateException elsewhere = assertThrows(IllegalStateException.class,
                () -> new WaitQueue().prepareToWait(entry));
        assertTrue(elsewhere.getMessage().contains("finishWait"), elsewhere.getMessage());
        queue.finishWait(entry);
        new WaitQueue().prepareToWait(entry);
        assertThrows(IllegalArgumentException.class, () -> entry.sleep(-1, TimeUnit.SECONDS));
    }

    @Test
    void aConditionThatThrowsLeavesTheQueueCleanAndTheExceptionPropagates() throws Exception {
        WaitQueue queue = new WaitQueue();
        AtomicInteger evaluations = new AtomicInteger();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> queue.waitEvent(() -> {
            if (evaluations.incrementAndGet() == 2) { // the re-check after queueing
                throw new IllegalStateException("broken condition");
            }
            return false;
        }));
        assertEquals("broken condition", e.getMessage());
        assertEquals(0, queue.getQueueLength(), "the entry must leave the queue with the exception");
        Future<?> waiter = threads.submit(() -> {
            queue.waitEvent(() -> ready);
            return null;
        });
        awaitCondition("a sleeper", () -> queue.getQueueLength() == 1);
        ready = true;
        queue.wakeUp();
        get(waiter);
    }

    /** Many producers and consumers through one exclusive queue: every token is consumed, nobody is stuck. */
    @Test
    void noWakeUpIsLostUnderContention() throws Exception {
        WaitQueue queue = new WaitQueue();
        int consumers = 4;
        int perConsumer = 5_000;
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            futures.add(threads.submit(() -> {
                for (int i = 0; i < perConsumer; i++) {
                    queue.waitEventExclusive(this::takeToken);
                }
                return null;
            }));
        }
        for (int p = 0; p < 2; p++) {
            futures.add(threads.submit(() -> {
                for (int i = 0; i < consumers * perConsumer / 2; i++) {
                    tokens.incrementAndGet();
                    queue.wakeUp();
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get(TIMEOUT_SECONDS * 2, TimeUnit.SECONDS);
        }
        assertEquals(0, tokens.get());
    }
}
