package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SeqLockTest extends ConcurrentTest {

    @Test
    void writeLockBeginsAWriteSectionAndUnlockEndsIt() {
        SeqLock lock = new SeqLock();
        int s = lock.readBegin();
        lock.writeLock();
        assertTrue(lock.isWriteLocked());
        lock.writeUnlock();
        assertFalse(lock.isWriteLocked());
        assertTrue(lock.readRetry(s));
        assertFalse(lock.readRetry(lock.readBegin()));
    }

    @Test
    void tryWriteLockFailsWhileAnotherWriterHoldsIt() throws Exception {
        SeqLock lock = new SeqLock();
        lock.writeLock();
        assertFalse(threads.submit(lock::tryWriteLock).get(30, TimeUnit.SECONDS));
        lock.writeUnlock();
        assertTrue(lock.tryWriteLock());
        lock.writeUnlock();
    }

    @Test
    void exclusiveReaderExcludesWritersButDoesNotDisturbLocklessReaders() throws Exception {
        SeqLock lock = new SeqLock();
        int s = lock.readBegin();
        lock.readLockExclusive();
        assertFalse(threads.submit(lock::tryWriteLock).get(30, TimeUnit.SECONDS));
        assertFalse(lock.readRetry(s), "an exclusive reader must not move the sequence");
        lock.readUnlockExclusive();
        assertTrue(lock.tryWriteLock());
        lock.writeUnlock();
    }

    @Test
    void writeUnlockWithoutWriteLockThrowsIllegalMonitorState() {
        SeqLock lock = new SeqLock();
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, lock::writeUnlock);
        assertTrue(e.getMessage().contains("without writeLock()"), e.getMessage());
        assertTrue(lock.tryWriteLock(), "the failed unlock must leave the lock usable");
        lock.writeUnlock();
    }

    @Test
    void exclusiveReadUnlockMisuseThrowsIllegalMonitorState() {
        SeqLock lock = new SeqLock();
        assertThrows(IllegalMonitorStateException.class, lock::readUnlockExclusive);
        lock.writeLock();
        IllegalMonitorStateException e =
                assertThrows(IllegalMonitorStateException.class, lock::readUnlockExclusive);
        assertTrue(e.getMessage().contains("writeUnlock()"), e.getMessage());
        assertTrue(lock.isWriteLocked());
        lock.writeUnlock();
    }

    @Test
    void readBeginOrLockIsLocklessFirstThenLocks() throws Exception {
        SeqLock lock = new SeqLock();
        int first = lock.readBeginOrLock(0);
        assertEquals(0, first & 1, "the first attempt is lockless");
        lock.writeLock(); // a writer overlaps the first attempt
        lock.writeUnlock();
        assertTrue(lock.needRetry(first));
        int second = lock.readBeginOrLock(1);
        assertEquals(1, second & 1, "the second attempt holds the lock");
        assertFalse(threads.submit(lock::tryWriteLock).get(30, TimeUnit.SECONDS), "writers wait for it");
        assertFalse(lock.needRetry(second), "a locked attempt never retries");
        lock.doneRetry(second);
        assertTrue(lock.tryWriteLock(), "doneRetry releases the lock");
        lock.writeUnlock();
    }

    @Test
    void optimisticBudgetIsConfigurable() {
        SeqLock lock = new SeqLock(3, SpinWait.adaptive());
        assertEquals(0, lock.readBeginOrLock(2) & 1);
        int locked = lock.readBeginOrLock(3);
        assertEquals(1, locked & 1);
        lock.doneRetry(locked);
    }

    @Test
    void invalidArgumentsAreRejected() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new SeqLock(0, SpinWait.adaptive()));
        assertTrue(e.getMessage().contains("optimisticAttempts must be >= 1, was 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SeqLock().readBeginOrLock(-1));
        assertTrue(e.getMessage().contains("attempt must be >= 0, was -1"), e.getMessage());
        assertThrows(NullPointerException.class, () -> new SeqLock(1, null));
    }

    @Test
    void concurrentWritersAndReadersSeeOnlyConsistentPairs() throws Exception {
        SeqLock lock = new SeqLock();
        long[] pair = new long[2];
        final int writesPerWriter = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        Runnable writerBody = () -> {
            for (int i = 0; i < writesPerWriter; i++) {
                lock.writeLock();
                try {
                    long next = pair[0] + 1;
                    pair[0] = next;
                    pair[1] = -next;
                } finally {
                    lock.writeUnlock();
                }
            }
        };
        Future<?> w1 = threads.submit(() -> { start.await(); writerBody.run(); return null; });
        Future<?> w2 = threads.submit(() -> { start.await(); writerBody.run(); return null; });
        Future<Long> reader = threads.submit(() -> {
            start.await();
            long torn = 0;
            for (int i = 0; i < 100_000; i++) {
                long a;
                long b;
                int seq;
                for (int attempt = 0; ; attempt++) {
                    seq = lock.readBeginOrLock(attempt);
                    a = pair[0];
                    b = pair[1];
                    if (!lock.needRetry(seq)) {
                        break;
                    }
                }
                lock.doneRetry(seq);
                if (a != -b) {
                    torn++;
                }
            }
            return torn;
        });
        start.countDown();
        w1.get(60, TimeUnit.SECONDS);
        w2.get(60, TimeUnit.SECONDS);
        assertEquals(0L, reader.get(60, TimeUnit.SECONDS), "a torn pair was accepted");
        assertEquals(2L * writesPerWriter, pair[0], "writers must be serialised: no update lost");
    }
}
