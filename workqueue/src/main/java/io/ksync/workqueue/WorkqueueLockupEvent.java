package io.ksync.workqueue;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** JFR event: the watchdog found a pool with pending work and no progress (the kernel's "workqueue lockup"). */
@Name("io.ksync.workqueue.Lockup")
@Label("Workqueue Lockup")
@Category({"ksync", "Workqueue"})
@Description("A worker pool had pending work and started nothing for longer than the watchdog threshold")
@StackTrace(false)
final class WorkqueueLockupEvent extends Event {

    @Label("Pool")
    String pool;

    @Label("Stalled For")
    @Timespan(Timespan.NANOSECONDS)
    long stalled;

    @Label("Pending")
    int pending;

    @Label("Stuck Work")
    @Description("The work items the pool's busy workers were running, with the first worker's stack")
    String stuck;
}
