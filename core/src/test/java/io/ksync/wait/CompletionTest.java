package io.ksync.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.ConcurrentTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CompletionTest extends ConcurrentTest {

    private static int sleepers(Completion completion) {
        return completion.getQueueLength();
    }

    @Test
    void aCompletionBeforeTheWaitIsRemembered() {
        Completion completion = new Completion();
        assertFalse(completion.isDone());
        completion.complete();
        assertTrue(completion.isDone());
        completion.waitForCompletion();
        assertFalse(completion.isDone(), "each complete() lets exactly one wait through");
        assertFalse(completion.tryWaitForCompletion());
        completion.complete();
        completion.complete();
        assertTrue(completion.tryWaitForCompletion());
        assertTrue(completion.tryWaitForCompletion());
        assertFalse(completion.tryWaitForCompletion());
    }

    @Test
    void completeWakesTheLongestWaiterOnly() throws Exception {
        Completion completion = new Completion();
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Future<?>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            final int index = i;
            waiters.add(threads.submit(() -> {
                completion.waitForCompletion();
                order.add(index);
                return null;
            }));
            awaitCondition((i + 1) + " sleepers", () -> sleepers(completion) == index + 1);
        }
        completion.complete();
        get(waiters.get(0));
        assertEquals(2, sleepers(completion));
        assertFalse(completion.tryWaitForCompletion(), "the completion went to the sleeper");
        completion.complete();
        get(waiters.get(1));
        completion.complete();
        get(waiters.get(2));
        assertEquals(List.of(0, 1, 2), order);
    }

    @Test
    void completeAllReleasesEveryoneAndStaysDoneUntilReinit() throws Exception {
        Completion completion = new Completion();
        List<Future<?>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            final int index = i;
            waiters.add(threads.submit(() -> {
                completion.waitForCompletion();
                return null;
            }));
            awaitCondition((i + 1) + " sleepers", () -> sleepers(completion) == index + 1);
        }
        completion.completeAll();
        for (Future<?> waiter : waiters) {
            get(waiter);
        }
        assertTrue(completion.isDone());
        completion.waitForCompletion();
        assertTrue(completion.tryWaitForCompletion());
        assertTrue(completion.isDone(), "completeAll() is not consumed by waits");
        assertTrue(completion.toString().contains("done for all"), completion.toString());
        completion.complete(); // ignored: already done for all
        completion.reinit();
        assertFalse(completion.isDone());
        assertFalse(completion.tryWaitForCompletion());
        assertEquals(0, completion.waitForCompletionTimeout(1, TimeUnit.MILLISECONDS));
    }

    @Test
    void reinitForgetsPendingCompletionsAndKeepsSleepersWaiting() throws Exception {
        Completion completion = new Completion();
        completion.complete();
        completion.reinit();
        assertFalse(completion.isDone());
        Future<?> waiter = threads.submit(() -> {
            completion.waitForCompletion();
            return null;
        });
        awaitCondition("a sleeper", () -> sleepers(completion) == 1);
        completion.reinit();
        assertFalse(waiter.isDone());
        completion.complete();
        get(waiter);
    }

    @Test
    void timedWaitsReturnZeroOnTimeoutAndTimeLeftOnSuccess() throws Exception {
        Completion completion = new Completion();
        assertEquals(0, completion.waitForCompletionTimeout(20, TimeUnit.MILLISECONDS));
        assertEquals(0, completion.waitForCompletionInterruptibleTimeout(20, TimeUnit.MILLISECONDS));
        assertEquals(0, completion.waitForCompletionTimeout(0, TimeUnit.MILLISECONDS));
        assertEquals(0, sleepers(completion), "timed-out waiters must leave");
        completion.complete();
        assertEquals(TimeUnit.SECONDS.toNanos(3), completion.waitForCompletionTimeout(3, TimeUnit.SECONDS));
        completion.complete();
        assertEquals(1, completion.waitForCompletionTimeout(0, TimeUnit.SECONDS), "done with no time: at least 1");
        Future<Long> waiter = threads.submit(() -> completion.waitForCompletionInterruptibleTimeout(
                TIMEOUT_SECONDS, TimeUnit.SECONDS));
        awaitCondition("a timed sleeper", () -> sleepers(completion) == 1);
        completion.complete();
        assertTrue(get(waiter) > 0);
    }

    @Test
    void badTimeoutsAreRejected() {
        Completion completion = new Completion();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> completion.waitForCompletionTimeout(-1, TimeUnit.SECONDS));
        assertTrue(e.getMessage().contains("Completion.waitForCompletionTimeout: timeout must be >= 0"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> completion.waitForCompletionInterruptibleTimeout(-1, TimeUnit.SECONDS));
        assertThrows(NullPointerException.class, () -> completion.waitForCompletionTimeout(1, null));
    }

    @Test
    void interruptibleWaitsThrowOnEntryAndWhileSleeping() throws Exception {
        Completion completion = new Completion();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, completion::waitForCompletionInterruptible);
        assertFalse(Thread.interrupted());
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class,
                () -> completion.waitForCompletionInterruptibleTimeout(1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted());

        Thread[] sleeper = new Thread[1];
        Future<Boolean> waiter = threads.submit(() -> {
            sleeper[0] = Thread.currentThread();
            try {
                completion.waitForCompletionInterruptible();
                return false;
            } catch (InterruptedException expected) {
                return true;
            }
        });
        awaitCondition("a sleeper", () -> sleepers(completion) == 1);
        sleeper[0].interrupt();
        assertTrue(get(waiter));
        completion.complete();
        assertTrue(completion.isDone(), "a completion after the interrupted waiter left must be kept");
    }

    @Test
    void uninterruptibleWaitKeepsSleepingAndKeepsTheInterrupt() throws Exception {
        Completion completion = new Completion();
        Thread[] sleeper = new Thread[1];
        Future<Boolean> waiter = threads.submit(() -> {
            sleeper[0] = Thread.currentThread();
            completion.waitForCompletion();
            return Thread.currentThread().isInterrupted();
        });
        awaitCondition("a sleeper", () -> sleepers(completion) == 1);
        sleeper[0].interrupt();
        assertFalse(waiter.isDone());
        completion.complete();
        assertTrue(get(waiter));
    }

    @Test
    void manyCompletionsAndWaitsBalance() throws Exception {
        Completion completion = new Completion();
        int rounds = 20_000;
        Future<?> waiter = threads.submit(() -> {
            for (int i = 0; i < rounds; i++) {
                completion.waitForCompletion();
            }
            return null;
        });
        Future<?> completer = threads.submit(() -> {
            for (int i = 0; i < rounds; i++) {
                completion.complete();
            }
            return null;
        });
        get(completer);
        get(waiter);
        assertFalse(completion.isDone());
    }
}
