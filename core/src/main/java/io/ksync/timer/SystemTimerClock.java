package io.ksync.timer;

import java.util.concurrent.locks.LockSupport;

/** {@link TimerClock#system()}: {@link System#nanoTime()}, parking with {@link LockSupport#parkNanos}. */
final class SystemTimerClock implements TimerClock {

    static final SystemTimerClock INSTANCE = new SystemTimerClock();

    private SystemTimerClock() {
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void parkUntil(long deadline) {
        final long remaining = deadline - System.nanoTime();
        if (remaining > 0) {
            LockSupport.parkNanos(this, remaining);
        }
    }

    @Override
    public void park() {
        LockSupport.park(this);
    }

    @Override
    public String toString() {
        return "TimerClock.system()";
    }
}
