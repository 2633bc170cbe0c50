/**
 * JMH benchmarks for {@code io.ksync.lock}: spinlocks against {@code ReentrantLock} and {@code synchronized}
 * (uncontended, two threads, oversubscribed), and the seqlock against {@code StampedLock} optimistic reads and
 * {@code ReentrantReadWriteLock}.
 */
package io.ksync.bench.lock;
