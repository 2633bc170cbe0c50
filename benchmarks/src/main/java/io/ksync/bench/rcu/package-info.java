/**
 * JMH benchmarks for {@code io.ksync.rcu}: read sides of every flavour against {@code ReentrantReadWriteLock} and
 * {@code StampedLock} with a writer running, {@code RcuHashMap.get} against {@code ConcurrentHashMap.get} and a
 * {@code HashMap} under a read-write lock, and the writer side (grace periods, callbacks).
 */
package io.ksync.bench.rcu;
