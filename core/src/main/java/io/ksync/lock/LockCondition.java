package io.ksync.lock;

import io.ksync.internal.WaitList;
import io.ksync.internal.Waiter;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The {@link Condition} of a sleeping exclusive lock ({@link Mutex}, the write side of {@link RwSemaphore}): a
 * wait queue of exclusive entries, woken one at a time in FIFO order ({@code wake_up}), whose waiters release
 * the lock while they sleep and take it again before they return.
 *
 * <p>Every method requires the calling thread to hold the lock ({@link IllegalMonitorStateException}
 * otherwise). There are no spurious wake-ups; a signal is never lost: a waiter that gives up (timeout,
 * interrupt) at the moment it is signalled keeps the signal and returns as signalled (with its interrupt
 * status set if it was interrupted), which {@link Condition} allows.
 *
 * <p>Memory effects: the lock orders everything. {@code signal} runs under the lock and the waiter takes the
 * lock again before it returns, so the signaller's critical section happens-before the waiter's return.
 */
final class LockCondition implements Condition {

    /*
     * Implementation notes. The entries live on their own WaitList, guarded by its own small lock (not by
     * the user's lock, because a waiter that times out or is interrupted must leave the queue before it
     * re-takes the user's lock, or a signal in between would be spent on it). A waiter queues itself while it
     * still holds the lock, so a signal cannot come between its decision to wait and its queueing. signal()
     * dequeues the head and grants it under the guard; a waiter that gives up takes the guard and either
     * finds itself granted (keeps the signal) or removes itself.
     */

    private final Object lock;
    private final BooleanSupplier isHeldByCurrentThread;
    private final Runnable relock;
    private final Runnable unlock;
    private final WaitList waiters = new WaitList();

    LockCondition(Object lock, BooleanSupplier isHeldByCurrentThread, Runnable relock, Runnable unlock) {
        this.lock = lock;
        this.isHeldByCurrentThread = isHeldByCurrentThread;
        this.relock = relock;
        this.unlock = unlock;
    }

    @Override
    public void await() throws InterruptedException {
        if (awaitCore(true, false, 0L) == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while awaiting a condition of " + lock);
        }
    }

    @Override
    public void awaitUninterruptibly() {
        awaitCore(false, false, 0L);
    }

    @Override
    public long awaitNanos(long nanosTimeout) throws InterruptedException {
        long deadline = System.nanoTime() + nanosTimeout; // differences stay exact even if this wraps
        awaitTimed(deadline);
        return deadline - System.nanoTime();
    }

    @Override
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
        return awaitTimed(System.nanoTime() + unit.toNanos(time)) == Waiter.GRANTED;
    }

    @Override
    public boolean awaitUntil(Date deadline) throws InterruptedException {
        long millis = deadline.getTime() - System.currentTimeMillis();
        return awaitTimed(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis)) == Waiter.GRANTED;
    }

    private int awaitTimed(long deadline) throws InterruptedException {
        int outcome = awaitCore(true, true, deadline);
        if (outcome == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while awaiting a condition of " + lock);
        }
        return outcome;
    }

    @Override
    public void signal() {
        checkHeld("signal()");
        Thread wake = null;
        waiters.lock();
        try {
            Waiter first = waiters.first();
            if (first != null) {
                waiters.remove(first);
                first.grant(); // release: pairs with the waiter's acquire of its status
                wake = first.thread();
            }
        } finally {
            waiters.unlock();
        }
        if (wake != null) {
            LockSupport.unpark(wake);
        }
    }

    @Override
    public void signalAll() {
        checkHeld("signalAll()");
        waiters.lock();
        try {
            for (Waiter w = waiters.first(); w != null; w = waiters.first()) {
                waiters.remove(w);
                w.grant();
                LockSupport.unpark(w.thread()); // under the guard: the entry is reused once the waiter leaves
            }
        } finally {
            waiters.unlock();
        }
    }

    /** Number of threads waiting on this condition now (a snapshot). */
    int waiterCount() {
        return waiters.sizeLocked();
    }

    /**
     * Queues, releases the lock, sleeps until granted, timed out or interrupted, leaves the queue if not
     * granted, and takes the lock again (uninterruptibly, as {@link Condition} requires).
     *
     * @return {@link Waiter#GRANTED} (signalled), {@link Waiter#TIMED_OUT} or {@link Waiter#INTERRUPTED}
     */
    private int awaitCore(boolean interruptible, boolean timed, long deadline) {
        checkHeld("await()");
        if (interruptible && Thread.interrupted()) {
            return Waiter.INTERRUPTED;
        }
        Waiter waiter = Waiter.acquire(0);
        int outcome;
        try {
            waiters.lock();
            try {
                waiters.addLast(waiter);
            } finally {
                waiters.unlock();
            }
            unlock.run();
            outcome = waiter.await(this, interruptible, timed, deadline, 0);
            if (outcome != Waiter.GRANTED) {
                waiters.lock();
                try {
                    if (waiter.status() == Waiter.GRANTED) {
                        if (outcome == Waiter.INTERRUPTED) {
                            waiter.swallowInterrupt(); // restored by release(): we return as signalled
                        }
                        outcome = Waiter.GRANTED;
                    } else {
                        waiters.remove(waiter);
                    }
                } finally {
                    waiters.unlock();
                }
            }
        } finally {
            waiter.release();
        }
        relock.run();
        return outcome;
    }

    private void checkHeld(String what) {
        if (!isHeldByCurrentThread.getAsBoolean()) {
            throw new IllegalMonitorStateException("Condition." + what + " called by "
                    + Thread.currentThread().getName() + " without holding " + lock
                    + ": take the lock first, and call it between lock() and unlock()");
        }
    }
}
