package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.RwSpinLock;
import java.util.concurrent.locks.Lock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Writers of {@link RwSpinLock} exclude each other, in both variants ({@link RwSpinLock#readerPreferring()} and
 * {@link RwSpinLock#queued()}): two writers each increment a plain field under the write lock and the arbiter
 * checks that no increment was lost, through {@code lockWrite()} and through the {@code writeLock()} view's
 * {@code lock()} and {@code tryLock()}.
 */
public final class RwSpinLockWriterMutexTest {

    private RwSpinLockWriterMutexTest() {
    }

    /** Both actors {@code lockWrite()} on {@link RwSpinLock#readerPreferring()}. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments survived: the writers were serialised")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: two writers held the lock at once or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class ReaderPreferringLockWrite {
        private final RwSpinLock lock = RwSpinLock.readerPreferring();
        private int x;

        @Actor
        public void writer1() {
            lock.lockWrite();
            try {
                x = x + 1;
            } finally {
                lock.unlockWrite();
            }
        }

        @Actor
        public void writer2() {
            lock.lockWrite();
            try {
                x = x + 1;
            } finally {
                lock.unlockWrite();
            }
        }

        @Arbiter
        public void arbiter(I_Result r) {
            r.r1 = x;
        }
    }

    /**
     * Through the {@link RwSpinLock#writeLock()} view of {@link RwSpinLock#readerPreferring()}: one writer {@code lock()}s,
     * the other {@code tryLock()}s; r1 says whether the tryLock succeeded, r2 is the count.
     */
    @JCStressTest
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "tryLock succeeded; both increments survived")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "tryLock failed because the other writer held the lock")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost update: two writers held the lock at once or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class ReaderPreferringWriteLockViewTryLock {
        private final Lock writeLock = RwSpinLock.readerPreferring().writeLock();
        private int x;

        @Actor
        public void locker() {
            writeLock.lock();
            try {
                x = x + 1;
            } finally {
                writeLock.unlock();
            }
        }

        @Actor
        public void tryLocker(II_Result r) {
            if (writeLock.tryLock()) {
                try {
                    x = x + 1;
                } finally {
                    writeLock.unlock();
                }
                r.r1 = 1;
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = x;
        }
    }

    /** Both actors {@code lockWrite()} on {@link RwSpinLock#queued()}. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments survived: the writers were serialised")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: two writers held the lock at once or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class QueuedLockWrite {
        private final RwSpinLock lock = RwSpinLock.queued();
        private int x;

        @Actor
        public void writer1() {
            lock.lockWrite();
            try {
                x = x + 1;
            } finally {
                lock.unlockWrite();
            }
        }

        @Actor
        public void writer2() {
            lock.lockWrite();
            try {
                x = x + 1;
            } finally {
                lock.unlockWrite();
            }
        }

        @Arbiter
        public void arbiter(I_Result r) {
            r.r1 = x;
        }
    }

    /**
     * Through the {@link RwSpinLock#writeLock()} view of {@link RwSpinLock#queued()}: one writer {@code lock()}s,
     * the other {@code tryLock()}s; r1 says whether the tryLock succeeded, r2 is the count.
     */
    @JCStressTest
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "tryLock succeeded; both increments survived")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "tryLock failed because the other writer held the lock")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost update: two writers held the lock at once or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class QueuedWriteLockViewTryLock {
        private final Lock writeLock = RwSpinLock.queued().writeLock();
        private int x;

        @Actor
        public void locker() {
            writeLock.lock();
            try {
                x = x + 1;
            } finally {
                writeLock.unlock();
            }
        }

        @Actor
        public void tryLocker(II_Result r) {
            if (writeLock.tryLock()) {
                try {
                    x = x + 1;
                } finally {
                    writeLock.unlock();
                }
                r.r1 = 1;
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = x;
        }
    }
}
