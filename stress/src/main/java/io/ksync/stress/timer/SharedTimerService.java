package io.ksync.stress.timer;

import io.ksync.timer.TimerService;

/** One timer service for every jcstress state in the JVM: two bases on the system clock, daemon threads. */
public final class SharedTimerService {

    /** The service; never closed (its threads are daemons). */
    public static final TimerService TIMERS = TimerService.builder().bases(2).name("jcstress").build();

    /** An expiry an hour away: a timer armed with it never fires during a test. */
    public static long farExpiry() {
        return TIMERS.nanoTime() + 3_600_000_000_000L;
    }

    private SharedTimerService() {
    }
}
