package io.ksync.bench.percpu;

import io.ksync.percpu.PerCpuCounter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A counter that every thread increments: ksync's {@link PerCpuCounter} ({@code percpu_counter_add}) against
 * {@link LongAdder} and {@link AtomicLong}, in the same run, and the cost of reading each.
 *
 * <p>What to read from it: the {@code *Add} scores at 1, 2 and 4 threads (run with {@code -t}); the total
 * throughput of all threads. {@code AtomicLong} bounces one cache line between the cores; {@code LongAdder} and
 * the per-CPU counter give each thread its own line, and the per-CPU counter also folds into its shared count
 * once every {@code batch} adds per slot. The per-CPU counter should match {@code LongAdder} at 2 and 4 threads
 * (issue 4). The {@code *Read} scores are one thread reading a counter that several threads have updated:
 * {@code percpuRead} is the approximate {@code percpu_counter_read} (one load), {@code percpuSum} the exact
 * {@code percpu_counter_sum}, {@code longAdderSum} the only read {@code LongAdder} has.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class PerCpuCounterBenchmark {

    /** One counter of each kind, shared by all threads of a run. */
    @State(Scope.Benchmark)
    public static class Counters {
        /** The per-CPU counter's batch; 0 for {@link PerCpuCounter#defaultBatch()}. */
        @Param({"0"})
        public int batch;

        PerCpuCounter perCpu;
        final LongAdder adder = new LongAdder();
        final AtomicLong atomic = new AtomicLong();

        @Setup(Level.Trial)
        public void setUp() throws InterruptedException {
            perCpu = new PerCpuCounter(0L, batch == 0 ? PerCpuCounter.defaultBatch() : batch);
            // Several threads update each counter first, so the reads below see populated cells, as they would
            // in a program (a LongAdder that was never contended has no cells and reads one field).
            final Thread[] writers = new Thread[4];
            for (int t = 0; t < writers.length; t++) {
                writers[t] = new Thread(() -> {
                    for (int i = 0; i < 200_000; i++) {
                        perCpu.add(i & 7);
                        adder.add(i & 7);
                        atomic.addAndGet(i & 7);
                    }
                });
                writers[t].start();
            }
            for (Thread writer : writers) {
                writer.join();
            }
        }
    }

    @Benchmark
    public void percpuAdd(Counters c) {
        c.perCpu.increment();
    }

    @Benchmark
    public void longAdderAdd(Counters c) {
        c.adder.increment();
    }

    @Benchmark
    public void atomicLongAdd(Counters c) {
        c.atomic.incrementAndGet();
    }

    @Benchmark
    public long percpuRead(Counters c) {
        return c.perCpu.read();
    }

    @Benchmark
    public long percpuSum(Counters c) {
        return c.perCpu.sum();
    }

    @Benchmark
    public long longAdderSum(Counters c) {
        return c.adder.sum();
    }

    @Benchmark
    public long atomicLongGet(Counters c) {
        return c.atomic.get();
    }
}
