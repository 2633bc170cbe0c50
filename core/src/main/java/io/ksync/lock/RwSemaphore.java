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
 *   <li>Writer-preferring, as LDD3 describes the rwsem: once any thread sleeps waiting (in particular a
 *   writer), new readers queue behind it instead of joining the readers inside, so a stream of readers cannot
 *   starve a writer. Sleepers are served in FIFO order; a run of readers at the head of the queue is admitted
 *   together.</li>
 *   <li>The write side is owner-tracked: only the writer may {@link #upWrite()} or {@link #downgradeWrite()}
 *   ({@link IllegalMonitorStateException} otherwise). The read side is not (the kernel does not track reader
 *   owners either): {@link #upRead()} throws only when no reader holds the lock at all.</li>
 *   <li>Not recursive: a thread that holds the write lock and asks for it again, or holds the read lock while
 *   a writer waits and asks for the read lock again, deadlocks (as the kernel's; lockdep reports it later).</li>
 *   <li>Sleepers park with {@link LockSupport} (virtual threads unmount) after a short optimistic spin; the
 *   sleep hooks of {@code io.ksync.wait.Blocking} are told before and after each sleep.</li>
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
     * State word (int), as the kernel's rwsem count:
     *
     *   | readers (23) | unused (6) | WAITERS (1) | WRITER (1) |
     *
     * Fast paths (no sleepers): down_read adds READER by CAS while WRITER and WAITERS are clear; up_read
     * subtracts it; down_write is compareAndSet(0 -> WRITER); up_write compareAndSet(WRITER -> 0). A set WAITERS
     * bit makes every acquisition take the slow path: that is the writer preference (new readers cannot pass a
     * sleeping writer) and the FIFO order.
     *
     * Slow path, under the WaitList guard (invariant: WAITERS <=> list non-empty): a thread queues (after a
     * short spin that gives up as soon as WAITERS appears) and is granted by whoever makes the lock available:
     * grantWaiters() looks at the head: a writer is granted (WRITER set on its behalf) when no reader or writer
     * holds the lock; readers at the head are granted one after another (READER added on their behalf) while no
     * writer holds it, stopping at the first writer. It runs after every release that may free the lock with
     * sleepers (up_write, the last up_read, downgrade_write) and after a sleeper gives up (a writer leaving the
     * head may let readers behind it in). Granting on the sleeper's behalf is the kernel's rwsem_mark_wake for
     * readers; for writers the kernel instead wakes them to compete and hands off after a timeout; granting
     * directly keeps the order strict and the code small, at the cost of a lock held across the writer's
     * wake-up latency.
     *
     * Lock-free changes that can race with the guard holder: up_read's decrement (always allowed) and, while
     * WAITERS is clear, the fast acquisitions. So changes under the guard are atomic RMWs (getAndAdd,
     * getAndBitwiseOr/And), never a blind store. No lost wake-up: the last reader's decrement and the waiter's
     * WAITERS CAS are RMWs on the same word, so either the reader sees WAITERS (and runs grantWaiters under the
     * guard, after the waiter queued) or the waiter sees the reader count already 0 (and takes the lock).
     *
     * Ordering: acquisitions are volatile RMWs; grants are release stores read with acquire (Waiter); the
     * guard orders the rest.
     */

    /** A writer holds the lock. */
    private static final int WRITER = 1;
    /** Sleepers are queued. */
    private static final int WAITERS = 2;
    /** One reader. */
    private static final int READER = 1 << 8;
    /** The reader-count bits. */
    private static final int READER_MASK = 0x7fff_ff00;
    /** Most readers at once. */
    private static final int MAX_READERS = READER_MASK >>> 8;

    private static final int KIND_READ = 0;
    private static final int KIND_WRITE = 1;

    /** Polls of the word before queueing, as {@link Mutex#DEFAULT_SPIN_ROUNDS}. */
    private static final int SPIN_ROUNDS = Mutex.DEFAULT_SPIN_ROUNDS;

    private volatile int state;
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
     * @throws InterruptedException if interrupted on entry or while sleeping; interrupt status cleared (if the
     *                              lock was granted at that moment it is kept and the status is set instead)
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
     * Acquires the read lock if it is granted within the timeout. A timeout of zero only tries.
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
            if (STATE.compareAndSet(this, s, next)) { // volatile: releases the read-side section
                if ((next & (READER_MASK | WAITERS)) == WAITERS) {
                    grantUnderGuard(false); // the last reader out, with sleepers: hand the lock on
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
     * @throws InterruptedException if interrupted on entry or while sleeping; interrupt status cleared (if the
     *                              lock was granted at that moment it is kept and the status is set instead)
     */
    public void downWriteInterruptible() throws InterruptedException {
        checkNotInterrupted("downWriteInterruptible");
        if (!STATE.compareAndSet(this, 0, WRITER)
                && acquireSlow(KIND_WRITE, true, false, 0L) == Waiter.INTERRUPTED) {
            throw interruptedWhileSleeping("downWriteInterruptible");
        }
        writer = Thread.currentThread();
    }

    /** Acquires the write lock if it is free now ({@code down_write_trylock}, true on success). */
    public boolean downWriteTrylock() {
        if (STATE.compareAndSet(this, 0, WRITER)) {
            writer = Thread.currentThread();
            return true;
        }
        return false;
    }

    /**
     * Acquires the write lock if it is granted within the timeout. A timeout of zero only tries.
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
        if (!STATE.compareAndSet(this, WRITER, 0)) { // volatile: releases the write-side section
            grantUnderGuard(true);
        }
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
        if (STATE.compareAndSet(this, WRITER, READER)) {
            return;
        }
        waiters.lock();
        try {
            STATE.getAndAdd(this, READER - WRITER); // one atomic step: WRITER off, one reader on
            grantWaiters();
        } finally {
            waiters.unlock();
        }
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
        return ((int) STATE.getVolatile(this) & WAITERS) != 0;
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
        return super.toString() + "[" + held + ((s & WAITERS) != 0 ? ", sleepers" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------------
    // Slow paths

    /** The lock-free read acquisition: allowed while no writer holds and nobody sleeps. */
    private boolean tryReadFast() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & (WRITER | WAITERS)) != 0) {
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
     * Spins briefly, then queues and sleeps until granted, timed out or interrupted.
     *
     * @return {@link Waiter#GRANTED} when the caller now holds the lock in the mode asked
     */
    private int acquireSlow(int kind, boolean interruptible, boolean timed, long deadline) {
        if (spinBeforeQueueing(kind)) {
            return Waiter.GRANTED;
        }
        Waiter waiter = Waiter.acquire(kind);
        try {
            waiters.lock();
            try {
                for (;;) {
                    int s = (int) STATE.getVolatile(this);
                    if ((s & WAITERS) == 0) {
                        if (kind == KIND_READ ? (s & WRITER) == 0 : s == 0) {
                            if (kind == KIND_READ) {
                                checkReaderRoom(s);
                            }
                            if (STATE.compareAndSet(this, s, kind == KIND_READ ? s + READER : WRITER)) {
                                return Waiter.GRANTED;
                            }
                            continue;
                        }
                        if (!STATE.compareAndSet(this, s, s | WAITERS)) {
                            continue;
                        }
                    }
                    break; // from now on every release that can admit us runs grantWaiters() after we queued
                }
                waiters.addLast(waiter);
            } finally {
                waiters.unlock();
            }
            int outcome = waiter.await(this, interruptible, timed, deadline, 0);
            if (outcome == Waiter.GRANTED) {
                return outcome;
            }
            waiters.lock();
            try {
                if (waiter.status() == Waiter.GRANTED) {
                    if (outcome == Waiter.INTERRUPTED) {
                        waiter.swallowInterrupt(); // restored by release(): we return holding the lock
                    }
                    return Waiter.GRANTED;
                }
                waiters.remove(waiter);
                grantWaiters(); // our leaving may admit those behind us (a writer leaving the head)
            } finally {
                waiters.unlock();
            }
            return outcome;
        } finally {
            waiter.release();
        }
    }

    /** A bounded optimistic spin that stops as soon as anybody sleeps (then FIFO order rules). */
    private boolean spinBeforeQueueing(int kind) {
        for (int round = 0; round < SPIN_ROUNDS; round++) {
            int s = (int) STATE.getOpaque(this); // opaque poll; the CAS is the acquiring access
            if ((s & WAITERS) != 0) {
                return false;
            }
            if (kind == KIND_READ) {
                if ((s & WRITER) == 0) {
                    checkReaderRoom(s);
                    if (STATE.compareAndSet(this, s, s + READER)) {
                        return true;
                    }
                    continue;
                }
            } else if (s == 0 && STATE.compareAndSet(this, 0, WRITER)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** Takes the guard, clears WRITER if asked, and grants what the head of the queue can now have. */
    private void grantUnderGuard(boolean clearWriter) {
        waiters.lock();
        try {
            if (clearWriter) {
                STATE.getAndBitwiseAnd(this, ~WRITER); // volatile: releases the write-side section
            }
            grantWaiters();
        } finally {
            waiters.unlock();
        }
    }

    /**
     * Grants the head of the queue what it can have now: a writer if the lock is free, else a run of readers
     * while no writer holds it. Clears WAITERS when the queue empties. Caller holds the guard. Unparks under the
     * guard: a granted entry may be reused by its thread as soon as the guard is dropped.
     */
    private void grantWaiters() {
        for (Waiter head = waiters.first(); head != null; head = waiters.first()) {
            int s = (int) STATE.getVolatile(this);
            if (head.kind == KIND_WRITE) {
                if ((s & (WRITER | READER_MASK)) != 0) {
                    break;
                }
                waiters.remove(head);
                STATE.getAndBitwiseOr(this, WRITER); // on the writer's behalf; no reader can come in meanwhile
                head.grant();
                LockSupport.unpark(head.thread());
                break;
            }
            if ((s & WRITER) != 0) {
                break;
            }
            waiters.remove(head);
            STATE.getAndAdd(this, READER); // on the reader's behalf (rwsem_mark_wake)
            head.grant();
            LockSupport.unpark(head.thread());
        }
        if (waiters.isEmpty()) {
            STATE.getAndBitwiseAnd(this, ~WAITERS);
        }
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

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(RwSemaphore.class, "state", int.class);
            WRITER_THREAD = lookup.findVarHandle(RwSemaphore.class, "writer", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
