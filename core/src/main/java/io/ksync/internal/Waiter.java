package io.ksync.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One sleeping thread's entry in a {@link WaitList}: the kernel's on-stack {@code struct mutex_waiter},
 * {@code struct semaphore_waiter}, {@code struct rwsem_waiter} and {@code wait_queue_entry}, in one shape.
 *
 * <p>Each thread has one cached entry that it reuses for every wait ({@link #acquire}/{@link #release}), so a
 * contended acquisition allocates nothing; a thread that waits while it is already waiting (a wait-queue
 * condition that itself sleeps) gets a fresh entry for the inner wait.
 *
 * <p>All fields but {@link #status} are guarded by the lock of the list the entry is on (or private to the
 * waiting thread while it is on none). {@code status} is the hand-over between a waker and the sleeper:
 * <pre>
 *   WAITING --wake()--&gt; WOKEN     the sleeper runs again and retries (mutex) or re-checks (wait queue)
 *   WAITING --grant()-&gt; GRANTED   the waker gave the sleeper what it waited for (permit, lock, signal)
 * </pre>
 * Wakers write it under the list lock with release ordering (pairs with the acquire load in
 * {@link #await}); the sleeper resets it to {@code WAITING} only under the list lock.
 */
public final class Waiter {

    /** Waiting: not yet woken or granted. */
    public static final int WAITING = 0;
    /** Woken to retry or re-check; nothing was handed over. */
    public static final int WOKEN = 1;
    /** Granted: the waker handed over the lock, permit or signal the sleeper waited for. */
    public static final int GRANTED = 2;
    /** {@link #await} outcome: the deadline passed. */
    public static final int TIMED_OUT = -1;
    /** {@link #await} outcome: the thread was interrupted (the interrupt status has been cleared). */
    public static final int INTERRUPTED = -2;

    private static final ThreadLocal<Waiter> CACHED = ThreadLocal.withInitial(Waiter::new);

    /** The sleeping thread; set by {@link #acquire}, read by wakers under the list lock. */
    Thread thread;
    /** Neighbours in the list; guarded by the list lock. */
    Waiter prev;
    Waiter next;
    /** Whether the entry is on a list; guarded by the list lock. */
    boolean queued;
    /** What the entry waits as (a primitive's own vocabulary: reader/writer, exclusive); set before queueing. */
    public int kind;
    /** The object a keyed waiter waits for ({@code wait_var_event}), or null. */
    public Object key;
    /** {@link System#nanoTime()} when the wait began; set by the owning thread before queueing. */
    public long since;
    /** See the class comment. */
    private volatile int status;
    /** Whether an uninterruptible wait swallowed an interrupt that {@link #release} must restore. */
    private boolean swallowedInterrupt;
    /** Whether the entry is lent out for a wait; only the owning thread reads or writes it. */
    private boolean inUse;

    private Waiter() {
    }

    /**
     * Returns the current thread's entry, reset, with the given kind; a fresh one if the cached entry is
     * already in use by a wait further up this thread's stack.
     */
    public static Waiter acquire(int kind) {
        Waiter waiter = CACHED.get();
        if (waiter.inUse) {
            waiter = new Waiter();
        }
        waiter.inUse = true;
        waiter.thread = Thread.currentThread();
        waiter.kind = kind;
        waiter.key = null;
        waiter.swallowedInterrupt = false;
        STATUS.setOpaque(waiter, WAITING); // private to this thread until queued: the queueing lock publishes it
        return waiter;
    }

    /**
     * Returns a new entry that is not the thread cache's (for a caller that keeps its own entry, as the kernel's
     * {@code DEFINE_WAIT}); {@link #bind(int)} it before each use.
     */
    public static Waiter detached() {
        Waiter waiter = new Waiter();
        waiter.inUse = true;
        return waiter;
    }

    /** Binds the entry to the current thread and the given kind as it is queued. Caller holds the list lock. */
    public void bind(int kind) {
        this.thread = Thread.currentThread();
        this.kind = kind;
    }

    /**
     * Ends the wait: restores an interrupt that an uninterruptible wait swallowed, and returns the entry to
     * the thread's cache. The entry must be off every list.
     */
    public void release() {
        if (swallowedInterrupt) {
            swallowedInterrupt = false;
            Thread.currentThread().interrupt();
        }
        key = null;
        inUse = false;
    }

    /** Current status, with acquire ordering: what the waker wrote before {@code wake}/{@code grant} is visible. */
    public int status() {
        return (int) STATUS.getAcquire(this);
    }

    /** Marks the entry woken. Caller holds the list lock. */
    public void wake() {
        STATUS.setRelease(this, WOKEN); // release: pairs with getAcquire in await(); publishes the waker's writes
    }

    /** Marks the entry granted. Caller holds the list lock. */
    public void grant() {
        STATUS.setRelease(this, GRANTED); // release: pairs with getAcquire in await(); publishes the hand-over
    }

    /** Resets a woken entry to waiting before the sleeper sleeps again. Caller (the sleeper) holds the list lock. */
    public void rearm() {
        STATUS.setOpaque(this, WAITING); // under the list lock, which orders it before any later wake()/grant()
    }

    /** The sleeping thread (for an unpark after the list lock is dropped). */
    public Thread thread() {
        return thread;
    }

    /** Whether the entry is on a list. Caller holds the list lock. */
    public boolean isQueued() {
        return queued;
    }

    /** Records an interrupt that an uninterruptible caller cleared and that {@link #release} must restore. */
    public void swallowInterrupt() {
        swallowedInterrupt = true;
    }

    /**
     * Sleeps until the entry is woken or granted, the deadline passes or (if {@code interruptible}) the thread
     * is interrupted. Polls the status {@code spins} times with {@link Thread#onSpinWait()} first (a hand-over
     * that comes within a microsecond or two is cheaper to wait for than a park and unpark), then parks with
     * {@link LockSupport}, so a virtual thread unmounts. Calls the sleep hooks around the parking, once.
     *
     * <p>An uninterruptible wait clears the interrupt status (so that {@code park} does not return at once)
     * and remembers it for {@link #release}.
     *
     * @param blocker  the object reported by {@code LockSupport.getBlocker} and to the sleep hooks
     * @param deadline the {@link System#nanoTime()} deadline, used only if {@code timed}
     * @return {@link #WOKEN}, {@link #GRANTED}, {@link #TIMED_OUT} or {@link #INTERRUPTED}
     */
    public int await(Object blocker, boolean interruptible, boolean timed, long deadline, int spins) {
        for (int i = 0; i < spins; i++) {
            int s = status();
            if (s != WAITING) {
                return s;
            }
            Thread.onSpinWait();
        }
        boolean slept = false;
        try {
            for (;;) {
                int s = status();
                if (s != WAITING) {
                    return s;
                }
                if (Thread.interrupted()) {
                    if (interruptible) {
                        return INTERRUPTED;
                    }
                    swallowedInterrupt = true;
                }
                long remaining = 0L;
                if (timed) {
                    remaining = deadline - System.nanoTime();
                    if (remaining <= 0L) {
                        return TIMED_OUT;
                    }
                }
                if (!slept) {
                    slept = true;
                    SleepHooks.beforeSleep(blocker);
                }
                if (timed) {
                    LockSupport.parkNanos(blocker, remaining);
                } else {
                    LockSupport.park(blocker);
                }
            }
        } finally {
            if (slept) {
                SleepHooks.afterWake(blocker);
            }
        }
    }

    // VarHandle mechanics
    private static final VarHandle STATUS;

    static {
        try {
            STATUS = MethodHandles.lookup().findVarHandle(Waiter.class, "status", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
