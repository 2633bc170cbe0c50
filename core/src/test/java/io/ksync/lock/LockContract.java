package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

/**
 * The behaviour the JSR-166 TCK checks of a {@link Lock}, for the exclusive locks of this package, spinning and
 * sleeping (and the write side of the reader-writer locks): one abstract suite, one short subclass per lock.
 */
abstract class LockContract extends ConcurrentTest {

    /** Returns a new, unlocked lock of the kind under test. */
    abstract Lock newLock();

    @Test
    void lockThenUnlockLeavesLockFree() throws Exception {
        Lock lock = newLock();
        lock.lock();
        lock.unlock();
        assertTrue(onOtherThread(lock::tryLock), "another thread could not take a released lock");
    }

    @Test
    void tryLockSucceedsOnFreeLock() {
        Lock lock = newLock();
        assertTrue(lock.tryLock());
        lock.unlock();
    }

    @Test
    void tryLockFailsWhileAnotherThreadHoldsTheLock() throws Exception {
        Lock lock = newLock();
        lock.lock();
        try {
            assertFalse(onOtherThread(lock::tryLock));
        } finally {
            lock.unlock();
        }
    }

    @Test
    void tryLockFailsWhileTheSameThreadHoldsTheLock() {
        Lock lock = newLock();
        lock.lock();
        try {
            assertFalse(lock.tryLock(), "the locks of this package are not reentrant");
        } finally {
            lock.unlock();
        }
    }

