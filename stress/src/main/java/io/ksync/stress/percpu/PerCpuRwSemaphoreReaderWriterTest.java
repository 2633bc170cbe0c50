package io.ksync.stress.percpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.percpu.PerCpuRwSemaphore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Readers of {@link PerCpuRwSemaphore} never overlap a writer, and a reader that comes after a writer sees all
 * its writes ({@code percpu_down_read} against {@code percpu_down_write}): a writer stores {@code x = 1} then
 * {@code y = 1} under the write side, a reader loads {@code y} then {@code x} under the read side and must see all
 * or nothing. The reader's increment of its CPU's counter and its check of the writer's flag, against the
 * writer's setting of the flag and its sum of the counters, is the store-buffering shape; the busted control
 * {@code io.ksync.stress.busted.CheckThenIncrementReaderWriterTest} checks the flag before incrementing, and must
 * fail.
 */
public final class PerCpuRwSemaphoreReaderWriterTest {

    private PerCpuRwSemaphoreReaderWriterTest() {
    }

    /** {@code downWrite()}/{@code upWrite()} against {@code downRead()}/{@code upRead()}; r1 = y, r2 = x. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader came first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader came after the writer and saw both writes")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw y but not x: the writer's stores were not all published to the next reader")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw x but not y: the reader overlapped the writer")
    @State
    public static class WriteRead {
        private final PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
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
     * The reader only tries, with {@code downReadTrylock()} (the fast path alone, never queued); r1 = y, r2 = x
     * when it got in, -1, -1 when a writer held or was taking the write side.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader got in before the writer")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader got in after the writer and saw both writes")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "the try found the writer's flag raised and backed off")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw y but not x: the writer's stores were not all published to the reader")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw x but not y: the reader overlapped the writer")
    @State
    public static class WriteTryRead {
        private final PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
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
            if (sem.downReadTrylock()) {
                try {
                    r.r1 = y;
                    r.r2 = x;
                } finally {
                    sem.upRead();
                }
            } else {
                r.r1 = -1;
                r.r2 = -1;
            }
        }
    }
}
