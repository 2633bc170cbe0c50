package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.RwSpinLock;
import java.util.concurrent.locks.Lock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Readers of {@link RwSpinLock} never overlap a writer, and a reader that comes after a writer sees all its
 * writes, in both variants: a writer stores {@code x = 1} then {@code y = 1} under the write lock, a reader
 * loads {@code y} then {@code x} under the read lock and must see all or nothing (reading in reverse order makes
 * the "saw y, missed x" case message passing through the lock). Checked through {@code lockWrite()} /
 * {@code lockRead()} and through the views' {@code tryLock()}.
 */
public final class RwSpinLockReaderWriterTest {

    private RwSpinLockReaderWriterTest() {
    }

    /** {@code lockWrite()} against {@code lockRead()} on {@link RwSpinLock#readerPreferring()}; r1 = y, r2 = x. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader came first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader came after the writer and saw both writes")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw y but not x: the writer's stores were not all published to the next reader")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw x but not y: the reader overlapped the writer")
    @State
    public static class ReaderPreferring {
        private final RwSpinLock lock = RwSpinLock.readerPreferring();
        private int x;
        private int y;

        @Actor
        public void writer() {
            lock.lockWrite();
            try {
                x = 1;
                y = 1;
            } finally {
                lock.unlockWrite();
            }
        }

        @Actor
        public void reader(II_Result r) {
            lock.lockRead();
            try {
                r.r1 = y;
                r.r2 = x;
            } finally {
                lock.unlockRead();
            }
        }
    }

    /**
     * Both sides {@code tryLock()} through the {@link RwSpinLock#readLock()} and {@link RwSpinLock#writeLock()}
     * views of {@link RwSpinLock#readerPreferring()}. r1 says whether the writer acquired; r2 = y and r3 = x as the reader
     * saw them, or -1, -1 if the reader's tryLock failed. A tryLock fails only while the other side holds the
     * lock (or, for the writer, while a reader backs out its bias), so both cannot fail.
     */
    @JCStressTest
    @Outcome(id = {"1, 0, 0", "0, 0, 0"}, expect = ACCEPTABLE, desc = "the reader came first (the writer's tryLock may have failed against it)")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the reader came after the writer and saw both writes")
    @Outcome(id = "1, -1, -1", expect = ACCEPTABLE, desc = "the reader's tryLock failed: the writer held the lock")
    @Outcome(id = {"1, 1, 0", "1, 0, 1"}, expect = FORBIDDEN, desc = "torn read: the reader overlapped the writer, or missed one of its stores")
    @Outcome(id = "0, -1, -1", expect = FORBIDDEN, desc = "both tryLocks failed although the lock was free for at least one of them")
    @Outcome(expect = FORBIDDEN, desc = "the reader saw writes of a writer whose tryLock failed")
    @State
    public static class ReaderPreferringViewsTryLock {
        private final RwSpinLock rw = RwSpinLock.readerPreferring();
        private final Lock readLock = rw.readLock();
        private final Lock writeLock = rw.writeLock();
        private int x;
        private int y;

        @Actor
        public void writer(III_Result r) {
            if (writeLock.tryLock()) {
                try {
                    x = 1;
                    y = 1;
                } finally {
                    writeLock.unlock();
                }
                r.r1 = 1;
            }
        }

        @Actor
        public void reader(III_Result r) {
            if (readLock.tryLock()) {
                try {
                    r.r2 = y;
                    r.r3 = x;
                } finally {
                    readLock.unlock();
                }
            } else {
                r.r2 = -1;
                r.r3 = -1;
            }
        }
    }

    /** {@code lockWrite()} against {@code lockRead()} on {@link RwSpinLock#queued()}; r1 = y, r2 = x. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader came first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader came after the writer and saw both writes")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw y but not x: the writer's stores were not all published to the next reader")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw x but not y: the reader overlapped the writer")
    @State
    public static class Queued {
        private final RwSpinLock lock = RwSpinLock.queued();
        private int x;
        private int y;

        @Actor
        public void writer() {
            lock.lockWrite();
            try {
                x = 1;
                y = 1;
            } finally {
                lock.unlockWrite();
            }
        }

        @Actor
        public void reader(II_Result r) {
            lock.lockRead();
            try {
                r.r1 = y;
                r.r2 = x;
            } finally {
                lock.unlockRead();
            }
        }
    }

    /**
     * Both sides {@code tryLock()} through the {@link RwSpinLock#readLock()} and {@link RwSpinLock#writeLock()}
     * views of {@link RwSpinLock#queued()}. r1 says whether the writer acquired; r2 = y and r3 = x as the reader
     * saw them, or -1, -1 if the reader's tryLock failed. A tryLock fails only while the other side holds the
     * lock (or, for the writer, while a reader backs out its bias), so both cannot fail.
     */
    @JCStressTest
    @Outcome(id = {"1, 0, 0", "0, 0, 0"}, expect = ACCEPTABLE, desc = "the reader came first (the writer's tryLock may have failed against it)")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the reader came after the writer and saw both writes")
    @Outcome(id = "1, -1, -1", expect = ACCEPTABLE, desc = "the reader's tryLock failed: the writer held the lock")
    @Outcome(id = {"1, 1, 0", "1, 0, 1"}, expect = FORBIDDEN, desc = "torn read: the reader overlapped the writer, or missed one of its stores")
    @Outcome(id = "0, -1, -1", expect = FORBIDDEN, desc = "both tryLocks failed although the lock was free for at least one of them")
    @Outcome(expect = FORBIDDEN, desc = "the reader saw writes of a writer whose tryLock failed")
    @State
    public static class QueuedViewsTryLock {
        private final RwSpinLock rw = RwSpinLock.queued();
        private final Lock readLock = rw.readLock();
        private final Lock writeLock = rw.writeLock();
        private int x;
        private int y;

        @Actor
        public void writer(III_Result r) {
            if (writeLock.tryLock()) {
                try {
                    x = 1;
                    y = 1;
                } finally {
                    writeLock.unlock();
                }
                r.r1 = 1;
            }
        }

        @Actor
        public void reader(III_Result r) {
            if (readLock.tryLock()) {
                try {
                    r.r2 = y;
                    r.r3 = x;
                } finally {
                    readLock.unlock();
                }
            } else {
                r.r2 = -1;
                r.r3 = -1;
            }
        }
    }
}
