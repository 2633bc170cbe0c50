package io.ksync.stress.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.workqueue.Work;
import io.ksync.workqueue.Workqueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@code queue_work} against {@code destroy_workqueue}: one actor queues a work on a fresh queue, the other
 * destroys the queue. A queueing that began before the destroy may still be linking when the destroy's drain
 * finds the queue idle; it must then be refused, not linked onto the destroyed queue to run after destroy()
 * returned (or never, once the pools close). Either the work ran before destroy() returned, or the queueing threw.
 * r1: 1 queued, 0 found it pending (impossible here), 2 refused with IllegalStateException; r2: runs seen when
 * destroy() returned; r3: the work busy (pending or running) at the end.
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "queued in time: destroy() ran it before it returned")
@Outcome(id = "2, 0, 0", expect = ACCEPTABLE, desc = "the destroy came first: the queueing was refused")
@Outcome(id = {"1, 0, 0", "1, 0, 1"}, expect = FORBIDDEN,
        desc = "queued, yet destroy() returned without running it: it landed on the destroyed queue")
@Outcome(expect = FORBIDDEN, desc = "refused but left pending, run twice, or run although refused")
@State
public class WorkQueueVsDestroyTest {
    private final Workqueue wq = Workqueue.builder("jcstress-destroy").pools(SharedWorkqueue.POOLS).build();
    private final AtomicInteger runs = new AtomicInteger();
    private final Work work = new Work(runs::incrementAndGet);

    @Actor
    public void queuer(III_Result r) {
        try {
            r.r1 = wq.queue(work) ? 1 : 0;
        } catch (IllegalStateException refused) {
            r.r1 = 2;
        }
    }

    @Actor
    public void destroyer(III_Result r) {
        wq.destroy();
        r.r2 = runs.get();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r3 = work.isBusy() ? 1 : 0;
    }
}
