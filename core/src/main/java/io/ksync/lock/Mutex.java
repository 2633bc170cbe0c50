package io.ksync.lock;

import io.ksync.internal.WaitList;
import io.ksync.internal.Waiter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;

/**
 * A sleeping mutual-exclusion lock: the kernel's {@code struct mutex} ({@code mutex_lock},
 * {@code mutex_lock_interruptible}, {@code mutex_trylock}, {@code mutex_unlock}, {@code mutex_is_locked}).
 *
 * <p>Guarantees, as the kernel's mutex:
 * <ul>
 *   <li>One owner at a time, tracked: only the thread that locked may unlock (anything else is an
 *   {@link IllegalMonitorStateException}). Not recursive: a thread that locks a mutex it holds deadlocks in
 *   {@link #lock()}, and its {@link #tryLock()} fails.</li>
 *   <li>Waiters sleep (park with {@link LockSupport}, so a virtual thread unmounts from its carrier and
 *   nothing pins) after a short optimistic spin. The sleep hooks of {@code io.ksync.wait.Blocking} are told
 *   before and after each sleep.</li>
 *   <li>Not FIFO-fair, for throughput: a running thread may take a just-released mutex ahead of a woken sleeper
 *   (as {@code ReentrantLock}'s non-fair mode and the kernel's spinners). Starvation is bounded: a sleeper at
 *   the head of the queue that has waited longer than {@value #HANDOFF_AFTER_MILLIS} ms and loses the race once
 *   more asks for a hand-off, and the next {@link #unlock()} passes the mutex to it directly (the kernel's
 *   {@code MUTEX_FLAG_HANDOFF}).</li>
 *   <li>Memory effects: actions before {@link #unlock()} happen-before the actions after a later acquisition
 *   by any thread, as for {@link Lock}.</li>
 *   <li>{@link #newCondition()} returns a working {@link Condition} (a wait queue of exclusive entries woken
 *   one at a time).</li>
 * </ul>
 * The kernel's {@code mutex_lock_killable} has no JVM counterpart: a JVM has no fatal signal that unwinds a
 * thread; {@link #lockInterruptibly()} is the closest.
 *
 * <p>Usage is the familiar one:
 * <pre>{@code
 * private final Mutex configLock = new Mutex();
 *
 * void reload() {
 *     configLock.lock();           // mutex_lock(&config_lock)
 *     try {
 *         readFilesAndApply();     // may sleep: this is what a mutex is for
 *     } finally {
 *         configLock.unlock();     // mutex_unlock(&config_lock)
 *     }
 * }
 * }</pre>
 */
public final class Mutex implements Lock {

    /*
     * Implementation notes.
     *
     * State word (int):
     *
     *   | unused (29) | HANDOFF (1) | WAITERS (1) | LOCKED (1) |
     *
     * The owner thread is a separate field (Java cannot tag a reference with flag bits as the kernel tags
     * the owner pointer), written by the owner only, read by others only as a spinning heuristic.
     *
     * Fast paths: lock is compareAndSet(0 -> LOCKED); unlock is compareAndSet(LOCKED -> 0), one locked
     * instruction each (ReentrantLock: a CAS to lock, a volatile store plus a load to unlock). Any flag set
     * sends either side to its slow path.
     *
     * Optimistic spinning (mutex_optimistic_spin): before queueing, one thread at a time (the `spinner` slot
     * stands in for the kernel's OSQ, which lets only its head spin on the owner) polls the word for up to
     * SPIN_ROUNDS pauses, giving up early when the owner is parked (Thread.getState() is not RUNNABLE: the
     * JVM's nearest view of the kernel's owner_on_cpu()) or a hand-off is pending. A spinner may take the lock
     * ahead of queued sleepers; that is what makes a mutex fast when critical sections are short.
     *
     * Queue (kernel: wait_lock + wait_list): the WaitList guard protects the list, the WAITERS and HANDOFF bits
     * and every decision that reads them. Invariant under the guard: WAITERS <=> list non-empty; HANDOFF =>
     * WAITERS. While WAITERS is set the unlock fast path fails, so every unlock with sleepers takes the guard,
     * which is what makes the protocol lost-wake-up free:
     *   - a sleeper re-arms (status WAITING) only under the guard and only after seeing LOCKED under it; the
     *     unlock that clears LOCKED does so under the guard and then wakes the head. So either the sleeper saw
     *     the lock free (and retries) or its re-arm precedes the unlock's wake().
     *   - a queueing thread sets WAITERS by CAS under the guard, and takes the lock instead if it is free.
     * Unlock slow path, under the guard: with HANDOFF set, the head is dequeued, LOCKED stays set (no moment
     * where the lock is free, so no barger can take it) and the head is granted; otherwise LOCKED is cleared and
     * the head is woken to compete.
     *
     * A sleeper that gives up (timeout, interrupt) leaves under the guard; if it was granted meanwhile it keeps
     * the lock. If it leaves while the lock is free and others sleep, it wakes the new head, which may have
     * lost the wake-up it consumed.
     *
     * Ordering: LOCKED is set and cleared by volatile RMWs; a grant is a release store read with acquire (see
     * Waiter), so critical sections are ordered as Lock requires. The guard orders everything under it.
     */

