package io.ksync.bench.lock;

import io.ksync.lock.QueuedSpinLock;
import io.ksync.lock.SpinWait;
import io.ksync.lock.TicketSpinLock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spinning locks on an oversubscribed machine: more threads contend one lock than there are cores, so the
 * operating system deschedules lock holders (and, in a FIFO lock, the next thread in line) while other threads
 * wait for them. Compares each ksync spinlock under its default {@link SpinWait#adaptive()} policy with the same
 * lock under {@link SpinWait#pure()}, and {@link ReentrantLock} (non-fair) and {@code synchronized} as anchors,
 * in the same run.
 *
 * <p>What to read from it: under {@code spinWait=adaptive} throughput should be far above
 * {@code spinWait=pure}, because adaptive waiters yield and then park instead of burning their core for a whole
 * time slice while the thread they wait for is off-CPU (DESIGN.md 3.1). Pure spinning is only for threads
 * pinned to isolated cores; this benchmark shows what it costs anywhere else. The 4 threads of the annotation
 * oversubscribe a 2-core machine; on a machine with more cores run it with {@code -t} of at least twice the
 * core count ({@code ComparisonReport} does so by itself).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(4)
public class OversubscribedSpinLockBenchmark {

    /** The ksync spinlocks under the waiting policy of the run, and the counter they protect. */
    @State(Scope.Benchmark)
    public static class SpinLocks {
        /** {@code adaptive}: {@link SpinWait#adaptive()}, the default; {@code pure}: {@link SpinWait#pure()}. */
        @Param({"adaptive", "pure"})
        public String spinWait;

        TicketSpinLock ticket;
        QueuedSpinLock queued;
        /** Written only under the lock being measured. */
        long counter;

        @Setup
        public void setUp() {
            final SpinWait policy = switch (spinWait) {
                case "adaptive" -> SpinWait.adaptive();
                case "pure" -> SpinWait.pure();
                default -> throw new IllegalArgumentException(
                        "spinWait must be adaptive or pure, was " + spinWait);
            };
            ticket = new TicketSpinLock(policy);
            queued = new QueuedSpinLock(policy);
        }
    }

    /** The anchors and the counter they protect. */
    @State(Scope.Benchmark)
    public static class Anchors {
        final ReentrantLock reentrant = new ReentrantLock();
        final Object monitor = new Object();
        /** Written only under the lock being measured. */
        long counter;
    }

    @Benchmark
    public long ticket(SpinLocks locks) {
        final TicketSpinLock lock = locks.ticket;
        lock.lock();
        try {
            return ++locks.counter;
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public long queued(SpinLocks locks) {
        final QueuedSpinLock lock = locks.queued;
        lock.lock();
        try {
            return ++locks.counter;
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public long reentrant(Anchors anchors) {
        final ReentrantLock lock = anchors.reentrant;
        lock.lock();
        try {
            return ++anchors.counter;
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public long synchronizedMonitor(Anchors anchors) {
        synchronized (anchors.monitor) {
            return ++anchors.counter;
        }
    }
}