    @Test
    void unlockOfUnheldLockThrowsIllegalMonitorState() {
        Lock lock = newLock();
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, lock::unlock);
        assertTrue(e.getMessage().contains("not held") || e.getMessage().contains("no "),
                "message should say the lock is not held: " + e.getMessage());
        assertTrue(lock.tryLock(), "a failed unlock must leave the lock usable");
        lock.unlock();
    }

    @Test
    void secondUnlockThrowsIllegalMonitorState() {
        Lock lock = newLock();
        lock.lock();
        lock.unlock();
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
        assertTrue(lock.tryLock());
        lock.unlock();
    }

    @Test
    void timedTryLockSucceedsOnFreeLock() throws InterruptedException {
        Lock lock = newLock();
        assertTrue(lock.tryLock(1, TimeUnit.SECONDS));
        lock.unlock();
    }

    @Test
    void timedTryLockWithZeroOrNegativeTimeDoesNotWait() throws Exception {
        Lock lock = newLock();
        lock.lock();
        try {
            assertFalse(onOtherThread(() -> lock.tryLock(0, TimeUnit.NANOSECONDS)));
            assertFalse(onOtherThread(() -> lock.tryLock(-1, TimeUnit.SECONDS)));
        } finally {
            lock.unlock();
        }
    }

    @Test
    void timedTryLockTimesOutWhileLockIsHeld() throws Exception {
        Lock lock = newLock();
        lock.lock();
        try {
            assertFalse(onOtherThread(() -> lock.tryLock(20, TimeUnit.MILLISECONDS)));
        } finally {
            lock.unlock();
        }
    }

    @Test
    void timedTryLockSucceedsWhenTheHolderReleases() throws Exception {
        Lock lock = newLock();
        CountDownLatch waiting = new CountDownLatch(1);
        lock.lock();
        Future<Boolean> waiter = threads.submit(() -> {
            waiting.countDown();
            boolean acquired = lock.tryLock(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (acquired) {
                lock.unlock();
            }
            return acquired;
        });
        assertTrue(waiting.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        lock.unlock();
        assertTrue(waiter.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void timedTryLockThrowsWhenInterruptedOnEntryEvenIfFree() {
        Lock lock = newLock();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> lock.tryLock(1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted(), "the interrupt status must be cleared with the exception");
        assertTrue(lock.tryLock(), "a refused acquisition must not leave the lock held");
        lock.unlock();
    }

    @Test
    void timedTryLockRejectsNullUnit() {
        Lock lock = newLock();
        assertThrows(NullPointerException.class, () -> lock.tryLock(1, null));
    }

    @Test
    void lockInterruptiblyAcquiresFreeLock() throws InterruptedException {
        Lock lock = newLock();
        lock.lockInterruptibly();
        assertFalse(lock.tryLock());
        lock.unlock();
    }

    @Test
    void lockInterruptiblyThrowsWhenInterruptedOnEntry() {
        Lock lock = newLock();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, lock::lockInterruptibly);
        assertFalse(Thread.interrupted(), "the interrupt status must be cleared with the exception");
        assertTrue(lock.tryLock());
        lock.unlock();
    }

    @Test
    void lockInterruptiblyThrowsWhenInterruptedWhileWaiting() throws Exception {
        Lock lock = newLock();
        CountDownLatch aboutToWait = new CountDownLatch(1);
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        lock.lock();
        try {
            Future<Boolean> waiter = threads.submit(() -> {
                waiterThread.set(Thread.currentThread());
                aboutToWait.countDown();
                try {
                    lock.lockInterruptibly();
                    lock.unlock();
                    return false;
                } catch (InterruptedException expected) {
                    return !Thread.currentThread().isInterrupted();
                }
            });
            assertTrue(aboutToWait.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            waiterThread.get().interrupt();
            assertTrue(waiter.get(TIMEOUT_SECONDS, TimeUnit.SECONDS),
                    "the waiter must throw InterruptedException with its interrupt status cleared");
        } finally {
            lock.unlock();
        }
    }

    @Test
    void lockIgnoresInterruptAndKeepsTheFlag() {
        Lock lock = newLock();
        Thread.currentThread().interrupt();
        lock.lock();
        lock.unlock();
        assertTrue(Thread.interrupted(), "lock() must leave the interrupt status set");
    }

    /** Whether the lock under test has conditions (sleeping locks) or refuses them (spinning locks). */
    boolean supportsConditions() {
        return false;
    }

    /** What the refusal of {@code newCondition()} must say, for a lock without conditions. */
    String conditionRefusalReason() {
        return "must not sleep";
    }

    @Test
    void newConditionWorksOrIsRefusedWithTheReason() {
        Lock lock = newLock();
        if (supportsConditions()) {
            assertNotNull(lock.newCondition()); // the behaviour is ConditionContract's
            return;
        }
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, lock::newCondition);
        assertTrue(e.getMessage().contains(conditionRefusalReason()), e.getMessage());
    }

    @Test
    void lockExcludesOtherThreadsUnderContention() throws Exception {
        mutualExclusion(newLock(), false, 4, 20_000);
    }

    @Test
    void tryLockAndTimedTryLockExcludeOtherThreadsUnderContention() throws Exception {
        mutualExclusion(newLock(), true, 4, 20_000);
    }

    /**
     * Several threads increment a plain counter under the lock; a lost update or an overlap of two critical
     * sections fails the test.
     */
    void mutualExclusion(Lock lock, boolean useTryLock, int threadCount, int iterations) throws Exception {
        final long[] counter = {0};
        final int[] inside = {0};
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            final int id = t;
            workers.add(threads.submit(() -> {
                start.await();
                int overlaps = 0;
                for (int i = 0; i < iterations; i++) {
                    acquire(lock, useTryLock, id + i);
                    try {
                        if (inside[0]++ != 0) {
                            overlaps++;
                        }
                        counter[0]++;
                        inside[0]--;
                    } finally {
                        lock.unlock();
                    }
                }
                return overlaps;
            }));
        }
        start.countDown();
        int overlaps = 0;
        for (Future<Integer> worker : workers) {
            overlaps += worker.get(TIMEOUT_SECONDS * 4, TimeUnit.SECONDS);
        }
        assertEquals(0, overlaps, "critical sections overlapped");
        lock.lock();
        try {
            assertEquals((long) threadCount * iterations, counter[0], "updates were lost");
        } finally {
            lock.unlock();
        }
    }

    private static void acquire(Lock lock, boolean useTryLock, int variant) throws InterruptedException {
        if (!useTryLock) {
            lock.lock();
            return;
        }
        switch (variant % 3) {
            case 0:
                while (!lock.tryLock()) {
                    Thread.onSpinWait();
                }
                break;
            case 1:
                while (!lock.tryLock(1, TimeUnit.MILLISECONDS)) {
                    Thread.onSpinWait();
                }
                break;
            default:
                lock.lockInterruptibly();
                break;
        }
    }
}
