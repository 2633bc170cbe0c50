package io.ksync.stress.fifo;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.fifo.FifoTestAccess;
import io.ksync.fifo.Kfifo;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Several producers (or several consumers) of one {@link Kfifo} through the {@code ...Locked} methods
 * ({@code kfifo_in_spinlocked}, {@code kfifo_out_spinlocked}) lose and duplicate nothing, and keep each thread's
 * order. Two producers and the arbiter as the consumer (a third actor would not run on a two-CPU machine: jcstress
 * skips tests with more actors than CPUs), or two consumers of a fifo filled beforehand. The counters start at
 * {@code 2^32 - 2}, so every run crosses their wrap. Items are digits: {@code 3142} means 3, 1, 4, 2 in that
 * order.
 */
public final class KfifoLockedNoLossTest {

    private KfifoLockedNoLossTest() {
    }

    private static final Integer[] ITEMS = {0, 1, 2, 3, 4};

    /** The digits of everything left in {@code fifo}, taken in order after the actors (at most 8). */
    static int drain(Kfifo<Integer> fifo) {
        int digits = 0;
        Integer item;
        for (int i = 0; i < 8 && (item = fifo.get()) != null; i++) {
            digits = digits * 10 + item;
        }
        return digits;
    }

    /**
     * Two producers {@code putLocked()} 1, 2 and 3, 4 into a fifo of 4, which holds them all. r1 = the order the
     * arbiter takes them out in, r2 = how many puts returned {@code true}.
     */
    @JCStressTest
    @Outcome(id = {"1234, 4", "1324, 4", "1342, 4", "3124, 4", "3142, 4", "3412, 4"}, expect = ACCEPTABLE, desc = "all four queued once, each producer's two in its order")
    @Outcome(expect = FORBIDDEN, desc = "an element lost or duplicated (the producers overlapped on the slots or the index), a producer's order broken, or a put refused with room left")
    @State
    public static class PutLockedPutLocked {
        private final Kfifo<Integer> fifo = new Kfifo<>(4);
        private int accepted1; // written by producer1, read by the arbiter after the actors
        private int accepted2;

        public PutLockedPutLocked() {
            FifoTestAccess.startIndicesAt(fifo, -2);
        }

        @Actor
        public void producer1() {
            int accepted = fifo.putLocked(ITEMS[1]) ? 1 : 0;
            accepted += fifo.putLocked(ITEMS[2]) ? 1 : 0;
            accepted1 = accepted;
        }

        @Actor
        public void producer2() {
            int accepted = fifo.putLocked(ITEMS[3]) ? 1 : 0;
            accepted += fifo.putLocked(ITEMS[4]) ? 1 : 0;
            accepted2 = accepted;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = drain(fifo);
            r.r2 = accepted1 + accepted2;
        }
    }

    /**
     * Two producers {@code inLocked()} {1, 2} and {3, 4} in one call each. The elements one call queues stay
     * together: the arbiter takes 1234 or 3412, nothing interleaved. r1 = the order taken, r2 = elements queued.
     */
    @JCStressTest
    @Outcome(id = {"1234, 4", "3412, 4"}, expect = ACCEPTABLE, desc = "both calls queued whole, one after the other")
    @Outcome(id = {"1324, 4", "1342, 4", "3124, 4", "3142, 4"}, expect = FORBIDDEN, desc = "one call's elements were split by the other's: the producer lock did not cover the whole call")
    @Outcome(expect = FORBIDDEN, desc = "an element lost or duplicated, or a call refused with room left")
    @State
    public static class InLockedInLocked {
        private final Kfifo<Integer> fifo = new Kfifo<>(4);
        private final Integer[] src1 = {ITEMS[1], ITEMS[2]};
        private final Integer[] src2 = {ITEMS[3], ITEMS[4]};
        private int accepted1;
        private int accepted2;

        public InLockedInLocked() {
            FifoTestAccess.startIndicesAt(fifo, -2);
        }

        @Actor
        public void producer1() {
            accepted1 = fifo.inLocked(src1, 0, 2);
        }

        @Actor
        public void producer2() {
            accepted2 = fifo.inLocked(src2, 0, 2);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = drain(fifo);
            r.r2 = accepted1 + accepted2;
        }
    }

    /**
     * A fifo of 4 holding 1, 2, 3, 4; two consumers each {@code getLocked()} twice (four gets for four elements,
     * so none finds the fifo empty). r1 = what consumer 1 got, r2 = what consumer 2 got, in the order got.
     */
    @JCStressTest
    @Outcome(id = {"12, 34", "13, 24", "14, 23", "23, 14", "24, 13", "34, 12"}, expect = ACCEPTABLE, desc = "each element went to exactly one consumer, each consumer got its two in fifo order")
    @Outcome(expect = FORBIDDEN, desc = "an element taken twice or by nobody (the consumers overlapped on a slot or the index), or taken out of order")
    @State
    public static class GetLockedGetLocked {
        private final Kfifo<Integer> fifo = new Kfifo<>(4);

        public GetLockedGetLocked() {
            FifoTestAccess.startIndicesAt(fifo, -2);
            for (int item = 1; item <= 4; item++) {
                fifo.put(ITEMS[item]);
            }
        }

        @Actor
        public void consumer1(II_Result r) {
            r.r1 = takeTwo();
        }

        @Actor
        public void consumer2(II_Result r) {
            r.r2 = takeTwo();
        }

        private int takeTwo() {
            int digits = 0;
            for (int i = 0; i < 2; i++) {
                final Integer item = fifo.getLocked();
                digits = digits * 10 + (item == null ? 0 : item);
            }
            return digits;
        }
    }
}
