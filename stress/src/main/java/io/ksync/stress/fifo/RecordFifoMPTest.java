package io.ksync.stress.fifo;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.fifo.FifoTestAccess;
import io.ksync.fifo.RecordFifo;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Message passing through a {@link RecordFifo}: the consumer sees no record, or the whole record, with its
 * length and every byte as queued; never a header without its payload, a stale header, or a payload of zeros.
 * The producer writes a three-byte pattern into a plain array just before {@code in()} copies header and
 * payload into the storage; the consumer {@code out()}s into a buffer of {@code maxRecordLength()} bytes and
 * compares; an arbiter counts the records left. The counters start just below {@code 2^32}: with one-byte
 * headers at {@code 2^32 - 2}, so that the payload straddles the end of the storage; with two-byte headers at
 * {@code 2^32 - 1}, so that the header itself does (its low byte in the last byte of the storage, its high byte
 * in the first).
 */
public final class RecordFifoMPTest {

    private RecordFifoMPTest() {
    }

    /** The pattern byte at {@code i}: never zero, different at every position. */
    static byte patternAt(int i) {
        return (byte) (0x11 * (i + 1));
    }

    /** The producer's side: writes the pattern into {@code record}, then queues it as one record. */
    static void writeAndQueue(RecordFifo fifo, byte[] record) {
        for (int i = 0; i < record.length; i++) {
            record[i] = patternAt(i);
        }
        fifo.in(record, 0, record.length);
    }

    /**
     * The consumer's side: r1 = the length of the record got (-1: none; -2: the header read claimed more than
     * {@code maxRecordLength()}), r2 = how many of its bytes equal the pattern.
     */
    static void takeAndCompare(RecordFifo fifo, byte[] dst, III_Result r) {
        int n;
        try {
            n = fifo.out(dst, 0, dst.length);
        } catch (IllegalArgumentException garbageHeader) {
            n = -2;
        }
        int matching = 0;
        for (int i = 0; i < n; i++) {
            if (dst[i] == patternAt(i)) {
                matching++;
            }
        }
        r.r1 = n;
        r.r2 = matching;
    }

    /** Records left after the actors (at most 8). */
    static int drain(RecordFifo fifo) {
        int left = 0;
        while (left < 8 && fifo.skip()) {
            left++;
        }
        return left;
    }

    /** One-byte headers ({@code kfifo_rec_ptr_1}); r1 = length got (-1 none), r2 = bytes equal to the pattern, r3 = records left. */
    @JCStressTest
    @Outcome(id = "3, 3, 0", expect = ACCEPTABLE, desc = "got the whole record")
    @Outcome(id = "-1, 0, 1", expect = ACCEPTABLE, desc = "the out came before the in; the record was still queued")
    @Outcome(id = {"3, 0, 0", "3, 1, 0", "3, 2, 0"}, expect = FORBIDDEN, desc = "got the record with bytes that are not the pattern: the payload was not visible when the index was")
    @Outcome(id = "0, 0, 0", expect = FORBIDDEN, desc = "got an empty record: the header was not visible when the index was")
    @Outcome(expect = FORBIDDEN, desc = "a wrong length, a lost or duplicated record, or another impossible outcome")
    @State
    public static class OneByteHeader {
        private final RecordFifo fifo = new RecordFifo(8, 1);
        private final byte[] record = new byte[3];
        private final byte[] dst = new byte[fifo.maxRecordLength()];

        public OneByteHeader() {
            FifoTestAccess.startIndicesAt(fifo, -2);
        }

        @Actor
        public void producer() {
            writeAndQueue(fifo, record);
        }

        @Actor
        public void consumer(III_Result r) {
            takeAndCompare(fifo, dst, r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = drain(fifo);
        }
    }

    /** Two-byte headers ({@code kfifo_rec_ptr_2}), the header straddling the end; outcomes as {@link OneByteHeader}. */
    @JCStressTest
    @Outcome(id = "3, 3, 0", expect = ACCEPTABLE, desc = "got the whole record")
    @Outcome(id = "-1, 0, 1", expect = ACCEPTABLE, desc = "the out came before the in; the record was still queued")
    @Outcome(id = {"3, 0, 0", "3, 1, 0", "3, 2, 0"}, expect = FORBIDDEN, desc = "got the record with bytes that are not the pattern: the payload was not visible when the index was")
    @Outcome(id = "0, 0, 0", expect = FORBIDDEN, desc = "got an empty record: the header was not visible when the index was")
    @Outcome(expect = FORBIDDEN, desc = "a wrong length (half a header), a lost or duplicated record, or another impossible outcome")
    @State
    public static class TwoByteHeader {
        private final RecordFifo fifo = new RecordFifo(8, 2);
        private final byte[] record = new byte[3];
        private final byte[] dst = new byte[fifo.maxRecordLength()];

        public TwoByteHeader() {
            FifoTestAccess.startIndicesAt(fifo, -1);
        }

        @Actor
        public void producer() {
            writeAndQueue(fifo, record);
        }

        @Actor
        public void consumer(III_Result r) {
            takeAndCompare(fifo, dst, r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = drain(fifo);
        }
    }
}
