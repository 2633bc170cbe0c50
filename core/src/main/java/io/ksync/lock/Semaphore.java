package io.ksync.lock;

import io.ksync.internal.PermitQueue;
import io.ksync.internal.Timeouts;
import io.ksync.internal.Waiter;
import java.util.concurrent.TimeUnit;

/**
 * A counting semaphore: the kernel's {@code struct semaphore} ({@code sema_init}, {@code down},
 * {@code down_interruptible}, {@code down_timeout}, {@code down_trylock}, {@code up}).
 *
 * <p>Guarantees, as the kernel's {@code kernel/locking/semaphore.c}:
 * <ul>
 *   <li>Strict FIFO: {@link #up()} hands its unit directly to the thread that has slept longest; a thread that
 *   arrives later (even with {@link #downTrylock()}) cannot take a unit while others sleep.</li>
 *   <li>No owner: any thread may {@code up}, as in the kernel (a semaphore is also a signalling device).</li>
 *   <li>Sleepers park with {@link java.util.concurrent.locks.LockSupport} (virtual threads unmount) and the
 *   sleep hooks of {@code io.ksync.wait.Blocking} are told before and after each sleep.</li>
 *   <li>Memory effects: actions before an {@code up()} happen-before the return of the {@code down} that takes
 *   its unit.</li>
 *   <li>An optional bound ({@link #Semaphore(int, int)}): an {@code up()} that would raise the count above it
 *   is a bug in the caller (more ups than downs) and throws {@link IllegalStateException}, changing
 *   nothing.</li>
 * </ul>
 * The kernel's {@code down_killable} has no JVM counterpart (a JVM has no fatal signal that unwinds a thread):
 * use {@link #downInterruptible()}. Where the kernel's {@code down_interruptible}, {@code down_timeout} and
 * {@code down_trylock} return error codes, these methods throw {@link InterruptedException} or return a
 * boolean.
 *
 * <pre>{@code
 * Semaphore slots = new Semaphore(4);     // sema_init(&slots, 4)
 * slots.down();                           // down(&slots)
 * try {
 *     useOneOfFourSlots();
 * } finally {
 *     slots.up();                         // up(&slots)
 * }
 * }</pre>
 */
public final class Semaphore {

    /*
     * Implementation notes. All the work is in io.ksync.internal.PermitQueue (shared with Completion): one
     * state word | WAITERS (1) | count (31) | with lock-free fast paths when nobody sleeps, and a guarded FIFO
     * to which up() hands units directly when somebody does (the kernel's __up() sets waiter->up and wakes
     * it; the count never sees that unit). See PermitQueue for the ordering argument.
     */

    /** The largest count a semaphore can hold (2^31 - 1). */
    public static final int MAX_COUNT = Integer.MAX_VALUE;

    private final PermitQueue permits;
    private final int bound;

    /**
     * Creates a semaphore with {@code count} units and no bound but {@link #MAX_COUNT} ({@code sema_init}).
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Semaphore(int count) {
        this(count, MAX_COUNT);
    }

    /**
     * Creates a semaphore with {@code count} units that {@link #up()} may never raise above {@code bound}.
     *
     * @throws IllegalArgumentException if {@code count} is negative, {@code bound} is less than 1, or
     *                                  {@code count > bound}
     */
    public Semaphore(int count, int bound) {
        if (count < 0) {
            throw new IllegalArgumentException("semaphore count must be >= 0, was " + count);
        }
        if (bound < 1 || count > bound) {
            throw new IllegalArgumentException("semaphore bound must be >= 1 and >= the initial count "
                    + count + ", was " + bound);
        }
        this.bound = bound;
        this.permits = new PermitQueue(count, bound, false);
    }

    /**
     * Takes a unit, sleeping until one is handed over ({@code down}). Not interruptible: an interrupt that
     * arrives while sleeping is kept and the interrupt status is set again on return.
     */
    public void down() {
        permits.acquire(this, false, false, 0L);
    }

    /**
     * Takes a unit unless interrupted ({@code down_interruptible}; its {@code -EINTR} is the exception here).
     *
     * @throws InterruptedException if interrupted on entry or while sleeping; interrupt status cleared. If a
     *                              unit was handed over at the moment of the interrupt, it is kept, this returns
     *                              normally and the interrupt status is set.
     */
    public void downInterruptible() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before down() on " + this);
        }
        if (permits.acquire(this, true, false, 0L) == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while sleeping in down() on " + this);
        }
    }

    /**
     * Takes a unit if one is available now, without sleeping ({@code down_trylock}). Note the inversion: the
     * kernel's {@code down_trylock} returns 0 on success and 1 on failure; this returns {@code true} on
     * success, as {@code tryAcquire} does in Java.
     */
    public boolean downTrylock() {
        return permits.tryAcquire();
    }

    /**
     * Takes a unit if one is handed over within the timeout ({@code down_timeout}, whose {@code -ETIME} is
     * {@code false} here). A timeout of zero only tries. Interruptible, as Java's timed waits are.
     *
     * @return whether a unit was taken
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted on entry or while sleeping; interrupt status cleared
     */
    public boolean downTimeout(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = Timeouts.toNanos("Semaphore.downTimeout", timeout, unit);
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before down() on " + this);
        }
        if (nanos == 0L) {
            return permits.tryAcquire();
        }
        int outcome = permits.acquire(this, true, true, System.nanoTime() + nanos);
        if (outcome == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while sleeping in down() on " + this);
        }
        return outcome == Waiter.GRANTED;
    }

    /**
     * Returns a unit ({@code up}): to the thread that has slept longest, or to the count if nobody sleeps. Any
     * thread may call it.
     *
     * @throws IllegalStateException if nobody sleeps and the count is already at the bound (the count is left
     *                               unchanged)
     */
    public void up() {
        if (!permits.tryRelease()) {
            throw new IllegalStateException("Semaphore.up() would raise the count above its bound " + bound
                    + ": up() was called more often than down(); pair every up() with a down()");
        }
    }

    /** The units available now (0 while threads sleep); a snapshot for monitoring. */
    public int count() {
        return permits.count();
    }

    /** The bound given at construction ({@link #MAX_COUNT} if none). */
    public int bound() {
        return bound;
    }

    /** Whether threads sleep in {@code down} now (a snapshot). */
    public boolean hasQueuedThreads() {
        return permits.hasWaiters();
    }

    /** Number of threads sleeping in {@code down} now (a snapshot; briefly takes the queue's guard). */
    public int getQueueLength() {
        return permits.queueLength();
    }

    @Override
    public String toString() {
        return super.toString() + "[count=" + count() + (hasQueuedThreads() ? ", sleepers" : "") + "]";
    }
}
