package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

/**
 * The behaviour the JSR-166 TCK checks of a {@link Condition} (await, signal, timeouts, interruption,
 * ownership checks), for the conditions of this package's sleeping exclusive locks: one abstract suite, one
 * short subclass per lock. A {@link #waiters} count lets the tests wait until a thread really sleeps on the
 * condition instead of sleeping for a while.
 */
abstract class ConditionContract extends ConcurrentTest {

    /** Returns a new, unlocked exclusive lock whose conditions are under test. */
    abstract Lock newLock();

    /** Whether the current thread holds {@code lock}. */
    abstract boolean isHeldByCurrentThread(Lock lock);

    /** Number of threads waiting on {@code condition} now. */
    static int waiters(Condition condition) {
        return ((LockCondition) condition).waiterCount();
    }

    /** Starts {@code count} threads that each await {@code condition} once and record their index on wake-up. */
    List<Future<?>> startAwaiting(Lock lock, Condition condition, int count, List<Integer> wokenOrder)
            throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final int index = i;
            futures.add(threads.submit(() -> {
                lock.lock();
                try {
                    condition.await();
                    wokenOrder.add(index);
                } finally {
                    lock.unlock();
                }
                return null;
            }));
            awaitCondition((index + 1) + " waiters", () -> waiters(condition) == index + 1);
        }
        return futures;
    }

    @Test
    void awaitReleasesTheLockAndSignalWakesWithTheLockHeld() throws Exception {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        List<Integer> woken = new CopyOnWriteArrayList<>();
        List<Future<?>> futures = startAwaiting(lock, condition, 1, woken);
        assertTrue(lock.tryLock(), "await() must release the lock while the thread sleeps");
        try {
            condition.signal();
            assertEquals(0, waiters(condition));
            assertTrue(woken.isEmpty(), "the signalled thread must wait for the lock before returning");
        } finally {
            lock.unlock();
        }
        get(futures.get(0));
        assertEquals(List.of(0), woken);
    }

    @Test
    void signalWakesOneWaiterInFifoOrder() throws Exception {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        List<Integer> woken = new CopyOnWriteArrayList<>();
        List<Future<?>> futures = startAwaiting(lock, condition, 3, woken);
        for (int i = 0; i < 3; i++) {
            lock.lock();
            try {
                condition.signal();
            } finally {
                lock.unlock();
            }
            get(futures.get(i));
            assertEquals(2 - i, waiters(condition));
        }
        assertEquals(List.of(0, 1, 2), woken);
    }

    @Test
    void signalAllWakesEveryWaiter() throws Exception {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        List<Integer> woken = new CopyOnWriteArrayList<>();
        List<Future<?>> futures = startAwaiting(lock, condition, 3, woken);
        lock.lock();
        try {
            condition.signalAll();
        } finally {
            lock.unlock();
        }
        for (Future<?> future : futures) {
            get(future);
        }
        assertEquals(3, woken.size());
    }

    @Test
    void signalWithoutWaitersDoesNothing() {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        lock.lock();
        try {
            condition.signal();
            condition.signalAll();
        } finally {
            lock.unlock();
        }
        assertEquals(0, waiters(condition));
    }

    @Test
    void everyMethodRequiresTheLock() throws Exception {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, condition::await);
        assertTrue(e.getMessage().contains("without holding"), e.getMessage());
        assertThrows(IllegalMonitorStateException.class, condition::awaitUninterruptibly);
        assertThrows(IllegalMonitorStateException.class, () -> condition.awaitNanos(1));
        assertThrows(IllegalMonitorStateException.class, () -> condition.await(1, TimeUnit.SECONDS));
        assertThrows(IllegalMonitorStateException.class, () -> condition.awaitUntil(new Date()));
        assertThrows(IllegalMonitorStateException.class, condition::signal);
        assertThrows(IllegalMonitorStateException.class, condition::signalAll);
        lock.lock();
        try {
            assertFalse(onOtherThread(() -> {
                assertThrows(IllegalMonitorStateException.class, condition::signal);
                return false;
            }), "a thread that does not hold the lock may not signal");
        } finally {
            lock.unlock();
        }
    }

    @Test
    void awaitNanosTimesOutWithTheLockHeldAgain() throws InterruptedException {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        lock.lock();
        try {
            long left = condition.awaitNanos(TimeUnit.MILLISECONDS.toNanos(20));
            assertTrue(left <= 0, "a timed-out awaitNanos returns <= 0, was " + left);
            assertTrue(isHeldByCurrentThread(lock));
            assertFalse(condition.await(10, TimeUnit.MILLISECONDS));
            assertFalse(condition.awaitUntil(new Date(System.currentTimeMillis() + 10)));
            assertTrue(condition.awaitNanos(0) <= 0);
            assertTrue(condition.awaitNanos(-5) <= 0);
            assertTrue(isHeldByCurrentThread(lock));
        } finally {
            lock.unlock();
        }
    }

    @Test
    void timedAwaitReturnsTrueWhenSignalledInTime() throws Exception {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        Future<Long> waiter = threads.submit(() -> {
            lock.lock();
            try {
                return condition.awaitNanos(TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS));
            } finally {
                lock.unlock();
            }
        });
        awaitCondition("a timed waiter", () -> waiters(condition) == 1);
        lock.lock();
        try {
            condition.signal();
        } finally {
            lock.unlock();
        }
        assertTrue(get(waiter) > 0, "signalled in time: time must remain");

        Future<Boolean> untilWaiter = threads.submit(() -> {
            lock.lock();
            try {
                return condition.awaitUntil(new Date(System.currentTimeMillis() + TIMEOUT_SECONDS * 1000));
            } finally {
                lock.unlock();
            }
        });
        awaitCondition("an awaitUntil waiter", () -> waiters(condition) == 1);
        lock.lock();
        try {
            condition.signalAll();
        } finally {
            lock.unlock();
        }
        assertTrue(get(untilWaiter));
    }

    @Test
    void awaitThrowsWhenInterruptedOnEntryAndKeepsTheLock() {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        lock.lock();
        try {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, condition::await);
            assertFalse(Thread.interrupted(), "the status must be cleared with the exception");
            assertTrue(isHeldByCurrentThread(lock));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> condition.awaitNanos(1_000_000));
            assertTrue(isHeldByCurrentThread(lock));
        } finally {
            lock.unlock();
        }
    }

    @Test
    void awaitThrowsWhenInterruptedWhileWaitingWithTheLockHeldAgain() throws Exception {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        Thread[] waiterThread = new Thread[1];
        Future<Boolean> waiter = threads.submit(() -> {
            waiterThread[0] = Thread.currentThread();
            lock.lock();
            try {
                condition.await();
                return false;
            } catch (InterruptedException expected) {
                return isHeldByCurrentThread(lock) && !Thread.currentThread().isInterrupted();
            } finally {
                lock.unlock();
            }
        });
        awaitCondition("a waiter", () -> waiters(condition) == 1);
        waiterThread[0].interrupt();
        assertTrue(get(waiter), "await must throw with the lock held again and the status cleared");
        assertEquals(0, waiters(condition), "an interrupted waiter must leave the queue");
    }

    @Test
    void awaitUninterruptiblyKeepsWaitingAndKeepsTheInterrupt() throws Exception {
        Lock lock = newLock();
        Condition condition = lock.newCondition();
        Thread[] waiterThread = new Thread[1];
        Future<Boolean> waiter = threads.submit(() -> {
            waiterThread[0] = Thread.currentThread();
            lock.lock();
            try {
                condition.awaitUninterruptibly();
                return Thread.currentThread().isInterrupted();
            } finally {
                lock.unlock();
            }
        });
        awaitCondition("a waiter", () -> waiters(condition) == 1);
        waiterThread[0].interrupt();
        awaitCondition("the waiter to stay queued after the interrupt", () -> waiterThread[0].isInterrupted()
                || waiters(condition) == 1);
        assertFalse(waiter.isDone(), "awaitUninterruptibly must not return on an interrupt");
        lock.lock();
        try {
            condition.signal();
        } finally {
            lock.unlock();
        }
        assertTrue(get(waiter), "the interrupt status must be set on return");
    }

    @Test
    void producerConsumerThroughTwoConditionsLosesNothing() throws Exception {
        Lock lock = newLock();
        Condition notEmpty = lock.newCondition();
        Condition notFull = lock.newCondition();
        int[] buffer = new int[4];
        int[] count = {0};
        int[] putIndex = {0};
        int[] takeIndex = {0};
        int items = 20_000;
        Future<Long> consumer = threads.submit(() -> {
            long sum = 0;
            for (int i = 0; i < items; i++) {
                lock.lock();
                try {
                    while (count[0] == 0) {
                        notEmpty.await();
                    }
                    sum += buffer[takeIndex[0]];
                    takeIndex[0] = (takeIndex[0] + 1) % buffer.length;
                    count[0]--;
                    notFull.signal();
                } finally {
                    lock.unlock();
                }
            }
            return sum;
        });
        Future<?> producer = threads.submit(() -> {
            for (int i = 1; i <= items; i++) {
                lock.lock();
                try {
                    while (count[0] == buffer.length) {
                        notFull.await();
                    }
                    buffer[putIndex[0]] = i;
                    putIndex[0] = (putIndex[0] + 1) % buffer.length;
                    count[0]++;
                    notEmpty.signal();
                } finally {
                    lock.unlock();
                }
            }
            return null;
        });
        get(producer);
        assertEquals((long) items * (items + 1) / 2, (long) get(consumer));
    }
}
