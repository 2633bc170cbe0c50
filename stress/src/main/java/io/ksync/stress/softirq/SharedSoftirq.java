package io.ksync.stress.softirq;

import io.ksync.softirq.Softirq;

/**
 * One softirq instance for every jcstress state in the JVM: a state holds only its
 * {@link io.ksync.softirq.Tasklet}. Two CPUs, so two actors often schedule on different ksoftirqd threads, and a
 * tasklet scheduled while it runs on one is taken by the other (the deferral that keeps it serialised).
 */
public final class SharedSoftirq {

    /** The instance; never closed (its threads are daemons). */
    public static final Softirq SOFTIRQ = Softirq.builder().cpus(2).name("jcstress").build();

    private SharedSoftirq() {
    }
}