    /** The lock is held. */
    private static final int LOCKED = 1;
    /** Sleepers are queued (WAITERS <=> non-empty list, under the guard). */
    private static final int WAITERS = 2;
    /** The head sleeper asked for the next unlock to hand the mutex to it. */
    private static final int HANDOFF = 4;

    /** A head sleeper that has waited this long and loses once more asks for a hand-off. */
    static final long HANDOFF_AFTER_MILLIS = 1;
    private static final long HANDOFF_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(HANDOFF_AFTER_MILLIS);

    /**
     * Pauses an optimistic spinner polls before it queues: about 2.5 us at this machine's 40-odd ns a pause,
     * a little below the 7 us median park-to-run latency, so spinning is cheaper than sleeping whenever the
     * owner releases within it (chosen with MutexBenchmark, see the README).
     */
    static final int SPIN_ROUNDS = 64;
    /** Pauses between two looks at the owner's thread state while spinning. */
    private static final int OWNER_CHECK_INTERVAL = 16;

    private volatile int state;
    /** Written by the owner (plain, before its unlock's release); read by others only as a heuristic. */
    private Thread owner;
    /** The one optimistic spinner, or null. */
    private volatile Thread spinner;
    private final WaitList waiters = new WaitList();

    /** Creates an unlocked mutex ({@code mutex_init}, {@code DEFINE_MUTEX}). */
    public Mutex() {
    }

    /**
     * Acquires the mutex, sleeping until it is free ({@code mutex_lock}). Not interruptible: an interrupt
     * that arrives while waiting is kept in the thread's interrupt status, which is set again on return.
     */
    @Override
    public void lock() {
        if (!STATE.compareAndSet(this, 0, LOCKED)) { // volatile: acquires the previous owner's writes
            acquireSlow(false, false, 0L);
        }
        owner = Thread.currentThread(); // plain: read back by this thread; ordered before unlock's release
    }

