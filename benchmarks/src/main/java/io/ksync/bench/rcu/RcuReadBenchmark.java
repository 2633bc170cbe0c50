package io.ksync.bench.rcu;

import io.ksync.rcu.QsbrRcu;
import io.ksync.rcu.Rcu;
import io.ksync.rcu.RcuReference;
import io.ksync.rcu.Srcu;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read-side sections with a writer running: every RCU flavour's read side against the read locks a user would
 * pick instead, {@link ReentrantReadWriteLock} (non-fair) and {@link StampedLock} ({@code readLock}, and the
 * optimistic read with its validation and fallback), and against an unsynchronised read of the same published
 * object (the floor).
 *
 * <p>Each read loads the current version of a small object and two of its fields. A writer thread, started per
 * trial, replaces the version about every {@value #WRITER_PAUSE_MICROS} microseconds (plus the park's slack):
 * RCU writers publish a new object and wait for a grace period ({@code synchronize()}); lock writers take the
 * write lock and update the fields in place. Run with 1, 2 and 4 reader threads; the score is the readers' total
 * reads per microsecond.
 *
 * <p>What to read from it: issue 6 asks the registered reader ({@code rcuRegistered}) for at least 5x
 * {@code ReentrantReadWriteLock}'s read lock at 2 threads, and QSBR reads within 1.2x of the unsynchronised read.
 * A QSBR read is the unsynchronised read itself; what QSBR adds is the quiescent state between units of work:
 * {@code qsbr} is a unit of {@value #READS_PER_QUIESCENT_STATE} reads followed by one, against the same unit
 * without it ({@code unsynchronizedUnit}), both scored in reads; {@code qsbrQuiescentEachRead} reports one after
 * every read (the worst case), against {@code unsynchronized}. RCU readers write only their own record, while
 * every read lock writes one shared word per acquisition and release.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class RcuReadBenchmark {

    static final long WRITER_PAUSE_MICROS = 20;
    /** QSBR's unit of work in {@code qsbr}: a quiescent state after this many reads. */
    static final int READS_PER_QUIESCENT_STATE = 64;

    /** What readers read. */
    static final class Version {
        long a;
        long b;

        Version(long n) {
            this.a = n;
            this.b = -n;
        }
    }

    /** A writer thread for the trial: runs {@code update} then pauses, until the trial ends. */
    abstract static class WithWriter {
        private volatile boolean stop;
        private Thread writer;

        abstract void update(long n);

        void startWriter(String name) {
            writer = new Thread(() -> {
                long n = 0;
                while (!stop) {
                    update(++n);
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(WRITER_PAUSE_MICROS));
                }
            }, name);
            writer.setDaemon(true);
            writer.start();
        }

        @TearDown(Level.Trial)
        public void stopWriter() throws InterruptedException {
            stop = true;
            writer.join();
        }
    }

    @State(Scope.Benchmark)
    public static class RcuState extends WithWriter {
        final Rcu rcu = new Rcu("bench");
        final RcuReference<Version> current = new RcuReference<>(new Version(0));

        @Setup(Level.Trial)
        public void setUp() {
            startWriter("rcu-writer");
        }

        @Override
        void update(long n) {
            current.assign(new Version(n));
            rcu.synchronize();
        }
    }

    /** A reader thread's registered handle, obtained on the thread that uses it. */
    @State(Scope.Thread)
    public static class RcuReaderState {
        Rcu.Reader reader;

        @Setup(Level.Iteration)
        public void setUp(RcuState s) {
            reader = s.rcu.reader();
        }
    }

    @State(Scope.Benchmark)
    public static class QsbrState extends WithWriter {
        final QsbrRcu rcu = new QsbrRcu("bench-qsbr");
        final RcuReference<Version> current = new RcuReference<>(new Version(0));

        @Setup(Level.Trial)
        public void setUp() {
            startWriter("qsbr-writer");
        }

        @Override
        void update(long n) {
            current.assign(new Version(n));
            rcu.synchronize();
        }
    }

    /** A QSBR reader, registered for each iteration and unregistered after it, so no grace period waits between. */
    @State(Scope.Thread)
    public static class QsbrReaderState {
        QsbrRcu rcu;
        QsbrRcu.Reader reader;

        @Setup(Level.Iteration)
        public void setUp(QsbrState s) {
            rcu = s.rcu;
            reader = rcu.register();
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            rcu.unregister();
        }
    }

    @State(Scope.Benchmark)
    public static class SrcuState extends WithWriter {
        final Srcu srcu = new Srcu("bench-srcu");
        final RcuReference<Version> current = new RcuReference<>(new Version(0));

        @Setup(Level.Trial)
        public void setUp() {
            startWriter("srcu-writer");
        }

        @Override
        void update(long n) {
            current.assign(new Version(n));
            srcu.synchronize();
        }
    }

    /** The floor: the same publication with no read-side protection and no grace period. */
    @State(Scope.Benchmark)
    public static class PlainState extends WithWriter {
        final RcuReference<Version> current = new RcuReference<>(new Version(0));

        @Setup(Level.Trial)
        public void setUp() {
            startWriter("plain-writer");
        }

        @Override
        void update(long n) {
            current.assign(new Version(n));
        }
    }

    @State(Scope.Benchmark)
    public static class ReadWriteLockState extends WithWriter {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        final ReentrantReadWriteLock.ReadLock readLock = lock.readLock();
        final Version version = new Version(0);

        @Setup(Level.Trial)
        public void setUp() {
            startWriter("rrwl-writer");
        }

        @Override
        void update(long n) {
            lock.writeLock().lock();
            try {
                version.a = n;
                version.b = -n;
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    @State(Scope.Benchmark)
    public static class StampedState extends WithWriter {
        final StampedLock lock = new StampedLock();
        final Version version = new Version(0);

        @Setup(Level.Trial)
        public void setUp() {
            startWriter("stamped-writer");
        }

        @Override
        void update(long n) {
            final long stamp = lock.writeLock();
            try {
                version.a = n;
                version.b = -n;
            } finally {
                lock.unlockWrite(stamp);
            }
        }
    }

    private static long read(Version v) {
        return v.a + v.b;
    }

    @Benchmark
    public long unsynchronized(PlainState s) {
        return read(s.current.dereference());
    }

    @Benchmark
    public long rcuThreadLocal(RcuState s) {
        final Rcu rcu = s.rcu;
        rcu.readLock();
        try {
            return read(s.current.dereference());
        } finally {
            rcu.readUnlock();
        }
    }

    @Benchmark
    public long rcuRegistered(RcuState s, RcuReaderState t) {
        final Rcu.Reader reader = t.reader;
        reader.lock();
        try {
            return read(s.current.dereference());
        } finally {
            reader.unlock();
        }
    }

    @Benchmark
    public long qsbrQuiescentEachRead(QsbrState s, QsbrReaderState t) {
        final long value = read(s.current.dereference());
        t.reader.quiescentState(); // after every read: the worst case for QSBR
        return value;
    }

    /** A QSBR unit of work: {@value #READS_PER_QUIESCENT_STATE} reads, then a quiescent state. */
    @Benchmark
    @OperationsPerInvocation(READS_PER_QUIESCENT_STATE)
    public long qsbr(QsbrState s, QsbrReaderState t) {
        long sum = 0;
        for (int i = 0; i < READS_PER_QUIESCENT_STATE; i++) {
            sum += read(s.current.dereference());
        }
        t.reader.quiescentState();
        return sum;
    }

    /** The same unit of work without the quiescent state: the floor for {@code qsbr}. */
    @Benchmark
    @OperationsPerInvocation(READS_PER_QUIESCENT_STATE)
    public long unsynchronizedUnit(PlainState s) {
        long sum = 0;
        for (int i = 0; i < READS_PER_QUIESCENT_STATE; i++) {
            sum += read(s.current.dereference());
        }
        return sum;
    }

    @Benchmark
    public long srcu(SrcuState s) {
        final Srcu srcu = s.srcu;
        final int idx = srcu.readLock();
        try {
            return read(s.current.dereference());
        } finally {
            srcu.readUnlock(idx);
        }
    }

    @Benchmark
    public long reentrantReadWriteRead(ReadWriteLockState s) {
        final ReentrantReadWriteLock.ReadLock lock = s.readLock;
        lock.lock();
        try {
            return read(s.version);
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public long stampedRead(StampedState s) {
        final StampedLock lock = s.lock;
        final long stamp = lock.readLock();
        try {
            return read(s.version);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Benchmark
    public long stampedOptimistic(StampedState s) {
        final StampedLock lock = s.lock;
        long stamp = lock.tryOptimisticRead();
        long value = read(s.version);
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                value = read(s.version);
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return value;
    }
}
