/**
 * ksync core: the Linux kernel's locking and synchronisation primitives for the JVM.
 *
 * <ul>
 *   <li>{@link io.ksync.lock}: spinning locks (ticket, queued, reader-writer), sequence locks and sleeping
 *   locks (mutex, semaphore, rw-semaphore);</li>
 *   <li>{@link io.ksync.wait}: wait queues, keyed waits, completions and the blocking hooks;</li>
 *   <li>{@link io.ksync.atomic}: refcounts, krefs, atomic bitmaps, barriers and wrap-safe tick arithmetic;</li>
 *   <li>{@link io.ksync.percpu}: the CPU model that everything "per-CPU" indexes by, per-CPU values and
 *   counters, and the per-CPU reader-writer semaphore;</li>
 *   <li>{@link io.ksync.fifo}: kfifo ring buffers of elements, bytes and length-prefixed records;</li>
 *   <li>{@link io.ksync.timer}: hierarchical timer wheels, per-CPU timer bases and {@code timer_list} timers.</li>
 * </ul>
 * Internals shared by these families live in {@code io.ksync.internal}, which is not exported.
 */
module io.ksync.core {
    requires jdk.jfr; // the JFR events (timer expiry); in every JDK since 11

    exports io.ksync.atomic;
    exports io.ksync.fifo;
    exports io.ksync.lock;
    exports io.ksync.percpu;
    exports io.ksync.timer;
    exports io.ksync.wait;
}