    /**
     * Acquires the mutex unless the current thread is interrupted ({@code mutex_lock_interruptible}, whose
     * {@code -EINTR} is the {@link InterruptedException} here).
     *
     * @throws InterruptedException if interrupted on entry or while sleeping; the interrupt status is cleared.
     *                              If the mutex was handed to this thread at the moment it was interrupted,
     *                              the mutex is kept, this returns normally, and the interrupt status is set.
     */
    @Override
    public void lockInterruptibly() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before acquiring " + this);
        }
        if (!STATE.compareAndSet(this, 0, LOCKED) && acquireSlow(true, false, 0L) == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while waiting for " + this);
        }
        owner = Thread.currentThread();
    }

    /**
     * Acquires the mutex if it is free now, without waiting ({@code mutex_trylock}, which returns 1 on success
     * as this returns {@code true}). May take the mutex ahead of sleeping waiters, as the kernel's.
     */
    @Override
    public boolean tryLock() {
        if (tryAcquire()) {
            owner = Thread.currentThread();
            return true;
        }
        return false;
    }

    /**
     * Acquires the mutex if it becomes free within the waiting time. A time of zero or less does not wait (the
     * {@link Lock} contract).
     *
     * @return whether the mutex was acquired
     * @throws InterruptedException if interrupted on entry or while waiting; the interrupt status is cleared
     * @throws NullPointerException if {@code unit} is null
     */
    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(time);
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before acquiring " + this);
        }
        if (tryLock()) {
            return true;
        }
        if (nanos <= 0L) {
            return false;
        }
        int outcome = acquireSlow(true, true, System.nanoTime() + nanos);
        if (outcome == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while waiting for " + this);
        }
        if (outcome == Waiter.TIMED_OUT) {
            return false;
        }
        owner = Thread.currentThread();
        return true;
    }

    /**
     * Releases the mutex ({@code mutex_unlock}): hands it to a sleeper that asked for a hand-off, or frees it
     * and wakes the oldest sleeper to compete for it.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the mutex (the kernel's
     *                                      {@code DEBUG_MUTEXES} warning); the mutex is left as it was
     */
    @Override
    public void unlock() {
        if (owner != Thread.currentThread()) { // plain: only this thread writes owner == itself
            throw notOwner("unlock()");
        }
        owner = null;
        if (!STATE.compareAndSet(this, LOCKED, 0)) { // volatile: releases the critical section
            unlockSlow();
        }
    }

    /**
     * Returns a new {@link Condition} bound to this mutex: {@code await} releases the mutex and sleeps until
     * signalled, interrupted or timed out, then re-acquires it. Signals wake waiters in FIFO order. Spurious
     * wake-ups do not happen, but callers should wait in a loop on their predicate as always. Calling any
     * method of the condition without holding the mutex throws {@link IllegalMonitorStateException}.
     */
    @Override
    public Condition newCondition() {
        return new LockCondition(this, this::isHeldByCurrentThread, this::lock, this::unlock);
    }

    /** Whether some thread holds the mutex now ({@code mutex_is_locked}); a snapshot for monitoring. */
    public boolean isLocked() {
        return ((int) STATE.getVolatile(this) & LOCKED) != 0;
    }

    /** Whether the current thread holds the mutex (exact for the calling thread). */
    public boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }

    /** Whether threads are sleeping in the queue now (a snapshot for monitoring). */
    public boolean hasQueuedThreads() {
        return ((int) STATE.getVolatile(this) & WAITERS) != 0;
    }

    /** Number of threads sleeping in the queue now (a snapshot for monitoring; briefly takes the guard). */
    public int getQueueLength() {
        return waiters.sizeLocked();
    }

    @Override
    public String toString() {
        Thread holder = (Thread) OWNER.getOpaque(this);
        return super.toString() + (holder != null ? "[locked by " + holder.getName() + "]"
                : isLocked() ? "[locked]" : "[unlocked]");
    }

    // ------------------------------------------------------------------------------------------------------
    // Slow paths

    /** Takes the lock if LOCKED and HANDOFF are clear, whatever the WAITERS bit says. */
    private boolean tryAcquire() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & (LOCKED | HANDOFF)) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s | LOCKED)) { // volatile: acquires the previous owner's writes
                return true;
            }
        }
    }

    /**
     * Spins, then sleeps, until the lock is taken, the deadline passes or (interruptible) an interrupt comes.
     *
     * @return {@link Waiter#GRANTED} when the caller now holds the lock, else {@link Waiter#TIMED_OUT} or
     *         {@link Waiter#INTERRUPTED}
     */
    private int acquireSlow(boolean interruptible, boolean timed, long deadline) {
        if (optimisticSpin()) {
            return Waiter.GRANTED;
        }
        Waiter waiter = Waiter.acquire(0);
        try {
            if (enqueueUnlessFree(waiter)) {
                return Waiter.GRANTED;
            }
            for (;;) {
                int outcome = waiter.await(this, interruptible, timed, deadline, 0);
                if (outcome == Waiter.GRANTED) {
                    return outcome; // handed over: LOCKED was never cleared, we were dequeued by the granter
                }
                if (outcome == Waiter.WOKEN) {
                    if (retryAfterWake(waiter)) {
                        return Waiter.GRANTED;
                    }
                    continue;
                }
                if (leave(waiter, outcome)) {
                    return Waiter.GRANTED;
                }
                return outcome;
            }
        } finally {
            waiter.release();
        }
    }

    /**
     * The kernel's optimistic spin, bounded: at most one spinner; stops when the owner is parked, a hand-off
     * is pending, or the budget is spent.
     */
    private boolean optimisticSpin() {
        Thread me = Thread.currentThread();
        if (spinner != null || !SPINNER.compareAndSet(this, null, me)) {
            return false;
        }
        try {
            for (int round = 1; round <= SPIN_ROUNDS; round++) {
                int s = (int) STATE.getOpaque(this); // opaque poll; the CAS below is the acquiring access
                if ((s & HANDOFF) != 0) {
                    return false;
                }
                if ((s & LOCKED) == 0) {
                    if (STATE.compareAndSet(this, s, s | LOCKED)) {
                        return true;
                    }
                } else if (round % OWNER_CHECK_INTERVAL == 0) {
                    Thread holder = (Thread) OWNER.getOpaque(this);
                    if (holder != null && holder.getState() != Thread.State.RUNNABLE) {
                        return false; // the owner sleeps: spinning cannot end sooner than its wake-up
                    }
                }
                Thread.onSpinWait();
            }
            return false;
        } finally {
            SPINNER.setRelease(this, null);
        }
    }

    /**
     * Under the guard: takes the lock if it is free, else sets WAITERS and queues {@code waiter}.
     *
     * @return whether the lock was taken (the waiter is then not queued)
     */
    private boolean enqueueUnlessFree(Waiter waiter) {
        waiters.lock();
        try {
            for (;;) {
                int s = (int) STATE.getVolatile(this);
                if ((s & (LOCKED | HANDOFF)) == 0) {
                    if (STATE.compareAndSet(this, s, s | LOCKED)) {
                        return true;
                    }
                } else if ((s & WAITERS) != 0 || STATE.compareAndSet(this, s, s | WAITERS)) {
                    break; // every unlock from now on takes the guard
                }
            }
            waiter.since = System.nanoTime();
            waiters.addLast(waiter);
            return false;
        } finally {
            waiters.unlock();
        }
    }

    /**
     * A woken sleeper competes for the lock under the guard; if it loses (a spinner or trylock got there
     * first) it re-arms and, if it is the head and has waited too long, asks for a hand-off.
     *
     * @return whether the lock was taken (the waiter is then dequeued)
     */
    private boolean retryAfterWake(Waiter waiter) {
        waiters.lock();
        try {
            for (;;) {
                int s = (int) STATE.getVolatile(this);
                if ((s & LOCKED) == 0) { // (HANDOFF implies LOCKED: it is set only while locked)
                    if (STATE.compareAndSet(this, s, s | LOCKED)) {
                        dequeue(waiter);
                        return true;
                    }
                    continue;
                }
                waiter.rearm(); // under the guard, after seeing LOCKED: the releasing unlock will wake us
                if (waiters.first() == waiter && (s & HANDOFF) == 0
                        && System.nanoTime() - waiter.since >= HANDOFF_AFTER_NANOS) {
                    if (!STATE.compareAndSet(this, s, s | HANDOFF)) {
                        continue; // the word changed (the lock was released): look again
                    }
                }
                return false;
            }
        } finally {
            waiters.unlock();
        }
    }

    /**
     * A sleeper gives up (timeout or interrupt). Under the guard: if it was granted meanwhile it keeps the
     * lock; else it leaves, withdraws its hand-off request, and wakes the next sleeper if the lock is free.
     *
     * @return whether the caller holds the lock after all
     */
    private boolean leave(Waiter waiter, int outcome) {
        Thread wake = null;
        waiters.lock();
        try {
            if (waiter.status() == Waiter.GRANTED) {
                if (outcome == Waiter.INTERRUPTED) {
                    waiter.swallowInterrupt(); // restored on release(): we return holding the mutex
                }
                return true;
            }
            boolean wasHead = waiters.first() == waiter;
            dequeue(waiter);
            if (wasHead) {
                STATE.getAndBitwiseAnd(this, ~HANDOFF); // only the head sets it
            }
            Waiter next = waiters.first();
            if (next != null && ((int) STATE.getVolatile(this) & LOCKED) == 0) {
                next.wake(); // we may have swallowed the wake-up of the unlock that freed the lock
                wake = next.thread();
            }
        } finally {
            waiters.unlock();
        }
        if (wake != null) {
            LockSupport.unpark(wake);
        }
        return false;
    }

    /** Unlinks {@code waiter}; clears WAITERS (and HANDOFF) when the list empties. Caller holds the guard. */
    private void dequeue(Waiter waiter) {
        waiters.remove(waiter);
        if (waiters.isEmpty()) {
            STATE.getAndBitwiseAnd(this, ~(WAITERS | HANDOFF));
        }
    }

    /** Unlock with flags set: hand over to the head if it asked, else free the lock and wake the head. */
    private void unlockSlow() {
        Thread wake = null;
        waiters.lock();
        try {
            int s = (int) STATE.getVolatile(this);
            Waiter first = waiters.first();
            if (first != null && (s & HANDOFF) != 0) {
                waiters.remove(first);
                // LOCKED stays set: ownership passes without a free moment. Only guard holders change the
                // word while LOCKED is set (every lock-free change requires LOCKED clear), so a plain
                // volatile store is exact.
                STATE.setVolatile(this, LOCKED | (waiters.isEmpty() ? 0 : WAITERS));
                first.grant(); // release: the new owner sees our critical section
                wake = first.thread();
            } else {
                STATE.getAndBitwiseAnd(this, ~(LOCKED | HANDOFF)); // volatile: releases the critical section
                if (first != null) {
                    first.wake();
                    wake = first.thread();
                }
            }
        } finally {
            waiters.unlock();
        }
        if (wake != null) {
            LockSupport.unpark(wake);
        }
    }

    private IllegalMonitorStateException notOwner(String what) {
        Thread holder = (Thread) OWNER.getOpaque(this);
        return new IllegalMonitorStateException("Mutex." + what + " called by " + Thread.currentThread().getName()
                + ", which does not hold it (" + (holder != null ? "held by " + holder.getName()
                : isLocked() ? "held by another thread" : "not held")
                + "): only the owner may unlock a mutex, once per lock()");
    }

    // VarHandle mechanics
    private static final VarHandle STATE;
    private static final VarHandle OWNER;
    private static final VarHandle SPINNER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Mutex.class, "state", int.class);
            OWNER = lookup.findVarHandle(Mutex.class, "owner", Thread.class);
            SPINNER = lookup.findVarHandle(Mutex.class, "spinner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
