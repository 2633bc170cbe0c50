package io.ksync.stress.softirq;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.softirq.Tasklet;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * {@code tasklet_schedule} on a tasklet that may be scheduled or running: each state schedules a {@link Tasklet}
 * once; then each actor writes its own plain field and schedules it again, while the first schedule is waiting,
 * running (on either ksoftirqd thread) or done. The rules: a schedule that returns true makes one new run; one that
 * returns false found the tasklet scheduled and not yet started, and that run starts after the call and sees what
 * the caller wrote before it; the tasklet never runs on two threads at once. So after quiescence (the arbiter's
 * {@code kill()}, which waits until it is neither scheduled nor running) it ran exactly once more than the
 * schedules that returned true, and its last run, which started after both calls, saw both writes. The callback
 * reads the fields first thing, where a write left behind by a failed schedule is most likely to show.
 * r1, r2: each actor's schedule() result; r3: runs; r4: the writes the last run saw (1: A's, 2: B's, 3: both);
 * r5: 1 if two runs overlapped.
 */
@JCStressTest
@Outcome(id = "0, 0, 1, 3, 0", expect = ACCEPTABLE,
        desc = "both found the first schedule waiting: it ran once for all three, after both writes")
@Outcome(id = {"1, 0, 2, 3, 0", "0, 1, 2, 3, 0"}, expect = ACCEPTABLE,
        desc = "one found it waiting, the other scheduled it again once a run had started: two runs")
@Outcome(id = "1, 1, 3, 3, 0", expect = ACCEPTABLE,
        desc = "each scheduled it again once the run before had started: three runs")
@Outcome(id = {"0, 0, 1, 0, 0", "0, 0, 1, 1, 0", "0, 0, 1, 2, 0", "1, 0, 2, 1, 0", "0, 1, 2, 2, 0"},
        expect = FORBIDDEN,
        desc = "the last run missed only writes made before a schedule() that returned false: lost by a coalesced call")
@Outcome(id = {"1, 0, 2, 0, 0", "1, 0, 2, 2, 0", "0, 1, 2, 0, 0", "0, 1, 2, 1, 0",
        "1, 1, 3, 0, 0", "1, 1, 3, 1, 0", "1, 1, 3, 2, 0"}, expect = FORBIDDEN,
        desc = "the last run missed a write made before a schedule() that returned true")
@Outcome(expect = FORBIDDEN,
        desc = "a run lost or added (runs != 1 + the schedule() calls that returned true), or two runs at once")
@State
public class TaskletScheduleNoLostRunTest {
    private final Tasklet tasklet = new Tasklet(SharedSoftirq.SOFTIRQ, this::callback);
    private final AtomicInteger inside = new AtomicInteger();
    private int writeA;
    private int writeB;
    private int runs;
    private int seen;
    private volatile int overlapped;

    public TaskletScheduleNoLostRunTest() {
        if (!tasklet.schedule()) {
            throw new AssertionError("scheduling an idle tasklet returned false");
        }
    }

    private void callback() {
        if (inside.getAndIncrement() != 0) {
            overlapped = 1;
        }
        seen = writeA | writeB;
        for (int i = 0; i < 50; i++) {
            Thread.onSpinWait(); // a run that takes a little time: a window for a schedule to land in
        }
        runs++;
        inside.getAndDecrement();
    }

    @Actor
    public void schedulerA(IIIII_Result r) {
        writeA = 1;
        r.r1 = tasklet.schedule() ? 1 : 0;
    }

    @Actor
    public void schedulerB(IIIII_Result r) {
        writeB = 2;
        r.r2 = tasklet.schedule() ? 1 : 0;
    }

    @Arbiter
    public void arbiter(IIIII_Result r) {
        tasklet.kill(); // both schedules returned: waits for every run; the runs happen-before the return
        r.r3 = runs;
        r.r4 = seen;
        r.r5 = overlapped;
    }
}
