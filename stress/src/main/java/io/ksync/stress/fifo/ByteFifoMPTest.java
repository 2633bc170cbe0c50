package io.ksync.stress.fifo;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.fifo.ByteFifo;
import io.ksync.fifo.FifoTestAccess;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Message passing through a {@link ByteFifo}: the bytes the consumer reads are the bytes the producer queued,
 * never the storage's zeros, and everything the producer did before queueing is visible after the read. In
 * {@code InOut} the producer writes a four-byte pattern into a plain array just before {@code in()} copies it
 * into the fifo's storage; the consumer {@code out()}s and compares every byte it got with the pattern (the
 * storage starts zeroed, so a copy not yet visible reads as zeros); an arbiter counts the bytes left, so a byte
 * lost or read twice shows too. The counters start at {@code 2^32 - 2} on a fifo of 8, so the four bytes
 * straddle the end of the storage and the counters wrap in the middle of them. Heap and direct storage, whose
 * copies go through different {@code ByteBuffer} code; and {@code put(byte)}/{@code get()}, where the byte is
 * the flag for a plain field.
 */
public final class ByteFifoMPTest {

    private ByteFifoMPTest() {
    }

    /** The pattern byte at {@code i}: never zero, different at every position. */
    static byte patternAt(int i) {
        return (byte) (0x11 * (i + 1));
    }

    /** The producer's side: writes the pattern into {@code pattern}, then {@code in()}s it. */
    static void writeAndQueue(ByteFifo fifo, byte[] pattern) {
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = patternAt(i);
        }
        fifo.in(pattern, 0, pattern.length);
    }

    /** The consumer's side: r1 = bytes got, r2 = how many of them equal the pattern at their position. */
    static void takeAndCompare(ByteFifo fifo, byte[] dst, III_Result r) {
        final int n = fifo.out(dst, 0, dst.length);
        int matching = 0;
        for (int i = 0; i < n; i++) {
            if (dst[i] == patternAt(i)) {
                matching++;
            }
        }
        r.r1 = n;
        r.r2 = matching;
    }

    /** Heap storage; r1 = bytes got, r2 = how many equal the pattern, r3 = bytes left for the arbiter. */
    @JCStressTest
    @Outcome(id = "4, 4, 0", expect = ACCEPTABLE, desc = "got the whole pattern")
    @Outcome(id = "0, 0, 4", expect = ACCEPTABLE, desc = "the out came before the in; the pattern was still queued")
    @Outcome(id = {"1, 1, 3", "2, 2, 2", "3, 3, 1"}, expect = ACCEPTABLE, desc = "got a prefix of the pattern, the rest was still queued (a byte stream keeps no boundaries; this implementation publishes an in() at once)")
    @Outcome(id = {"4, 0, 0", "4, 1, 0", "4, 2, 0", "4, 3, 0"}, expect = FORBIDDEN, desc = "got bytes that are not the pattern (zeros: the fifo's copy was not visible when its index was)")
    @Outcome(expect = FORBIDDEN, desc = "bytes lost or read twice, or another impossible outcome")
    @State
    public static class InOut {
        private final ByteFifo fifo = new ByteFifo(8);
        private final byte[] pattern = new byte[4];
        private final byte[] dst = new byte[4];

        public InOut() {
            FifoTestAccess.startIndicesAt(fifo, -2);
        }

        @Actor
        public void producer() {
            writeAndQueue(fifo, pattern);
        }

        @Actor
        public void consumer(III_Result r) {
            takeAndCompare(fifo, dst, r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = fifo.skip(16);
        }
    }

    /** As {@link InOut}, on direct (off-heap) storage. */
    @JCStressTest
    @Outcome(id = "4, 4, 0", expect = ACCEPTABLE, desc = "got the whole pattern")
    @Outcome(id = "0, 0, 4", expect = ACCEPTABLE, desc = "the out came before the in; the pattern was still queued")
    @Outcome(id = {"1, 1, 3", "2, 2, 2", "3, 3, 1"}, expect = ACCEPTABLE, desc = "got a prefix of the pattern, the rest was still queued (a byte stream keeps no boundaries; this implementation publishes an in() at once)")
    @Outcome(id = {"4, 0, 0", "4, 1, 0", "4, 2, 0", "4, 3, 0"}, expect = FORBIDDEN, desc = "got bytes that are not the pattern (zeros: the fifo's copy was not visible when its index was)")
    @Outcome(expect = FORBIDDEN, desc = "bytes lost or read twice, or another impossible outcome")
    @State
    public static class DirectInOut {
        private final ByteFifo fifo = ByteFifo.allocateDirect(8);
        private final byte[] pattern = new byte[4];
        private final byte[] dst = new byte[4];

        public DirectInOut() {
            FifoTestAccess.startIndicesAt(fifo, -2);
        }

        @Actor
        public void producer() {
            writeAndQueue(fifo, pattern);
        }

        @Actor
        public void consumer(III_Result r) {
            takeAndCompare(fifo, dst, r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = fifo.skip(16);
        }
    }

    /**
     * {@code put(byte)} against {@code get()}, the byte as the flag: the producer stores a plain {@code x = 1},
     * then puts 7. r1 = the byte got (-1 for none), r2 = x when a byte was got (else -1), r3 = bytes left.
     */
    @JCStressTest
    @Outcome(id = "7, 1, 0", expect = ACCEPTABLE, desc = "got the byte, and saw the store before its put")
    @Outcome(id = "-1, -1, 1", expect = ACCEPTABLE, desc = "the get came before the put; the byte was still queued")
    @Outcome(id = "7, 0, 0", expect = FORBIDDEN, desc = "got the byte but missed the store before its put")
    @Outcome(id = "0, 1, 0", expect = FORBIDDEN, desc = "got a zero: the storage's store was not visible when the index was")
    @Outcome(id = "-1, -1, 0", expect = FORBIDDEN, desc = "lost: the get returned nothing, yet the byte was gone")
    @Outcome(expect = FORBIDDEN, desc = "read twice, or another impossible outcome")
    @State
    public static class PutGet {
        private final ByteFifo fifo = new ByteFifo(2);
        private int x;

        @Actor
        public void producer() {
            x = 1;
            fifo.put((byte) 7);
        }

        @Actor
        public void consumer(III_Result r) {
            final int b = fifo.get();
            r.r1 = b;
            r.r2 = b < 0 ? -1 : x;
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = fifo.skip(16);
        }
    }
}
