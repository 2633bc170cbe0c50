package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

/**
 * The reader-writer behaviour both {@link RwSpinLock} variants share; the write side's {@link Lock} behaviour is
 * checked by {@link LockContract} through each variant's write-lock test class.
 */
abstract class RwSpinLockContract extends LockContract {

    abstract RwSpinLock newRwLock();

    @Override
    Lock newLock() {
        return newRwLock().writeLock();
    }

    @Test
    void readersShareTheLock() throws Exception {
        RwSpinLock lock = newRwLock();
        lock.lockRead();
        assertTrue(onOtherThread(() -> {
            boolean acquired = lock.tryLockRead();
            if (acquired) {
                lock.unlockRead();
            }
            return acquired;
        }));
        lock.readLock().lock();
        assertEquals(2, lock.readerCount());
        assertTrue(lock.isLocked());
        assertFalse(lock.isWriteLocked());
        lock.readLock().unlock();
        lock.unlockRead();
        assertFalse(lock.isLocked());
    }

    @Test
    void readerExcludesWriter() throws Exception {
        RwSpinLock lock = newRwLock();
        lock.lockRead();
        try {
            assertFalse(onOtherThread(lock::tryLockWrite));
            assertFalse(onOtherThread(() -> lock.writeLock().tryLock(10, TimeUnit.MILLISECONDS)));
        } finally {
            lock.unlockRead();
        }
        assertTrue(lock.tryLockWrite());
        lock.unlockWrite();
    }

    @Test
    void writerExcludesReaders() throws Exception {
        RwSpinLock lock = newRwLock();
        lock.lockWrite();
        try {
            assertTrue(lock.isWriteLocked());
            assertFalse(onOtherThread(lock::tryLockRead));
            assertFalse(onOtherThread(() -> lock.readLock().tryLock(10, TimeUnit.MILLISECONDS)));
            assertEquals(0, lock.readerCount(), "a refused reader must take its bias back");
        } finally {
            lock.unlockWrite();
        }
    }

    @Test
    void blockedReaderEntersWhenTheWriterLeaves() throws Exception {
        RwSpinLock lock = newRwLock();
        CountDownLatch aboutToRead = new CountDownLatch(1);
        lock.lockWrite();
        Future<Integer> reader = threads.submit(() -> {
            aboutToRead.countDown();
            lock.lockRead();
            try {
                return lock.readerCount();
            } finally {
                lock.unlockRead();
            }
        });
        assertTrue(aboutToRead.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        lock.unlockWrite();
        assertEquals(1, get(reader));
    }

    @Test
    void unlockReadWithoutReadersThrowsAndChangesNothing() {
        RwSpinLock lock = newRwLock();
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, lock::unlockRead);
        assertTrue(e.getMessage().contains("no reader holds the lock"), e.getMessage());
        assertEquals(0, lock.readerCount());
        assertTrue(lock.tryLockWrite(), "a failed read unlock must leave the lock free");
        lock.unlockWrite();
    }

    @Test
    void unlockReadWhileOnlyAWriterHoldsThrows() {
        RwSpinLock lock = newRwLock();
        lock.lockWrite();
        assertThrows(IllegalMonitorStateException.class, lock::unlockRead);
        assertTrue(lock.isWriteLocked());
        lock.unlockWrite();
        assertFalse(lock.isLocked());
    }

    @Test
    void unlockWriteWhileOnlyReadersHoldThrows() {
        RwSpinLock lock = newRwLock();
        lock.lockRead();
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, lock::unlockWrite);
        assertTrue(e.getMessage().contains("no writer holds the lock"), e.getMessage());
        assertEquals(1, lock.readerCount());
        lock.unlockRead();
        assertFalse(lock.isLocked());
    }

    @Test
    void readLockViewRefusesConditions() {
        RwSpinLock lock = newRwLock();
        assertThrows(UnsupportedOperationException.class, () -> lock.readLock().newCondition());
    }

    @Test
    void readLockViewHonoursInterruptOnEntry() {
        RwSpinLock lock = newRwLock();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> lock.readLock().lockInterruptibly());
        assertEquals(0, lock.readerCount());
    }

    @Test
    void readersNeverOverlapAWriterUnderContention() throws Exception {
        readersNeverOverlapAWriter(newRwLock(), 3, 20_000);
    }

    /** Readers check that no writer is inside while they read; the writer counts its sections. */
    void readersNeverOverlapAWriter(RwSpinLock lock, int readers, int iterations) throws Exception {
        final int[] writerInside = {0};
        final long[] written = {0};
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> workers = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            workers.add(threads.submit(() -> {
                start.await();
                int violations = 0;
                for (int i = 0; i < iterations; i++) {
                    lock.lockRead();
                    try {
                        if (writerInside[0] != 0) {
                            violations++;
                        }
                    } finally {
                        lock.unlockRead();
                    }
                }
                return violations;
            }));
        }
        workers.add(threads.submit(() -> {
            start.await();
            int violations = 0;
            for (int i = 0; i < iterations; i++) {
                lock.lockWrite();
                try {
                    if (writerInside[0]++ != 0) {
                        violations++;
                    }
                    written[0]++;
                    writerInside[0]--;
                } finally {
                    lock.unlockWrite();
                }
            }
            return violations;
        }));
        start.countDown();
        int violations = 0;
        for (Future<Integer> worker : workers) {
            violations += worker.get(TIMEOUT_SECONDS * 4, TimeUnit.SECONDS);
        }
        assertEquals(0, violations, "a reader overlapped a writer");
        lock.lockRead();
        try {
            assertEquals(iterations, written[0]);
        } finally {
            lock.unlockRead();
        }
    }
}
