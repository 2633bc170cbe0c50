/**
 * JMH benchmarks for {@code io.ksync.wait}: the completion's signal-to-wake latency (a ping-pong between two
 * threads) against {@code CountDownLatch}.
 */
package io.ksync.bench.wait;
