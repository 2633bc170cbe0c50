package io.ksync.bench.lock;

import io.ksync.lock.Mutex;
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
 * ksync's sleeping {@link Mutex} against what a user would pick instead ({@link ReentrantLock} non-fair, the
 * default, {@link ReentrantLock} fair, and {@code synchronized}), in the same run: an uncontended lock+unlock pair
 * (one thread) and the throughput of one lock that 2 or 4 threads take in turn.
 *
 * <p>What to read from it: the {@code *Uncontended} scores are the cost of the fast path alone, which is what a
 * lock costs almost everywhere; {@link Mutex} should be at least as fast as {@link ReentrantLock} there (issue 3).
 * The {@code *Contended2Threads} and {@code *Contended4Threads} scores are the throughput of one lock that every
 * thread wants; {@link Mutex} should stay within 10% of non-fair {@link ReentrantLock} or beat it (issue 3). With
 * 4 threads on a 2-core machine the lock is oversubscribed: holders are descheduled while others wait, which is
 * where the mutex's optimistic spin (it gives up when the owner is not running) and its sleeping matter; on a
 * machine with more cores, 4 threads only measure contention. Fair {@link ReentrantLock} hands the lock to the
 * oldest waiter at every release, so every contended acquisition costs a park and a wake-up: it is there to show
 * what strict FIFO costs, not as a target. {@code outsideWork} sets the work each thread does between two
 * acquisitions ({@link Blackhole#consumeCPU(long)} tokens): at 0 the lock is handed back and forth as fast as it
 * can be, which rewards locks that let the releasing thread barge back in (non-fair {@link ReentrantLock},
 * {@code synchronized}, {@link Mutex}); with work outside, hand-offs are rarer and fairness costs less.
 *
 * <p>The critical section increments a counter that the lock protects; the counter's value is returned so the
 * work cannot be eliminated.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class MutexBenchmark {

    /** One instance of each lock and the counter they protect, shared by all threads of a run. */
    @State(Scope.Benchmark)
    public static class Locks {
        final Mutex mutex = new Mutex();
        final ReentrantLock reentrant = new ReentrantLock();
        final ReentrantLock fairReentrant = new ReentrantLock(true);
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
    public long mutexUncontended(Locks locks) {
        return mutex(locks);
    }

    @Benchmark
    @Threads(1)
    public long reentrantUncontended(Locks locks) {
        return reentrant(locks.reentrant, locks);
    }

    @Benchmark
    @Threads(1)
    public long fairReentrantUncontended(Locks locks) {
        return reentrant(locks.fairReentrant, locks);
    }

    @Benchmark
    @Threads(1)
    public long synchronizedUncontended(Locks locks) {
        return monitor(locks);
    }

    // ---- contended: two threads take the same lock in turn ----

    @Benchmark
    @Threads(2)
    public long mutexContended2Threads(Locks locks, OutsideWork work) {
        work.run();
        return mutex(locks);
    }

    @Benchmark
    @Threads(2)
    public long reentrantContended2Threads(Locks locks, OutsideWork work) {
        work.run();
        return reentrant(locks.reentrant, locks);
    }

    @Benchmark
    @Threads(2)
    public long fairReentrantContended2Threads(Locks locks, OutsideWork work) {
        work.run();
        return reentrant(locks.fairReentrant, locks);
    }

    @Benchmark
    @Threads(2)
    public long synchronizedContended2Threads(Locks locks, OutsideWork work) {
        work.run();
        return monitor(locks);
    }

    // ---- contended: four threads take the same lock in turn ----

    @Benchmark
    @Threads(4)
    public long mutexContended4Threads(Locks locks, OutsideWork work) {
        work.run();
        return mutex(locks);
    }

    @Benchmark
    @Threads(4)
    public long reentrantContended4Threads(Locks locks, OutsideWork work) {
        work.run();
        return reentrant(locks.reentrant, locks);
    }

    @Benchmark
    @Threads(4)
    public long fairReentrantContended4Threads(Locks locks, OutsideWork work) {
        work.run();
        return reentrant(locks.fairReentrant, locks);
    }

    @Benchmark
    @Threads(4)
    public long synchronizedContended4Threads(Locks locks, OutsideWork work) {
        work.run();
        return monitor(locks);
    }

    // ---- the critical sections, identical for every lock ----

    private static long mutex(Locks locks) {
        final Mutex lock = locks.mutex;
        lock.lock();
        try {
            return ++locks.counter;
        } finally {
            lock.unlock();
        }
    }

    /** Non-fair and fair {@link ReentrantLock} share this body; only the instance differs. */
    private static long reentrant(ReentrantLock lock, Locks locks) {
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
