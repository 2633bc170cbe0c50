package io.ksync.stress.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.workqueue.Work;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@code queue_work} against {@code cancel_work_sync} on an idle {@link Work}: one actor queues it, the other
 * cancels it, while a worker may be taking the instance off its list or running it. Either the canceller takes the
 * pending instance (it never runs), or the instance runs once (before or during the cancel, or queued after it
 * returned), or the queueing lands while the canceller holds the pending bit and fails (the kernel's
 * {@code WORK_STRUCT_CANCELING}: queueings during the call fail). After quiescence (the arbiter's
 * {@code flush()}) the runs agree with the two results.
 * r1: queue()'s result; r2: cancelSync()'s result (1 = took a pending instance); r3: runs.
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "queued, then cancelSync took the pending instance: no run")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE,
        desc = "one run: before or during cancelSync, or queued after it returned")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "queued while cancelSync held the pending bit: refused, no run")
@Outcome(id = "1, 1, 1", expect = FORBIDDEN, desc = "cancelSync took the pending instance, and it ran anyway")
@Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "queued, not cancelled, never ran: a lost run")
@Outcome(expect = FORBIDDEN, desc = "a queueing that failed on an idle work, a cancel of nothing, or an extra run")
@State
public class WorkQueueVsCancelSyncTest {
    private final Work work = new Work(this::function);
    private int runs;

    private void function() {
        for (int i = 0; i < 50; i++) {
            Thread.onSpinWait(); // a run that takes a little time: a window for the canceller to land in
        }
        runs++;
    }

    @Actor
    public void queuer(III_Result r) {
        r.r1 = SharedWorkqueue.QUEUE.queue(work) ? 1 : 0;
    }

    @Actor
    public void canceller(III_Result r) {
        r.r2 = work.cancelSync() ? 1 : 0;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        work.flush();
        r.r3 = runs;
    }
}
