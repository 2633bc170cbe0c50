package io.ksync.timer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link TimerClock} whose time moves only when {@link #advance} or {@link #set} is called: virtual time for
 * deterministic tests of timers, as the kernel's tests drive jiffies by hand. A thread sleeping on it
 * ({@link #parkUntil}, {@link #park}) is woken whenever the time moves and looks again; it never wakes because
 * real time passed.
 *
 * <pre>{@code
 * ManualTimerClock clock = new ManualTimerClock(0);
 * try (TimerService timers = TimerService.builder().clock(clock).build()) {
 *     Timer timer = new Timer(timers, t -> fired.countDown());
 *     timer.add(clock.nanoTime() + 10_000_000);
 *     clock.advance(10, TimeUnit.MILLISECONDS);
 *     timers.awaitDue();                              // the bases have run everything due now
 *     assertEquals(0, fired.getCount());
 * }
 * }</pre>
 */
public final class ManualTimerClock implements TimerClock {

    /*
     * Implementation notes. A sleeper registers its thread, then reads the time, then parks; advance() writes
     * the time, then unparks every registered thread. Both the registration and the time are volatile, so either
     * the sleeper sees the new time or advance() sees the sleeper; an unpark that comes before the park makes
     * the park return at once. No wake-up is lost. Each sleeper is registered with its deadline (FOREVER for
     * park()), so that tests can see what a thread sleeps until (sleepDeadline).
     */

    /** The registration of a sleeper without deadline (a sleeper with one registers its deadline, a Long). */
    private static final Object FOREVER = new Object();

    private volatile long now;
    private final ConcurrentHashMap<Thread, Object> sleepers = new ConcurrentHashMap<>();

    /**
     * Creates a clock reading {@code start}.
     *
     * @param start the initial time, in nanoseconds (any value, including near {@code Long.MAX_VALUE}: times wrap)
     */
    public ManualTimerClock(long start) {
        this.now = start;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /**
     * Moves the time forward and wakes every sleeper.
     *
     * @param duration how far, {@code >= 0}
     * @param unit     its unit
     * @return the new time
     * @throws IllegalArgumentException if {@code duration} is negative (a monotonic clock does not go back)
     */
    public long advance(long duration, TimeUnit unit) {
        if (duration < 0) {
            throw new IllegalArgumentException("a monotonic clock only moves forward: duration must be >= 0, was "
                    + duration);
        }
        final long delta = unit.toNanos(duration);
        long updated;
        long current;
        do {
            current = now;
            updated = current + delta; // wraps like System.nanoTime
        } while (!NOW.compareAndSet(this, current, updated));
        wakeSleepers();
        return updated;
    }

    /**
     * Sets the time and wakes every sleeper.
     *
     * @param time the new time; it must not be before the current one (by wrap-around difference)
     * @throws IllegalArgumentException if {@code time} is before the current time
     */
    public void set(long time) {
        long current;
        do {
            current = now;
            if (time - current < 0) {
                throw new IllegalArgumentException("a monotonic clock only moves forward: " + time
                        + " is before the current time " + current);
            }
        } while (!NOW.compareAndSet(this, current, time));
        wakeSleepers();
    }

    @Override
    public void parkUntil(long deadline) {
        final Thread current = Thread.currentThread();
        sleepers.put(current, deadline); // boxed: a test clock, not a hot path
        try {
            if (deadline - now > 0) {
                LockSupport.park(this);
            }
        } finally {
            sleepers.remove(current);
        }
    }

    @Override
    public void park() {
        final Thread current = Thread.currentThread();
        sleepers.put(current, FOREVER);
        try {
            LockSupport.park(this);
        } finally {
            sleepers.remove(current);
        }
    }

    @Override
    public String toString() {
        return "ManualTimerClock[" + now + "]";
    }

    /**
     * What {@code thread} sleeps until on this clock now, for tests: empty if it is not asleep on this clock or
     * sleeps without deadline (see {@link #sleepsWithoutDeadline}).
     */
    OptionalLong sleepDeadline(Thread thread) {
        final Object deadline = sleepers.get(thread);
        return deadline instanceof Long ? OptionalLong.of((Long) deadline) : OptionalLong.empty();
    }

    /** Whether {@code thread} is asleep on this clock in {@link #park()}, without deadline; for tests. */
    boolean sleepsWithoutDeadline(Thread thread) {
        return sleepers.get(thread) == FOREVER;
    }

    private void wakeSleepers() {
        for (Thread sleeper : sleepers.keySet()) {
            LockSupport.unpark(sleeper);
        }
    }

    // VarHandle mechanics
    private static final VarHandle NOW;

    static {
        try {
            NOW = MethodHandles.lookup().findVarHandle(ManualTimerClock.class, "now", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
