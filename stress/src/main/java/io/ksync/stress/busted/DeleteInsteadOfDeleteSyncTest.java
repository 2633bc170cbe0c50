package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.stress.timer.SharedTimerService;
import io.ksync.timer.Timer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Busted control for {@code io.ksync.stress.timer.TimerDeleteSyncTest}, and the bug of seed 003 (netdev, 2000):
 * the teardown calls {@code del_timer()} where it needed {@code del_timer_sync()}, so it can return while the
 * handler still runs on another CPU. Same shape, {@link Timer#delete()} in place of {@code deleteSync()}; the
 * callback works longer, so that the actor lands inside it often enough. Must fail.
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "removed before it ran")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "it had finished")
@Outcome(id = "0, 1, 0", expect = FORBIDDEN, desc = "delete() returned while the callback ran")
@Outcome(expect = ACCEPTABLE, desc = "the callback had not started yet when the marks were read")
@State
public class DeleteInsteadOfDeleteSyncTest {
    private final Timer timer;
    private volatile int started;
    private int finished;

    public DeleteInsteadOfDeleteSyncTest() {
        timer = new Timer(SharedTimerService.TIMERS, t -> callback());
        timer.add(SharedTimerService.TIMERS.nanoTime());
    }

    private void callback() {
        started = 1;
        for (int i = 0; i < 2_000; i++) {
            Thread.onSpinWait();
        }
        finished = 1;
    }

    @Actor
    public void deleter(III_Result r) {
        r.r1 = timer.delete() ? 1 : 0;
        r.r2 = started;
        r.r3 = finished;
    }
}
