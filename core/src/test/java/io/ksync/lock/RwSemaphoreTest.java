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
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link RwSemaphore}: the write lock passes {@link LockContract} and its conditions {@link ConditionContract};
 * the read lock's behaviour and the writer preference are checked here.
 */
class RwSemaphoreTest extends LockContract {

    @Override
    Lock newLock() {
        return new RwSemaphore().writeLock();
    }

    @Override
    boolean supportsConditions() {
        return true;
    }

    @Nested
    class WriteLockConditions extends ConditionContract {
        @Override
        Lock newLock() {
            return new RwSemaphore().writeLock();
        }

        @Override
        boolean isHeldByCurrentThread(Lock lock) {
            return lock.toString().contains("write-locked by " + Thread.currentThread().getName());
        }
    }

    /** The read lock as a {@link Lock}: what the TCK checks of a read lock (no conditions, shared). */
    @Nested
    class ReadLockAsLock extends ConcurrentTest {
        @Test
        void lockUnlockTryLockAndTimedTryLock() throws Exception {
            RwSemaphore rwsem = new RwSemaphore();
            Lock read = rwsem.readLock();
            read.lock();
            assertTrue(read.tryLock(), "readers share");
            assertTrue(read.tryLock(10, TimeUnit.MILLISECONDS));
            read.lockInterruptibly();
            assertEquals(4, rwsem.getReadLockCount());
            for (int i = 0; i < 4; i++) {
                read.unlock();
            }
            assertFalse(rwsem.isLocked());
            assertThrows(IllegalMonitorStateException.class, read::unlock);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    read::newCondition);
            assertTrue(e.getMessage().contains("writeLock().newCondition()"), e.getMessage());
        }

