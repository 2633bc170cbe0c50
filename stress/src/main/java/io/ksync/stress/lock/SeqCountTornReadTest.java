package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.SeqCount;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A {@link SeqCount} reader never accepts a torn snapshot (DESIGN.md 3.2). The single writer stores
 * {@code x = 1} then {@code y = 1} inside {@code writeBegin()}/{@code writeEnd()}; the reader loads {@code y}
 * then {@code x} with plain loads between its begin and {@code readRetry}, and reports them (r1 = y, r2 = x) only
 * if {@code readRetry} accepted the snapshot, else -1, -1. Retrying is always allowed; accepting a pair the
 * writer never published is not. The busted control {@code io.ksync.stress.busted.NoRetrySeqReaderTornReadTest}
 * shows that this harness sees torn pairs when the check is missing.
 */
public final class SeqCountTornReadTest {

    private SeqCountTornReadTest() {
    }

    /** The reader starts with {@code readBegin()}, which waits while a write is in progress. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "accepted the snapshot before the write")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "accepted the snapshot after the write")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "readRetry rejected the snapshot: the write overlapped the read")
    @Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn snapshot")
    @State
    public static class ReadBegin {
        private final SeqCount seq = new SeqCount();
        private int x;
        private int y;

        @Actor
        public void writer() {
            seq.writeBegin();
            x = 1;
            y = 1;
            seq.writeEnd();
        }

        @Actor
        public void reader(II_Result r) {
            final int s = seq.readBegin();
            final int ry = y;
            final int rx = x;
            if (seq.readRetry(s)) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                r.r1 = ry;
                r.r2 = rx;
            }
        }
    }

    /**
     * The reader starts with {@code rawReadBegin()}, which never waits: a read that begins inside the write
     * section must be rejected.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "accepted the snapshot before the write")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "accepted the snapshot after the write")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "readRetry rejected the snapshot: the read began in or overlapped the write")
    @Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn snapshot")
    @State
    public static class RawReadBegin {
        private final SeqCount seq = new SeqCount();
        private int x;
        private int y;

        @Actor
        public void writer() {
            seq.writeBegin();
            x = 1;
            y = 1;
            seq.writeEnd();
        }

        @Actor
        public void reader(II_Result r) {
            final int s = seq.rawReadBegin();
            final int ry = y;
            final int rx = x;
            if (seq.readRetry(s)) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                r.r1 = ry;
                r.r2 = rx;
            }
        }
    }

    /**
     * {@code writeBarrier()} (write_seqcount_barrier) between two stores: the writer stores {@code x = 1},
     * calls {@code writeBarrier()}, stores {@code y = 1}. A reader whose section overlapped the barrier
     * retries, so an accepted snapshot never holds the store after the barrier without the one before it: the
     * ordering example of {@code write_seqcount_barrier} in include/linux/seqlock.h.
     */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "accepted a snapshot consistent with the barrier's order")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "readRetry rejected the snapshot: the barrier overlapped the read")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "accepted the store after the barrier without the store before it")
    @State
    public static class WriteBarrier {
        private final SeqCount seq = new SeqCount();
        private int x;
        private int y;

        @Actor
        public void writer() {
            x = 1;
            seq.writeBarrier();
            y = 1;
        }

        @Actor
        public void reader(II_Result r) {
            final int s = seq.readBegin();
            final int ry = y;
            final int rx = x;
            if (seq.readRetry(s)) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                r.r1 = ry;
                r.r2 = rx;
            }
        }
    }
}
