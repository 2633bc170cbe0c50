package io.ksync.lock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * What every spinning {@link Lock} in this package shares: the interruptible and timed acquisitions, built on
 * the lock's own {@link #tryLock()} and its {@link SpinWait} policy, and the refusal of conditions.
 *
 * <p>The kernel has no interruptible or timed {@code spin_lock}; Java's {@link Lock} does. A FIFO lock cannot
 * hand back a ticket or leave its MCS queue once it has joined, so these acquisitions never join the queue:
 * they retry {@link #tryLock()} under the lock's policy, checking the interrupt flag every round and the
 * clock only every {@value #CLOCK_CHECK_INTERVAL} spinning rounds (a clock read costs as much as a pause).
 * They are therefore not FIFO with respect to {@link #lock()} callers.
 */
abstract class SpinningLock implements Lock {

    /** Spinning rounds between two clock reads in {@link #tryLock(long, TimeUnit)}. */
    static final int CLOCK_CHECK_INTERVAL = 8;

    final SpinWait spinWait;

    SpinningLock(SpinWait spinWait) {
        if (spinWait == null) {
            throw new NullPointerException("spinWait must not be null; use SpinWait.adaptive() for the default");
        }
        this.spinWait = spinWait;
    }

    /**
     * Acquires the lock unless the current thread is interrupted, spinning under this lock's
     * {@link SpinWait} policy. Unlike {@link #lock()} this does not join the lock's FIFO order: it retries
     * {@link #tryLock()} until it succeeds.
     *
     * @throws InterruptedException if the current thread is interrupted on entry or while waiting; the
     *                              interrupt status is cleared
     */
    @Override
    public final void lockInterruptibly() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        int round = 0;
        while (!tryLock()) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            round = spinWait.idle(round);
        }
    }

    /**
     * Acquires the lock if it becomes free within the given waiting time and the current thread is not
     * interrupted. A time of zero or less does not wait at all (as {@link #tryLock()}). Like
     * {@link #lockInterruptibly()}, this retries {@link #tryLock()} rather than joining the FIFO order.
     *
     * @param time the maximum time to wait
     * @param unit the unit of {@code time}
     * @return {@code true} if the lock was acquired, {@code false} if the time elapsed first
     * @throws InterruptedException if the current thread is interrupted on entry or while waiting; the
     *                              interrupt status is cleared
     * @throws NullPointerException if {@code unit} is null
     */
    @Override
    public final boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(time);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (tryLock()) {
            return true;
        }
        if (nanos <= 0L) {
            return false;
        }
        final long deadline = System.nanoTime() + nanos;
        int round = 0;
        for (int spins = 1; ; spins++) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if ((spins % CLOCK_CHECK_INTERVAL == 0 || spinWait.isPastSpinning(round))
                    && deadline - System.nanoTime() <= 0L) {
                return false;
            }
            round = spinWait.idle(round);
            if (tryLock()) {
                return true;
            }
        }
    }

    /**
     * Spinning locks have no conditions: waiting for a condition means sleeping, and a thread must not sleep
     * while it holds a spinlock. Use a sleeping lock ({@code Mutex}) and its conditions, or a wait queue.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public final Condition newCondition() {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " has no conditions: a thread must not sleep while holding a spinlock;"
                + " use a sleeping lock with conditions instead");
    }

    /** The exception for an unlock of a lock that is not held. */
    final IllegalMonitorStateException notHeld(String what) {
        return new IllegalMonitorStateException(getClass().getSimpleName() + "." + what
                + " called while the lock is not held: unlock only a lock you acquired, once per acquisition");
    }
}
