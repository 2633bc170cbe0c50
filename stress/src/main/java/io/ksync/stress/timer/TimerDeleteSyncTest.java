package io.ksync.stress.timer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.timer.Timer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@code del_timer_sync} against the timer's running callback (seed 003). Each state arms a timer due at the
 * base's next tick; the callback marks that it started, works a little, and writes a plain field as its last
 * act. The actor calls {@link Timer#deleteSync()} whenever jcstress runs it, before, during or after the
 * callback, then reads the marks. If the callback started, its last write must be visible: deleteSync() returns
 * only when the callback is not running, and the callback's actions happen-before its return.
 * r1: deleteSync()'s result (1 = removed a pending arming); r2: started; r3: finished; r4: the callback was
 * running when the actor called deleteSync() (a volatile flag read just before the call), the case the test is
 * for: its count shows how often deleteSync() really had to wait.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE, desc = "removed before it ran: it never runs")
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE, desc = "it ran before the call (or started during it) and had finished")
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE_INTERESTING,
        desc = "called while the callback ran: deleteSync waited for its end")
@Outcome(id = {"0, 1, 0, 0", "0, 1, 0, 1"}, expect = FORBIDDEN, desc = "deleteSync returned while the callback ran")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class TimerDeleteSyncTest {
    private final Timer timer;
    private volatile int started;
    private volatile int running;
    private int finished;

    public TimerDeleteSyncTest() {
        timer = new Timer(SharedTimerService.TIMERS, t -> callback());
        timer.add(SharedTimerService.TIMERS.nanoTime());
    }

    private void callback() {
        started = 1;
        running = 1;
        for (int i = 0; i < 100; i++) {
            Thread.onSpinWait(); // a callback that takes a little time: a window for the actor to land in
        }
        finished = 1; // plain: only deleteSync()'s happens-before makes it visible to the actor
        running = 0;
    }

    @Actor
    public void deleter(IIII_Result r) {
        r.r4 = running;
        r.r1 = timer.deleteSync() ? 1 : 0;
        r.r2 = started;
        r.r3 = finished;
    }
}
