package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SemaphoreTest extends ConcurrentTest {

    @Test
    void constructorRejectsBadCountsWithTheReason() {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> new Semaphore(-1));
        assertTrue(negative.getMessage().contains(">= 0, was -1"), negative.getMessage());
        IllegalArgumentException aboveBound = assertThrows(IllegalArgumentException.class,
                () -> new Semaphore(3, 2));
        assertTrue(aboveBound.getMessage().contains("bound"), aboveBound.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Semaphore(0, 0));
        assertEquals(Semaphore.MAX_COUNT, new Semaphore(0).bound());
        assertEquals(5, new Semaphore(1, 5).bound());
    }

    @Test
    void downAndUpMoveTheCount() {
        Semaphore semaphore = new Semaphore(2);
        semaphore.down();
        assertEquals(1, semaphore.count());
        assertTrue(semaphore.downTrylock());
        assertEquals(0, semaphore.count());
        assertFalse(semaphore.downTrylock(), "downTrylock must fail at 0 (the kernel's 1)");
        semaphore.up();
        semaphore.up();
        semaphore.up();
        assertEquals(3, semaphore.count(), "without a bound, up() may raise the count above its start");
        assertFalse(semaphore.hasQueuedThreads());
        assertTrue(semaphore.toString().contains("count=3"), semaphore.toString());
    }

    @Test
    void upBeyondTheBoundThrowsAndChangesNothing() {
        Semaphore semaphore = new Semaphore(1, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, semaphore::up);
        assertTrue(e.getMessage().contains("above its bound 1"), e.getMessage());
        assertEquals(1, semaphore.count());
        semaphore.down();
        semaphore.up();
        assertEquals(1, semaphore.count());
    }

    @Test
    void downTimeoutRejectsNegativeTimeoutsAndNullUnits() {
        Semaphore semaphore = new Semaphore(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> semaphore.downTimeout(-1, TimeUnit.MILLISECONDS));
        assertTrue(e.getMessage().contains("Semaphore.downTimeout: timeout must be >= 0, was -1"), e.getMessage());
        assertThrows(NullPointerException.class, () -> semaphore.downTimeout(1, null));
        assertEquals(1, semaphore.count(), "a rejected call must not take a unit");
    }

    @Test
    void downTimeoutSucceedsAtOnceOrTimesOut() throws Exception {
        Semaphore semaphore = new Semaphore(1);
        assertTrue(semaphore.downTimeout(0, TimeUnit.SECONDS));
        assertFalse(semaphore.downTimeout(0, TimeUnit.SECONDS));
        assertFalse(semaphore.downTimeout(20, TimeUnit.MILLISECONDS));
        assertFalse(semaphore.hasQueuedThreads(), "a timed-out sleeper must leave the queue");
        assertEquals(0, semaphore.count());
    }

    @Test
    void downTimeoutSucceedsWhenAUnitComesInTime() throws Exception {
        Semaphore semaphore = new Semaphore(0);
        Future<Boolean> waiter = threads.submit(() -> semaphore.downTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        awaitCondition("a sleeper", () -> semaphore.getQueueLength() == 1);
        semaphore.up();
        assertTrue(get(waiter));
        assertEquals(0, semaphore.count(), "the unit went to the sleeper, not to the count");
    }

    @Test
    void interruptibleAndTimedDownsThrowWhenInterruptedOnEntry() {
        Semaphore semaphore = new Semaphore(1);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, semaphore::downInterruptible);
        assertFalse(Thread.interrupted());
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> semaphore.downTimeout(1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted());
        assertEquals(1, semaphore.count(), "a refused down must not take a unit");
    }

    @Test
    void downInterruptibleThrowsWhenInterruptedWhileSleepingAndLeavesTheQueue() throws Exception {
        Semaphore semaphore = new Semaphore(0);
        Thread[] sleeper = new Thread[1];
        Future<Boolean> waiter = threads.submit(() -> {
            sleeper[0] = Thread.currentThread();
            try {
                semaphore.downInterruptible();
                return false;
            } catch (InterruptedException expected) {
                return !Thread.currentThread().isInterrupted();
            }
        });
        awaitCondition("a sleeper", () -> semaphore.getQueueLength() == 1);
        sleeper[0].interrupt();
        assertTrue(get(waiter));
        assertFalse(semaphore.hasQueuedThreads());
        semaphore.up();
        assertEquals(1, semaphore.count(), "the up after the interrupted sleeper left must be counted");
    }

    @Test
    void downKeepsSleepingWhenInterruptedAndSetsTheStatusOnReturn() throws Exception {
        Semaphore semaphore = new Semaphore(0);
        Thread[] sleeper = new Thread[1];
        Future<Boolean> waiter = threads.submit(() -> {
            sleeper[0] = Thread.currentThread();
            semaphore.down();
            return Thread.currentThread().isInterrupted();
        });
        awaitCondition("a sleeper", () -> semaphore.getQueueLength() == 1);
        sleeper[0].interrupt();
        assertFalse(waiter.isDone());
        assertEquals(1, semaphore.getQueueLength(), "down() must keep sleeping");
        semaphore.up();
        assertTrue(get(waiter));
    }

    @Test
    void upWakesSleepersInFifoOrderAndLaterArrivalsCannotBarge() throws Exception {
        Semaphore semaphore = new Semaphore(0);
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Future<?>> sleepers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            final int index = i;
            sleepers.add(threads.submit(() -> {
                semaphore.down();
                order.add(index);
            }));
            awaitCondition((i + 1) + " sleepers", () -> semaphore.getQueueLength() == index + 1);
        }
        semaphore.up();
        get(sleepers.get(0));
        assertFalse(semaphore.downTrylock(), "a unit owed to a sleeper must not go to a later arrival");
        for (int i = 1; i < 4; i++) {
            semaphore.up();
            get(sleepers.get(i));
        }
        assertEquals(List.of(0, 1, 2, 3), order);
        assertEquals(0, semaphore.count());
    }

    @Test
    void upFromAnyThreadIsAllowed() throws Exception {
        Semaphore semaphore = new Semaphore(0);
        assertTrue(onOtherThread(() -> {
            semaphore.up();
            return true;
        }));
        assertTrue(semaphore.downTrylock());
    }

    /**
     * Many threads take and return units with every kind of down, some timing out and some interrupted; at the
     * end no unit was lost or duplicated and the holders never exceeded the count.
     */
    @Test
    void noUnitIsLostUnderTimeoutsAndInterrupts() throws Exception {
        final int units = 3;
        Semaphore semaphore = new Semaphore(units, units);
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        List<Thread> workerThreads = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 6; t++) {
            workers.add(threads.submit(() -> {
                start.await();
                workerThreads.add(Thread.currentThread()); // interrupts only from here on
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 3_000; i++) {
                    boolean acquired;
                    try {
                        switch (random.nextInt(4)) {
                            case 0:
                                semaphore.down();
                                acquired = true;
                                break;
                            case 1:
                                semaphore.downInterruptible();
                                acquired = true;
                                break;
                            case 2:
                                acquired = semaphore.downTimeout(random.nextInt(50), TimeUnit.MICROSECONDS);
                                break;
                            default:
                                acquired = semaphore.downTrylock();
                                break;
                        }
                    } catch (InterruptedException e) {
                        acquired = false;
                    }
                    if (acquired) {
                        if (holders.incrementAndGet() > units) {
                            overlaps.incrementAndGet();
                        }
                        holders.decrementAndGet();
                        semaphore.up();
                    }
                }
                Thread.interrupted();
                return null;
            }));
        }
        start.countDown();
        Future<?> interrupter = threads.submit(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!workers.stream().allMatch(Future::isDone)) {
                if (!workerThreads.isEmpty()) {
                    workerThreads.get(random.nextInt(workerThreads.size())).interrupt();
                }
                Thread.yield();
            }
            return null;
        });
        for (Future<?> worker : workers) {
            worker.get(TIMEOUT_SECONDS * 2, TimeUnit.SECONDS);
        }
        get(interrupter);
        assertEquals(0, overlaps.get(), "more holders than units");
        assertEquals(units, semaphore.count(), "units were lost or duplicated");
        assertFalse(semaphore.hasQueuedThreads());
    }
}
