package io.ksync.stress.timer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.timer.HrTimer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@code hrtimer_cancel} against the timer's running callback, which restarts it: each state starts an
 * {@link HrTimer} due now whose callback marks that it started, works a little, writes a plain field as its last
 * act and returns {@code RESTART} with its expiry forwarded by 1 ms. The actor calls {@link HrTimer#cancel()}
 * whenever jcstress runs it, then reads the marks and whether the timer is still active. If the callback started,
 * its last write must be visible, and the restart must have been cancelled too: the timer is idle.
 * r1: cancel()'s result; r2: started; r3: finished; r4: active afterwards.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE, desc = "cancelled before it ran")
@Outcome(id = {"1, 1, 1, 0", "0, 1, 1, 0"}, expect = ACCEPTABLE,
        desc = "it ran (or was running) and had finished; its restart was cancelled")
@Outcome(id = {"0, 1, 0, 0", "1, 1, 0, 0"}, expect = FORBIDDEN, desc = "cancel returned while the callback ran")
@Outcome(expect = FORBIDDEN, desc = "still active after cancel(), or impossible")
@State
public class HrTimerCancelTest {
    private final HrTimer timer;
    private volatile int started;
    private int finished;

    public HrTimerCancelTest() {
        timer = new HrTimer(SharedTimerService.TIMERS, t -> {
            started = 1;
            for (int i = 0; i < 100; i++) {
                Thread.onSpinWait();
            }
            finished = 1;
            t.forwardNow(1_000_000L);
            return HrTimer.Restart.RESTART;
        });
        timer.start(0, HrTimer.Mode.REL);
    }

    @Actor
    public void canceller(IIII_Result r) {
        r.r1 = timer.cancel() ? 1 : 0;
        r.r2 = started;
        r.r3 = finished;
        r.r4 = timer.isActive() ? 1 : 0;
    }
}
