/**
 * Per-CPU data: the kernel's {@code include/linux/percpu.h}, {@code include/linux/smp.h},
 * {@code include/linux/percpu_counter.h} and {@code include/linux/percpu-rwsem.h}.
 *
 * <ul>
 *   <li>{@link io.ksync.percpu.Cpus}: the CPU model every per-CPU structure in ksync indexes by: the number of
 *   CPU slots, and the slot of the calling thread now ({@code sched_getcpu()} where the JDK can call it, a
 *   stable per-thread hash elsewhere). As in the kernel, the index may be stale the moment it is read; code
 *   must be correct with any index and only faster with the right one.</li>
 *   <li>{@link io.ksync.percpu.PerCpu}: one value per CPU slot ({@code DEFINE_PER_CPU}, {@code this_cpu_ptr},
 *   {@code per_cpu_ptr}).</li>
 *   <li>{@link io.ksync.percpu.PerCpuCounter}: {@code percpu_counter}, a counter whose adds touch the caller's
 *   own cache line, with an approximate O(1) read, an exact sum and a compare that uses whichever suffices.</li>
 *   <li>{@link io.ksync.percpu.PerCpuRwSemaphore}: {@code percpu_rw_semaphore}, the big-reader lock: readers
 *   write only their own CPU's counter, writers pay for all CPUs.</li>
 * </ul>
 *
 * <p>Access modes, one vocabulary for the package: the {@code VarHandle} method names at the use site
 * ({@code getAndAdd}, {@code getVolatile}, {@code getOpaque}, {@code setRelease}). The kernel's
 * {@code this_cpu_add} becomes a volatile {@code getAndAdd} on the slot (two threads may share a slot on the
 * JVM; preemption cannot be disabled), its {@code smp_mb()} the volatile semantics of that atomic, and its
 * {@code READ_ONCE} of a counter an opaque load.
 */
package io.ksync.percpu;
