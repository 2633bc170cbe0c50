package io.ksync.lock;

import io.ksync.internal.Timeouts;
import io.ksync.internal.WaitList;
import io.ksync.internal.Waiter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * A sleeping reader-writer lock: the kernel's {@code struct rw_semaphore} ({@code init_rwsem},
 * {@code down_read}, {@code down_read_interruptible}, {@code down_read_trylock}, {@code up_read},
 * {@code down_write}, {@code down_write_killable}, {@code down_write_trylock}, {@code up_write},
 * {@code downgrade_write}, {@code rwsem_is_locked}).
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Any number of readers or one writer.</li>
 *   <li>Writer-preferring, as LDD3 describes the rwsem: once a writer sleeps at the head of the queue, new
 *   readers queue behind it instead of joining the readers inside, so a stream of readers cannot starve a
 *   writer. Sleepers are woken in FIFO order, and a run of readers at the head comes in together. Like the
 *   kernel's rwsem and non-fair {@code ReentrantReadWriteLock}, a running writer may take a free lock ahead of
 *   sleepers; a sleeper at the head that has waited longer than {@value Mutex#HANDOFF_AFTER_MILLIS} ms and loses
 *   once more closes the lock to everybody else until it gets in (the kernel's hand-off).</li>
 *   <li>The write side is owner-tracked: only the writer may {@link #upWrite()} or {@link #downgradeWrite()}
 *   ({@link IllegalMonitorStateException} otherwise). The read side is not (the kernel does not track reader
 *   owners either): {@link #upRead()} throws only when no reader holds the lock at all.</li>
 *   <li>Not recursive: a thread that holds the write lock and asks for it again, or holds the read lock while
 *   a writer waits and asks for the read lock again, deadlocks (as the kernel's; lockdep reports it later).</li>
 *   <li>Sleepers park with {@link LockSupport} (virtual threads unmount); a woken sleeper that loses the race
 *   spins briefly before it sleeps again. The sleep hooks of {@code io.ksync.wait.Blocking} are told before
 *   and after each sleep.</li>
 *   <li>Memory effects: a write-side critical section happens-before every later acquisition (read or write),
 *   and a read-side one happens-before the next write acquisition.</li>
 * </ul>
 * The kernel's killable variants have no JVM counterpart (a JVM has no fatal signal): the
 * {@code ...Interruptible} methods are the closest.
 *
 * <pre>{@code
 * RwSemaphore mmapLock = new RwSemaphore();
 * mmapLock.downRead();          // down_read(&mm->mmap_lock)
 * try { lookUp(); } finally { mmapLock.upRead(); }
 * mmapLock.downWrite();         // down_write(&mm->mmap_lock)
 * try { change(); } finally { mmapLock.upWrite(); }
 * }</pre>
 */
public final class RwSemaphore implements ReadWriteLock {

    /*
     * Implementation notes.
     *
     * Two words, as Mutex (and AQS) keep the lock apart from its queue:
     *
     *   lock word  (state): | readers (23) | unused (6) | HANDOFF (1) | WRITER (1) |    changed lock-free
     *   queue word (queue): | unused (29) | WRITER_FIRST (1) | WAKING (1) | WAITERS (1) |  written under the guard
     *
     * Fast paths: down_read adds READER by CAS while WRITER and HANDOFF are clear and the queue word has no
     * WRITER_FIRST (a writer sleeping at the head of the queue: the writer preference of the seed, and of
     * ReentrantReadWriteLock's non-fair mode); up_read subtracts it. down_write is compareAndSet(0 -> WRITER)
     * (writers may barge, as in both); up_write a volatile store of 0 (or an atomic subtract when HANDOFF is
     * set). A release that can let the head in (the last reader out, the writer out, a downgrade) then reads the
     * queue word and wakes the head if WAITERS is set and WAKING is not.
     *
     * Sleepers, under the WaitList guard (invariant: WAITERS <=> list non-empty; WRITER_FIRST <=> the head is a
     * writer; WAKING: the head was woken and has not looked at the lock word since). Only the head is ever
     * woken, and it acquires for itself (wake to compete, as the kernel's rwsem and AQS; no direct grants, so the
     * lock is never held by a thread that is still waking up). A head reader that acquires wakes the next waiter
     * if it is a reader too (AQS's propagation; the kernel's rwsem_mark_wake wakes the readers in one go), so a
     * run of readers behind a writer comes in together.
     *
     * Anti-starvation (the kernel's RWSEM_FLAG_HANDOFF): a head that has waited HANDOFF_AFTER_MILLIS and loses
     * again sets HANDOFF, which closes both fast paths to everybody but the head; it clears it when it acquires
     * or leaves.
     *
     * No lost wake-up: the argument of Mutex, word for word. A releaser [U1] changes the lock word, then [U2]
     * reads the queue word. A sleeper, under the guard, [S1] writes the queue word (WAITERS when it queues;
     * WAKING cleared after a wake-up), then [S2] reads the lock word and acquires if it can, and only then
     * re-arms. All volatile, so if S2 saw the lock unavailable, the release that makes it available has its U2
     * after S1, sees WAITERS without WAKING, and wakes the head under the guard, after its re-arm. A sleeper that
     * leaves recomputes the queue word (S1) and wakes the new head if it can acquire (S2).
     *
     * Ordering: lock-word RMWs and stores are volatile, so write sections happen-before later acquisitions and
     * read sections happen-before the next write acquisition; the guard orders the rest.
     */

    /** Lock word: a writer holds the lock. */
    private static final int WRITER = 1;
    /** Lock word: the head asked that nobody else acquire before it. */
    private static final int HANDOFF = 2;
    /** Lock word: one reader. */
    private static final int READER = 1 << 8;
    /** Lock word: the reader-count bits. */
    private static final int READER_MASK = 0x7fff_ff00;
    /** Most readers at once. */
    private static final int MAX_READERS = READER_MASK >>> 8;

    /** Queue word: sleepers are queued. */
    private static final int WAITERS = 1;
    /** Queue word: the head was woken and has not looked at the lock word since. */
    private static final int WAKING = 2;
    /** Queue word: the head is a writer (new readers queue behind it). */
    private static final int WRITER_FIRST = 4;

    private static final int KIND_READ = 0;
    private static final int KIND_WRITE = 1;

    /** A head that has waited this long and loses again asks for a hand-off, as {@link Mutex}. */
    private static final long HANDOFF_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(Mutex.HANDOFF_AFTER_MILLIS);
    /** Cap of the woken head's post-wake spin, in pauses (as {@link Mutex}'s). */
    private static final int MAX_POST_WAKE_SPINS = 255;

    /** The lock word. */
    private volatile int state;
    /** The queue word; written under the guard, read lock-free. */
    private volatile int queue;
    /** The writer; written by it alone (plain), read by others only for messages. */
    private Thread writer;
    private final WaitList waiters = new WaitList();
    private final ReadLock readLock = new ReadLock();
    private final WriteLock writeLock = new WriteLock();

    /** Creates an unlocked rw-semaphore ({@code init_rwsem}). */
    public RwSemaphore() {
    }

    // ------------------------------------------------------------------------------------------------------
    // Read side

    /**
     * Acquires the read lock, sleeping while a writer holds it or any thread sleeps waiting ({@code down_read}).
     * Not interruptible: an interrupt is kept and the interrupt status set again on return.
     *
     * @throws IllegalStateException if {@value #MAX_READERS} readers already hold the lock
     */
    public void downRead() {
        if (!tryReadFast()) {
            acquireSlow(KIND_READ, false, false, 0L);
        }
    }

    /**
     * Acquires the read lock unless interrupted ({@code down_read_interruptible}).
     *
     * @throws InterruptedException if interrupted on entry or while sleeping; interrupt status cleared
     */
    public void downReadInterruptible() throws InterruptedException {
        checkNotInterrupted("downReadInterruptible");
        if (!tryReadFast() && acquireSlow(KIND_READ, true, false, 0L) == Waiter.INTERRUPTED) {
            throw interruptedWhileSleeping("downReadInterruptible");
        }
    }

    /**
     * Acquires the read lock if that needs no waiting ({@code down_read_trylock}, which like this returns true
     * on success): no writer holds it and no thread sleeps waiting.
     */
    public boolean downReadTrylock() {
        return tryReadFast();
    }

    /**
     * Acquires the read lock if it can be taken within the timeout. A timeout of zero only tries.
     *
     * @return whether the read lock was acquired
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted on entry or while sleeping; interrupt status cleared
     */
    public boolean downReadTimeout(long timeout, TimeUnit unit) throws InterruptedException {
        return timedAcquire(KIND_READ, Timeouts.toNanos("RwSemaphore.downReadTimeout", timeout, unit));
    }

    /**
     * Releases a read lock ({@code up_read}). If it was the last reader and threads sleep, the lock goes to
     * the head of the queue.
     *
     * @throws IllegalMonitorStateException if no reader holds the lock (nothing is changed)
     */
    public void upRead() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & READER_MASK) == 0) {
                throw new IllegalMonitorStateException("RwSemaphore.upRead() called by "
                        + Thread.currentThread().getName() + " while no reader holds " + this
                        + ": call upRead() once per downRead()");
            }
            int next = s - READER;
            if (STATE.compareAndSet(this, s, next)) { // U1, volatile: releases the read-side section
                if ((next & READER_MASK) == 0) {
                    wakeHeadIfAsleep(); // U2: the last reader out may let the head in
                }
                return;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Write side

    /**
     * Acquires the write lock, sleeping until no reader or writer holds it and the sleepers ahead have been
     * served ({@code down_write}). Not interruptible: an interrupt is kept and the status set again on return.
     */
    public void downWrite() {
        if (!STATE.compareAndSet(this, 0, WRITER)) { // volatile: acquires the previous sections' writes
            acquireSlow(KIND_WRITE, false, false, 0L);
        }
        writer = Thread.currentThread();
    }

    /**
     * Acquires the write lock unless interrupted (the kernel's {@code down_write_killable}, with an interrupt
     * for the fatal signal).
     *
     * @throws InterruptedException if interrupted on entry or while sleeping; interrupt status cleared
     */
    public void downWriteInterruptible() throws InterruptedException {
        checkNotInterrupted("downWriteInterruptible");
        if (!STATE.compareAndSet(this, 0, WRITER)
                && acquireSlow(KIND_WRITE, true, false, 0L) == Waiter.INTERRUPTED) {
            throw interruptedWhileSleeping("downWriteInterruptible");
        }
        writer = Thread.currentThread();
    }

    /**
     * Acquires the write lock if it is free now and no hand-off is pending ({@code down_write_trylock}, true on
     * success). May take the lock ahead of sleeping threads, as the kernel's.
     */
    public boolean downWriteTrylock() {
        if (STATE.compareAndSet(this, 0, WRITER)) {
            writer = Thread.currentThread();
            return true;
        }
        return false;
    }

    /**
     * Acquires the write lock if it can be taken within the timeout. A timeout of zero only tries.
     *
     * @return whether the write lock was acquired
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted on entry or while sleeping; interrupt status cleared
     */
    public boolean downWriteTimeout(long timeout, TimeUnit unit) throws InterruptedException {
        return timedAcquire(KIND_WRITE, Timeouts.toNanos("RwSemaphore.downWriteTimeout", timeout, unit));
    }

    /**
     * Releases the write lock ({@code up_write}); sleepers at the head of the queue get the lock.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    public void upWrite() {
        checkWriter("upWrite()");
        writer = null;
        // U1, volatile: releases the write-side section. Only the head's HANDOFF can join WRITER while we hold
        // it; a store of 0 that erases one set meanwhile is harmless (as in Mutex: U2 then wakes that head).
        if ((int) STATE.getOpaque(this) == WRITER) {
            STATE.setVolatile(this, 0);
        } else {
            STATE.getAndAdd(this, -WRITER);
        }
        wakeHeadIfAsleep(); // U2
    }

    /**
     * Turns the current thread's write lock into a read lock without letting a writer in between
     * ({@code downgrade_write}); readers sleeping at the head of the queue are admitted with it. Release it
     * afterwards with {@link #upRead()}.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    public void downgradeWrite() {
        checkWriter("downgradeWrite()");
        writer = null;
        STATE.getAndAdd(this, READER - WRITER); // U1: one atomic step, WRITER off and one reader on
        wakeHeadIfAsleep(); // U2: a reader at the head may now come in
    }

    // ------------------------------------------------------------------------------------------------------
    // Queries and views

    /** Whether a reader or a writer holds the lock now ({@code rwsem_is_locked}); a snapshot. */
    public boolean isLocked() {
        return ((int) STATE.getVolatile(this) & (WRITER | READER_MASK)) != 0;
    }

    /** Whether a writer holds the lock now; a snapshot. */
    public boolean isWriteLocked() {
        return ((int) STATE.getVolatile(this) & WRITER) != 0;
    }

    /** Whether the current thread holds the write lock (exact for the calling thread). */
    public boolean isWriteLockedByCurrentThread() {
        return writer == Thread.currentThread();
    }

    /** Number of readers holding the lock now; a snapshot. */
    public int getReadLockCount() {
        return ((int) STATE.getVolatile(this) & READER_MASK) >>> 8;
    }

    /** Whether threads sleep waiting now; a snapshot. */
    public boolean hasQueuedThreads() {
        return ((int) QUEUE.getVolatile(this) & WAITERS) != 0;
    }

    /** Number of threads sleeping in the queue now (a snapshot; briefly takes the guard). */
    public int getQueueLength() {
        return waiters.sizeLocked();
    }

    /** The read side as a {@link Lock}: {@code lock} is {@link #downRead()}, {@code unlock} {@link #upRead()}. */
    @Override
    public Lock readLock() {
        return readLock;
    }

    /**
     * The write side as a {@link Lock}: {@code lock} is {@link #downWrite()}, {@code unlock}
     * {@link #upWrite()}; its {@code newCondition()} works as {@link Mutex#newCondition()}.
     */
    @Override
    public Lock writeLock() {
        return writeLock;
    }

    @Override
    public String toString() {
        int s = (int) STATE.getVolatile(this);
        Thread holder = (Thread) WRITER_THREAD.getOpaque(this);
        String held = (s & WRITER) != 0 ? "write-locked" + (holder != null ? " by " + holder.getName() : "")
                : (s & READER_MASK) != 0 ? "read-locked by " + ((s & READER_MASK) >>> 8) : "unlocked";
        return super.toString() + "[" + held + (hasQueuedThreads() ? ", sleepers" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------------
    // Slow paths

    /**
     * The lock-free read acquisition: allowed while no writer holds the lock, no hand-off is pending and no
     * writer sleeps at the head of the queue.
     */
    private boolean tryReadFast() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & (WRITER | HANDOFF)) != 0 || ((int) QUEUE.getVolatile(this) & WRITER_FIRST) != 0) {
                return false;
            }
            checkReaderRoom(s);
            if (STATE.compareAndSet(this, s, s + READER)) { // volatile: acquires the last writer's section
                return true;
            }
        }
    }

    private boolean timedAcquire(int kind, long nanos) throws InterruptedException {
        String method = kind == KIND_READ ? "downReadTimeout" : "downWriteTimeout";
        checkNotInterrupted(method);
        boolean acquired = kind == KIND_READ ? tryReadFast() : STATE.compareAndSet(this, 0, WRITER);
        if (!acquired && nanos > 0L) {
            int outcome = acquireSlow(kind, true, true, System.nanoTime() + nanos);
            if (outcome == Waiter.INTERRUPTED) {
                throw interruptedWhileSleeping(method);
            }
            acquired = outcome == Waiter.GRANTED;
        }
        if (acquired && kind == KIND_WRITE) {
            writer = Thread.currentThread();
        }
        return acquired;
    }

    /**
     * Queues and sleeps until the caller, woken as the head, acquires in the mode asked, times out or is
     * interrupted.
     *
     * @return {@link Waiter#GRANTED} when the caller now holds the lock
     */
    private int acquireSlow(int kind, boolean interruptible, boolean timed, long deadline) {
        Waiter waiter = Waiter.acquire(kind);
        try {
            if (enqueueUnlessAcquired(waiter)) {
                return Waiter.GRANTED;
            }
            int postWakeSpins = 0;
            for (;;) {
                int outcome = waiter.await(this, interruptible, timed, deadline, 0);
                if (outcome == Waiter.WOKEN) {
                    // Spin first with WAKING still set (releases leave an awake head alone), then look under
                    // the guard, withdrawing WAKING, before sleeping again (see Mutex).
                    postWakeSpins = Math.min((postWakeSpins << 1) | 1, MAX_POST_WAKE_SPINS);
                    if (spinUntilAcquired(kind, postWakeSpins)) {
                        dequeueAcquired(waiter);
                        return Waiter.GRANTED;
                    }
                    if (retryAfterWake(waiter)) {
                        return Waiter.GRANTED;
                    }
                    continue;
                }
                leave(waiter);
                return outcome;
            }
        } finally {
            waiter.release();
        }
    }

    /** Whether the head may take the lock in {@code kind} given lock word {@code s} (HANDOFF is its own). */
    private static boolean headCanAcquire(int kind, int s) {
        return kind == KIND_READ ? (s & WRITER) == 0 : (s & (WRITER | READER_MASK)) == 0;
    }

    /** The head's acquisition: one CAS that also withdraws its HANDOFF. */
    private boolean headAcquire(int kind, int s) {
        if (kind == KIND_READ) {
            checkReaderRoom(s);
            return STATE.compareAndSet(this, s, (s + READER) & ~HANDOFF);
        }
        return STATE.compareAndSet(this, s, WRITER);
    }

    /**
     * Under the guard: queues {@code waiter} and publishes the queue word (S1); if it is the head, tries to
     * acquire (S2).
     *
     * @return whether the lock was acquired (the waiter is then not queued)
     */
    private boolean enqueueUnlessAcquired(Waiter waiter) {
        Thread propagate = null;
        waiters.lock();
        try {
            boolean headWoken = !waiters.isEmpty() && ((int) QUEUE.getVolatile(this) & WAKING) != 0;
            waiter.since = System.nanoTime();
            waiters.addLast(waiter);
            publishQueueWord(headWoken); // S1
            if (waiters.first() != waiter) {
                return false;
            }
            for (;;) {
                int s = (int) STATE.getVolatile(this); // S2
                if (!headCanAcquire(waiter.kind, s)) {
                    return false;
                }
                if (headAcquire(waiter.kind, s)) {
                    propagate = dequeueAndPropagate(waiter);
                    return true;
                }
            }
        } finally {
            waiters.unlock();
            if (propagate != null) {
                LockSupport.unpark(propagate);
            }
        }
    }

    /**
     * The woken head, under the guard: withdraws WAKING (S1), looks at the lock word (S2) and acquires if it
     * can; else asks for a hand-off if it has waited too long, and re-arms.
     */
    private boolean retryAfterWake(Waiter waiter) {
        Thread propagate = null;
        waiters.lock();
        try {
            QUEUE.setVolatile(this, (int) QUEUE.getVolatile(this) & ~WAKING); // S1
            for (;;) {
                int s = (int) STATE.getVolatile(this); // S2
                if (headCanAcquire(waiter.kind, s)) {
                    if (headAcquire(waiter.kind, s)) {
                        propagate = dequeueAndPropagate(waiter);
                        return true;
                    }
                    continue;
                }
                if ((s & HANDOFF) == 0 && waiters.first() == waiter
                        && System.nanoTime() - waiter.since >= HANDOFF_AFTER_NANOS
                        && !STATE.compareAndSet(this, s, s | HANDOFF)) {
                    continue; // the word changed: look again
                }
                waiter.rearm(); // after S1/S2, under the guard: the next release wakes us
                return false;
            }
        } finally {
            waiters.unlock();
            if (propagate != null) {
                LockSupport.unpark(propagate);
            }
        }
    }

    /**
     * The woken head polls the lock word for {@code pauses} pauses and acquires if it can, still queued with
     * WAKING set (see Mutex's post-wake spin).
     */
    private boolean spinUntilAcquired(int kind, int pauses) {
        for (int i = 0; i < pauses; i++) {
            int s = (int) STATE.getOpaque(this); // opaque poll; the CAS is the acquiring access
            if (headCanAcquire(kind, s) && headAcquire(kind, s)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** The head acquired outside the guard: take the guard to dequeue it (and wake a reader behind it). */
    private void dequeueAcquired(Waiter waiter) {
        Thread propagate;
        waiters.lock();
        try {
            propagate = dequeueAndPropagate(waiter);
        } finally {
            waiters.unlock();
        }
        if (propagate != null) {
            LockSupport.unpark(propagate);
        }
    }

    /**
     * Unlinks the head that just acquired and publishes the queue word; if it is a reader and the next sleeper
     * is a reader too, marks that one woken and returns its thread to unpark (propagation). Caller holds the
     * guard.
     */
    private Thread dequeueAndPropagate(Waiter waiter) {
        waiters.remove(waiter);
        Waiter next = waiters.first();
        if (waiter.kind == KIND_READ && next != null && next.kind == KIND_READ) {
            publishQueueWord(true);
            next.wake();
            return next.thread();
        }
        publishQueueWord(false);
        return null;
    }

    /**
     * A sleeper gives up (timeout or interrupt): under the guard it leaves, withdraws its hand-off request,
     * publishes the queue word (S1) and wakes the new head if that one could acquire now (S2).
     */
    private void leave(Waiter waiter) {
        Thread wake = null;
        waiters.lock();
        try {
            boolean wasHead = waiters.first() == waiter;
            boolean headWoken = !wasHead && ((int) QUEUE.getVolatile(this) & WAKING) != 0;
            waiters.remove(waiter);
            if (wasHead) {
                for (;;) { // only the head sets HANDOFF
                    int s = (int) STATE.getVolatile(this);
                    if ((s & HANDOFF) == 0 || STATE.compareAndSet(this, s, s & ~HANDOFF)) {
                        break;
                    }
                }
            }
            publishQueueWord(headWoken); // S1
            Waiter next = waiters.first();
            if (next != null && !headWoken && headCanAcquire(next.kind, (int) STATE.getVolatile(this))) { // S2
                publishQueueWord(true);
                next.wake();
                wake = next.thread();
            }
        } finally {
            waiters.unlock();
        }
        if (wake != null) {
            LockSupport.unpark(wake);
        }
    }

    /** U2: after a release, wakes the head unless nobody sleeps or the head is already awake. */
    private void wakeHeadIfAsleep() {
        if (((int) QUEUE.getVolatile(this) & (WAITERS | WAKING)) != WAITERS) {
            return;
        }
        Thread wake = null;
        waiters.lock();
        try {
            Waiter first = waiters.first();
            if (first != null && ((int) QUEUE.getVolatile(this) & WAKING) == 0) { // not woken meanwhile
                publishQueueWord(true);
                first.wake();
                wake = first.thread();
            }
        } finally {
            waiters.unlock();
        }
        if (wake != null) {
            LockSupport.unpark(wake); // outside the guard: the woken head takes it first thing
        }
    }

    /** Writes the queue word for the list as it is now. Caller holds the guard. */
    private void publishQueueWord(boolean headWoken) {
        Waiter first = waiters.first();
        int q = first == null ? 0 : WAITERS | (first.kind == KIND_WRITE ? WRITER_FIRST : 0)
                | (headWoken ? WAKING : 0);
        QUEUE.setVolatile(this, q);
    }

    private void checkReaderRoom(int s) {
        if ((s & READER_MASK) == READER_MASK) {
            throw new IllegalStateException("RwSemaphore: " + MAX_READERS
                    + " readers already hold the lock; a reader is leaking downRead() without upRead()");
        }
    }

    private void checkWriter(String what) {
        if (writer != Thread.currentThread()) { // plain: only this thread writes writer == itself
            Thread holder = (Thread) WRITER_THREAD.getOpaque(this);
            throw new IllegalMonitorStateException("RwSemaphore." + what + " called by "
                    + Thread.currentThread().getName() + ", which does not hold the write lock ("
                    + (holder != null ? "held by " + holder.getName() : "write lock not held")
                    + "): only the writer may release or downgrade it, once per downWrite()");
        }
    }

    private void checkNotInterrupted(String method) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before RwSemaphore." + method);
        }
    }

    private InterruptedException interruptedWhileSleeping(String method) {
        return new InterruptedException("interrupted while sleeping in RwSemaphore." + method);
    }

    /** The read side as a {@link Lock}. */
    private final class ReadLock implements Lock {
        @Override
        public void lock() {
            downRead();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            downReadInterruptible();
        }

        @Override
        public boolean tryLock() {
            return downReadTrylock();
        }

        /** As {@link Lock#tryLock(long, TimeUnit)}: a time of zero or less does not wait. */
        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return timedAcquire(KIND_READ, Math.max(0L, unit.toNanos(time)));
        }

        @Override
        public void unlock() {
            upRead();
        }

        /** The read lock has no conditions (as {@code ReentrantReadWriteLock}'s). */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("RwSemaphore's read lock has no conditions: a condition"
                    + " needs exclusive ownership; use writeLock().newCondition()");
        }

        @Override
        public String toString() {
            return RwSemaphore.this + ".readLock";
        }
    }

    /** The write side as a {@link Lock}. */
    private final class WriteLock implements Lock {
        @Override
        public void lock() {
            downWrite();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            downWriteInterruptible();
        }

        @Override
        public boolean tryLock() {
            return downWriteTrylock();
        }

        /** As {@link Lock#tryLock(long, TimeUnit)}: a time of zero or less does not wait. */
        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return timedAcquire(KIND_WRITE, Math.max(0L, unit.toNanos(time)));
        }

        @Override
        public void unlock() {
            upWrite();
        }

        @Override
        public Condition newCondition() {
            return new LockCondition(RwSemaphore.this, RwSemaphore.this::isWriteLockedByCurrentThread,
                    RwSemaphore.this::downWrite, RwSemaphore.this::upWrite);
        }

        @Override
        public String toString() {
            return RwSemaphore.this + ".writeLock";
        }
    }

    // VarHandle mechanics
    private static final VarHandle STATE;
    private static final VarHandle WRITER_THREAD;
    private static final VarHandle QUEUE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(RwSemaphore.class, "state", int.class);
            WRITER_THREAD = lookup.findVarHandle(RwSemaphore.class, "writer", Thread.class);
            QUEUE = lookup.findVarHandle(RwSemaphore.class, "queue", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
