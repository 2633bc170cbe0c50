package io.ksync.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.ConcurrentTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

/**
 * {@link PerCpuRwSemaphore}: readers, writers, the queue and misuse. The write side's {@link Lock} behaviour is
 * {@code io.ksync.lock.PerCpuRwSemaphoreWriteLockTest}'s.
 */
class PerCpuRwSemaphoreTest extends ConcurrentTest {

    @Test
    void readersShareAndExcludeWriters() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.downRead();
        assertTrue(onOtherThread(() -> {
            boolean acquired = sem.downReadTrylock();
            sem.upRead();
            return acquired;
        }));
        assertFalse(onOtherThread(sem::downWriteTrylock));
        assertFalse(sem.isWriteLocked(), "a failed trylock leaves nothing behind");
        assertTrue(sem.isReadLocked());
        assertEquals(1, sem.getReadLockCount());
        assertTrue(sem.toString().contains("readers 1"), sem.toString());
        sem.upRead();
        assertFalse(sem.isReadLocked());
        assertTrue(sem.downWriteTrylock());
        sem.upWrite();
    }

    @Test
    void writerExcludesReaders() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.downWrite();
        assertTrue(sem.isWriteLocked());
        assertTrue(sem.isWriteLockedByCurrentThread());
        assertFalse(onOtherThread(sem::isWriteLockedByCurrentThread));
        assertFalse(onOtherThread(sem::downReadTrylock));
        assertEquals(0, sem.getReadLockCount(), "a reader that backed off undid its count");
        assertTrue(sem.toString().contains("write-locked by " + Thread.currentThread().getName()), sem.toString());
        sem.upWrite();
        assertTrue(sem.downReadTrylock());
        sem.upRead();
    }

    @Test
    void aWriterStopsNewReadersAndWaitsForTheOnesInside() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.downRead();
        CountDownLatch writerIn = new CountDownLatch(1);
        Future<?> writer = threads.submit(() -> {
            sem.downWrite();
            writerIn.countDown();
            sem.upWrite();
            return null;
        });
        awaitCondition("the writer to raise its flag", sem::isWriteLocked);
        assertFalse(onOtherThread(sem::downReadTrylock), "a new reader must not pass a waiting writer");
        Future<?> lateReader = threads.submit(() -> {
            sem.downRead();
            sem.upRead();
            return null;
        });
        awaitCondition("the late reader to queue", () -> sem.getQueueLength() == 1);
        assertEquals(1, writerIn.getCount(), "the writer must wait for the reader inside");
        sem.upRead();
        get(writer);
        get(lateReader);
        assertFalse(sem.isWriteLocked());
        assertFalse(sem.isReadLocked());
        assertFalse(sem.hasQueuedThreads());
    }

    @Test
    void aReadSectionMayBeReleasedByAnotherThread() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.downRead();
        assertTrue(onOtherThread(() -> {
            sem.upRead();
            return true;
        }));
        assertFalse(sem.isReadLocked());
        assertTrue(sem.downWriteTrylock());
        sem.upWrite();
    }

    @Test
    void queueIsServedInOrderWithTheReadersBeforeTheNextWriterAdmittedTogether() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch readersInside = new CountDownLatch(2);
        CountDownLatch releaseReaders = new CountDownLatch(1);
        sem.downWrite();
        List<Future<?>> sleepers = new ArrayList<>();
        String[] kinds = {"R1", "R2", "W3", "R4"};
        for (int i = 0; i < kinds.length; i++) {
            final String kind = kinds[i];
            final int queued = i + 1;
            sleepers.add(threads.submit(() -> {
                if (kind.startsWith("R")) {
                    sem.downRead();
                    order.add(kind);
                    if (!"R4".equals(kind)) {
                        readersInside.countDown();
                        releaseReaders.await();
                    }
                    sem.upRead();
                } else {
                    sem.downWrite();
                    order.add(kind);
                    sem.upWrite();
                }
                return null;
            }));
            awaitCondition(queued + " sleepers", () -> sem.getQueueLength() == queued);
        }
        sem.upWrite();
        assertTrue(readersInside.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "R1 and R2 must be admitted together");
        assertEquals(2, sem.getReadLockCount());
        assertTrue(sem.isWriteLocked(), "W3 got the write side with them and waits for them to leave");
        assertEquals(1, sem.getQueueLength(), "R4 waits: it must not pass the writer");
        releaseReaders.countDown();
        for (Future<?> sleeper : sleepers) {
            get(sleeper);
        }
        assertEquals(List.of("W3", "R4"), order.subList(2, 4));
    }

    @Test
    void aWriterInterruptedWhileWaitingForReadersLetsTheReadersQueuedBehindItIn() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.downRead();
        Future<Boolean> impatientWriter = threads.submit(
                () -> sem.downWriteTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        awaitCondition("the writer to raise its flag", sem::isWriteLocked);
        Future<?> reader = threads.submit(() -> {
            sem.downRead();
            sem.upRead();
            return null;
        });
        awaitCondition("the reader to queue", () -> sem.getQueueLength() == 1);
        impatientWriter.cancel(true); // interrupts the draining writer
        awaitCondition("the writer to give up", () -> !sem.isWriteLocked());
        get(reader);
        sem.upRead();
        assertFalse(sem.isReadLocked());
        assertFalse(sem.hasQueuedThreads());
        assertTrue(sem.downWriteTimeout(0, TimeUnit.SECONDS));
        sem.upWrite();
    }

    @Test
    void timedWriteTimesOutBehindAReaderAndChangesNothing() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.downRead();
        assertFalse(onOtherThread(() -> sem.downWriteTimeout(20, TimeUnit.MILLISECONDS)));
        assertFalse(onOtherThread(() -> sem.writeLock().tryLock(20, TimeUnit.MILLISECONDS)));
        assertFalse(sem.isWriteLocked());
        assertTrue(onOtherThread(() -> {
            boolean acquired = sem.downReadTimeout(0, TimeUnit.SECONDS);
            sem.upRead();
            return acquired;
        }));
        sem.upRead();
    }

    @Test
    void timedReadTimesOutBehindAWriter() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.downWrite();
        try {
            assertFalse(onOtherThread(() -> sem.downReadTimeout(20, TimeUnit.MILLISECONDS)));
            assertFalse(onOtherThread(() -> sem.readLock().tryLock(20, TimeUnit.MILLISECONDS)));
            assertFalse(onOtherThread(() -> sem.readLock().tryLock(-1, TimeUnit.MILLISECONDS)));
            assertFalse(sem.hasQueuedThreads());
            assertEquals(0, sem.getReadLockCount());
        } finally {
            sem.upWrite();
        }
    }

    @Test
    void interruptibleWaitsThrowAndLeaveNothingBehind() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, sem::downReadInterruptible);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, sem::downWriteInterruptible);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> sem.downReadTimeout(1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted());

        sem.downWrite();
        Future<?> reader = threads.submit(() -> {
            sem.downReadInterruptible();
            return null;
        });
        Future<?> writer = threads.submit(() -> {
            sem.downWriteInterruptible();
            return null;
        });
        awaitCondition("two sleepers", () -> sem.getQueueLength() == 2);
        reader.cancel(true);
        writer.cancel(true);
        awaitCondition("both to leave the queue", () -> sem.getQueueLength() == 0);
        sem.upWrite();
        assertEquals(0, sem.getReadLockCount());
        assertFalse(sem.isWriteLocked());
    }

    @Test
    void uninterruptibleWaitsKeepTheInterrupt() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.downRead();
        Future<Boolean> writer = threads.submit(() -> {
            Thread.currentThread().interrupt();
            sem.downWrite();
            boolean interrupted = Thread.interrupted();
            sem.upWrite();
            return interrupted;
        });
        awaitCondition("the writer to wait", sem::isWriteLocked);
        sem.upRead();
        assertTrue(get(writer), "downWrite must leave the interrupt status set");
    }

    @Test
    void misuseThrowsWithTheReason() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        IllegalMonitorStateException noWriter = assertThrows(IllegalMonitorStateException.class, sem::upWrite);
        assertTrue(noWriter.getMessage().contains("not held by that thread"), noWriter.getMessage());
        sem.downWrite();
        try {
            assertTrue(onOtherThread(() -> {
                assertThrows(IllegalMonitorStateException.class, sem::upWrite);
                return true;
            }));
            assertTrue(sem.isWriteLockedByCurrentThread());
        } finally {
            sem.upWrite();
        }
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> sem.downWriteTimeout(-1, TimeUnit.SECONDS));
        assertTrue(negative.getMessage().contains("timeout must be >= 0"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sem.downReadTimeout(-1, TimeUnit.SECONDS));
        assertThrows(NullPointerException.class, () -> sem.downReadTimeout(1, null));
        UnsupportedOperationException readCondition = assertThrows(UnsupportedOperationException.class,
                sem.readLock()::newCondition);
        assertTrue(readCondition.getMessage().contains("no conditions"), readCondition.getMessage());
        assertFalse(sem.isWriteLocked());
    }

    @Test
    void anUnbalancedUpReadMakesTheNextWriterThrowInsteadOfHanging() {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        sem.upRead(); // no matching downRead: the total is -1
        IllegalStateException e = assertThrows(IllegalStateException.class, sem::downWrite);
        assertTrue(e.getMessage().contains("upRead() was called more often than downRead()"), e.getMessage());
        assertFalse(sem.isWriteLocked(), "the failed writer released the semaphore");
        sem.downRead(); // back to balance
        sem.downWrite();
        sem.upWrite();
    }

    @Test
    void readLockViewAcquiresAndReleases() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        Lock read = sem.readLock();
        read.lock();
        assertTrue(read.tryLock());
        read.lockInterruptibly();
        assertEquals(3, sem.getReadLockCount());
        read.unlock();
        read.unlock();
        read.unlock();
        assertTrue(read.tryLock(1, TimeUnit.MILLISECONDS));
        read.unlock();
        assertFalse(sem.isReadLocked());
        assertTrue(read.toString().endsWith(".readLock"), read.toString());
        assertTrue(sem.writeLock().toString().endsWith(".writeLock"));
    }

    /** Readers and writers re-taking the semaphore back to back, more threads than cores: no wake-up is lost. */
    @Test
    void backToBackReadersAndWritersLoseNoWakeUp() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        AtomicBoolean stop = new AtomicBoolean();
        long[] written = {0};
        List<Future<Long>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final boolean writesOften = t % 2 == 0;
            workers.add(threads.submit(() -> {
                long writes = 0;
                int i = 0;
                while (!stop.get()) {
                    if (writesOften ? i++ % 2 == 0 : i++ % 16 == 0) {
                        sem.downWrite();
                        written[0]++;
                        writes++;
                        sem.upWrite();
                    } else {
                        sem.downRead();
                        sem.upRead();
                    }
                }
                return writes;
            }));
        }
        Thread.sleep(2_000); // the run's length, not a wait for an event
        stop.set(true);
        long writes = 0;
        for (Future<Long> worker : workers) {
            writes += get(worker);
        }
        assertEquals(writes, written[0]);
        assertFalse(sem.isWriteLocked());
        assertFalse(sem.isReadLocked());
        assertFalse(sem.hasQueuedThreads());
    }

    @Test
    void readersNeverOverlapAWriterUnderContention() throws Exception {
        PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        AtomicInteger readersInside = new AtomicInteger();
        AtomicInteger writersInside = new AtomicInteger();
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
                        sem.downWrite();
                        if (writersInside.incrementAndGet() != 1 || readersInside.get() != 0) {
                            violations.incrementAndGet();
                        }
                        written[0]++;
                        writes++;
                        writersInside.decrementAndGet();
                        sem.upWrite();
                    } else {
                        sem.downRead();
                        readersInside.incrementAndGet();
                        if (writersInside.get() != 0) {
                            violations.incrementAndGet();
                        }
                        readersInside.decrementAndGet();
                        sem.upRead();
                    }
                }
                return writes;
            }));
        }
        start.countDown();
        long writes = 0;
        for (Future<Long> worker : workers) {
            writes += get(worker);
        }
        assertEquals(0, violations.get());
        assertEquals(writes, written[0], "writers overlapped: an update was lost");
    }
}
