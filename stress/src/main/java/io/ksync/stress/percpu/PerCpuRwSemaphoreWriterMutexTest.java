package io.ksync.stress.percpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.percpu.PerCpuRwSemaphore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Writers of {@link PerCpuRwSemaphore} exclude each other, and each sees the previous one's writes: two writers
 * each increment a plain field under {@code downWrite()}/{@code upWrite()} ({@code percpu_down_write}), and the
 * arbiter checks that no increment was lost. The second writer either wins the flag after the first releases it,
 * or queues and is granted the write side by the first's {@code upWrite()}.
 */
public final class PerCpuRwSemaphoreWriterMutexTest {

    private PerCpuRwSemaphoreWriterMutexTest() {
    }

    /** Both actors {@code downWrite()}/{@code upWrite()}; r1 = the field after both. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments survived: the writers were serialised")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: two writers held the write side at once, or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class WriteWrite {
        private final PerCpuRwSemaphore sem = new PerCpuRwSemaphore();
        private int x;

        @Actor
        public void writer1() {
            sem.downWrite();
            try {
                x = x + 1;
            } finally {
                sem.upWrite();
            }
        }

        @Actor
        public void writer2() {
            sem.downWrite();
            try {
                x = x + 1;
            } finally {
                sem.upWrite();
            }
        }

        @Arbiter
        public void arbiter(I_Result r) {
            r.r1 = x;
        }
    }
}
