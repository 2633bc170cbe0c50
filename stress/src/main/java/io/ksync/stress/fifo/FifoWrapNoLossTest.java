package io.ksync.stress.fifo;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.fifo.ByteFifo;
import io.ksync.fifo.FifoTestAccess;
import io.ksync.fifo.Kfifo;
import io.ksync.fifo.RecordFifo;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * No element, byte or record is lost, duplicated or reordered while the free-running counters wrap at
 * {@code 2^32}: a small fifo whose counters start a few steps below the wrap, a producer that offers the
 * items 1..k once each without retrying (and records which it got in), a consumer that tries to take k times, and
 * an arbiter that drains the rest. The sequence taken then drained must be exactly the sequence queued, in order.
 * The fifo is too small for all k items, so whether a late offer gets in depends on how far the consumer got:
 * every such mix of full and not full is acceptable, each listed below.
 *
 * <p>Items are digits, so r1 (what the producer queued) and r2 (what came out) read as sequences: {@code 124}
 * means items 1, 2 and 4 in that order, 0 means none. An item that comes out corrupt (a byte or a record that
 * was never queued) reads as the digit 9. {@code KfifoFullPutGet}, whose fifo starts full with 1..8, reports
 * which of its three puts got in and a verdict instead.
 */
public final class FifoWrapNoLossTest {

    private FifoWrapNoLossTest() {
    }

    /** Appends the digit {@code item} to the sequence {@code digits}. */
    static int append(int digits, int item) {
        return digits * 10 + item;
    }

    /** The digit for a byte read: itself if it is an item that can have been queued, else 9. */
    static int byteDigit(byte b, int items) {
        return b >= 1 && b <= items ? b : 9;
    }

    /**
     * {@link Kfifo} of 2, counters from {@code 2^32 - 1}; {@code put(1..4)} against four {@code get()}s. The
     * first two puts always find room.
     */
    @JCStressTest
    @Outcome(id = "12, 12", expect = ACCEPTABLE, desc = "puts 3 and 4 found the fifo full; 1 and 2 came out once, in order")
    @Outcome(id = "123, 123", expect = ACCEPTABLE, desc = "put 4 found the fifo full; 1, 2, 3 came out once, in order")
    @Outcome(id = "124, 124", expect = ACCEPTABLE, desc = "put 3 found the fifo full, put 4 found room; 1, 2, 4 came out once, in order")
    @Outcome(id = "1234, 1234", expect = ACCEPTABLE, desc = "every put found room; all came out once, in order")
    @Outcome(expect = FORBIDDEN, desc = "what came out is not what was queued: an element lost, duplicated or reordered across the wrap")
    @State
    public static class KfifoPutGet {
        private static final Integer[] ITEMS = {0, 1, 2, 3, 4};
        private final Kfifo<Integer> fifo = new Kfifo<>(2);
        private int queued; // written by the producer, read by the arbiter after the actors
        private int taken;  // written by the consumer, read by the arbiter

        public KfifoPutGet() {
            FifoTestAccess.startIndicesAt(fifo, -1);
        }

        @Actor
        public void producer() {
            int digits = 0;
            for (int item = 1; item <= 4; item++) {
                if (fifo.put(ITEMS[item])) {
                    digits = append(digits, item);
                }
            }
            queued = digits;
        }

        @Actor
        public void consumer() {
            int digits = 0;
            for (int attempt = 0; attempt < 4; attempt++) {
                final Integer item = fifo.get();
                if (item != null) {
                    digits = append(digits, item);
                }
            }
            taken = digits;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            int digits = taken;
            Integer item;
            for (int i = 0; i < 8 && (item = fifo.get()) != null; i++) {
                digits = append(digits, item);
            }
            r.r1 = queued;
            r.r2 = digits;
        }
    }

