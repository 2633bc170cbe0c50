package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.stress.timer.SharedTimerService;
import io.ksync.timer.Timer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Busted control for {@code io.ksync.stress.timer.TimerModTwoThreadsTest}: each user arms the timer the way
 * seed 004 says not to, "if pending, modify it, else add it", instead of one atomic {@code mod_timer}. When both
 * find it idle, the second {@code add()} throws (the kernel would BUG). Must fail.
 * r1, r2: 1 = found it pending, 0 = added it, -1 = its add() threw; r3, r4: the arbiter's two delete() results.
 */
@JCStressTest
@Outcome(id = {"0, 1, 1, 0", "1, 0, 1, 0"}, expect = ACCEPTABLE, desc = "one added it, the other moved it")
@Outcome(expect = FORBIDDEN, desc = "both found it idle: the second add() hit a pending timer")
@State
public class CheckThenAddTimerTest {
    private final Timer timer = new Timer(SharedTimerService.TIMERS, t -> { });
    private final long expires1 = SharedTimerService.farExpiry();
    private final long expires2 = expires1 + 1_000_000_000L;

    private int arm(long expires) {
        if (timer.isPending()) {
            timer.mod(expires);
            return 1;
        }
        try {
            timer.add(expires);
            return 0;
        } catch (IllegalStateException alreadyPending) {
            return -1;
        }
    }

    @Actor
    public void user1(IIII_Result r) {
        r.r1 = arm(expires1);
    }

    @Actor
    public void user2(IIII_Result r) {
        r.r2 = arm(expires2);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r3 = timer.delete() ? 1 : 0;
        r.r4 = timer.delete() ? 1 : 0;
    }
}
