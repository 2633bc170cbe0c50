package io.ksync.stress.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.workqueue.Work;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * The pending bit and the run ({@code queue_work} on a work that may be pending or running): each state queues a
 * {@link Work} once; then each actor writes its own plain field and queues the same work again, while the first
 * instance is pending, running or done. The kernel's rule: a queueing that returns true makes one new run; one that
 * returns false found an instance pending that has not started, and that instance starts after the call and sees
 * what the caller wrote before it (the lost-run bug fixed by kernel commit 346c09f80459, "workqueue: fix ghost
 * PENDING flag while doing MQ IO"). So after quiescence (the arbiter's {@code flush()}) the work ran exactly once
 * more than the queueings that returned true, never on two threads at once, and its last run, which started after
 * both calls, saw both writes. The function reads the fields first thing, where a write left behind by a failed
 * queueing is most likely to show.
 * r1, r2: each actor's queue() result; r3: runs; r4: the writes the last run saw (1: A's, 2: B's, 3: both);
 * r5: 1 if two runs overlapped.
 */
@JCStressTest
@Outcome(id = "0, 0, 1, 3, 0", expect = ACCEPTABLE,
        desc = "both found the first instance pending: it ran once for all three queueings, after both writes")
@Outcome(id = {"1, 0, 2, 3, 0", "0, 1, 2, 3, 0"}, expect = ACCEPTABLE,
        desc = "one found it pending, the other queued it again once a run had started: two runs")
@Outcome(id = "1, 1, 3, 3, 0", expect = ACCEPTABLE,
        desc = "each queued it again once the run before had started: three runs")
@Outcome(id = {"0, 0, 1, 0, 0", "0, 0, 1, 1, 0", "0, 0, 1, 2, 0", "1, 0, 2, 1, 0", "0, 1, 2, 2, 0"},
        expect = FORBIDDEN,
        desc = "the last run missed only writes made before a queue() that returned false: lost by a coalesced call")
@Outcome(id = {"1, 0, 2, 0, 0", "1, 0, 2, 2, 0", "0, 1, 2, 0, 0", "0, 1, 2, 1, 0",
        "1, 1, 3, 0, 0", "1, 1, 3, 1, 0", "1, 1, 3, 2, 0"}, expect = FORBIDDEN,
        desc = "the last run missed a write made before a queue() that returned true")
@Outcome(expect = FORBIDDEN,
        desc = "a run lost or added (runs != 1 + the queue() calls that returned true), or two runs at once")
@State
public class WorkQueueNoLostRunTest {
    private final Work work = new Work(this::function);
    private final AtomicInteger inside = new AtomicInteger();
    private int writeA;
    private int writeB;
    private int runs;
    private int seen;
    private volatile int overlapped;

    public WorkQueueNoLostRunTest() {
        if (!SharedWorkqueue.QUEUE.queue(work)) {
            throw new AssertionError("queueing an idle work returned false");
        }
    }

    private void function() {
        if (inside.getAndIncrement() != 0) {
            overlapped = 1;
        }
        seen = writeA | writeB;
        for (int i = 0; i < 50; i++) {
            Thread.onSpinWait(); // a run that takes a little time: a window for a queueing to land in
        }
        runs++;
        inside.getAndDecrement();
    }

    @Actor
    public void queuerA(IIIII_Result r) {
        writeA = 1;
        r.r1 = SharedWorkqueue.QUEUE.queue(work) ? 1 : 0;
    }

    @Actor
    public void queuerB(IIIII_Result r) {
        writeB = 2;
        r.r2 = SharedWorkqueue.QUEUE.queue(work) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(IIIII_Result r) {
        work.flush(); // both queueings returned: waits for the last instance; its run happens-before the return
        r.r3 = runs;
        r.r4 = seen;
        r.r5 = overlapped;
    }
}
