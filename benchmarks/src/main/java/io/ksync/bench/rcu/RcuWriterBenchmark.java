package io.ksync.bench.rcu;

import io.ksync.rcu.Rcu;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The writer side of {@link Rcu}, one writer thread.
 *
 * <ul>
 *   <li>{@code synchronize}, {@code synchronizeExpedited}: a grace period with {@value #IDLE_READERS} registered
 *   reader threads that are alive but outside any section (idle readers: the grace period scans them and finds
 *   nothing to wait for). Anchor: {@link StampedLock}'s {@code writeLock()}/{@code unlockWrite()} with no reader
 *   holding it (the writer-side cost of excluding readers with a lock). Issue 6 asks for a median under 50
 *   microseconds: run this class with {@code -bm sample} for the percentiles.</li>
 *   <li>{@code call}: {@code call_rcu} of a no-op callback, callbacks per microsecond, sustained: the callback
 *   thread runs them after grace periods, and the caller is made to wait when the domain's limit of queued
 *   callbacks is reached, so the score is what the whole pipeline sustains. Anchor: {@code execute} of the same
 *   no-op on a single-thread {@link ThreadPoolExecutor} whose bounded queue (as large as the domain's limit) makes
 *   the caller wait when full. Issue 6 asks for at least 5 million callbacks per second (5 per microsecond).</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class RcuWriterBenchmark {

    static final int IDLE_READERS = 4;
    private static final Runnable NO_OP = () -> { };

    @State(Scope.Benchmark)
    public static class IdleReaders {
        final Rcu rcu = new Rcu("bench-writer");
        final StampedLock stamped = new StampedLock();
        private final CountDownLatch stop = new CountDownLatch(1);
        private final Thread[] readers = new Thread[IDLE_READERS];

        @Setup(Level.Trial)
        public void setUp() throws InterruptedException {
            final CountDownLatch registered = new CountDownLatch(IDLE_READERS);
            for (int i = 0; i < IDLE_READERS; i++) {
                readers[i] = new Thread(() -> {
                    final Rcu.Reader reader = rcu.reader();
                    reader.lock(); // one section, so the record has been used, then idle
                    reader.unlock();
                    registered.countDown();
                    try {
                        stop.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "idle-reader-" + i);
                readers[i].setDaemon(true);
                readers[i].start();
            }
            registered.await();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            stop.countDown();
            for (Thread reader : readers) {
                reader.join();
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Callbacks {
        final Rcu rcu = new Rcu("bench-call");
        final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>((int) Rcu.Options.DEFAULT_CALLBACK_LIMIT), (task, pool) -> {
                    try {
                        pool.getQueue().put(task); // wait for room, as call() does at its limit
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });

        @TearDown(Level.Iteration)
        public void drain() throws InterruptedException {
            rcu.barrier(); // nothing left over into the next iteration
            final CountDownLatch drained = new CountDownLatch(1);
            executor.execute(drained::countDown);
            drained.await();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            executor.shutdown();
        }
    }

    @Benchmark
    public void synchronize(IdleReaders s) {
        s.rcu.synchronize();
    }

    @Benchmark
    public void synchronizeExpedited(IdleReaders s) {
        s.rcu.synchronizeExpedited();
    }

    @Benchmark
    public void stampedWriteLock(IdleReaders s) {
        final long stamp = s.stamped.writeLock();
        s.stamped.unlockWrite(stamp);
    }

    @Benchmark
    public void call(Callbacks s) {
        s.rcu.call(NO_OP);
    }

    @Benchmark
    public void executorExecute(Callbacks s) {
        s.executor.execute(NO_OP);
    }
}
