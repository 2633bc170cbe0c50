package io.ksync.workqueue;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR event: one work item's run, with its latency (queued to started) and, as the event's duration, how long
 * it ran. Disabled by default costs a flag check per queueing and per run.
 */
@Name("io.ksync.workqueue.Work")
@Label("Work Item")
@Category({"ksync", "Workqueue"})
@Description("A work item run by a workqueue worker: queueing latency and run time")
@StackTrace(false)
final class WorkEvent extends Event {

    private static final EventType TYPE = EventType.getEventType(WorkEvent.class);

    @Label("Workqueue")
    String workqueue;

    @Label("Work")
    @Description("The class of the work's function")
    String work;

    @Label("Pool")
    String pool;

    @Label("Latency")
    @Description("From the queueing to the start of the run")
    @Timespan(Timespan.NANOSECONDS)
    long latency;

    /** Whether a recording wants the event (then queueing records its time). */
    static boolean isTypeEnabled() {
        return TYPE.isEnabled();
    }
}
