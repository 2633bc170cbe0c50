package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.wait.WaitQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Busted control for {@code io.ksync.stress.wait.WaitQueueNoLostWakeUpTest}: a correct {@link WaitQueue} used
 * the wrong way round, the classic {@code sleep_on} race: the waiter checks its condition ({@code flag}, r1)
 * BEFORE {@code prepareToWait} queues its entry. A waker that stores the flag and calls {@code wakeUp()} between
 * the check and the queueing finds nobody to wake, and the waiter, having seen the flag clear, would sleep
 * forever. No memory reordering is needed, only that interleaving, so it shows on any machine. Same shape and
 * outcomes as {@code WaitQueueNoLostWakeUpTest.Shared} (r2 = whether a wake-up reached the entry); this test
 * must FAIL (lost wake-up observed).
 */
@JCStressTest
@Outcome(id = {"1, 1", "1, 0"}, expect = ACCEPTABLE, desc = "the waiter saw the flag (the race was not hit this time)")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the waiter missed the flag, but the wake-up reached its entry")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: the wake-up came between the check and prepareToWait")
@State
public class CheckThenPrepareLostWakeUpTest {
    private final WaitQueue queue = new WaitQueue();
    private final WaitQueue.Entry entry = new WaitQueue.Entry();
    private int flag;

    @Actor
    public void waker() {
        flag = 1;
        queue.wakeUp();
    }

    @Actor
    public void waiter(II_Result r) {
        r.r1 = flag; // BROKEN: the condition is checked before the entry is queued
        queue.prepareToWait(entry);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = entry.isWoken() ? 1 : 0;
        queue.finishWait(entry);
    }
}
