package io.ksync.bench.percpu;

import io.ksync.percpu.PerCpuRwSemaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read sections with no writer around: ksync's {@link PerCpuRwSemaphore} ({@code percpu_down_read} /
 * {@code percpu_up_read}) against the read locks of {@link ReentrantReadWriteLock} (non-fair) and
 * {@link StampedLock} ({@code readLock}/{@code unlockRead}: a real read lock, not an optimistic read), in the same
 * run.
 *
 * <p>What to read from it: the total throughput of all threads (run with {@code -t 1} and {@code -t 2}). With one
 * thread the scores are the cost of a read section's two atomic instructions; with two, the other read locks
 * write one shared word on every acquisition and release and so move its cache line between the cores, while the
 * per-CPU semaphore's readers write only their own CPU's counter. That is the whole point of the big-reader lock:
 * reads should scale with the cores (issue 4).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class PerCpuRwSemaphoreBenchmark {

    /** One lock of each kind and the value they guard, shared by all threads of a run. */
    @State(Scope.Benchmark)
    public static class Locks {
        final PerCpuRwSemaphore perCpu = new PerCpuRwSemaphore();
        final ReentrantReadWriteLock readWrite = new ReentrantReadWriteLock();
        final ReentrantReadWriteLock.ReadLock readLock = readWrite.readLock();
        final StampedLock stamped = new StampedLock();
        long value = 42;
    }

    @Benchmark
    public long percpuRead(Locks l) {
        final PerCpuRwSemaphore lock = l.perCpu;
        lock.downRead();
        try {
            return l.value;
        } finally {
            lock.upRead();
        }
    }

    @Benchmark
    public long reentrantReadWriteRead(Locks l) {
        final ReentrantReadWriteLock.ReadLock lock = l.readLock;
        lock.lock();
        try {
            return l.value;
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public long stampedRead(Locks l) {
        final StampedLock lock = l.stamped;
        final long stamp = lock.readLock();
        try {
            return l.value;
        } finally {
            lock.unlockRead(stamp);
        }
    }
}
