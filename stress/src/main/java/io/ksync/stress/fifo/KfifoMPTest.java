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
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Message passing through a {@link Kfifo} (the MP shape, with the fifo as the flag): the producer creates an
 * element with plain fields, stores {@code x = 1} then {@code y = 1} into it, and queues it; the consumer takes
 * it and loads {@code y} then {@code x}. An element the consumer gets must be fully written (the put
 * happens-before the get that returns it), and it must be delivered exactly once: an arbiter drains what the
 * consumer left and counts it. One nested test per pair of paths, because they signal differently: {@code get()}
 * learns that an element is there from its slot ({@code getAcquire} of the slot), the bulk {@code out()} from the
 * producer's index, {@code put()} publishes the slot with {@code setRelease}, the bulk {@code in()} with a
 * release fence before plain copies. The busted control {@code io.ksync.stress.busted.PublishBeforeWriteKfifoMPTest}
 * runs the {@code PutGet} shape over a fifo that advances its index before it stores the element.
 */
public final class KfifoMPTest {

    private KfifoMPTest() {
    }

    /** The message: two plain fields, written by the producer before it queues the element. */
    static final class Box {
        int x;
        int y;
    }

    /** {@code put()} against {@code get()}; r1 = y, r2 = x of the element got (-1, -1 for none), r3 = elements left. */
    @JCStressTest
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "got the element, fully written; nothing left")
    @Outcome(id = "-1, -1, 1", expect = ACCEPTABLE, desc = "the get came before the put; the element was still queued")
    @Outcome(id = {"0, 0, 0", "1, 0, 0", "0, 1, 0"}, expect = FORBIDDEN, desc = "got the element with fields unwritten: the put did not publish the stores before it")
    @Outcome(id = "-1, -1, 0", expect = FORBIDDEN, desc = "lost: the get returned nothing, yet the element was gone")
    @Outcome(expect = FORBIDDEN, desc = "delivered twice, or another impossible outcome")
    @State
    public static class PutGet {
        private final Kfifo<Box> fifo = new Kfifo<>(2);

        @Actor
        public void producer() {
            final Box box = new Box();
            box.x = 1;
            box.y = 1;
            fifo.put(box);
        }

        @Actor
        public void consumer(III_Result r) {
            final Box box = fifo.get();
            if (box == null) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                r.r1 = box.y;
                r.r2 = box.x;
            }
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = drain(fifo);
        }
    }

    /** Bulk {@code in()} of one element against {@code get()}; r1 = y, r2 = x (-1, -1 for none), r3 = elements left. */
    @JCStressTest
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "got the element, fully written; nothing left")
    @Outcome(id = "-1, -1, 1", expect = ACCEPTABLE, desc = "the get came before the in; the element was still queued")
    @Outcome(id = {"0, 0, 0", "1, 0, 0", "0, 1, 0"}, expect = FORBIDDEN, desc = "got the element with fields unwritten: in()'s release fence did not order the stores before the slot copy")
    @Outcome(id = "-1, -1, 0", expect = FORBIDDEN, desc = "lost: the get returned nothing, yet the element was gone")
    @Outcome(expect = FORBIDDEN, desc = "delivered twice, or another impossible outcome")
    @State
    public static class InGet {
        private final Kfifo<Box> fifo = new Kfifo<>(2);
        private final Box[] src = new Box[1];

        @Actor
        public void producer() {
            final Box box = new Box();
            box.x = 1;
            box.y = 1;
            src[0] = box;
            fifo.in(src, 0, 1);
        }

        @Actor
        public void consumer(III_Result r) {
            final Box box = fifo.get();
            if (box == null) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                r.r1 = box.y;
                r.r2 = box.x;
            }
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = drain(fifo);
        }
    }

    /** {@code put()} against a bulk {@code out()} of one; r1 = y, r2 = x (-1, -1 for none), r3 = elements left. */
    @JCStressTest
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "got the element, fully written; nothing left")
    @Outcome(id = "-1, -1, 1", expect = ACCEPTABLE, desc = "the out came before the put; the element was still queued")
    @Outcome(id = {"0, 0, 0", "1, 0, 0", "0, 1, 0"}, expect = FORBIDDEN, desc = "got the element with fields unwritten: the index the out read did not publish them")
    @Outcome(id = "-1, -1, 0", expect = FORBIDDEN, desc = "lost: the out returned nothing, yet the element was gone")
    @Outcome(expect = FORBIDDEN, desc = "delivered twice, or another impossible outcome")
    @State
    public static class PutOut {
        private final Kfifo<Box> fifo = new Kfifo<>(2);
        private final Box[] dst = new Box[1];

        @Actor
        public void producer() {
            final Box box = new Box();
            box.x = 1;
            box.y = 1;
            fifo.put(box);
        }

        @Actor
        public void consumer(III_Result r) {
            if (fifo.out(dst, 0, 1) == 0) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                final Box box = dst[0]; // null: the out copied a slot the put had not filled
                r.r1 = box == null ? 0 : box.y;
                r.r2 = box == null ? 0 : box.x;
            }
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = drain(fifo);
        }
    }

    /**
     * Bulk {@code in()} of two elements against a bulk {@code out()} of up to two, on a fifo of 4 whose counters
     * start at {@code 2^32 - 1}: the copies straddle the end of the slot array and the counters wrap in the middle
     * of them. r1 = elements the consumer got, r2 = the sum of their {@code y}, r3 = the sum of their {@code x}
     * (each read y first), r4 = elements left for the arbiter.
     */
    @JCStressTest
    @Outcome(id = "2, 2, 2, 0", expect = ACCEPTABLE, desc = "got both elements, fully written")
    @Outcome(id = "0, 0, 0, 2", expect = ACCEPTABLE, desc = "the out came before the in; both elements were still queued")
    @Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "got the first element, fully written, the second was still queued (allowed, though this implementation publishes a bulk in at once)")
    @Outcome(expect = FORBIDDEN, desc = "got an element with fields unwritten, or lost or duplicated one")
    @State
    public static class InOut {
        private final Kfifo<Box> fifo = new Kfifo<>(4);
        private final Box[] src = new Box[2];
        private final Box[] dst = new Box[2];

        public InOut() {
            FifoTestAccess.startIndicesAt(fifo, -1);
        }

        @Actor
        public void producer() {
            final Box first = new Box();
            first.x = 1;
            first.y = 1;
            final Box second = new Box();
            second.x = 1;
            second.y = 1;
            src[0] = first;
            src[1] = second;
            fifo.in(src, 0, 2);
        }

        @Actor
        public void consumer(IIII_Result r) {
            final int n = fifo.out(dst, 0, 2);
            int ys = 0;
            int xs = 0;
            for (int i = 0; i < n; i++) {
                final Box box = dst[i]; // null: the out copied a slot the in had not filled
                if (box != null) {
                    ys += box.y;
                    xs += box.x;
                }
            }
            r.r1 = n;
            r.r2 = ys;
            r.r3 = xs;
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            r.r4 = drain(fifo);
        }
    }

    /** Takes every element left (at most 8), after the actors: the number taken. */
    static int drain(Kfifo<?> fifo) {
        int left = 0;
        while (left < 8 && fifo.get() != null) {
            left++;
        }
        return left;
    }
}
