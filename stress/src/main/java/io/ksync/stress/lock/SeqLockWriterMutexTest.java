package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.SeqLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * {@link SeqLock} serialises its writers (write_seqlock): two writers each increment a plain field in a write
 * section and the arbiter checks that no increment was lost. Were two write sections to overlap, the count
 * check in {@code writeBegin()} would also throw, which jcstress reports as an error.
 */
public final class SeqLockWriterMutexTest {

    private SeqLockWriterMutexTest() {
    }

    /** Both writers {@code writeLock()}. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments survived: the writers were serialised")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: the write sections overlapped or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class WriteLockWriteLock {
        private final SeqLock lock = new SeqLock();
        private int x;

        @Actor
        public void writer1() {
            lock.writeLock();
            x = x + 1;
            lock.writeUnlock();
        }

        @Actor
        public void writer2() {
            lock.writeLock();
            x = x + 1;
            lock.writeUnlock();
        }

        @Arbiter
        public void arbiter(I_Result r) {
            r.r1 = x;
        }
    }

    /** One writer {@code writeLock()}s, the other {@code tryWriteLock()}s; r1 says whether it succeeded, r2 is the count. */
    @JCStressTest
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "tryWriteLock succeeded; both increments survived")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "tryWriteLock failed because the other writer held the lock")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost update: the write sections overlapped or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class WriteLockTryWriteLock {
        private final SeqLock lock = new SeqLock();
        private int x;

        @Actor
        public void locker() {
            lock.writeLock();
            x = x + 1;
            lock.writeUnlock();
        }

        @Actor
        public void tryLocker(II_Result r) {
            if (lock.tryWriteLock()) {
                x = x + 1;
                lock.writeUnlock();
                r.r1 = 1;
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = x;
        }
    }
}
