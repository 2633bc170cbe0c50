package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.percpu.Cpus;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Busted control for {@code io.ksync.stress.percpu.PerCpuRwSemaphoreReaderWriterTest.WriteRead}: a per-CPU
 * reader-writer semaphore whose reader checks the writer's flag first and increments its CPU's counter after
 * (check-then-increment), every access volatile. A writer that raises the flag and sums the counters between the
 * reader's check and its increment finds no reader and enters while the reader enters too; the reader, loading
 * {@code y} then {@code x}, sees the writer's stores half done. The correct order (increment, then check, and
 * back off if the flag is up) is the store-buffering shape that the real semaphore relies on. Same shape and
 * outcomes as the real test; this test must FAIL (torn read observed).
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader came first (or overlapped without seeing it)")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader came after the writer and saw both writes")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw y but not x")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw x but not y: reader and writer were inside together")
@State
public class CheckThenIncrementReaderWriterTest {

    /** The broken semaphore: a padded reader counter per CPU slot, and the writer's flag. */
    static final class CheckThenIncrementRwSemaphore {
        private static final int STRIDE = 16; // longs: 128 bytes between two counters
        private final long[] readers = new long[(Cpus.count() + 2) * STRIDE];
        private volatile int block;

        /** Returns the slot counted in, for {@link #upRead}. */
        int downRead() {
            while ((int) BLOCK.getVolatile(this) != 0) { // BROKEN: checks the flag before counting itself in
                Thread.onSpinWait();
            }
            final int slot = Cpus.current();
            READERS.getAndAdd(readers, (slot + 1) * STRIDE, 1L);
            return slot;
        }

        void upRead(int slot) {
            READERS.getAndAdd(readers, (slot + 1) * STRIDE, -1L);
        }

        void downWrite() {
            while (!BLOCK.compareAndSet(this, 0, 1)) {
                Thread.onSpinWait();
            }
            while (sumReaders() != 0L) {
                Thread.onSpinWait();
            }
        }

        void upWrite() {
            BLOCK.setVolatile(this, 0);
        }

        private long sumReaders() {
            long sum = 0L;
            for (int slot = 0; slot < Cpus.count(); slot++) {
                sum += (long) READERS.getVolatile(readers, (slot + 1) * STRIDE);
            }
            return sum;
        }

        private static final VarHandle BLOCK;
        private static final VarHandle READERS = MethodHandles.arrayElementVarHandle(long[].class);

        static {
            try {
                BLOCK = MethodHandles.lookup().findVarHandle(CheckThenIncrementRwSemaphore.class, "block", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private final CheckThenIncrementRwSemaphore sem = new CheckThenIncrementRwSemaphore();
    private int x;
    private int y;

    @Actor
    public void writer() {
        sem.downWrite();
        try {
            x = 1;
            y = 1;
        } finally {
            sem.upWrite();
        }
    }

    @Actor
    public void reader(II_Result r) {
        final int slot = sem.downRead();
        try {
            r.r1 = y;
            r.r2 = x;
        } finally {
            sem.upRead(slot);
        }
    }
}