        @Test
        void readLockInterruptiblyThrowsWhenInterruptedOnEntryAndWhileSleeping() throws Exception {
            RwSemaphore rwsem = new RwSemaphore();
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, rwsem.readLock()::lockInterruptibly);
            assertFalse(Thread.interrupted());
            rwsem.downWrite();
            Thread[] sleeper = new Thread[1];
            Future<Boolean> waiter = threads.submit(() -> {
                sleeper[0] = Thread.currentThread();
                try {
                    rwsem.downReadInterruptible();
                    return false;
                } catch (InterruptedException expected) {
                    return true;
                }
            });
            awaitCondition("a sleeping reader", () -> rwsem.getQueueLength() == 1);
            sleeper[0].interrupt();
            assertTrue(get(waiter));
            assertFalse(rwsem.hasQueuedThreads());
            rwsem.upWrite();
            assertFalse(rwsem.isLocked());
        }

        @Test
        void timedReadTryLockTimesOutBehindAWriter() throws Exception {
            RwSemaphore rwsem = new RwSemaphore();
            rwsem.downWrite();
            try {
                assertFalse(onOtherThread(() -> rwsem.readLock().tryLock(20, TimeUnit.MILLISECONDS)));
                assertFalse(onOtherThread(() -> rwsem.readLock().tryLock(-1, TimeUnit.MILLISECONDS)));
                assertFalse(onOtherThread(() -> rwsem.downReadTimeout(20, TimeUnit.MILLISECONDS)));
                assertFalse(rwsem.hasQueuedThreads());
            } finally {
                rwsem.upWrite();
            }
        }
    }

    @Test
    void readersShareAndExcludeWriters() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        rwsem.downRead();
        assertTrue(onOtherThread(() -> {
            boolean acquired = rwsem.downReadTrylock();
            rwsem.upRead();
            return acquired;
        }));
        assertFalse(onOtherThread(rwsem::downWriteTrylock));
        assertTrue(rwsem.isLocked());
        assertFalse(rwsem.isWriteLocked());
        assertEquals(1, rwsem.getReadLockCount());
        assertTrue(rwsem.toString().contains("read-locked by 1"), rwsem.toString());
        rwsem.upRead();
        assertFalse(rwsem.isLocked());
    }

    @Test
    void writerExcludesReaders() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        rwsem.downWrite();
        assertTrue(rwsem.isWriteLocked());
        assertTrue(rwsem.isWriteLockedByCurrentThread());
        assertFalse(onOtherThread(rwsem::isWriteLockedByCurrentThread));
        assertFalse(onOtherThread(rwsem::downReadTrylock));
        rwsem.upWrite();
        assertTrue(rwsem.downReadTrylock());
        rwsem.upRead();
    }

    @Test
    void misuseThrowsWithTheReasonAndChangesNothing() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        IllegalMonitorStateException noReader = assertThrows(IllegalMonitorStateException.class, rwsem::upRead);
        assertTrue(noReader.getMessage().contains("no reader holds"), noReader.getMessage());
        IllegalMonitorStateException noWriter = assertThrows(IllegalMonitorStateException.class, rwsem::upWrite);
        assertTrue(noWriter.getMessage().contains("does not hold the write lock"), noWriter.getMessage());
        assertThrows(IllegalMonitorStateException.class, rwsem::downgradeWrite);
        rwsem.downWrite();
        try {
            assertTrue(onOtherThread(() -> {
                assertThrows(IllegalMonitorStateException.class, rwsem::upWrite);
                assertThrows(IllegalMonitorStateException.class, rwsem::downgradeWrite);
                return true;
            }));
            assertTrue(rwsem.isWriteLockedByCurrentThread());
        } finally {
            rwsem.upWrite();
        }
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> rwsem.downWriteTimeout(-1, TimeUnit.SECONDS));
        assertTrue(negative.getMessage().contains("timeout must be >= 0"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> rwsem.downReadTimeout(-1, TimeUnit.SECONDS));
        assertThrows(NullPointerException.class, () -> rwsem.downReadTimeout(1, null));
        assertFalse(rwsem.isLocked());
    }

    @Test
    void aSleepingWriterMakesNewReadersWait() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        rwsem.downRead();
        Future<?> writer = threads.submit(() -> {
            rwsem.downWrite();
            rwsem.upWrite();
        });
        awaitCondition("a sleeping writer", () -> rwsem.getQueueLength() == 1);
        assertFalse(onOtherThread(rwsem::downReadTrylock), "a new reader must not pass a sleeping writer");
        Future<?> lateReader = threads.submit(() -> {
            rwsem.downRead();
            rwsem.upRead();
        });
        awaitCondition("the late reader to queue", () -> rwsem.getQueueLength() == 2);
        rwsem.upRead();
        get(writer);
        get(lateReader);
        assertFalse(rwsem.isLocked());
        assertFalse(rwsem.hasQueuedThreads());
    }

    @Test
    void queueIsServedInOrderWithRunsOfReadersAdmittedTogether() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch readersInside = new CountDownLatch(2);
        CountDownLatch releaseReaders = new CountDownLatch(1);
        rwsem.downWrite();
        List<Future<?>> sleepers = new ArrayList<>();
        String[] kinds = {"R1", "R2", "W3", "R4"};
        for (int i = 0; i < kinds.length; i++) {
            final String kind = kinds[i];
            final int queued = i + 1;
            sleepers.add(threads.submit(() -> {
                if (kind.startsWith("R")) {
                    rwsem.downRead();
                    order.add(kind);
                    if (!"R4".equals(kind)) {
                        readersInside.countDown();
                        releaseReaders.await();
                    }
                    rwsem.upRead();
                } else {
                    rwsem.downWrite();
                    order.add(kind);
                    rwsem.upWrite();
                }
                return null;
            }));
            awaitCondition(queued + " sleepers", () -> rwsem.getQueueLength() == queued);
        }
        rwsem.upWrite();
        assertTrue(readersInside.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "R1 and R2 must be admitted together");
        assertEquals(2, rwsem.getReadLockCount());
        assertEquals(2, rwsem.getQueueLength(), "W3 and R4 wait: R4 must not pass the writer");
        releaseReaders.countDown();
        for (Future<?> sleeper : sleepers) {
            get(sleeper);
        }
        assertEquals("W3", order.get(2));
        assertEquals("R4", order.get(3));
    }

    @Test
    void downgradeKeepsWritersOutAndAdmitsSleepingReaders() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        rwsem.downWrite();
        rwsem.downgradeWrite();
        assertFalse(rwsem.isWriteLocked());
        assertEquals(1, rwsem.getReadLockCount());
        assertFalse(onOtherThread(rwsem::downWriteTrylock));
        assertTrue(onOtherThread(() -> {
            boolean acquired = rwsem.downReadTrylock();
            rwsem.upRead();
            return acquired;
        }));
        rwsem.upRead();

        rwsem.downWrite();
        Future<?> reader = threads.submit(() -> {
            rwsem.downRead();
            return rwsem.getReadLockCount();
        });
        awaitCondition("a sleeping reader", () -> rwsem.getQueueLength() == 1);
        rwsem.downgradeWrite();
        assertEquals(2, get(reader), "the sleeping reader must be admitted with the downgrade");
        rwsem.upRead();
        rwsem.upRead();
        assertFalse(rwsem.isLocked());
    }

    @Test
    void aWriterLeavingTheHeadLetsTheReadersBehindItIn() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        rwsem.downRead();
        Future<Boolean> impatientWriter = threads.submit(() -> rwsem.downWriteTimeout(50, TimeUnit.MILLISECONDS));
        awaitCondition("a sleeping writer", () -> rwsem.getQueueLength() == 1);
        Future<?> reader = threads.submit(() -> {
            rwsem.downRead();
            rwsem.upRead();
        });
        awaitCondition("a reader behind it", () -> rwsem.getQueueLength() == 2 || impatientWriter.isDone());
        assertFalse(get(impatientWriter));
        get(reader);
        rwsem.upRead();
        assertFalse(rwsem.isLocked());
        assertFalse(rwsem.hasQueuedThreads());
    }

    /**
     * Readers and writers that re-take the lock back to back, more threads than cores, for a few seconds: every
     * path between barging, waking, propagation and hand-off is taken many times; a lost wake-up leaves a
     * sleeper parked for ever while the others go on, and the test times out when they stop.
     */
    @Test
    void backToBackReadersAndWritersLoseNoWakeUp() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        long[] written = {0};
        List<Future<Long>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final boolean writesOften = t % 2 == 0;
            workers.add(threads.submit(() -> {
                long writes = 0;
                int i = 0;
                while (!stop.get()) {
                    if (writesOften ? i++ % 2 == 0 : i++ % 16 == 0) {
                        rwsem.downWrite();
                        written[0]++;
                        writes++;
                        rwsem.upWrite();
                    } else {
                        rwsem.downRead();
                        rwsem.upRead();
                    }
                }
                return writes;
            }));
        }
        Thread.sleep(3_000); // the run's duration (hand-offs need sleepers that waited over 4 ms)
        stop.set(true);
        long writes = 0;
        for (Future<Long> worker : workers) {
            writes += get(worker);
        }
        assertEquals(writes, written[0]);
        assertFalse(rwsem.isLocked());
        assertFalse(rwsem.hasQueuedThreads());
    }

    @Test
    void readersNeverOverlapAWriterUnderContention() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        AtomicInteger readers = new AtomicInteger();
        AtomicInteger writers = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        long[] written = {0};
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> workers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            workers.add(threads.submit(() -> {
                start.await();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long writes = 0;
                for (int i = 0; i < 5_000; i++) {
                    if (random.nextInt(10) == 0) {
                        rwsem.downWrite();
                        if (writers.incrementAndGet() != 1 || readers.get() != 0) {
                            violations.incrementAndGet();
                        }
                        written[0]++;
                        writes++;
                        writers.decrementAndGet();
                        rwsem.upWrite();
                    } else {
                        rwsem.downRead();
                        readers.incrementAndGet();
                        if (writers.get() != 0) {
                            violations.incrementAndGet();
                        }
                        readers.decrementAndGet();
                        rwsem.upRead();
                    }
                }
                return writes;
            }));
        }
        start.countDown();
        long writes = 0;
        for (Future<Long> worker : workers) {
            writes += worker.get(TIMEOUT_SECONDS * 2, TimeUnit.SECONDS);
        }
        assertEquals(0, violations.get());
        rwsem.downRead();
        assertEquals(writes, written[0], "a write was lost");
        rwsem.upRead();
    }
}
