/**
 * JMH benchmarks for {@code io.ksync.percpu}: the per-CPU counter against {@code LongAdder} and
 * {@code AtomicLong}, and the per-CPU reader-writer semaphore's read side against {@code ReentrantReadWriteLock}'s
 * and {@code StampedLock}'s.
 */
package io.ksync.bench.percpu;
