package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.RwSemaphore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Readers of {@link RwSemaphore} never overlap a writer, and a reader that comes after a writer sees all its
 * writes: a writer stores {@code x = 1} then {@code y = 1} under the write lock, a reader loads {@code y} then
 * {@code x} under the read lock and must see all or nothing (reading in reverse order makes the "saw y, missed
 * x" case message passing through the lock). Checked with a plain {@code upWrite()}, and with a writer that
 * releases through {@code downgradeWrite()} then {@code upRead()}, where the reader may share the lock with the
 * downgraded writer but still never overlaps its write-side section.
 */
public final class RwSemaphoreReaderWriterTest {

    private RwSemaphoreReaderWriterTest() {
    }

    /** {@code downWrite()}/{@code upWrite()} against {@code downRead()}/{@code upRead()}; r1 = y, r2 = x. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader came first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader came after the writer and saw both writes")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw y but not x: the writer's stores were not all published to the next reader")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw x but not y: the reader overlapped the writer")
    @State
    public static class WriteRead {
        private final RwSemaphore sem = new RwSemaphore();
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
            sem.downRead();
            try {
                r.r1 = y;
                r.r2 = x;
            } finally {
                sem.upRead();
            }
        }
    }

    /**
     * The writer stores under {@code downWrite()}, then {@code downgradeWrite()}s and {@code upRead()}s; the
     * reader {@code downRead()}s (r1 = y, r2 = x). A reader may get in as soon as the downgrade (alongside the
     * downgraded writer) and must then see both stores.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader came first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader came in at or after the downgrade and saw both writes")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw y but not x: the downgrade did not publish the write-side section to the reader it let in")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw x but not y: the reader overlapped the write-side section")
    @State
    public static class DowngradeRead {
        private final RwSemaphore sem = new RwSemaphore();
        private int x;
        private int y;

        @Actor
        public void writer() {
            sem.downWrite();
            x = 1;
            y = 1;
            sem.downgradeWrite();
            sem.upRead();
        }

        @Actor
        public void reader(II_Result r) {
            sem.downRead();
            try {
                r.r1 = y;
                r.r2 = x;
            } finally {
                sem.upRead();
            }
        }
    }
}
