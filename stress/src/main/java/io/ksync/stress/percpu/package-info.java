/**
 * jcstress tests for {@code io.ksync.percpu}: a per-CPU counter loses no add, whichever slots its adders share
 * and however often they fold into the shared count, and its cheap read stays within the documented bound of
 * the exact sum ({@code PerCpuCounterSumTest}, {@code lib/percpu_counter.c}); the per-CPU reader-writer semaphore
 * keeps readers and writers apart and publishes each side's writes to the other
 * ({@code PerCpuRwSemaphoreReaderWriterTest}, {@code PerCpuRwSemaphoreWriterMutexTest},
 * {@code kernel/locking/percpu-rwsem.c}). Their busted controls in {@code io.ksync.stress.busted}:
 * {@code GetThenSetPerCpuCounterSumTest} (a slot add that is not atomic) and
 * {@code CheckThenIncrementReaderWriterTest} (a reader that checks the writer's flag before it counts itself in).
 */
package io.ksync.stress.percpu;
