package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

class TicketSpinLockTest extends LockContract {

    @Override
    Lock newLock() {
        return new TicketSpinLock();
    }

    @Test
    void isLockedFollowsLockAndUnlock() {
        TicketSpinLock lock = new TicketSpinLock();
        assertFalse(lock.isLocked());
        lock.lock();
        assertTrue(lock.isLocked());
        assertFalse(lock.isContended(), "a lone holder is not contention");
        assertEquals(0, lock.queueLength());
        lock.unlock();
        assertFalse(lock.isLocked());
    }

    @Test
    void waitersAreServedInTicketOrder() throws Exception {
        TicketSpinLock lock = new TicketSpinLock();
        List<String> order = new CopyOnWriteArrayList<>();
        lock.lock();
        Future<?> a = threads.submit(() -> takeAndRecord(lock, order, "A"));
        awaitCondition("A waits", () -> lock.queueLength() == 1);
        assertTrue(lock.isContended());
        Future<?> b = threads.submit(() -> takeAndRecord(lock, order, "B"));
        awaitCondition("B waits", () -> lock.queueLength() == 2);
        Future<?> c = threads.submit(() -> takeAndRecord(lock, order, "C"));
        awaitCondition("C waits", () -> lock.queueLength() == 3);
        lock.unlock();
        get(a);
        get(b);
        get(c);
        assertEquals(List.of("A", "B", "C"), order);
        assertFalse(lock.isLocked());
    }

    @Test
    void ticketsWrapAroundSafely() {
        // 2^32 acquisitions are too many to reach the overflow honestly: start the counters just below it.
        TicketSpinLock nearWrap = TicketSpinLockTest.startingAt(Integer.MAX_VALUE - 2);
        for (int i = 0; i < 6; i++) {
            assertFalse(nearWrap.isLocked());
            nearWrap.lock();
            assertTrue(nearWrap.isLocked());
            assertFalse(nearWrap.tryLock());
            nearWrap.unlock();
        }
        assertThrows(IllegalMonitorStateException.class, nearWrap::unlock);
    }

    @Test
    void parkedNextInLineIsKickedOnUnlock() throws Exception {
        // Parks at the first round for ten minutes: only unlock()'s kick can wake the waiter within the bound.
        TicketSpinLock lock = new TicketSpinLock(QueuedSpinLockTest.PARK_AT_ONCE);
        for (int i = 0; i < 50; i++) {
            AtomicReference<Thread> waiterThread = new AtomicReference<>();
            lock.lock();
            Future<?> waiter = threads.submit(() -> {
                waiterThread.set(Thread.currentThread());
                lock.lock();
                lock.unlock();
            });
            awaitCondition("the waiter parks", () -> waiterThread.get() != null
                    && LockSupport.getBlocker(waiterThread.get()) == lock);
            lock.unlock();
            get(waiter);
        }
        assertFalse(lock.isLocked());
    }

    @Test
    void twoThreadsHandingOffThroughKicksNeverStall() throws Exception {
        mutualExclusion(new TicketSpinLock(QueuedSpinLockTest.PARK_AT_ONCE), false, 2,
                5_000);
    }

    @Test
    void pureSpinningPolicyAlsoExcludes() throws Exception {
        // No more threads than cores: a pure spinlock oversubscribed waits whole time slices per hand-off.
        mutualExclusion(new TicketSpinLock(SpinWait.pure()), false, Math.min(2, Runtime.getRuntime().availableProcessors()),
                2_000);
    }

    @Test
    void nullPolicyIsRejectedWithAHint() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new TicketSpinLock(null));
        assertTrue(e.getMessage().contains("SpinWait.adaptive()"), e.getMessage());
    }

    @Test
    void toStringShowsState() {
        TicketSpinLock lock = new TicketSpinLock();
        assertTrue(lock.toString().endsWith("[Unlocked]"), lock.toString());
        lock.lock();
        assertTrue(lock.toString().endsWith("[Locked, waiters=0]"), lock.toString());
        lock.unlock();
    }

    private static void takeAndRecord(Lock lock, List<String> order, String name) {
        lock.lock();
        order.add(name);
        lock.unlock();
    }

    /** A free lock whose two counters both start at {@code ticket} (set by reflection). */
    static TicketSpinLock startingAt(int ticket) {
        TicketSpinLock lock = new TicketSpinLock();
        try {
            java.lang.reflect.Field next = TicketSpinLock.class.getDeclaredField("nextTicket");
            java.lang.reflect.Field owner = TicketSpinLock.class.getDeclaredField("owner");
            next.setAccessible(true);
            owner.setAccessible(true);
            next.setInt(lock, ticket);
            owner.setInt(lock, ticket);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        return lock;
    }
}