    /**
     * {@link Kfifo} of 8 filled with 1..8 beforehand, counters from {@code 2^32 - 3} (they wrap inside the fill);
     * the producer offers 9, 10, 11 with {@code put()}, the consumer tries three {@code get()}s. The fifo is full,
     * so every put must find its room from the slots the consumer has emptied ({@code put()} reads the slot two
     * ahead, then its own, instead of the consumer's index). r1 = which puts were accepted (1 for 9, 2 for 10, 3
     * for 11: {@code 13} means 9 and 11), r2 = 1 if what the consumer took and then the arbiter drained is 1..8
     * followed by the accepted elements, in order, once each, else 0.
     */
    @JCStressTest
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "no put found room (the consumer took its elements after them); nothing lost or duplicated")
    @Outcome(id = {"1, 1", "2, 1", "3, 1", "12, 1", "13, 1", "23, 1"}, expect = ACCEPTABLE, desc = "the puts that came after the consumer had made room got in, the others were refused; all came out once, in order")
    @Outcome(id = "123, 1", expect = ACCEPTABLE, desc = "every put found room; all came out once, in order")
    @Outcome(expect = FORBIDDEN, desc = "an element lost, duplicated or reordered, or a put accepted without room (it overwrote a queued element)")
    @State
    public static class KfifoFullPutGet {
        private static final Integer[] ITEMS = new Integer[12];
        private final Kfifo<Integer> fifo = new Kfifo<>(8);
        private final int[] sequence = new int[16];
        private final int[] accepted = new int[3];
        private int acceptedCount; // written by the producer (with accepted), read by the arbiter after the actors
        private int taken;         // written by the consumer (with sequence), read by the arbiter

        static {
            for (int i = 0; i < ITEMS.length; i++) {
                ITEMS[i] = i;
            }
        }

        public KfifoFullPutGet() {
            FifoTestAccess.startIndicesAt(fifo, -3);
            for (int item = 1; item <= 8; item++) {
                fifo.put(ITEMS[item]);
            }
        }

        @Actor
        public void producer() {
            int n = 0;
            for (int item = 9; item <= 11; item++) {
                if (fifo.put(ITEMS[item])) {
                    accepted[n++] = item;
                }
            }
            acceptedCount = n;
        }

        @Actor
        public void consumer() {
            int n = 0;
            for (int attempt = 0; attempt < 3; attempt++) {
                final Integer item = fifo.get();
                if (item != null) {
                    sequence[n++] = item;
                }
            }
            taken = n;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            int n = taken;
            Integer item;
            while (n < sequence.length && (item = fifo.get()) != null) {
                sequence[n++] = item;
            }
            boolean intact = n == 8 + acceptedCount;
            for (int i = 0; intact && i < n; i++) {
                intact = sequence[i] == (i < 8 ? i + 1 : accepted[i - 8]);
            }
            int digits = 0;
            for (int i = 0; i < acceptedCount; i++) {
                digits = append(digits, accepted[i] - 8);
            }
            r.r1 = digits;
            r.r2 = intact ? 1 : 0;
        }
    }

    /**
     * {@link Kfifo} of 4, counters from {@code 2^32 - 1}; the producer offers {1, 2}, {3, 4}, {5, 6} with bulk
     * {@code in()}s (each queues what fits), the consumer tries three bulk {@code out()}s, of up to 1, 3 and 3
     * (a first take of one leaves room for half of the third offer). Copies on both sides straddle the end of the
     * slot array.
     */
    @JCStressTest
    @Outcome(id = "1234, 1234", expect = ACCEPTABLE, desc = "the third offer found the fifo full; 1..4 came out once, in order")
    @Outcome(id = "12345, 12345", expect = ACCEPTABLE, desc = "the third offer found room for one; 1..5 came out once, in order")
    @Outcome(id = "123456, 123456", expect = ACCEPTABLE, desc = "every offer found room; 1..6 came out once, in order")
    @Outcome(expect = FORBIDDEN, desc = "what came out is not what was queued: an element lost, duplicated or reordered across the wrap")
    @State
    public static class KfifoInOut {
        private static final Integer[] ITEMS = {0, 1, 2, 3, 4, 5, 6};
        private final Kfifo<Integer> fifo = new Kfifo<>(4);
        private final Integer[] src = new Integer[2];
        private final Integer[] dst = new Integer[3];
        private int queued;
        private int taken;

        public KfifoInOut() {
            FifoTestAccess.startIndicesAt(fifo, -1);
        }

        @Actor
        public void producer() {
            int digits = 0;
            for (int first = 1; first <= 5; first += 2) {
                src[0] = ITEMS[first];
                src[1] = ITEMS[first + 1];
                final int n = fifo.in(src, 0, 2);
                for (int i = 0; i < n; i++) {
                    digits = append(digits, first + i);
                }
            }
            queued = digits;
        }

        @Actor
        public void consumer() {
            int digits = 0;
            for (int attempt = 0; attempt < 3; attempt++) {
                final int n = fifo.out(dst, 0, attempt == 0 ? 1 : 3);
                for (int i = 0; i < n; i++) {
                    digits = append(digits, dst[i] == null ? 9 : dst[i]);
                }
            }
            taken = digits;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            int digits = taken;
            for (int attempt = 0, n; attempt < 4 && (n = fifo.out(dst, 0, 3)) > 0; attempt++) {
                for (int i = 0; i < n; i++) {
                    digits = append(digits, dst[i] == null ? 9 : dst[i]);
                }
            }
            r.r1 = queued;
            r.r2 = digits;
        }
    }

    /**
     * {@link ByteFifo} of 4, counters from {@code 2^32 - 1}; the producer offers the bytes {1, 2}, {3, 4}, {5, 6}
     * with {@code in()}s (each queues what fits), the consumer tries three {@code out()}s, of up to 1, 3 and 3
     * bytes. The first and third offers straddle the end of the storage, and the counters wrap inside the first
     * copy.
     */
    @JCStressTest
    @Outcome(id = "1234, 1234", expect = ACCEPTABLE, desc = "the third offer found the fifo full; bytes 1..4 came out once, in order")
    @Outcome(id = "12345, 12345", expect = ACCEPTABLE, desc = "the third offer found room for one byte; 1..5 came out once, in order")
    @Outcome(id = "123456, 123456", expect = ACCEPTABLE, desc = "every offer found room; 1..6 came out once, in order")
    @Outcome(expect = FORBIDDEN, desc = "what came out is not what was queued: a byte lost, duplicated, reordered or corrupted across the wrap")
    @State
    public static class ByteFifoInOut {
        private final ByteFifo fifo = new ByteFifo(4);
        private final byte[] src = new byte[2];
        private final byte[] dst = new byte[3];
        private int queued;
        private int taken;

        public ByteFifoInOut() {
            FifoTestAccess.startIndicesAt(fifo, -1);
        }

        @Actor
        public void producer() {
            int digits = 0;
            for (int first = 1; first <= 5; first += 2) {
                src[0] = (byte) first;
                src[1] = (byte) (first + 1);
                final int n = fifo.in(src, 0, 2);
                for (int i = 0; i < n; i++) {
                    digits = append(digits, first + i);
                }
            }
            queued = digits;
        }

        @Actor
        public void consumer() {
            int digits = 0;
            for (int attempt = 0; attempt < 3; attempt++) {
                final int n = fifo.out(dst, 0, attempt == 0 ? 1 : 3);
                for (int i = 0; i < n; i++) {
                    digits = append(digits, byteDigit(dst[i], 6));
                }
            }
            taken = digits;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            int digits = taken;
            for (int attempt = 0, n; attempt < 4 && (n = fifo.out(dst, 0, 3)) > 0; attempt++) {
                for (int i = 0; i < n; i++) {
                    digits = append(digits, byteDigit(dst[i], 6));
                }
            }
            r.r1 = queued;
            r.r2 = digits;
        }
    }

    /**
     * The record variants' producer and consumer: records 1..4 with payload lengths {@code lengths[1..4]}, byte
     * {@code j} of record {@code i} being {@code 16 * i + j}; a record that comes out with another length or
     * other bytes (or that a garbage header made too long to take) reads as 9.
     */
    abstract static class RecordWrap {
        final RecordFifo fifo;
        private final int[] lengths;
        private final byte[][] records;
        private final byte[] dst;
        private int queued;
        private int taken;

        RecordWrap(RecordFifo fifo, int start, int... lengths) {
            this.fifo = fifo;
            this.lengths = lengths;
            this.records = new byte[lengths.length][];
            for (int item = 1; item < lengths.length; item++) {
                records[item] = new byte[lengths[item]];
                for (int j = 0; j < lengths[item]; j++) {
                    records[item][j] = (byte) (16 * item + j);
                }
            }
            this.dst = new byte[fifo.maxRecordLength()];
            FifoTestAccess.startIndicesAt(fifo, start);
        }

        void produce() {
            int digits = 0;
            for (int item = 1; item < records.length; item++) {
                if (fifo.in(records[item], 0, records[item].length)) {
                    digits = append(digits, item);
                }
            }
            queued = digits;
        }

        void consume(int attempts) {
            int digits = 0;
            for (int attempt = 0; attempt < attempts; attempt++) {
                final int item = takeOne();
                if (item >= 0) {
                    digits = append(digits, item);
                }
            }
            taken = digits;
        }

        void drainInto(II_Result r) {
            int digits = taken;
            int item;
            for (int i = 0; i < 8 && (item = takeOne()) >= 0; i++) {
                digits = append(digits, item);
            }
            r.r1 = queued;
            r.r2 = digits;
        }

        /** Takes one record: -1 if there was none, else its item number, or 9 if it is not a record queued. */
        private int takeOne() {
            final int n;
            try {
                n = fifo.out(dst, 0, dst.length);
            } catch (IllegalArgumentException garbageHeader) {
                fifo.skip();
                return 9;
            }
            if (n < 0) {
                return -1;
            }
            final int item = n == 0 ? 0 : (dst[0] >> 4) & 0xF;
            if (item < 1 || item >= lengths.length || n != lengths[item]) {
                return 9;
            }
            for (int j = 0; j < n; j++) {
                if (dst[j] != records[item][j]) {
                    return 9;
                }
            }
            return item;
        }
    }

    /**
     * {@link RecordFifo} of 8 with one-byte headers, counters from {@code 2^32 - 2}; records of 3, 2, 3 and 2
     * bytes (4, 3, 4, 3 with their headers), offered once each, against four {@code out()}s. Records 1 and 3
     * straddle the end of the storage, and the counters wrap inside record 1's payload. Records 1 and 2 always
     * fit; 3 needs 1 taken, 4 needs 1 and 2 taken when 3 got in, else 1.
     */
    @JCStressTest
    @Outcome(id = "12, 12", expect = ACCEPTABLE, desc = "records 3 and 4 did not fit; 1 and 2 came out whole, once, in order")
    @Outcome(id = "123, 123", expect = ACCEPTABLE, desc = "record 4 did not fit; 1, 2, 3 came out whole, once, in order")
    @Outcome(id = "124, 124", expect = ACCEPTABLE, desc = "record 3 did not fit, 4 did; 1, 2, 4 came out whole, once, in order")
    @Outcome(id = "1234, 1234", expect = ACCEPTABLE, desc = "every record fitted; all came out whole, once, in order")
    @Outcome(expect = FORBIDDEN, desc = "what came out is not what was queued: a record lost, duplicated, reordered or corrupted (9) across the wrap")
    @State
    public static class RecordFifoOneByteHeader extends RecordWrap {
        public RecordFifoOneByteHeader() {
            super(new RecordFifo(8, 1), -2, 0, 3, 2, 3, 2);
        }

        @Actor
        public void producer() {
            produce();
        }

        @Actor
        public void consumer() {
            consume(4);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            drainInto(r);
        }
    }

    /**
     * {@link RecordFifo} of 8 with two-byte headers, counters from {@code 2^32 - 1}; records of 2, 1, 2 and 1
     * bytes (4, 3, 4, 3 with their headers). Record 1's header straddles the end of the storage (the counters
     * wrap between its two bytes); record 3's header fills the last two bytes and its payload starts over at the
     * first. Which records fit: as with one-byte headers.
     */
    @JCStressTest
    @Outcome(id = "12, 12", expect = ACCEPTABLE, desc = "records 3 and 4 did not fit; 1 and 2 came out whole, once, in order")
    @Outcome(id = "123, 123", expect = ACCEPTABLE, desc = "record 4 did not fit; 1, 2, 3 came out whole, once, in order")
    @Outcome(id = "124, 124", expect = ACCEPTABLE, desc = "record 3 did not fit, 4 did; 1, 2, 4 came out whole, once, in order")
    @Outcome(id = "1234, 1234", expect = ACCEPTABLE, desc = "every record fitted; all came out whole, once, in order")
    @Outcome(expect = FORBIDDEN, desc = "what came out is not what was queued: a record lost, duplicated, reordered or corrupted (9) across the wrap")
    @State
    public static class RecordFifoTwoByteHeader extends RecordWrap {
        public RecordFifoTwoByteHeader() {
            super(new RecordFifo(8, 2), -1, 0, 2, 1, 2, 1);
        }

        @Actor
        public void producer() {
            produce();
        }

        @Actor
        public void consumer() {
            consume(4);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            drainInto(r);
        }
    }
}
