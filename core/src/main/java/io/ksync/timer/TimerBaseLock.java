package io.ksync.timer;

import io.ksync.lock.SpinWait;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The lock of a timer base: a test-and-test-and-set spinlock whose unlock is one release store. The kernel's
 * {@code timer_base.lock} is a raw spinlock held for a few dozen instructions; so is this one, and arming a timer
 * takes it twice per arm-and-cancel.
 */
final class TimerBaseLock {

    /*
     * Implementation notes. lock(): CAS 0 -> 1 with acquire; on failure, wait with a read-only loop (test and
     * test-and-set) under the adaptive SpinWait policy: spin with back-off, then yield, then park for a bounded
     * time and look again. No waiter is ever unparked by unlock(), so unlock() needs no StoreLoad fence and no
     * atomic: a release store of 0 (pairs with the acquire CAS of the next holder). A waiter that has reached the
     * parking rounds wakes on its own within the policy's park time (about 50-100 us): the price of the cheap
     * unlock, paid only when the holder was descheduled for longer than the whole spin phase, since every critical
     * section under this lock is a few dozen instructions. Not reentrant; unlock by a thread that does not hold it
     * is not detected (the base's code is the only user).
     */

    private static final SpinWait WAIT = SpinWait.adaptive();

    private volatile int locked;

    void lock() {
        if (!LOCKED.compareAndSet(this, 0, 1)) { // acquire (volatile CAS): pairs with unlock's setRelease
            lockSlowly(true);
        }
    }

    /**
     * {@link #lock()} for the base's own thread, which yields where other waiters park: a parked base thread
     * would sleep its park time (50-100 us) after the lock is free, a delay on every timer of the base.
     */
    void lockWithoutParking() {
        if (!LOCKED.compareAndSet(this, 0, 1)) {
            lockSlowly(false);
        }
    }

    void unlock() {
        LOCKED.setRelease(this, 0); // release: the critical section before the next holder's CAS
    }

    private void lockSlowly(boolean mayPark) {
        int round = 0;
        boolean interrupted = false;
        for (;;) {
            if ((int) LOCKED.getOpaque(this) == 0 && LOCKED.compareAndSet(this, 0, 1)) {
                if (interrupted) {
                    Thread.currentThread().interrupt(); // kept for the caller
                }
                return;
            }
            if (!mayPark) {
                round = WAIT.idleWithoutParking(round);
            } else {
                if (WAIT.isParkingRound(round) && Thread.interrupted()) {
                    interrupted = true; // an interrupt would make every park return at once: a hot loop
                }
                round = WAIT.idle(round); // spins, yields, then parks for a bounded time: nobody unparks us
            }
        }
    }

    // VarHandle mechanics
    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(TimerBaseLock.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
