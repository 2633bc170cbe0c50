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
}
