package io.ksync.stress.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.workqueue.Work;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * {@code cancel_work_sync} against the work's pending or running instance: each state queues a {@link Work}
 * whose function marks that it started, works a little, notes whether the canceller's flag is already up, and
 * writes a plain field as its last act. The actor calls {@link Work#cancelSync()} whenever jcstress runs it, before,
 * during or after the run, then checks {@link Work#isBusy()}, raises its flag, and reads the marks. On return the
 * work is neither pending nor running, and nothing queued before the call runs afterwards: if the function
 * started, its last write is visible, and it never sees the flag. The arbiter flushes first, so that a run wrongly
 * left pending shows in r5.
 * r1: cancelSync()'s result (1 = took a pending instance); r2: busy after it; r3: started; r4: finished; r5: a run
 * saw the flag (ran after cancelSync() returned).
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 0, 0", expect = ACCEPTABLE, desc = "took the pending instance: it never ran")
@Outcome(id = "0, 0, 1, 1, 0", expect = ACCEPTABLE, desc = "it ran (or was running) and had finished")
@Outcome(id = {"0, 0, 1, 0, 0", "1, 0, 1, 0, 0"}, expect = FORBIDDEN,
        desc = "cancelSync returned while the function ran")
@Outcome(id = "1, 0, 1, 1, 0", expect = FORBIDDEN, desc = "cancelSync took the pending instance, and it ran anyway")
@Outcome(id = "0, 0, 0, 0, 0", expect = FORBIDDEN, desc = "cancelSync took nothing, and the instance never ran")
@Outcome(expect = FORBIDDEN, desc = "busy after cancelSync(), a run after it returned, or impossible")
@State
public class WorkCancelSyncTest {
    private final Work work = new Work(this::function);
    private volatile int started;
    private int finished;
    private volatile int cancelled;
    private volatile int ranAfterCancel;

    public WorkCancelSyncTest() {
        if (!SharedWorkqueue.QUEUE.queue(work)) {
            throw new AssertionError("queueing an idle work returned false");
        }
    }

    private void function() {
        started = 1;
        for (int i = 0; i < 100; i++) {
            Thread.onSpinWait(); // a run that takes a little time: a window for the canceller to land in
        }
        if (cancelled != 0) {
            ranAfterCancel = 1;
        }
        finished = 1;
    }

    @Actor
    public void canceller(IIIII_Result r) {
        r.r1 = work.cancelSync() ? 1 : 0;
        r.r2 = work.isBusy() ? 1 : 0;
        cancelled = 1;
        r.r3 = started;
        r.r4 = finished;
    }

    @Arbiter
    public void arbiter(IIIII_Result r) {
        work.flush();
        r.r5 = ranAfterCancel;
    }
}
