package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class QueuedRwSpinLockTest extends RwSpinLockContract {

    @Override
    RwSpinLock newRwLock() {
        return RwSpinLock.queued();
    }

    @Test
    void aWaitingWriterStopsNewReadersAndGoesFirst() throws Exception {
        RwSpinLock lock = newRwLock();
        List<String> order = new CopyOnWriteArrayList<>();
        lock.lockRead();
        Future<?> writer = threads.submit(() -> {
            lock.lockWrite();
            order.add("writer");
            lock.unlockWrite();
        });
        // Once the writer has announced itself, tryLockRead fails: new readers queue behind it.
        awaitCondition("the writer waits", () -> {
            if (lock.tryLockRead()) {
                lock.unlockRead();
                return false;
            }
            return true;
        });
        Future<?> reader = threads.submit(() -> {
            lock.lockRead();
            order.add("reader");
            lock.unlockRead();
        });
        assertFalse(lock.isWriteLocked());
        lock.unlockRead();
        get(writer);
        get(reader);
        assertEquals(List.of("writer", "reader"), order);
    }

    @Test
    void aWriterParkedWaitingForReadersIsKickedByTheLastReader() throws Exception {
        RwSpinLock lock = RwSpinLock.queued(QueuedSpinLockTest.PARK_AT_ONCE);
        java.util.concurrent.atomic.AtomicReference<Thread> writerThread =
                new java.util.concurrent.atomic.AtomicReference<>();
        lock.lockRead();
        Future<?> writer = threads.submit(() -> {
            writerThread.set(Thread.currentThread());
            lock.lockWrite();
            lock.unlockWrite();
        });
        awaitCondition("the writer parks", () -> writerThread.get() != null
                && java.util.concurrent.locks.LockSupport.getBlocker(writerThread.get()) == lock);
        lock.unlockRead(); // must kick the writer long before its ten-minute park ends
        get(writer);
        assertFalse(lock.isLocked());
    }

    @Test
    void aReaderParkedWaitingForTheWriterIsKickedByItsUnlock() throws Exception {
        RwSpinLock lock = RwSpinLock.queued(QueuedSpinLockTest.PARK_AT_ONCE);
        java.util.concurrent.atomic.AtomicReference<Thread> readerThread =
                new java.util.concurrent.atomic.AtomicReference<>();
        lock.lockWrite();
        Future<?> reader = threads.submit(() -> {
            readerThread.set(Thread.currentThread());
            lock.lockRead();
            lock.unlockRead();
        });
        awaitCondition("the reader parks", () -> readerThread.get() != null
                && java.util.concurrent.locks.LockSupport.getBlocker(readerThread.get()) == lock);
        lock.unlockWrite();
        get(reader);
        assertFalse(lock.isLocked());
    }

    @Test
    void kickedReadersAndWritersKeepALongMixedRunMoving() throws Exception {
        RwSpinLock lock = RwSpinLock.queued(QueuedSpinLockTest.PARK_AT_ONCE);
        mutualExclusion(lock.writeLock(), false, 3, 3_000);
        readersNeverOverlapAWriter(lock, 2, 3_000);
    }
}
