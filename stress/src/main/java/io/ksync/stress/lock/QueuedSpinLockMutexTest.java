package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.QueuedSpinLock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Mutual exclusion of {@link QueuedSpinLock} (the qspinlock): two actors each increment a plain field inside the lock, and
 * the arbiter checks that no increment was lost. A lost update means that the critical sections overlapped, or
 * that the second did not see the first's write (the release/acquire hand-off failed). One nested test per
 * acquisition path: {@code lock()}, {@code tryLock()} against {@code lock()} and against itself, and the
 * interruptible and timed forms; and three lockers, for the MCS queue (on machines with three CPUs or more).
 */
public final class QueuedSpinLockMutexTest {

    private QueuedSpinLockMutexTest() {
    }

    /** Both actors {@code lock()}. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments survived: the critical sections were serialised")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: the critical sections overlapped or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class LockLock {
        private final QueuedSpinLock lock = new QueuedSpinLock();
        private int x;

        @Actor
        public void actor1() {
            lock.lock();
            try {
                x = x + 1;
            } finally {
                lock.unlock();
            }
        }

        @Actor
        public void actor2() {
            lock.lock();
            try {
                x = x + 1;
            } finally {
                lock.unlock();
            }
        }

        @Arbiter
        public void arbiter(I_Result r) {
            r.r1 = x;
        }
    }

    /**
     * Three actors {@code lock()}: the only shape that reaches the MCS queue (the first contender spins on the
     * pending bit, the second queues). jcstress needs a CPU per actor, so it skips this test on a machine with
     * fewer than three.
     */
    @JCStressTest
    @Outcome(id = "3", expect = ACCEPTABLE, desc = "all three increments survived: the critical sections were serialised")
    @Outcome(id = {"1", "2"}, expect = FORBIDDEN, desc = "lost update: critical sections overlapped or one missed another's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class ThreeLockers {
        private final QueuedSpinLock lock = new QueuedSpinLock();
        private int x;

        @Actor
        public void actor1() {
            lock.lock();
            try {
                x = x + 1;
            } finally {
                lock.unlock();
            }
        }

        @Actor
        public void actor2() {
            lock.lock();
            try {
                x = x + 1;
            } finally {
                lock.unlock();
            }
        }

        @Actor
        public void actor3() {
            lock.lock();
            try {
                x = x + 1;
            } finally {
                lock.unlock();
            }
        }

        @Arbiter
        public void arbiter(I_Result r) {
            r.r1 = x;
        }
    }

    /** One actor {@code lock()}s, the other {@code tryLock()}s; r1 says whether the tryLock succeeded, r2 is the count. */
    @JCStressTest
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "tryLock succeeded; both increments survived")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "tryLock failed (the lock was held or being handed over); lock()'s increment survived")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost update: tryLock's critical section overlapped lock()'s or missed its write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class LockTryLock {
        private final QueuedSpinLock lock = new QueuedSpinLock();
        private int x;

        @Actor
        public void locker() {
            lock.lock();
            try {
                x = x + 1;
            } finally {
                lock.unlock();
            }
        }

        @Actor
        public void tryLocker(II_Result r) {
            if (lock.tryLock()) {
                try {
                    x = x + 1;
                } finally {
                    lock.unlock();
                }
                r.r1 = 1;
            } else {
                r.r1 = 0;
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = x;
        }
    }

    /**
     * Both actors {@code tryLock()}; r1 and r2 say whether each succeeded, r3 is the count. With no other
     * thread about, a tryLock fails only while the other actor holds the lock, so at least one succeeds.
     */
    @JCStressTest
    @Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = "both succeeded, one after the other; both increments survived")
    @Outcome(id = {"1, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE, desc = "one failed because the other held the lock")
    @Outcome(id = "1, 1, 1", expect = FORBIDDEN, desc = "lost update: both held the lock at once or one missed the other's write")
    @Outcome(id = "0, 0, 0", expect = FORBIDDEN, desc = "both failed although the lock was free for at least one of them")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class TryLockTryLock {
        private final QueuedSpinLock lock = new QueuedSpinLock();
        private int x;

        @Actor
        public void actor1(III_Result r) {
            if (lock.tryLock()) {
                try {
                    x = x + 1;
                } finally {
                    lock.unlock();
                }
                r.r1 = 1;
            }
        }

        @Actor
        public void actor2(III_Result r) {
            if (lock.tryLock()) {
                try {
                    x = x + 1;
                } finally {
                    lock.unlock();
                }
                r.r2 = 1;
            }
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = x;
        }
    }

    /**
     * One actor {@code lockInterruptibly()}s, the other {@code tryLock(1, SECONDS)}s: both retry
     * {@code tryLock()} under the lock's spin policy instead of joining its queue. r1 says whether the timed
     * acquisition succeeded (-1 if an actor was interrupted, which nothing here does), r2 is the count.
     */
    @JCStressTest
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "both acquired; both increments survived")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the timed acquisition timed out after a second (a descheduled holder); the other increment survived")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost update: the critical sections overlapped or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count, or an unexpected interrupt")
    @State
    public static class InterruptiblyTimed {
        private final QueuedSpinLock lock = new QueuedSpinLock();
        private int x;

        @Actor
        public void interruptibly(II_Result r) {
            try {
                lock.lockInterruptibly();
            } catch (InterruptedException e) {
                r.r1 = -1;
                return;
            }
            try {
                x = x + 1;
            } finally {
                lock.unlock();
            }
        }

        @Actor
        public void timed(II_Result r) {
            final boolean acquired;
            try {
                acquired = lock.tryLock(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                r.r1 = -1;
                return;
            }
            if (acquired) {
                try {
                    x = x + 1;
                } finally {
                    lock.unlock();
                }
                r.r1 = 1;
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            if (r.r1 != -1) {
                r.r2 = x;
            }
        }
    }
}
