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
 *   nothing pins). A woken waiter that loses the race spins briefly (a growing, bounded budget, while the owner
 *   runs) before it sleeps again; the kernel's optimistic spin before queueing is available with
 *   {@link #Mutex(int)} and off by default, for the measured reason given at {@link #DEFAULT_SPIN_ROUNDS}. The
 *   sleep hooks of {@code io.ksync.wait.Blocking} are told before and after each sleep.</li>
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
     * Two words, as AQS keeps its state apart from its queue:
     *
     *   lock word  (state): | unused (30) | HANDOFF (1) | LOCKED (1) |        changed lock-free by CAS
     *   queue word (queue): | unused (30) | WAKING (1)  | WAITERS (1) |       written only under the guard
     *
     * The owner thread is a third field (Java cannot tag a reference with flag bits as the kernel tags the
     * owner pointer), written by the owner only, read by others only as a spinning heuristic.
     *
     * Fast paths: lock is compareAndSet(state, 0 -> LOCKED); unlock, when the word is LOCKED alone, is a
     * volatile store of 0 and a volatile read of the queue word, which is 0 when nobody sleeps (ReentrantLock's
     * release, measured 7% faster here than a CAS). Sleepers do not make the lock word's fast paths fail: a
     * barging thread pays one CAS to lock and one store to unlock. The store may erase a HANDOFF that the head
     * set after the unlocker's read; that is harmless: the head set it under the guard after its S1/S2 (below),
     * so this unlock's U2 sees WAITERS without WAKING and wakes it, and it finds the lock free.
     *
     * Optimistic spinning (mutex_optimistic_spin): before queueing, one thread at a time (the `spinner` slot
     * stands in for the kernel's OSQ, which lets only its head spin on the owner) polls the lock word for up to
     * spinRounds pauses (DEFAULT_SPIN_ROUNDS unless the constructor says otherwise), giving up early when the
     * owner is parked (Thread.getState() is not RUNNABLE: the JVM's nearest view of the kernel's
     * owner_on_cpu()) or a hand-off is pending. A spinner may take the lock ahead of queued sleepers; that is
     * what makes a mutex fast when critical sections are short. Off by default (DEFAULT_SPIN_ROUNDS says why).
     *
     * Post-wake spinning (AQS's, not the kernel's): a woken head polls the lock word for 1, 3, 7, ... up to
     * MAX_POST_WAKE_SPINS pauses (doubling with each wake-up, while the owner runs) before it looks under the
     * guard and sleeps again. WAKING stays set while it spins: unlocks do not wake an awake head (AQS leaves
     * the node's status clear while it spins, for the same reason; waking it at every unlock cost 2.5x here).
     * Only the head spins this way, so at most one poller disturbs the owner.
     *
     * Queue (kernel: wait_lock + wait_list): the WaitList guard protects the list and the queue word.
     * Invariant under the guard: WAITERS <=> list non-empty. WAKING: the head has been woken and has not looked
     * at the lock word since (AQS's SIGNAL status, the other way round), so unlocks need not wake it again: with
     * a barging thread that re-takes the lock at once, one unpark serves many unlocks.
     *
     * No lost wake-up. Unlock: [U1] store the lock word free, [U2] read the queue word; wake the head (under the
     * guard) if WAITERS is set and WAKING is not. A sleeper, under the guard, before it re-arms and parks:
     * [S1] write the queue word (set WAITERS when queueing; clear WAKING after a wake-up), [S2] read the lock
     * word, and retry the acquisition if it is free. U1/U2 and S1/S2 are volatile accesses, which the JMM keeps
     * in one total order: if S2 saw the lock held, then U1 (of that holder) comes after S2, so U2 comes after
     * S1 and sees WAITERS without WAKING, and the unlock wakes the head. Its wake() takes the guard, so it comes
     * after the sleeper's re-arm. (The kernel gets the same from the owner word holding both.)
     *
     * Hand-off: a head that has waited HANDOFF_AFTER_MILLIS and loses once more sets HANDOFF (only while
     * LOCKED). The owner's unlock CAS then fails (the word is not LOCKED alone), and its slow path, under the
     * guard, dequeues the head and grants it, leaving LOCKED set: no moment where the lock is free, so no barger
     * can take it. The head withdraws HANDOFF when it leaves. A wake-up can be stale (an unlock reads the queue
     * word after another thread has re-taken the lock, and the head has meanwhile asked for a hand-off): so the
     * grant clears WAKING with the head it removes, and a woken head first checks whether it was granted.
     *
     * A sleeper that gives up (timeout, interrupt) leaves under the guard; if it was granted meanwhile it keeps
     * the lock. If it was the woken head (WAKING) it withdraws WAKING and, by the same S1/S2 argument, wakes the
     * new head when the lock is free, so the wake-up it swallowed is not lost.
     *
     * Ordering: the lock word's CASes are volatile, so critical sections are ordered as Lock requires; a grant
     * is a release store read with acquire (see Waiter); the guard orders everything under it.
     */

    /** Lock word: the lock is held. */
    private static final int LOCKED = 1;
    /** Lock word: the head sleeper asked for the next unlock to hand the mutex to it (only while LOCKED). */
    private static final int HANDOFF = 2;
    /** Queue word: sleepers are queued (WAITERS <=> non-empty list, under the guard). */
    private static final int WAITERS = 1;
    /** Queue word: the head was woken and has not looked at the lock word since. */
    private static final int WAKING = 2;

    /**
     * A head sleeper that has waited this long and loses once more asks for a hand-off: the kernel's
     * {@code RWSEM_WAIT_TIMEOUT} (HZ/250, 4 ms at HZ=1000). Measured here with 4 threads on 2 cores, 4 ms gave
     * 0.96x of non-fair {@code ReentrantLock} where 1 ms gave 0.93x, with a third of the spread.
     */
    static final long HANDOFF_AFTER_MILLIS = 4;
    private static final long HANDOFF_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(HANDOFF_AFTER_MILLIS);

    /**
     * Default pauses a thread that finds the mutex held polls it before it queues: none. Measured with
     * {@code MutexSpinBudgetBenchmark} on the 2-core development machine (see the README): with a lock re-taken
     * back to back, a spinner's polls pull the lock's cache line from the owner at every acquisition, and 16 to
     * 256 pauses cost 3 to 6 times the throughput of sleeping at once; with 50 tokens of work inside the lock,
     * the woken head's post-wake spin (which every mutex does) already matches spinning before queueing. Pass a
     * budget to {@link #Mutex(int)} where threads are fewer than cores and hold times are short and steady.
     */
    public static final int DEFAULT_SPIN_ROUNDS = 0;
    /** Cap of the woken head's post-wake spin, in pauses (AQS caps its own at 255). */
    private static final int MAX_POST_WAKE_SPINS = 255;
    /** Pauses between two looks at the owner's thread state while spinning. */
    private static final int OWNER_CHECK_INTERVAL = 16;

    /** The lock word. */
    private volatile int state;
    /** The queue word; written under the guard, read lock-free by unlock. */
    private volatile int queue;
    /** Written by the owner (plain, before its unlock's release); read by others only as a heuristic. */
    private Thread owner;
    /** The one optimistic spinner, or null. */
    private volatile Thread spinner;
    /** Pauses of the optimistic spin; 0: no spinning. */
    private final int spinRounds;
    private final WaitList waiters = new WaitList();

    /**
     * Creates an unlocked mutex ({@code mutex_init}, {@code DEFINE_MUTEX}) that spins for up to
     * {@link #DEFAULT_SPIN_ROUNDS} pauses before it sleeps.
     */
    public Mutex() {
        this(DEFAULT_SPIN_ROUNDS);
    }

    /**
     * Creates an unlocked mutex with its own optimistic-spin budget: the number of {@link Thread#onSpinWait()}
     * pauses a thread that finds the mutex held polls it before it queues and sleeps. 0 turns spinning off
     * (every contended acquisition sleeps, which suits critical sections that are long or that sleep); larger
     * budgets suit machines where waking a thread costs more than here.
     *
     * @throws IllegalArgumentException if {@code spinRounds} is negative
     */
    public Mutex(int spinRounds) {
        if (spinRounds < 0) {
            throw new IllegalArgumentException("Mutex spin budget must be >= 0 pauses (0 turns spinning off), was "
                    + spinRounds);
        }
        this.spinRounds = spinRounds;
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
        if (STATE.compareAndSet(this, 0, LOCKED)) {
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
        if ((int) STATE.getOpaque(this) != LOCKED) { // opaque: the holder's own word; only HANDOFF can be added
            handOff(); // HANDOFF is set: the only other value the word can have while we hold it
            return;
        }
        STATE.setVolatile(this, 0); // U1, volatile: releases the critical section (see the notes on HANDOFF)
        if ((int) QUEUE.getVolatile(this) == WAITERS) { // U2: sleepers, and the head is not already awake
            wakeHead();
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
        return ((int) QUEUE.getVolatile(this) & WAITERS) != 0;
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
            int postWakeSpins = 0;
            for (;;) {
                int outcome = waiter.await(this, interruptible, timed, deadline, 0);
                if (outcome == Waiter.GRANTED) {
                    return outcome; // handed over: LOCKED was never cleared, the granter dequeued us
                }
                if (outcome == Waiter.WOKEN) {
                    // Spin first, with WAKING still set (unlocks leave us alone: we are awake), then look
                    // under the guard, withdrawing WAKING, before sleeping again.
                    postWakeSpins = Math.min((postWakeSpins << 1) | 1, MAX_POST_WAKE_SPINS);
                    if (spinUntilTaken(waiter, postWakeSpins)) {
                        waiters.lock();
                        try {
                            dequeue(waiter);
                        } finally {
                            waiters.unlock();
                        }
                        return Waiter.GRANTED;
                    }
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
        if (spinRounds == 0 || spinner != null || !SPINNER.compareAndSet(this, null, me)) {
            return STATE.compareAndSet(this, 0, LOCKED); // no spinning (budget 0, or another spinner): one try
        }
        try {
            final int spinRounds = this.spinRounds; // a final local of the same name, as j.u.c does
            for (int round = 1; round <= spinRounds; round++) {
                int s = (int) STATE.getOpaque(this); // opaque poll; the CAS below is the acquiring access
                if (s == 0) {
                    if (STATE.compareAndSet(this, 0, LOCKED)) {
                        return true;
                    }
                } else if ((s & HANDOFF) != 0) {
                    return false; // the lock is promised to the head
                } else if (round % OWNER_CHECK_INTERVAL == 0 && !ownerIsRunning()) {
                    return false; // the owner sleeps: spinning cannot end sooner than its wake-up
                }
                Thread.onSpinWait();
            }
            return false;
        } finally {
            SPINNER.setRelease(this, null);
        }
    }

    /** The JVM's nearest view of the kernel's {@code owner_on_cpu()}: the owner's state is RUNNABLE. */
    private boolean ownerIsRunning() {
        Thread holder = (Thread) OWNER.getOpaque(this);
        return holder == null || holder.getState() == Thread.State.RUNNABLE;
    }

    /**
     * The woken head polls the lock word for {@code pauses} pauses and takes the lock if it sees it free (AQS's
     * post-wake spin, whose budget also doubles with every lost race). It stays queued with WAKING set
     * meanwhile, so unlocks do not wake it again; it withdraws WAKING under the guard (retryAfterWake) before
     * it sleeps.
     */
    private boolean spinUntilTaken(Waiter waiter, int pauses) {
        for (int i = 1; i <= pauses && waiter.status() == Waiter.WOKEN; i++) { // GRANTED: a hand-off came
            int s = (int) STATE.getOpaque(this); // opaque poll; the CAS is the acquiring access
            if (s == 0 && STATE.compareAndSet(this, 0, LOCKED)) {
                return true;
            }
            if (i % OWNER_CHECK_INTERVAL == 0 && !ownerIsRunning()) {
                return false;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /**
     * Under the guard: queues {@code waiter} and sets WAITERS (S1), then takes the lock if it is free (S2).
     *
     * @return whether the lock was taken (the waiter is then not queued)
     */
    private boolean enqueueUnlessFree(Waiter waiter) {
        waiters.lock();
        try {
            waiter.since = System.nanoTime();
            waiters.addLast(waiter);
            QUEUE.setVolatile(this, (int) QUEUE.getVolatile(this) | WAITERS); // S1
            if (STATE.compareAndSet(this, 0, LOCKED)) { // S2 (a failed CAS reads the word just the same)
                dequeue(waiter);
                return true;
            }
            return false;
        } finally {
            waiters.unlock();
        }
    }

    /**
     * A woken sleeper competes for the lock under the guard; if it loses (a spinner or trylock got there
     * first) it withdraws WAKING (S1), looks again (S2), and re-arms; if it is the head and has waited too long
     * it asks for a hand-off.
     *
     * @return whether the lock was taken (the waiter is then dequeued)
     */
    private boolean retryAfterWake(Waiter waiter) {
        waiters.lock();
        try {
            if (waiter.status() == Waiter.GRANTED) {
                // A stale wake-up (an unlock whose U2 came after another thread re-took the lock) woke us, and
                // then that thread's unlock handed the mutex over: we hold it and are off the list already.
                return true;
            }
            QUEUE.setVolatile(this, (int) QUEUE.getVolatile(this) & ~WAKING); // S1
            for (;;) {
                int s = (int) STATE.getVolatile(this); // S2
                if (s == 0) {
                    if (STATE.compareAndSet(this, 0, LOCKED)) {
                        dequeue(waiter);
                        return true;
                    }
                    continue;
                }
                if ((s & HANDOFF) == 0 && waiters.first() == waiter
                        && System.nanoTime() - waiter.since >= HANDOFF_AFTER_NANOS
                        && !STATE.compareAndSet(this, s, s | HANDOFF)) {
                    continue; // the word changed (the lock was released, say): look again
                }
                waiter.rearm(); // under the guard, after S1/S2: the next unlock will wake us
                return false;
            }
        } finally {
            waiters.unlock();
        }
    }

    /**
     * A sleeper gives up (timeout or interrupt). Under the guard: if it was granted meanwhile it keeps the
     * lock; else it leaves, withdraws its hand-off request and WAKING, and wakes the next sleeper if the lock
     * is free.
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
            if (waiters.first() == waiter) {
                for (;;) { // withdraw our hand-off request, if any (only the head sets it)
                    int s = (int) STATE.getVolatile(this);
                    if ((s & HANDOFF) == 0 || STATE.compareAndSet(this, s, s & ~HANDOFF)) {
                        break;
                    }
                }
            }
            dequeue(waiter); // S1: withdraws WAKING if it was ours
            if ((int) STATE.getVolatile(this) == 0) { // S2
                wake = wakeHeadLocked(); // we may have swallowed the wake-up of the unlock that freed the lock
            }
        } finally {
            waiters.unlock();
        }
        if (wake != null) {
            LockSupport.unpark(wake);
        }
        return false;
    }

    /**
     * Unlinks {@code waiter}, withdrawing WAKING if it was the woken one, and WAITERS when the list empties.
     * Caller holds the guard.
     */
    private void dequeue(Waiter waiter) {
        boolean wasWoken = waiter.status() == Waiter.WOKEN;
        waiters.remove(waiter);
        int q = (int) QUEUE.getVolatile(this);
        int next = waiters.isEmpty() ? 0 : wasWoken ? q & ~WAKING : q;
        if (next != q) {
            QUEUE.setVolatile(this, next);
        }
    }

    /** After an unlock saw sleepers and no woken head: wake the head, under the guard. */
    private void wakeHead() {
        Thread wake;
        waiters.lock();
        try {
            wake = wakeHeadLocked();
        } finally {
            waiters.unlock();
        }
        if (wake != null) {
            LockSupport.unpark(wake); // outside the guard: the woken head takes it first thing
        }
    }

    /**
     * Marks the head woken and sets WAKING, unless nobody sleeps or the head is already awake. Caller holds the
     * guard and unparks the returned thread (if any) after dropping it.
     */
    private Thread wakeHeadLocked() {
        Waiter first = waiters.first();
        if (first == null || (int) QUEUE.getVolatile(this) != WAITERS) {
            return null;
        }
        QUEUE.setVolatile(this, WAITERS | WAKING);
        first.wake();
        return first.thread();
    }

    /**
     * Unlock with HANDOFF set: under the guard, grant the head, keeping LOCKED set; if the head has left
     * meanwhile (it withdraws HANDOFF as it leaves, so this is a race with that), just release.
     */
    private void handOff() {
        Thread wake = null;
        waiters.lock();
        try {
            Waiter first = waiters.first();
            if (first != null && ((int) STATE.getVolatile(this) & HANDOFF) != 0) {
                waiters.remove(first);
                // WAKING, if set, was the granted head's (a stale wake-up reached it): the new head sleeps.
                QUEUE.setVolatile(this, waiters.isEmpty() ? 0 : WAITERS);
                // Only the owner (us) and guard holders change the word while it is LOCKED|HANDOFF.
                STATE.setVolatile(this, LOCKED); // volatile: with the grant, releases our section
                first.grant(); // release: the new owner sees our critical section
                wake = first.thread();
            } else {
                STATE.setVolatile(this, 0); // volatile: releases the critical section
                wake = wakeHeadLocked();
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
    private static final VarHandle QUEUE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Mutex.class, "state", int.class);
            OWNER = lookup.findVarHandle(Mutex.class, "owner", Thread.class);
            SPINNER = lookup.findVarHandle(Mutex.class, "spinner", Thread.class);
            QUEUE = lookup.findVarHandle(Mutex.class, "queue", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
