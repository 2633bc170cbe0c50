/**
 * ksync workqueue: deferred work for the JVM (the kernel's {@code kernel/softirq.c} and
 * {@code kernel/workqueue.c}).
 *
 * <p>Softirq vectors, tasklets, concurrency-managed workqueues, delayed work and kthreads. See
 * {@code io.ksync.softirq} and {@code io.ksync.workqueue} for what is there and what is still to come.
 */
module io.ksync.workqueue {
    requires transitive io.ksync.core;

    requires jdk.jfr;

    exports io.ksync.softirq;
    exports io.ksync.workqueue;
}
