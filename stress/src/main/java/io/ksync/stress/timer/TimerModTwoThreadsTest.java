package io.ksync.stress.timer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.timer.Timer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@code mod_timer} is the one safe way for two unsynchronised users to arm a timer: both actors call
 * {@link Timer#mod} on the same idle timer (each from its own thread, so often on different bases, which moves
 * the idle timer between them). Exactly one of them must find it idle and the other pending, and afterwards
 * exactly one instance is queued: the arbiter's first {@code delete()} finds it, the second finds nothing.
 * r1, r2: each actor's mod() result (1 = was pending); r3, r4: the arbiter's two delete() results.
 */
@JCStressTest
@Outcome(id = {"0, 1, 1, 0", "1, 0, 1, 0"}, expect = ACCEPTABLE, desc = "one armed it, the other moved it; one instance")
@Outcome(id = "0, 0, 1, 0", expect = FORBIDDEN, desc = "both found it idle: armed twice")
@Outcome(id = "1, 1, 1, 0", expect = FORBIDDEN, desc = "both found it pending: nobody armed it")
@Outcome(expect = FORBIDDEN, desc = "not exactly one pending instance afterwards")
@State
public class TimerModTwoThreadsTest {
    private final Timer timer = new Timer(SharedTimerService.TIMERS, t -> { });
    private final long expires1 = SharedTimerService.farExpiry();
    private final long expires2 = expires1 + 1_000_000_000L;

    @Actor
    public void user1(IIII_Result r) {
        r.r1 = timer.mod(expires1) ? 1 : 0;
    }

    @Actor
    public void user2(IIII_Result r) {
        r.r2 = timer.mod(expires2) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r3 = timer.delete() ? 1 : 0;
        r.r4 = timer.delete() ? 1 : 0;
    }
}
