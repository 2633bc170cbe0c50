package io.ksync.percpu;

import io.ksync.internal.SleepHooks;
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
 * A reader-writer semaphore whose readers scale with the number of CPUs and whose writers pay for it: the
 * kernel's {@code struct percpu_rw_semaphore} ({@code include/linux/percpu-rwsem.h},
 * {@code kernel/locking/percpu-rwsem.c}), the successor of the "big-reader" lock and of {@code lglock}.
 *
 * <p>A reader ({@link #downRead()} {@code percpu_down_read}, {@link #upRead()} {@code percpu_up_read}) changes
 * only a counter in its own CPU slot and reads a flag that nobody writes while there is no writer: no cache line
 * moves between readers on different CPUs, unlike {@link java.util.concurrent.locks.ReentrantReadWriteLock}'s or
 * {@link java.util.concurrent.locks.StampedLock}'s read lock, whose every acquisition writes one shared word. A
 * writer ({@link #downWrite()} {@code percpu_down_write}, {@link #upWrite()} {@code percpu_up_write}) raises the
 * flag, so that new readers stop, and then waits until the readers' counters, summed over every CPU, reach zero.
 * Use it for data read very often and written rarely (configuration, a module list, a mount table): every write
 * costs a pass over all CPUs and waits for the slowest reader.
 *
 * <p>Fairness. Writers are not starved: once a writer has raised the flag, new readers queue behind it, and
 * it waits only for the readers already inside. Readers are not starved either: waiters are served in arrival
 * order, and a writer's release admits every reader queued before the next writer together with that writer, as
 * the kernel's {@code percpu_rwsem_wake_function} does. A writer may take the semaphore ahead of nobody: it skips
 * the queue only when the queue is empty.
 *
 * <p>Memory effects: as {@link ReadWriteLock}: everything before {@link #upWrite()} happens-before whatever follows
 * the next acquisition, read or write, and everything before {@link #upRead()} happens-before whatever follows
 * the next {@link #downWrite()}.
 *
 * <p>Rules. The semaphore is not reentrant: a reader that takes the read side again while a writer waits
 * deadlocks (the writer waits for it, it waits behind the writer), as in the kernel. Read sections may be
 * released by another thread than the one that entered them (the count is per CPU, not per thread), but every
 * {@link #upRead()} must match a {@link #downRead()}: an extra {@code upRead()} cannot be detected when it happens
 * (nothing records which threads read), and a writer that later finds the readers' total negative throws
 * {@link IllegalStateException} instead of waiting for ever. {@link #upWrite()} by a thread that does not hold
 * the write side throws {@link IllegalMonitorStateException}. The {@link Lock} views have no conditions.
 *
 * <pre>{@code
 * final PerCpuRwSemaphore routesLock = new PerCpuRwSemaphore();
 *
 * Route lookup(Address a) {            // millions of times a second, from every core
 *     routesLock.downRead();
 *     try {
 *         return routes.find(a);
 *     } finally {
 *         routesLock.upRead();
 *     }
 * }
 *
 * void replace(RouteTable next) {      // rarely
 *     routesLock.downWrite();
 *     try {
 *         routes = next;
 *     } finally {
 *         routesLock.upWrite();
 *     }
 * }
 * }</pre>
 */
public final class PerCpuRwSemaphore implements ReadWriteLock {

    /*
     * Implementation notes.
     *
     * State (PerCpuCells): one padded reader counter per CPU slot, and the shared cell "block" (0 or 1: a
     * writer holds, or is acquiring, the semaphore). Plus a WaitList of sleeping readers and writers (the kernel's
     * sem->waiters), the writer that waits for readers to drain (drainingWriter: the kernel's rcuwait
     * sem->writer) and the write owner (for upWrite's check).
     *
     * The kernel's readers have two modes: a fast one with no barrier at all, valid while rcu_sync says no writer
     * is around (a writer first waits an RCU grace period so every reader sees it), and a slow one that orders
     * the increment and the check of "block" with smp_mb(). The JVM has no RCU to build the first on, so every
     * reader takes the slow one; the fence comes with the atomic increment (a locked instruction on x86) and
     * the readers still write only their own CPU's cache line.
     *
     * Read side, access by access (the kernel's __percpu_down_read_trylock):
     *   R1  getAndAdd +1 on the thread's slot (PerCpuCells.addToOwnSlot; volatile: this_cpu_inc + smp_mb)
     *   R2  getVolatile(block); 0: the read lock is held, done.
     *   R3  otherwise getAndAdd -1 on the same slot (back off) and unpark the draining writer, then the slow
     *       path: under the wait-list guard try R1-R3 again and, if it fails again, queue and sleep until
     *       a writer's release grants the read side (the granter does R1-R2 on the reader's behalf).
     *   U1  upRead: getAndAdd -1 on the thread's current slot (any slot: only the sum matters);
     *   U2  getVolatile(drainingWriter); unpark it if set (rcuwait_wake_up).
     * Write side:
     *   W1  compareAndSet(block, 0, 1) when nobody is queued, else queue and sleep until granted (a release
     *       sets block for the writer it grants);
     *   W2  setVolatile(drainingWriter, self), then sum the reader slots with getVolatile until the sum is
     *       0 (readers_active_check), parking in between; U2 unparks it.
     *   W3  upWrite: setVolatile(block, 0), then, under the guard, grant the queue's head: readers until a
     *       writer, and that writer if block is still free (percpu_up_write + percpu_rwsem_wake_function).
     *
     * Why a writer never enters while a reader is inside: R1/R2 against W1/W2 is the store-buffering shape, all
     * four accesses volatile, so they are totally ordered: either R2 sees block = 1 (the reader backs off and
     * undoes R1 on the same slot) or W2's sum sees R1. A reader's U1 may hit another slot than its R1 (threads
     * migrate); the writer still never sees a decrement without its increment, because every increment that
     * counts preceded W1 and every sum follows it. So a sum is never too low: 0 means no reader is inside,
     * and a negative sum can only come from an upRead() without downRead().
     *
     * Why the writer sees the readers' writes and they see its: U1 is a volatile write and W2's reads are
     * volatile, so a reader's section happens-before the writer's once the sum counts its U1; W3's store to
     * block is volatile and R2 reads it, so the writer's section happens-before readers that see block = 0.
     *
     * Why no wake-up is lost: the slow paths decide to sleep under the wait-list guard, after re-checking under
     * it, and W3 grants under the same guard after clearing block; a reader that re-checks before W3's store
     * queues and is granted by W3's pass, one that re-checks after it gets in. For the draining writer, W2 then
     * the sum against U1 then U2 is again the store-buffering shape: if the writer's sum missed U1, U2 sees W2.
     */

    private static final int KIND_READ = 0;
    private static final int KIND_WRITE = 1;
    /** Outcome of the drain: a negative reader total, an unbalanced upRead(). */
    private static final int NEGATIVE_READERS = -3;
    /** Sums of the reader slots before a draining writer parks: readers usually leave within microseconds. */
    private static final int DRAIN_SPINS = 64;

    private final PerCpuCells readers = new PerCpuCells(Cpus.count());
    private final WaitList waiters = new WaitList();
    /** The writer waiting for readers to leave (set and cleared by it, read by every upRead). */
    private volatile Thread drainingWriter;
    /** The thread that holds the write side; written by it, read by upWrite's check and toString. */
    private volatile Thread owner;
    private final Lock readLock = new ReadView();
    private final Lock writeLock = new WriteView();

    /** Creates an unlocked semaphore ({@code percpu_init_rwsem}). */
    public PerCpuRwSemaphore() {
    }

    // ------------------------------------------------------------------------------------------------------
    // Read side

    /**
     * Acquires the read side, sleeping while a writer holds or waits for it ({@code percpu_down_read}). Not
     * interruptible: an interrupt is kept and the interrupt status set again on return.
     */
    public void downRead() {
        if (!tryReadFast()) {
            acquireSlow(KIND_READ, false, false, 0L);
        }
    }

    /**
     * Acquires the read side unless interrupted.
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
     * Acquires the read side if no writer holds or waits for it ({@code percpu_down_read_trylock}, true on
     * success).
     *
     * @return whether the read side was acquired
     */
    public boolean downReadTrylock() {
        return tryReadFast();
    }

    /**
     * Acquires the read side if it can be taken within the timeout. A timeout of zero only tries.
     *
     * @param timeout how long to wait, at least 0
     * @param unit    the unit of {@code timeout}
     * @return whether the read side was acquired
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted on entry or while sleeping; interrupt status cleared
     */
    public boolean downReadTimeout(long timeout, TimeUnit unit) throws InterruptedException {
        return timedRead(Timeouts.toNanos("PerCpuRwSemaphore.downReadTimeout", timeout, unit));
    }

    /**
     * Releases one read section ({@code percpu_up_read}); wakes a writer waiting for the readers to leave. Any
     * thread may release a section another thread entered; each {@code downRead} needs exactly one
     * {@code upRead}.
     */
    public void upRead() {
        readers.addToOwnSlot(-1L); // U1, volatile: releases the read section
        wakeDrainingWriter();      // U2
    }

    // ------------------------------------------------------------------------------------------------------
    // Write side

    /**
     * Acquires the write side ({@code percpu_down_write}): stops new readers, then waits until the readers
     * inside have left. Not interruptible: an interrupt is kept and the interrupt status set again on return.
     *
     * @throws IllegalStateException if the readers' total is negative (an {@code upRead()} without its
     *                               {@code downRead()}); the semaphore is released again
     */
    public void downWrite() {
        acquireWrite(false, false, 0L, "downWrite");
    }

    /**
     * Acquires the write side unless interrupted; if interrupted while waiting for readers to leave, lets the
     * readers queued behind it in and throws.
     *
     * @throws InterruptedException  if interrupted on entry or while waiting; interrupt status cleared
     * @throws IllegalStateException as {@link #downWrite()}
     */
    public void downWriteInterruptible() throws InterruptedException {
        checkNotInterrupted("downWriteInterruptible");
        if (acquireWrite(true, false, 0L, "downWriteInterruptible") == Waiter.INTERRUPTED) {
            throw interruptedWhileSleeping("downWriteInterruptible");
        }
    }

    /**
     * Acquires the write side if that needs no waiting: nobody holds it or waits for it and no reader is inside
     * now.
     *
     * @return whether the write side was acquired
     */
    public boolean downWriteTrylock() {
        if (waiters.firstVolatile() != null || !readers.compareAndSetShared(0L, 1L)) {
            return false;
        }
        if (readers.sumSlotsVolatile() != 0L) {
            releaseBlock(); // readers that arrived meanwhile may have queued: let them in
            return false;
        }
        OWNER.setOpaque(this, Thread.currentThread()); // published to others by the volatile ops around it
        return true;
    }

    /**
     * Acquires the write side if it can be taken, and the readers inside have left, within the timeout. A
     * timeout of zero only tries.
     *
     * @param timeout how long to wait, at least 0
     * @param unit    the unit of {@code timeout}
     * @return whether the write side was acquired
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted on entry or while waiting; interrupt status cleared
     * @throws IllegalStateException    as {@link #downWrite()}
     */
    public boolean downWriteTimeout(long timeout, TimeUnit unit) throws InterruptedException {
        return timedWrite(Timeouts.toNanos("PerCpuRwSemaphore.downWriteTimeout", timeout, unit));
    }

    /**
     * Releases the write side ({@code percpu_up_write}): readers queued before the next writer get the read
     * side, and that writer the write side.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the write side (nothing changes)
     */
    public void upWrite() {
        final Thread holder = owner;
        if (holder != Thread.currentThread()) {
            throw new IllegalMonitorStateException("PerCpuRwSemaphore.upWrite() called by "
                    + Thread.currentThread().getName() + ", but the write side of " + this
                    + " is not held by that thread: call upWrite() from the thread that called downWrite()");
        }
        OWNER.setOpaque(this, null); // ordered before W3's volatile store
        releaseBlock();
    }

    // ------------------------------------------------------------------------------------------------------
    // Queries and views

    /**
     * Whether a writer holds the write side or is waiting for readers to leave ({@code percpu_is_write_locked});
     * a snapshot.
     *
     * @return whether new readers are held back now
     */
    public boolean isWriteLocked() {
        return readers.sharedVolatile() != 0L;
    }

    /**
     * Whether the current thread holds the write side.
     *
     * @return exact for the calling thread
     */
    public boolean isWriteLockedByCurrentThread() {
        return owner == Thread.currentThread();
    }

    /**
     * The number of read sections held now: the sum of the per-CPU counters, {@code O(Cpus.count())}; a snapshot
     * that readers coming and going may make off by their number.
     *
     * @return the readers inside, approximately while readers come and go
     */
    public long getReadLockCount() {
        return readers.sumSlotsVolatile();
    }

    /**
     * Whether any read section is held now ({@code percpu_is_read_locked}-like); a snapshot.
     *
     * @return whether the readers' total is not zero
     */
    public boolean isReadLocked() {
        return readers.sumSlotsVolatile() != 0L;
    }

    /**
     * Whether threads sleep waiting for either side now; a snapshot.
     *
     * @return whether the queue is not empty
     */
    public boolean hasQueuedThreads() {
        return waiters.firstVolatile() != null;
    }

    /**
     * Number of threads sleeping in the queue now (a snapshot; briefly takes the queue's guard).
     *
     * @return the queue length
     */
    public int getQueueLength() {
        return waiters.sizeLocked();
    }

    /**
     * The read side as a {@link Lock}: {@code lock} is {@link #downRead()}, {@code unlock} {@link #upRead()}.
     *
     * @return the read lock view
     */
    @Override
    public Lock readLock() {
        return readLock;
    }

    /**
     * The write side as a {@link Lock}: {@code lock} is {@link #downWrite()}, {@code unlock} {@link #upWrite()}.
     *
     * @return the write lock view
     */
    @Override
    public Lock writeLock() {
        return writeLock;
    }

    @Override
    public String toString() {
        final Thread holder = owner;
        final String state = holder != null ? "write-locked by " + holder.getName()
                : isWriteLocked() ? "writer waiting for readers"
                : "readers " + getReadLockCount();
        return super.toString() + "[" + state + (hasQueuedThreads() ? ", sleepers" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------------
    // Internals

    /** R1-R3 of the implementation notes: the read side if no writer holds or waits for it. */
    private boolean tryReadFast() {
        final int slot = readers.addToOwnSlot(1L);  // R1, volatile
        if (readers.sharedVolatile() == 0L) {       // R2, volatile: SB with W1/W2
            return true;
        }
        readers.getAndAdd(slot, -1L);              // R3: back off on the slot R1 used
        wakeDrainingWriter();
        return false;
    }

    private void wakeDrainingWriter() {
        final Thread writer = drainingWriter; // U2, volatile: SB with W2's store and sum
        if (writer != null) {
            LockSupport.unpark(writer);
        }
    }

    /** W1 without queueing. */
    private boolean tryBlock() {
        return waiters.firstVolatile() == null && readers.compareAndSetShared(0L, 1L);
    }

    private boolean timedRead(long nanos) throws InterruptedException {
        checkNotInterrupted("downReadTimeout");
        if (tryReadFast()) {
            return true;
        }
        if (nanos <= 0L) {
            return false;
        }
        final int outcome = acquireSlow(KIND_READ, true, true, System.nanoTime() + nanos);
        if (outcome == Waiter.INTERRUPTED) {
            throw interruptedWhileSleeping("downReadTimeout");
        }
        return outcome == Waiter.GRANTED;
    }

    private boolean timedWrite(long nanos) throws InterruptedException {
        checkNotInterrupted("downWriteTimeout");
        if (nanos <= 0L) {
            return downWriteTrylock();
        }
        final int outcome = acquireWrite(true, true, System.nanoTime() + nanos, "downWriteTimeout");
        if (outcome == Waiter.INTERRUPTED) {
            throw interruptedWhileSleeping("downWriteTimeout");
        }
        return outcome == Waiter.GRANTED;
    }

    /** W1 and W2: returns GRANTED (the write side is held), TIMED_OUT or INTERRUPTED (nothing is held). */
    private int acquireWrite(boolean interruptible, boolean timed, long deadline, String method) {
        if (!tryBlock()) {
            final int outcome = acquireSlow(KIND_WRITE, interruptible, timed, deadline);
            if (outcome != Waiter.GRANTED) {
                return outcome;
            }
        }
        final int drained = awaitReaders(interruptible, timed, deadline);
        if (drained != Waiter.GRANTED) {
            final long total = readers.sumSlotsVolatile();
            releaseBlock();
            if (drained == NEGATIVE_READERS) {
                throw new IllegalStateException("PerCpuRwSemaphore." + method + ": the readers' total is " + total
                        + ", below zero: upRead() was called more often than downRead(); the semaphore cannot"
                        + " tell when the readers are gone");
            }
            return drained;
        }
        OWNER.setOpaque(this, Thread.currentThread()); // published to others by the volatile ops around it
        return Waiter.GRANTED;
    }

    /**
     * Queues the calling thread (after one more try under the guard) and sleeps until a release grants it what it
     * waits for. Returns GRANTED, or TIMED_OUT / INTERRUPTED with the thread off the queue and nothing held.
     */
    private int acquireSlow(int kind, boolean interruptible, boolean timed, long deadline) {
        final Waiter waiter = Waiter.acquire(kind);
        try {
            waiters.lock();
            final boolean acquired = kind == KIND_READ ? tryReadFast()
                    : waiters.first() == null && readers.compareAndSetShared(0L, 1L);
            if (acquired) {
                waiters.unlock();
                return Waiter.GRANTED;
            }
            waiters.addLast(waiter);
            waiters.unlock();
            final int status = waiter.await(this, interruptible, timed, deadline, 0);
            if (status == Waiter.GRANTED) {
                return Waiter.GRANTED;
            }
            waiters.lock();
            final boolean stillQueued = waiter.isQueued();
            if (stillQueued) {
                waiters.remove(waiter);
            }
            waiters.unlock();
            if (stillQueued) {
                return status;
            }
            // Granted while giving up: keep what was granted, and the interrupt for the caller to see.
            if (status == Waiter.INTERRUPTED) {
                waiter.swallowInterrupt();
            }
            return Waiter.GRANTED;
        } finally {
            waiter.release();
        }
    }

    /** W2: waits until no reader is inside. Returns GRANTED, TIMED_OUT, INTERRUPTED or NEGATIVE_READERS. */
    private int awaitReaders(boolean interruptible, boolean timed, long deadline) {
        drainingWriter = Thread.currentThread(); // W2, volatile: SB with U1/U2
        boolean slept = false;
        boolean swallowedInterrupt = false;
        try {
            for (int spins = 0;; ) {
                final long active = readers.sumSlotsVolatile();
                if (active == 0L) {
                    return Waiter.GRANTED;
                }
                if (active < 0L) {
                    return NEGATIVE_READERS;
                }
                if (spins < DRAIN_SPINS) {
                    spins++;
                    Thread.onSpinWait();
                    continue;
                }
                if (Thread.interrupted()) {
                    if (interruptible) {
                        return Waiter.INTERRUPTED;
                    }
                    swallowedInterrupt = true;
                }
                long remaining = 0L;
                if (timed) {
                    remaining = deadline - System.nanoTime();
                    if (remaining <= 0L) {
                        return Waiter.TIMED_OUT;
                    }
                }
                if (!slept) {
                    slept = true;
                    SleepHooks.beforeSleep(this);
                }
                if (timed) {
                    LockSupport.parkNanos(this, remaining);
                } else {
                    LockSupport.park(this);
                }
            }
        } finally {
            drainingWriter = null;
            if (slept) {
                SleepHooks.afterWake(this);
            }
            if (swallowedInterrupt) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * W3: clears block and, under the guard, grants the queue's head: readers until the first writer, then that
     * writer if block is still free ({@code percpu_up_write} and {@code percpu_rwsem_wake_function}).
     */
    private void releaseBlock() {
        readers.setSharedVolatile(0L); // W3, volatile: releases the write section to readers that see 0
        waiters.lock();
        try {
            Waiter waiter = waiters.first();
            while (waiter != null) {
                final Waiter next = waiters.next(waiter);
                if (waiter.kind == KIND_READ) {
                    if (!tryReadFast()) { // on the reader's behalf; fails only if a writer took block meanwhile
                        return;
                    }
                    grant(waiter);
                } else {
                    if (!readers.compareAndSetShared(0L, 1L)) {
                        return;
                    }
                    grant(waiter);
                    return;
                }
                waiter = next;
            }
        } finally {
            waiters.unlock();
        }
    }

    /** Hands the queued {@code waiter} what it waits for. Caller holds the guard. */
    private void grant(Waiter waiter) {
        waiters.remove(waiter);
        waiter.grant();
        LockSupport.unpark(waiter.thread());
    }

    private void checkNotInterrupted(String method) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before PerCpuRwSemaphore." + method);
        }
    }

    private InterruptedException interruptedWhileSleeping(String method) {
        return new InterruptedException("interrupted while waiting in PerCpuRwSemaphore." + method);
    }

    /** The read side as a {@link Lock}. */
    private final class ReadView implements Lock {
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
            return timedRead(Math.max(0L, unit.toNanos(time)));
        }

        @Override
        public void unlock() {
            upRead();
        }

        /** The read side has no conditions. */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("PerCpuRwSemaphore's read side has no conditions: a condition"
                    + " needs exclusive ownership; use a Mutex or ReentrantLock and its condition");
        }

        @Override
        public String toString() {
            return PerCpuRwSemaphore.this + ".readLock";
        }
    }

    /** The write side as a {@link Lock}. */
    private final class WriteView implements Lock {
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
            return timedWrite(Math.max(0L, unit.toNanos(time)));
        }

        @Override
        public void unlock() {
            upWrite();
        }

        /** The write side has no conditions (as {@code StampedLock}'s views). */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("PerCpuRwSemaphore's write side has no conditions (the kernel's"
                    + " percpu_rw_semaphore has none); use a Mutex or ReentrantLock and its condition");
        }

        @Override
        public String toString() {
            return PerCpuRwSemaphore.this + ".writeLock";
        }
    }

    // VarHandle mechanics
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(PerCpuRwSemaphore.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
