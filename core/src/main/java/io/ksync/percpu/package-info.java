/**
 * Per-CPU data: the kernel's {@code include/linux/percpu.h}, {@code include/linux/smp.h}.
 *
 * <p>{@link io.ksync.percpu.Cpus} is the CPU model every per-CPU structure in ksync indexes by: the number of
 * CPU slots, and the slot of the calling thread now ({@code sched_getcpu()} where the JDK can call it, a
 * stable per-thread hash elsewhere). As in the kernel, the index may be stale the moment it is read; code must
 * be correct with any index and only faster with the right one.
 */
package io.ksync.percpu;
