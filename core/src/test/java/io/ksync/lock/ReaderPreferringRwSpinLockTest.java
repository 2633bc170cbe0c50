package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReaderPreferringRwSpinLockTest extends RwSpinLockContract {

    @Override
    RwSpinLock newRwLock() {
        return RwSpinLock.readerPreferring();
    }

    @Test
    void newReadersEnterWhileAWriterWaits() throws Exception {
        RwSpinLock lock = newRwLock();
        CountDownLatch writerStarting = new CountDownLatch(1);
        lock.lockRead();
        Future<?> writer = threads.submit(() -> {
            writerStarting.countDown();
            lock.lockWrite();
            lock.unlockWrite();
        });
        assertTrue(writerStarting.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        for (int i = 0; i < 1_000; i++) {
            assertTrue(lock.tryLockRead(), "reader-preferring: a waiting writer must not stop readers");
            lock.unlockRead();
        }
        lock.unlockRead();
        get(writer);
    }
}
