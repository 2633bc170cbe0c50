package io.ksync.timer;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR event: one timer callback run by a base (the kernel's {@code timer_expire_entry}/{@code timer_expire_exit}
 * and {@code hrtimer_expire_entry}/{@code hrtimer_expire_exit} tracepoints), with its lateness (the service
 * clock's time when the callback started, minus the expiry it was armed for) and, as the event's duration, how
 * long the callback ran. Lateness is what a wheel's granularity, a busy base and a slow callback before it add
 * up to (see {@link TimerWheel} for the bound the wheel alone keeps).
 *
 * <p>Disabled (the default), it costs a flag check per callback: the base creates the event and reads the clock
 * for the lateness only when a recording wants it.
 */
@Name("io.ksync.timer.Expiry")
@Label("Timer Expiry")
@Category({"ksync", "Timers"})
@Description("A timer callback run by a timer base: how late it started and how long it ran")
@StackTrace(false)
final class TimerExpiryEvent extends Event {

    private static final EventType TYPE = EventType.getEventType(TimerExpiryEvent.class);

    @Label("Base")
    @Description("The index of the timer base (CPU) that ran the callback")
    int base;

    @Label("High Resolution")
    @Description("An HrTimer (true) or a Timer on the wheel (false)")
    boolean highResolution;

    @Label("Callback")
    @Description("The class of the callback")
    String callback;

    @Label("Lateness")
    @Description("From the expiry the timer was armed for to the start of the callback, on the service clock")
    @Timespan(Timespan.NANOSECONDS)
    long lateness;

    /** Whether a recording wants the event (then the base reads the clock before each callback). */
    static boolean isTypeEnabled() {
        return TYPE.isEnabled();
    }
}
