/**
 * JMH benchmarks for {@code io.ksync.fifo}: single-producer, single-consumer transfer through the kfifo ring
 * buffers against JCTools' {@code SpscArrayQueue}, {@code ArrayBlockingQueue} and Agrona's
 * {@code OneToOneRingBuffer}.
 */
package io.ksync.bench.fifo;
