package io.ksync.workqueue;

/**
 * A snapshot of one worker pool's counters (what {@code tools/workqueue/wq_monitor.py} and
 * {@code /sys/kernel/debug/workqueue} show), from {@link WorkerPools#stats()}.
 *
 * @param pool           the pool's name: the CPU for a bound pool, {@code u} for an unbound one, {@code H} for
 *                       high priority (as in the kernel's {@code kworker/0:1H}, {@code kworker/u4:2})
 * @param cpu            the CPU of a bound pool, -1 for an unbound one
 * @param highPriority   whether it is a high-priority pool
 * @param workers        worker threads alive
 * @param idle           workers idle
 * @param busy           workers running a work item now
 * @param running        workers counted for concurrency management (busy and not asleep in ksync, not
 *                       CPU-intensive, not released by the watchdog); for an unbound pool, {@code busy}
 * @param pending        works waiting on the worklist (active, not yet started)
 * @param maxConcurrency the most workers seen running work items at once
 * @param executed       work items started so far
 * @param lockups        watchdog reports so far
 */
public record WorkerPoolStats(String pool, int cpu, boolean highPriority, int workers, int idle, int busy,
                              int running, int pending, int maxConcurrency, long executed, long lockups) {
}
