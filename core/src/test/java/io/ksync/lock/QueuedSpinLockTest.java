package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

class QueuedSpinLockTest extends LockContract {

    @Override
    Lock newLock() {
        return new QueuedSpinLock();
    }

    @Test
    void uncontendedLockSetsOnlyTheLockedByte() {
        QueuedSpinLock lock = new QueuedSpinLock();
        assertEquals(0, lock.word());
        lock.lock();
        assertEquals(QueuedSpinLock.LOCKED_VAL, lock.word());
        assertTrue(lock.isLocked());
        assertFalse(lock.isContended());
        lock.unlock();
        assertEquals(0, lock.word());
        assertFalse(lock.isLocked());
    }

    @Test
    void firstContenderGoesPendingAndLaterOnesQueueInFifoOrder() throws Exception {
        QueuedSpinLock lock = new QueuedSpinLock();
        List<String> order = new CopyOnWriteArrayList<>();
        lock.lock();
        Future<?> a = threads.submit(() -> takeAndRecord(lock, order, "A"));
        awaitCondition("A is pending", () -> (lock.word() & QueuedSpinLock.PENDING_MASK) != 0);
        assertTrue(lock.isContended());
        Future<?> b = threads.submit(() -> takeAndRecord(lock, order, "B"));
        awaitCondition("B is queued", () -> (lock.word() & QueuedSpinLock.TAIL_MASK) != 0);
        final int tailOfB = lock.word() & QueuedSpinLock.TAIL_MASK;
        Future<?> c = threads.submit(() -> takeAndRecord(lock, order, "C"));
        awaitCondition("C is queued behind B", () -> (lock.word() & QueuedSpinLock.TAIL_MASK) != tailOfB);
        lock.unlock();
        get(a);
        get(b);
        get(c);
        assertEquals(List.of("A", "B", "C"), order);
        assertEquals(0, lock.word(), "the queue must be empty and the lock free");
    }

    @Test
    void unlockOfUnlockedLockLeavesTheWordUnchanged() throws Exception {
        QueuedSpinLock lock = new QueuedSpinLock();
        Future<?> pending = holdWithAPendingWaiter(lock);
        lock.unlock();
        get(pending);
        assertEquals(0, lock.word());
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
        assertEquals(0, lock.word(), "a failed unlock must not change the lock word");
    }

    @Test
    void tryLockFailsWhileAWaiterIsPending() throws Exception {
        QueuedSpinLock lock = new QueuedSpinLock();
        Future<?> pending = holdWithAPendingWaiter(lock);
        assertFalse(lock.tryLock(), "tryLock must not overtake a pending waiter");
        lock.unlock();
        get(pending);
    }

    @Test
    void manyThreadsEachGetTheirOwnQueueNode() throws Exception {
        // More threads than the pending slot and one queue head: every one of them queues at least once.
        final int threadCount = 8;
        QueuedSpinLock lock = new QueuedSpinLock();
        lock.lock();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(threadCount);
        long[] counter = {0};
        List<Future<?>> workers = new java.util.ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            workers.add(threads.submit(() -> {
                started.countDown();
                for (int i = 0; i < 1_000; i++) {
                    lock.lock();
                    counter[0]++;
                    lock.unlock();
                }
            }));
        }
        started.await();
        lock.unlock();
        for (Future<?> worker : workers) {
            get(worker);
        }
        assertEquals(threadCount * 1_000L, counter[0]);
        assertEquals(0, lock.word());
    }

    /** Parks at the first round for ten minutes: a waiter not kicked on hand-off fails the test bound. */
    static final SpinWait PARK_AT_ONCE = SpinWait.adaptive(0, 0, 0, TimeUnit.MINUTES.toNanos(10));

    @Test
    void parkedPendingWaiterAndQueuedWaitersAreKickedOnHandOff() throws Exception {
        QueuedSpinLock lock = new QueuedSpinLock(PARK_AT_ONCE);
        List<String> order = new CopyOnWriteArrayList<>();
        lock.lock();
        Future<?> a = threads.submit(() -> takeAndRecord(lock, order, "A"));
        awaitCondition("A is pending and parked", () -> (lock.word() & QueuedSpinLock.PENDING_MASK) != 0
                && (lock.word() & QueuedSpinLock.SLOW_VAL) != 0);
        Future<?> b = threads.submit(() -> takeAndRecord(lock, order, "B"));
        awaitCondition("B is queued", () -> (lock.word() & QueuedSpinLock.TAIL_MASK) != 0);
        final int tailOfB = lock.word() & QueuedSpinLock.TAIL_MASK;
        Future<?> c = threads.submit(() -> takeAndRecord(lock, order, "C"));
        awaitCondition("C is queued behind B", () -> (lock.word() & QueuedSpinLock.TAIL_MASK) != tailOfB);
        lock.unlock();
        // Each of A (pending), B (queue head, parked on the word) and C (parked on its node) must be woken
        // by its predecessor's release long before its ten-minute park would end.
        get(a);
        get(b);
        get(c);
        assertEquals(List.of("A", "B", "C"), order);
        assertEquals(0, lock.word());
    }

    @Test
    void kickedWaitersKeepALongContendedRunMoving() throws Exception {
        mutualExclusion(new QueuedSpinLock(PARK_AT_ONCE), false, 3, 5_000);
    }

    @Test
    void pureSpinningPolicyAlsoExcludes() throws Exception {
        // No more threads than cores: a pure spinlock oversubscribed waits whole time slices per hand-off.
        mutualExclusion(new QueuedSpinLock(SpinWait.pure()), false, Math.min(2, Runtime.getRuntime().availableProcessors()),
                2_000);
    }

    @Test
    void toStringShowsState() {
        QueuedSpinLock lock = new QueuedSpinLock();
        assertTrue(lock.toString().endsWith("[Unlocked]"), lock.toString());
        lock.lock();
        assertTrue(lock.toString().endsWith("[Locked]"), lock.toString());
        lock.unlock();
    }

    /** Locks {@code lock} and starts a thread that waits for it on the pending bit (0,1,1). */
    private Future<?> holdWithAPendingWaiter(QueuedSpinLock lock) throws Exception {
        lock.lock();
        Future<?> pending = threads.submit(() -> {
            lock.lock();
            lock.unlock();
        });
        awaitCondition("a pending waiter", () -> (lock.word() & QueuedSpinLock.PENDING_MASK) != 0);
        return pending;
    }

    private static void takeAndRecord(Lock lock, List<String> order, String name) {
        lock.lock();
        order.add(name);
        lock.unlock();
    }
}
