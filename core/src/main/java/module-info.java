/**
 * ksync core: the Linux kernel's locking and synchronisation primitives for the JVM.
 *
 * <ul>
 *   <li>{@link io.ksync.lock}: spinning locks (ticket, queued, reader-writer) and sequence locks;</li>
 *   <li>{@link io.ksync.atomic}: refcounts, krefs, atomic bitmaps, barriers and wrap-safe tick arithmetic;</li>
 *   <li>{@link io.ksync.percpu}: the CPU model that everything "per-CPU" indexes by.</li>
 * </ul>
 * Internals shared by these families live in {@code io.ksync.internal}, which is not exported.
 */
module io.ksync.core {
    exports io.ksync.atomic;
    exports io.ksync.lock;
    exports io.ksync.percpu;
}
