package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.Mutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Mutual exclusion of {@link Mutex} (the sleeping mutex): two actors each increment a plain field inside the
 * mutex, and the arbiter checks that no increment was lost. A lost update means that the critical sections
 * overlapped, or that the second did not see the first's write (the unlock/lock hand-off, whether through the
 * fast-path CAS, the optimistic spinner, a woken sleeper's retry or a direct hand-off, failed to order them).
 * One nested test per acquisition path: {@code lock()} against itself, and {@code tryLock()} against
 * {@code lock()}.
 */
public final class MutexMutexTest {

    private MutexMutexTest() {
    }

    /** Both actors {@code lock()}: the loser spins or sleeps until the winner's {@code unlock()}. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments survived: the critical sections were serialised")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: the critical sections overlapped or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class LockLock {
        private final Mutex lock = new Mutex();
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
     * One actor {@code lock()}s, the other {@code tryLock()}s; r1 says whether the tryLock succeeded, r2 is the
     * count. A tryLock fails only while the mutex is held (a pending hand-off implies held), so a failed
     * tryLock leaves exactly the locker's increment.
     */
    @JCStressTest
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "tryLock succeeded; both increments survived")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "tryLock failed (lock() held the mutex); lock()'s increment survived")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost update: tryLock's critical section overlapped lock()'s or missed its write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class LockTryLock {
        private final Mutex lock = new Mutex();
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
}
