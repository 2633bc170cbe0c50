package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Busted control for the lock mutex tests ({@code io.ksync.stress.lock.*MutexTest}): a spinlock whose
 * {@code lock()} waits until the lock looks free and then sets it with a separate store, instead of one atomic
 * read-modify-write. Two threads can both see it free and both enter. Same shape as
 * {@code TicketSpinLockMutexTest.LockLock}; this test must FAIL (lost update observed).
 */
@JCStressTest
@Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments survived (the race was not hit this time)")
@Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: both threads entered the check-then-set lock")
@Outcome(expect = FORBIDDEN, desc = "impossible count")
@State
public class CheckThenSetLockMutexTest {

    /** The broken lock: check, then set, with a window between them. */
    static final class CheckThenSetLock {
        private volatile boolean locked;

        void lock() {
            while ((boolean) LOCKED.getAcquire(this)) {
                Thread.onSpinWait();
            }
            LOCKED.setRelease(this, true); // BROKEN: another thread may have passed the check meanwhile
        }

        void unlock() {
            LOCKED.setRelease(this, false);
        }

        private static final VarHandle LOCKED;

        static {
            try {
                LOCKED = MethodHandles.lookup().findVarHandle(CheckThenSetLock.class, "locked", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private final CheckThenSetLock lock = new CheckThenSetLock();
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
