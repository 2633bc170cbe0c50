package io.ksync.wait;

import io.ksync.internal.Timeouts;
import io.ksync.internal.Waiter;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waiting on an object without a wait queue of one's own: the kernel's {@code wait_var_event},
 * {@code wait_var_event_interruptible}, {@code wait_var_event_timeout} and {@code wake_up_var}
 * ({@code include/linux/wait_bit.h}).
 *
 * <p>Any object can be waited on: a refcount that must drop to zero, a flag in a structure that should not
 * carry a {@link WaitQueue} field for a rare wait. Waiters and wakers meet in a shared table of
 * {@value #TABLE_SIZE} wait queues hashed by the object's identity, as the kernel hashes the variable's
 * address into {@code bit_wait_table}; each entry records its object, so {@link #wakeUp(Object)} wakes only
 * the waiters of that object (others in the same bucket keep sleeping). The guarantees are
 * {@link WaitQueue}'s: the condition is re-checked after every wake-up and no wake-up is lost between the
 * check and the sleep; all waiters here are non-exclusive.
 *
 * <pre>{@code
 * // waiter                                          // releaser
 * WaitVar.waitEvent(conn, () -> conn.users() == 0);  if (conn.release() == 0) WaitVar.wakeUp(conn);
 * }</pre>
 */
public final class WaitVar {

    /*
     * Implementation notes. The table is fixed and shared, as the kernel's; identity hash codes spread
     * objects over it. A wake-up walks one bucket under its guard and wakes the entries whose key is the object
     * (compared by identity: the key is the object, not its equals()). Ordering: WaitQueue's, unchanged.
     */

    /** Number of shared wait queues (the kernel's {@code WAIT_TABLE_BITS} gives 256). */
    static final int TABLE_SIZE = 256;

    private static final WaitQueue[] TABLE = new WaitQueue[TABLE_SIZE];

    static {
        for (int i = 0; i < TABLE_SIZE; i++) {
            TABLE[i] = new WaitQueue();
        }
    }

    private WaitVar() {
    }

    /** Sleeps until {@code condition} is true ({@code wait_var_event}); not interruptible (status kept). */
    public static void waitEvent(Object var, BooleanSupplier condition) {
        queueOf(var).waitCore(condition, var, WaitQueue.SHARED, false, WaitQueue.UNTIMED);
    }

    /**
     * Sleeps until {@code condition} is true or the thread is interrupted ({@code wait_var_event_interruptible}).
     *
     * @throws InterruptedException if interrupted before the condition was seen true; status cleared
     */
    public static void waitEventInterruptible(Object var, BooleanSupplier condition) throws InterruptedException {
        WaitQueue queue = queueOf(var);
        if (queue.waitCore(condition, var, WaitQueue.SHARED, true, WaitQueue.UNTIMED) == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while waiting on " + var);
        }
    }

    /**
     * Sleeps until {@code condition} is true or the timeout elapses ({@code wait_var_event_timeout}); not
     * interruptible.
     *
     * @return 0 on timeout, else the nanoseconds left (at least 1)
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public static long waitEventTimeout(Object var, BooleanSupplier condition, long timeout, TimeUnit unit) {
        long nanos = Timeouts.toNanos("WaitVar.waitEventTimeout", timeout, unit);
        return queueOf(var).waitCore(condition, var, WaitQueue.SHARED, false, nanos);
    }

    /**
     * Sleeps until {@code condition} is true, the timeout elapses or the thread is interrupted
     * ({@code wait_var_event_interruptible_timeout}).
     *
     * @return 0 on timeout, else the nanoseconds left (at least 1)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted before the condition was seen true; status cleared
     */
    public static long waitEventInterruptibleTimeout(Object var, BooleanSupplier condition, long timeout,
            TimeUnit unit) throws InterruptedException {
        long nanos = Timeouts.toNanos("WaitVar.waitEventInterruptibleTimeout", timeout, unit);
        long outcome = queueOf(var).waitCore(condition, var, WaitQueue.SHARED, true, nanos);
        if (outcome == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while waiting on " + var);
        }
        return outcome;
    }

    /** Wakes every thread waiting on {@code var} ({@code wake_up_var}); call it after changing the state. */
    public static void wakeUp(Object var) {
        queueOf(var).wake(Integer.MAX_VALUE, var);
    }

    private static WaitQueue queueOf(Object var) {
        Objects.requireNonNull(var, "var must not be null: wait on the object whose state the condition reads");
        int h = System.identityHashCode(var);
        h ^= h >>> 16; // spread the high bits into the index, as HashMap does
        return TABLE[h & (TABLE_SIZE - 1)];
    }
}
