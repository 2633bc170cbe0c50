package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.SeqLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A {@link SeqLock} reader never accepts a torn snapshot, on every read path. The writer stores {@code x = 1}
 * then {@code y = 1} inside its write section; the reader loads {@code y} then {@code x} (r1 = y, r2 = x) and
 * reports -1, -1 when its path told it to retry. The busted controls
 * {@code io.ksync.stress.busted.NoRetrySeqReaderTornReadTest} and {@code EvenOnlySeqWriterTornReadTest} show
 * that this harness catches a reader without the check and a writer without the odd count.
 */
public final class SeqLockTornReadTest {

    private SeqLockTornReadTest() {
    }

    /** {@code writeLock()}/{@code writeUnlock()} against a lockless {@code readBegin()}/{@code readRetry()}. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "accepted the snapshot before the write")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "accepted the snapshot after the write")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "readRetry rejected the snapshot: the write overlapped the read")
    @Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn snapshot")
    @State
    public static class WriteLock {
        private final SeqLock lock = new SeqLock();
        private int x;
        private int y;

        @Actor
        public void writer() {
            lock.writeLock();
            x = 1;
            y = 1;
            lock.writeUnlock();
        }

        @Actor
        public void reader(II_Result r) {
            final int s = lock.readBegin();
            final int ry = y;
            final int rx = x;
            if (lock.readRetry(s)) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                r.r1 = ry;
                r.r2 = rx;
            }
        }
    }

    /**
     * {@code tryWriteLock()} against a lockless reader: with no other writer the tryLock always succeeds, so
     * this checks that a write section begun through it is one the readers respect.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "accepted the snapshot before the write")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "accepted the snapshot after the write")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "readRetry rejected the snapshot: the write overlapped the read")
    @Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn snapshot")
    @State
    public static class TryWriteLock {
        private final SeqLock lock = new SeqLock();
        private int x;
        private int y;

        @Actor
        public void writer() {
            if (lock.tryWriteLock()) {
                x = 1;
                y = 1;
                lock.writeUnlock();
            }
        }

        @Actor
        public void reader(II_Result r) {
            final int s = lock.readBegin();
            final int ry = y;
            final int rx = x;
            if (lock.readRetry(s)) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                r.r1 = ry;
                r.r2 = rx;
            }
        }
    }

    /**
     * The {@code read_seqbegin_or_lock} loop: {@code readBeginOrLock(attempt)}, read, {@code needRetry}, and
     * {@code doneRetry} after the last attempt. The first attempt is lockless; if the writer overlaps it, the
     * second takes the lock and cannot be torn. The loop always ends with a snapshot, never a retry.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the snapshot before the write")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the snapshot after the write")
    @Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn snapshot (lockless attempt not rejected, or the locked attempt overlapped the writer)")
    @Outcome(expect = FORBIDDEN, desc = "impossible values")
    @State
    public static class ReadBeginOrLock {
        private final SeqLock lock = new SeqLock();
        private int x;
        private int y;

        @Actor
        public void writer() {
            lock.writeLock();
            x = 1;
            y = 1;
            lock.writeUnlock();
        }

        @Actor
        public void reader(II_Result r) {
            int ry;
            int rx;
            int seq;
            for (int attempt = 0; ; attempt++) {
                seq = lock.readBeginOrLock(attempt);
                ry = y;
                rx = x;
                if (!lock.needRetry(seq)) {
                    break;
                }
            }
            lock.doneRetry(seq);
            r.r1 = ry;
            r.r2 = rx;
        }
    }

    /** {@code readLockExclusive()} (read_seqlock_excl) excludes the writer: no retry, never torn. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the exclusive reader came first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the exclusive reader came after the writer and saw both writes")
    @Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "torn: the exclusive reader overlapped the writer or missed one of its stores")
    @State
    public static class ExclusiveReader {
        private final SeqLock lock = new SeqLock();
        private int x;
        private int y;

        @Actor
        public void writer() {
            lock.writeLock();
            x = 1;
            y = 1;
            lock.writeUnlock();
        }

        @Actor
        public void reader(II_Result r) {
            lock.readLockExclusive();
            r.r1 = y;
            r.r2 = x;
            lock.readUnlockExclusive();
        }
    }
}
