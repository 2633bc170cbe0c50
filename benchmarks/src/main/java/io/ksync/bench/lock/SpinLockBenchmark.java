package io.ksync.bench.lock;

import io.ksync.lock.QueuedSpinLock;
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
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * ksync's spinning locks against what a user would pick instead ({@link ReentrantLock}, non-fair, and
 * {@code synchronized}), in the same run: an uncontended lock+unlock pair (one thread) and the throughput of
 * one lock that two threads take in turn.
 *
 * <p>What to read from it: the {@code *Uncontended} scores are the cost of the fast path alone, which is what a
 * lock costs almost everywhere; the {@code *Contended} scores are how fast the lock moves between two busy
 * cores. {@link TicketSpinLock} and {@link QueuedSpinLock} should be at least as fast as {@link ReentrantLock}
 * uncontended, and {@link QueuedSpinLock} at least as fast contended (issue 2). {@code outsideWork} sets the
 * work each thread does between two acquisitions ({@link Blackhole#consumeCPU(long)} tokens): at 0 the lock is
 * handed back and forth as fast as it can be, which rewards locks that let the releasing thread barge back in
 * ({@code ReentrantLock}, {@code synchronized}); with work outside, hand-offs are rarer and fairness costs less.
 *
 * <p>The critical section increments a counter that the lock protects; the counter's value is returned so the
 * work cannot be eliminated.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class SpinLockBenchmark {

    /** One instance of each lock and the counter they protect, shared by all threads of a run. */
    @State(Scope.Benchmark)
    public static class Locks {
        final TicketSpinLock ticket = new TicketSpinLock();
        final QueuedSpinLock queued = new QueuedSpinLock();
        final ReentrantLock reentrant = new ReentrantLock();
        final Object monitor = new Object();
        /** Written only under the lock being measured. */
        long counter;
    }

    /** Work each contending thread does between two acquisitions. */
    @State(Scope.Thread)
    public static class OutsideWork {
        /** {@link Blackhole#consumeCPU(long)} tokens between a release and the next acquisition. */
        @Param({"0", "100"})
        public int outsideWork;

        void run() {
            if (outsideWork > 0) {
                Blackhole.consumeCPU(outsideWork);
            }
        }
    }

    // ---- uncontended: one thread, lock + increment + unlock ----

    @Benchmark
    @Threads(1)
    public long ticketUncontended(Locks locks) {
        return ticket(locks);
    }

    @Benchmark
    @Threads(1)
    public long queuedUncontended(Locks locks) {
        return queued(locks);
    }

    @Benchmark
    @Threads(1)
    public long reentrantUncontended(Locks locks) {
        return reentrant(locks);
    }

    @Benchmark
    @Threads(1)
    public long synchronizedUncontended(Locks locks) {
        return monitor(locks);
    }

    // ---- contended: two threads take the same lock in turn ----

    @Benchmark
    @Threads(2)
    public long ticketContended(Locks locks, OutsideWork work) {
        work.run();
        return ticket(locks);
    }

    @Benchmark
    @Threads(2)
    public long queuedContended(Locks locks, OutsideWork work) {
        work.run();
        return queued(locks);
    }

    @Benchmark
    @Threads(2)
    public long reentrantContended(Locks locks, OutsideWork work) {
        work.run();
        return reentrant(locks);
    }

    @Benchmark
    @Threads(2)
    public long synchronizedContended(Locks locks, OutsideWork work) {
        work.run();
        return monitor(locks);
    }

    // ---- the critical sections, identical for every lock ----

    private static long ticket(Locks locks) {
        final TicketSpinLock lock = locks.ticket;
        lock.lock();
        try {
            return ++locks.counter;
        } finally {
            lock.unlock();
        }
    }

    private static long queued(Locks locks) {
        final QueuedSpinLock lock = locks.queued;
        lock.lock();
        try {
            return ++locks.counter;
        } finally {
            lock.unlock();
        }
    }

    private static long reentrant(Locks locks) {
        final ReentrantLock lock = locks.reentrant;
        lock.lock();
        try {
            return ++locks.counter;
        } finally {
            lock.unlock();
        }
    }

    private static long monitor(Locks locks) {
        synchronized (locks.monitor) {
            return ++locks.counter;
        }
    }
}
