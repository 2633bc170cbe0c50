/**
 * Concurrency-managed workqueues and kernel threads (the kernel's {@code include/linux/workqueue.h},
 * {@code kernel/workqueue.c}, {@code include/linux/kthread.h} and {@code kernel/kthread.c}).
 *
 * <ul>
 *   <li>{@link io.ksync.workqueue.Workqueue}: queues with the kernel's flags ({@code UNBOUND}, {@code HIGHPRI},
 *   {@code CPU_INTENSIVE}, {@code MEM_RECLAIM}, {@code ORDERED}), {@code maxActive}, flush, drain and destroy,
 *   the system queues, and an {@link java.util.concurrent.Executor} / {@link java.util.concurrent.ExecutorService}
 *   face.</li>
 *   <li>{@link io.ksync.workqueue.Work} and {@link io.ksync.workqueue.DelayedWork}: reusable, never reentrant
 *   work items with {@code cancel}, {@code cancelSync} and {@code flush}; delayed ones on core's timer wheel.</li>
 *   <li>{@link io.ksync.workqueue.WorkerPools}: the shared per-CPU and unbound worker pools, concurrency-managed
 *   through the blocking hooks of {@link io.ksync.wait.Blocking}, with on-demand workers, rescuers for
 *   {@code MEM_RECLAIM} queues, the watchdog, and {@link io.ksync.workqueue.WorkerPoolStats}.</li>
 *   <li>{@link io.ksync.workqueue.Kthread}: {@code kthread_create}, {@code kthread_run}, {@code kthread_stop},
 *   {@code kthread_park} and the rest of the kthread API, over a daemon thread.</li>
 * </ul>
 *
 * <p>JFR: {@code io.ksync.workqueue.Work} (each run, with its queueing latency) and
 * {@code io.ksync.workqueue.Lockup} (watchdog reports).
 *
 * <p>Orderings follow the vocabulary of {@code io.ksync.softirq}: the {@link java.lang.invoke.VarHandle} method
 * at the use site, with a comment saying what it pairs with; volatile fields where a Dekker pair needs
 * sequential consistency.
 */
package io.ksync.workqueue;
