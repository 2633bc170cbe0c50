package io.ksync.bench.lock;

import io.ksync.lock.SeqLock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Consistent reads of a small multi-field value: ksync's {@link SeqLock} lockless read
 * ({@code read_seqbegin}/{@code read_seqretry}) against {@link StampedLock}'s optimistic read (falling back to
 * its read lock, as its Javadoc teaches) and {@link ReentrantReadWriteLock}'s read lock, in the same run.
 *
 * <p>What to read from it: the readers' score. In the groups ({@code seqLock}, {@code stampedOptimistic},
 * {@code readWriteLock}) two reader threads read while one writer updates the value at a modest rate; JMH
 * reports each group's total and, per method, the readers' ({@code ...Reader}) and the writer's
 * ({@code ...Writer}) throughput: compare the {@code ...Reader} lines. The {@code ...ReadOnly} benchmarks are the
 * same reads by two threads with no writer at all. A seqlock read should be within 1.5x of the optimistic read
 * and at least 5x faster than the read-write lock's read lock, whose readers write the lock word and so bounce
 * its cache line between cores (issue 2).
 *
 * <p>The writer sleeps {@code writerPauseMicros} between two writes ({@link LockSupport#parkNanos(long)}; Linux
 * rounds short sleeps up to its timer slack, about 50 us), so it takes almost no CPU from the readers: on a
 * 2-core machine a writer that spun between writes would make three busy threads share two cores, and the
 * readers' scores would measure the scheduler.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class SeqLockBenchmark {

    /** The value (three fields the writer keeps equal) and one of each lock, shared by all threads of a run. */
    @State(Scope.Benchmark)
    public static class Guarded {
        final SeqLock seqLock = new SeqLock();
        final StampedLock stamped = new StampedLock();
        final ReentrantReadWriteLock readWrite = new ReentrantReadWriteLock();
        final Lock readLock = readWrite.readLock();
        final Lock writeLock = readWrite.writeLock();

        /** Written only by the writer, under the lock being measured. */
        long x;
        long y;
        long z;

        void write() {
            final long next = x + 1;
            x = next;
            y = next;
            z = next;
        }
    }

    /** How the writer paces itself. */
    @State(Scope.Thread)
    public static class WriterPace {
        /** Sleep between two writes, in microseconds (at least the OS timer slack in practice). */
        @Param({"20"})
        public long writerPauseMicros;

        void pause() {
            LockSupport.parkNanos(writerPauseMicros * 1_000L);
        }
    }

    // ---- ksync SeqLock: 2 readers + 1 writer ----

    @Benchmark
    @Group("seqLock")
    @GroupThreads(2)
    public long seqLockReader(Guarded g) {
        return readSeqLock(g);
    }

    @Benchmark
    @Group("seqLock")
    @GroupThreads(1)
    public void seqLockWriter(Guarded g, WriterPace pace) {
        final SeqLock lock = g.seqLock;
        lock.writeLock();
        try {
            g.write();
        } finally {
            lock.writeUnlock();
        }
        pace.pause();
    }

    // ---- StampedLock optimistic read: 2 readers + 1 writer ----

    @Benchmark
    @Group("stampedOptimistic")
    @GroupThreads(2)
    public long stampedOptimisticReader(Guarded g) {
        return readStampedOptimistic(g);
    }

    @Benchmark
    @Group("stampedOptimistic")
    @GroupThreads(1)
    public void stampedOptimisticWriter(Guarded g, WriterPace pace) {
        final StampedLock lock = g.stamped;
        final long stamp = lock.writeLock();
        try {
            g.write();
        } finally {
            lock.unlockWrite(stamp);
        }
        pace.pause();
    }

    // ---- ReentrantReadWriteLock read lock: 2 readers + 1 writer ----

    @Benchmark
    @Group("readWriteLock")
    @GroupThreads(2)
    public long readWriteLockReader(Guarded g) {
        return readReadWriteLock(g);
    }

    @Benchmark
    @Group("readWriteLock")
    @GroupThreads(1)
    public void readWriteLockWriter(Guarded g, WriterPace pace) {
        final Lock lock = g.writeLock;
        lock.lock();
        try {
            g.write();
        } finally {
            lock.unlock();
        }
        pace.pause();
    }

    // ---- the same reads, 2 readers, no writer ----

    @Benchmark
    @Threads(2)
    public long seqLockReadOnly(Guarded g) {
        return readSeqLock(g);
    }

    @Benchmark
    @Threads(2)
    public long stampedOptimisticReadOnly(Guarded g) {
        return readStampedOptimistic(g);
    }

    @Benchmark
    @Threads(2)
    public long readWriteLockReadOnly(Guarded g) {
        return readReadWriteLock(g);
    }

    // ---- the read sections, identical for every lock: three fields, combined after the read ----

    private static long readSeqLock(Guarded g) {
        final SeqLock lock = g.seqLock;
        long x;
        long y;
        long z;
        int sequence;
        do {
            sequence = lock.readBegin();
            x = g.x;
            y = g.y;
            z = g.z;
        } while (lock.readRetry(sequence));
        return x + y + z;
    }

    private static long readStampedOptimistic(Guarded g) {
        final StampedLock lock = g.stamped;
        long stamp = lock.tryOptimisticRead();
        long x = g.x;
        long y = g.y;
        long z = g.z;
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                x = g.x;
                y = g.y;
                z = g.z;
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return x + y + z;
    }

    private static long readReadWriteLock(Guarded g) {
        final Lock lock = g.readLock;
        lock.lock();
        try {
            return g.x + g.y + g.z;
        } finally {
            lock.unlock();
        }
    }
}
