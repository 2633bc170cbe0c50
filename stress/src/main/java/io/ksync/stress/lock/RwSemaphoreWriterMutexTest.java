package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.RwSemaphore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Writers of {@link RwSemaphore} exclude each other: two writers each increment a plain field under
 * {@code downWrite()} and the arbiter checks that no increment was lost; and {@code downgradeWrite()} keeps
 * writers out until the downgraded holder's {@code upRead()}, which then publishes the write-side section to
 * the next writer.
 */
public final class RwSemaphoreWriterMutexTest {

    private RwSemaphoreWriterMutexTest() {
    }

    /** Both actors {@code downWrite()}/{@code upWrite()}. */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments survived: the writers were serialised")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: two writers held the lock at once or one missed the other's write")
    @Outcome(expect = FORBIDDEN, desc = "impossible count")
    @State
    public static class WriteWrite {
        private final RwSemaphore sem = new RwSemaphore();
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

    /**
     * The downgrader stores {@code x = 1} under {@code downWrite()}, {@code downgradeWrite()}s, reads {@code x}
     * back under the read lock it now holds (r1) and {@code upRead()}s; the writer, under {@code downWrite()},
     * reads {@code x} (r2) and stores {@code x = 2}; the arbiter reads the final {@code x} (r3). A writer
     * between the downgrade and the {@code upRead()} would make r1 = 2.
     */
    @JCStressTest
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the writer came first; the downgrader overwrote its store")
    @Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = "the writer came after the downgrader's upRead() and saw its store")
    @Outcome(id = "2, 1, 2", expect = FORBIDDEN, desc = "a writer got in between downgradeWrite() and upRead()")
    @Outcome(id = "1, 0, 2", expect = FORBIDDEN, desc = "the writer came last but missed the downgrader's store: upRead() did not publish it")
    @Outcome(expect = FORBIDDEN, desc = "the write-side sections overlapped")
    @State
    public static class DowngradeWrite {
        private final RwSemaphore sem = new RwSemaphore();
        private int x;

        @Actor
        public void downgrader(III_Result r) {
            sem.downWrite();
            x = 1;
            sem.downgradeWrite();
            try {
                r.r1 = x;
            } finally {
                sem.upRead();
            }
        }

        @Actor
        public void writer(III_Result r) {
            sem.downWrite();
            try {
                r.r2 = x;
                x = 2;
            } finally {
                sem.upWrite();
            }
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = x;
        }
    }
}
