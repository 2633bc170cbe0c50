package io.ksync.timer;

import java.util.concurrent.locks.LockSupport;

/**
 * The clock a {@link TimerService} reads and sleeps on: {@link #system()} in production, a
 * {@link ManualTimerClock} in tests, where time moves only when the test advances it, so that expiry order,
 * lateness and races are tested deterministically, without sleeps.
 *
 * <p>Times are nanoseconds with {@link System#nanoTime()}'s rules: an arbitrary origin, compared by wrap-around
 * difference ({@code a - b < 0}, never {@code a < b}).
 */
public interface TimerClock {

    /**
     * The clock's time now.
     *
     * @return nanoseconds from an arbitrary origin
     */
    long nanoTime();

    /**
     * Parks the calling thread until the clock reaches {@code deadline}, or another thread unparks it
     * ({@link LockSupport#unpark}), or spuriously; callers re-check their condition. A deadline already
     * reached returns at once.
     *
     * @param deadline a time of this clock
     */
    void parkUntil(long deadline);

    /**
     * Parks the calling thread until another thread unparks it, or spuriously: a sleep with no deadline. An
     * implementation whose time is driven by a test unparks it when the time moves, so that the sleeper can look
     * at the new time.
     */
    void park();

    /**
     * The monotonic system clock: {@link System#nanoTime()}, parking with {@link LockSupport#parkNanos}.
     *
     * @return the system clock
     */
    static TimerClock system() {
        return SystemTimerClock.INSTANCE;
    }
}
