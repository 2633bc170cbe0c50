package io.ksync.bench.fifo;

import io.ksync.fifo.Kfifo;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * Single-producer, single-consumer throughput of element queues: ksync's {@link Kfifo} ({@code kfifo_put} /
 * {@code kfifo_get}, and {@code kfifo_in} / {@code kfifo_out} of 32 at a time) against JCTools'
 * {@link SpscArrayQueue} ({@code offer}/{@code poll}, and {@code fill}/{@code drain} of 32) and
 * {@link ArrayBlockingQueue} ({@code offer}/{@code poll}), in the same run, each with 1024 slots.
 *
 * <p>What to read from it: the consumer's score ({@code ...Get}, {@code ...Poll}, {@code ...Out},
 * {@code ...Drain}), in elements per microsecond: every call returns one element, or 32 for the batched ones
 * (counted as 32 operations). Each group is one producer thread and one consumer thread that spin (no back-off)
 * while the queue is full or empty, so on two cores each has its own; JMH's {@link Control} stops the spinning at
 * the end of an iteration. Issue 4 asks single-element {@code Kfifo} to match {@code SpscArrayQueue} and batched
 * {@code Kfifo} to move at least twice as many elements as single-element {@code SpscArrayQueue}.
 *
 * <p>{@code kfifoBatchAlone}, {@code kfifoAlone} and {@code spscAlone} run both sides on one thread: the CPU cost
 * of moving an element with no cache line moving between cores. A two-thread score can at most double the
 * one-thread score (two cores splitting the same work), so {@code 2 * kfifoBatchAlone} is a ceiling for
 * {@code kfifoOut}, whatever the fifo does about cache lines.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class KfifoBenchmark {

    /** Elements per batched call. */
    static final int BATCH = 32;

    /** What every queue carries: one boxed constant, so the benchmark measures no allocation. */
    static final Integer ELEMENT = 42;

    /** One queue of each kind per group (a producer and a consumer) and the batch arrays. */
    @State(Scope.Group)
    public static class Queues {
        /** Slots of each queue. */
        @Param({"1024"})
        public int capacity;

        Kfifo<Integer> kfifo;
        SpscArrayQueue<Integer> spsc;
        ArrayBlockingQueue<Integer> blocking;
        final Integer[] toSend = new Integer[BATCH];
        /**
         * Allocated between the two batch arrays, so that the producer's reads of one and the consumer's writes
         * into the other share no cache line (without it, the batched scores measured that false sharing: 3x
         * lower).
         */
        final long[] gap = new long[32];
        final Integer[] received = new Integer[BATCH];
        final MessagePassingQueue.Supplier<Integer> supplier = () -> ELEMENT;
        /**
         * The JCTools drain consumer stores into {@code received}, the consumer's own array (a store, so it is not
         * dead code), and not into a field of this object, whose line the producer reads.
         */
        final MessagePassingQueue.Consumer<Integer> consumer = e -> received[0] = e;

        @Setup
        public void setUp() {
            kfifo = new Kfifo<>(capacity);
            spsc = new SpscArrayQueue<>(capacity);
            blocking = new ArrayBlockingQueue<>(capacity);
            Arrays.fill(toSend, ELEMENT);
        }
    }

    // ---- single elements ----

    @Benchmark
    @Group("kfifo")
    @GroupThreads(1)
    public void kfifoPut(Queues q, Control control) {
        while (!q.kfifo.put(ELEMENT) && !control.stopMeasurement) {
            // full: spin
        }
    }

    @Benchmark
    @Group("kfifo")
    @GroupThreads(1)
    public Integer kfifoGet(Queues q, Control control) {
        Integer e;
        while ((e = q.kfifo.get()) == null && !control.stopMeasurement) {
            // empty: spin
        }
        return e;
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public void spscOffer(Queues q, Control control) {
        while (!q.spsc.offer(ELEMENT) && !control.stopMeasurement) {
            // full: spin
        }
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public Integer spscPoll(Queues q, Control control) {
        Integer e;
        while ((e = q.spsc.poll()) == null && !control.stopMeasurement) {
            // empty: spin
        }
        return e;
    }

    @Benchmark
    @Group("blocking")
    @GroupThreads(1)
    public void blockingOffer(Queues q, Control control) {
        while (!q.blocking.offer(ELEMENT) && !control.stopMeasurement) {
            // full: spin
        }
    }

    @Benchmark
    @Group("blocking")
    @GroupThreads(1)
    public Integer blockingPoll(Queues q, Control control) {
        Integer e;
        while ((e = q.blocking.poll()) == null && !control.stopMeasurement) {
            // empty: spin
        }
        return e;
    }

    // ---- one thread alone: the CPU cost of a transfer, with no cache line moving between cores ----

    /** A fifo of each kind for one thread, which is its producer and its consumer. */
    @State(Scope.Thread)
    public static class Alone {
        final Kfifo<Integer> kfifo = new Kfifo<>(1024);
        final SpscArrayQueue<Integer> spsc = new SpscArrayQueue<>(1024);
        final Integer[] toSend = new Integer[BATCH];
        final Integer[] received = new Integer[BATCH];

        @Setup
        public void setUp() {
            Arrays.fill(toSend, ELEMENT);
        }
    }

    /**
     * {@code kfifo_in} of 32 then {@code kfifo_out} of 32 on one thread: elements per microsecond when one core
     * does both sides' work and no line moves between cores. Two cores can at best split that work, so twice
     * this score bounds the two-thread batched score from above.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Integer kfifoBatchAlone(Alone a) {
        a.kfifo.in(a.toSend, 0, BATCH);
        a.kfifo.out(a.received, 0, BATCH);
        return a.received[BATCH - 1];
    }

    /** 32 {@code put}s then 32 {@code get}s of a {@link Kfifo} on one thread: the CPU cost of single-element calls. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Integer kfifoAlone(Alone a) {
        final Kfifo<Integer> fifo = a.kfifo;
        for (int i = 0; i < BATCH; i++) {
            fifo.put(ELEMENT);
        }
        Integer last = null;
        for (int i = 0; i < BATCH; i++) {
            last = fifo.get();
        }
        return last;
    }

    /** 32 {@code offer}s then 32 {@code poll}s of a {@link SpscArrayQueue} on one thread, for comparison. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Integer spscAlone(Alone a) {
        final SpscArrayQueue<Integer> queue = a.spsc;
        for (int i = 0; i < BATCH; i++) {
            queue.offer(ELEMENT);
        }
        Integer last = null;
        for (int i = 0; i < BATCH; i++) {
            last = queue.poll();
        }
        return last;
    }

    // ---- batches of 32 ----

    @Benchmark
    @Group("kfifoBatch")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public void kfifoIn(Queues q, Control control) {
        final Kfifo<Integer> fifo = q.kfifo;
        int moved = 0;
        while (moved < BATCH && !control.stopMeasurement) {
            moved += fifo.in(q.toSend, moved, BATCH - moved);
        }
    }

    @Benchmark
    @Group("kfifoBatch")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public Integer kfifoOut(Queues q, Control control) {
        final Kfifo<Integer> fifo = q.kfifo;
        int moved = 0;
        while (moved < BATCH && !control.stopMeasurement) {
            moved += fifo.out(q.received, moved, BATCH - moved);
        }
        return q.received[BATCH - 1];
    }

    @Benchmark
    @Group("spscBatch")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public void spscFill(Queues q, Control control) {
        final SpscArrayQueue<Integer> queue = q.spsc;
        int moved = 0;
        while (moved < BATCH && !control.stopMeasurement) {
            moved += queue.fill(q.supplier, BATCH - moved);
        }
    }

    @Benchmark
    @Group("spscBatch")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public Integer spscDrain(Queues q, Control control) {
        final SpscArrayQueue<Integer> queue = q.spsc;
        int moved = 0;
        while (moved < BATCH && !control.stopMeasurement) {
            moved += queue.drain(q.consumer, BATCH - moved);
        }
        return q.received[0];
    }
}
