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
 * {@code this_cpu_add} becomes, in {@link io.ksync.percpu.PerCpuCounter}, a plain load and a {@code setRelease}
 * on a cell that only the calling thread writes (the cell belongs to that thread, as a CPU's counter belongs to
 * the CPU while preemption is off), and a volatile {@code getAndAdd} on a shared per-CPU slot for threads that
 * own no cell and in {@link io.ksync.percpu.PerCpuRwSemaphore} (whose readers need the atomic's full fence); the
 * kernel's {@code smp_mb()} is the volatile semantics of that atomic, and its {@code READ_ONCE} of a counter an
 * opaque load.
 */
package io.ksync.percpu;
