/**
 * JMH benchmarks for {@code io.ksync.lock}: spinlocks against {@code ReentrantLock} and {@code synchronized}
 * (uncontended, two threads, oversubscribed), the seqlock against {@code StampedLock} optimistic reads and
 * {@code ReentrantReadWriteLock}, the mutex against {@code ReentrantLock} (non-fair and fair) and
 * {@code synchronized} (uncontended, two and four threads), and the rw-semaphore against
 * {@code ReentrantReadWriteLock} (read-mostly mixes, uncontended reads).
 */
package io.ksync.bench.lock;
