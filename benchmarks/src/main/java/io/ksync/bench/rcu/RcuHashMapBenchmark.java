package io.ksync.bench.rcu;

import io.ksync.rcu.Rcu;
import io.ksync.rcu.RcuHashMap;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 * Lookups: {@link RcuHashMap#get} against {@link ConcurrentHashMap#get} and a {@link HashMap} under a
 * {@link ReentrantReadWriteLock}'s read lock, on maps holding the same {@code size} Integer keys (all present),
 * looked up in a pre-shuffled order (so the branch predictor and the prefetcher get no help a real workload would
 * not have). No writer: this is the read path alone. Run with 1 and 2 threads; the score is total lookups per
 * microsecond.
 *
 * <p>What to read from it: issue 6 asks {@code RcuHashMap.get} to be within 1.3x of
 * {@code ConcurrentHashMap.get} (a ratio of at least 0.77).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class RcuHashMapBenchmark {

    private static final int LOOKUPS = 1 << 16;

    @State(Scope.Benchmark)
    public static class Maps {
        @Param({"1024"})
        int size;

        final RcuHashMap<Integer, Integer> rcu = new RcuHashMap<>(new Rcu("bench-map"));
        final ConcurrentHashMap<Integer, Integer> concurrent = new ConcurrentHashMap<>();
        final Map<Integer, Integer> plain = new HashMap<>();
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        Integer[] keys;

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < size; i++) {
                rcu.put(i, i);
                concurrent.put(i, i);
                plain.put(i, i);
            }
            keys = new Integer[LOOKUPS];
            final SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < LOOKUPS; i++) {
                keys[i] = random.nextInt(size); // boxed once, here: lookups allocate nothing
            }
        }
    }

    /** Each thread's position in the key sequence. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            next = (int) (Thread.currentThread().getId() * 7919) & (LOOKUPS - 1);
        }

        Integer key(Maps m) {
            final int i = next;
            next = (i + 1) & (LOOKUPS - 1);
            return m.keys[i];
        }
    }

    @Benchmark
    public Integer rcuHashMapGet(Maps m, Cursor c) {
        return m.rcu.get(c.key(m));
    }

    @Benchmark
    public Integer concurrentHashMapGet(Maps m, Cursor c) {
        return m.concurrent.get(c.key(m));
    }

    @Benchmark
    public Integer hashMapUnderReadLock(Maps m, Cursor c) {
        final ReentrantReadWriteLock.ReadLock readLock = m.lock.readLock();
        readLock.lock();
        try {
            return m.plain.get(c.key(m));
        } finally {
            readLock.unlock();
        }
    }
}
