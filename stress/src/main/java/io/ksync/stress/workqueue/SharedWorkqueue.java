package io.ksync.stress.workqueue;

import io.ksync.workqueue.WorkerPools;
import io.ksync.workqueue.Workqueue;

/**
 * One set of worker pools and one bound queue for every jcstress state in the JVM: pools cost threads, so a state
 * holds only its {@link io.ksync.workqueue.Work}. Two CPUs, so an actor's queueing and the running instance are
 * often on different pools (the handoff path that keeps a work non-reentrant across pools).
 */
public final class SharedWorkqueue {

    /** The pools; never closed (their threads are daemons). */
    public static final WorkerPools POOLS = WorkerPools.builder().cpus(2).name("jcstress").build();

    /** A bound queue on {@link #POOLS}, with the default {@code maxActive}. */
    public static final Workqueue QUEUE = Workqueue.builder("jcstress").pools(POOLS).build();

    private SharedWorkqueue() {
    }
}
