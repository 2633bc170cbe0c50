package io.ksync.atomic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AtomicBitsTest {

    @Test
    void newBitmapHasEveryBitClear() {
        AtomicBits bits = new AtomicBits(130);
        assertEquals(130, bits.size());
        assertEquals(0, bits.weight());
        assertEquals(130, bits.findFirstBit(), "no set bit: find_first_bit returns the size");
        assertEquals(0, bits.findFirstZeroBit());
        for (int i = 0; i < bits.size(); i++) {
            assertFalse(bits.testBit(i), "bit " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void nonPositiveSizeIsRejected(int size) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AtomicBits(size));
        assertEquals("AtomicBits size must be > 0, was " + size, e.getMessage());
    }

    @Test
    void setClearAndChangeBitAffectOnlyTheirBitAcrossWordBoundaries() {
        AtomicBits bits = new AtomicBits(130);
        int[] indices = {0, 1, 63, 64, 65, 127, 128, 129};
        for (int i : indices) {
            bits.setBit(i);
            assertTrue(bits.testBit(i), "bit " + i);
            assertEquals(1, bits.weight(), "setBit(" + i + ") must set exactly one bit");
            bits.clearBit(i);
            assertFalse(bits.testBit(i), "bit " + i);
            assertEquals(0, bits.weight());
            bits.changeBit(i);
            assertTrue(bits.testBit(i));
            assertTrue(bits.testBitAcquire(i));
            bits.changeBit(i);
            assertFalse(bits.testBitAcquire(i));
            assertEquals(0, bits.weight());
        }
    }

    @Test
    void setBitIsIdempotentAndClearBitOfAClearBitDoesNothing() {
        AtomicBits bits = new AtomicBits(10);
        bits.setBit(3);
        bits.setBit(3);
        assertEquals(1, bits.weight());
        bits.clearBit(4);
        assertEquals(1, bits.weight());
        assertTrue(bits.testBit(3));
    }

    @Test
    void testAndOperationsReturnTheOldValue() {
        AtomicBits bits = new AtomicBits(100);
        assertFalse(bits.testAndSetBit(70));
        assertTrue(bits.testAndSetBit(70));
        assertTrue(bits.testBit(70));
        assertTrue(bits.testAndClearBit(70));
        assertFalse(bits.testAndClearBit(70));
        assertFalse(bits.testBit(70));
        assertFalse(bits.testAndChangeBit(70));
        assertTrue(bits.testBit(70));
        assertTrue(bits.testAndChangeBit(70));
        assertFalse(bits.testBit(70));
        assertEquals(0, bits.weight());
    }

    @Test
    void bitLockIsTakenOnlyWhenFreeAndReleasedByClearBitUnlock() {
        AtomicBits bits = new AtomicBits(64);
        assertFalse(bits.testAndSetBitLock(9), "a clear bit: the lock is taken");
        assertTrue(bits.testAndSetBitLock(9), "a set bit: the lock is held by someone else");
        assertTrue(bits.testBitAcquire(9));
        bits.clearBitUnlock(9);
        assertFalse(bits.testBitAcquire(9));
        assertFalse(bits.testAndSetBitLock(9));
        bits.clearBitUnlock(9);
    }

    @Test
    void clearBitUnlockOfABitLockNotHeldThrowsAndChangesNothing() {
        AtomicBits bits = new AtomicBits(64);
        bits.setBit(8);
        IllegalMonitorStateException e =
                assertThrows(IllegalMonitorStateException.class, () -> bits.clearBitUnlock(9));
        assertTrue(e.getMessage().contains("clearBitUnlock(9) while bit 9 was clear"), e.getMessage());
        assertTrue(e.getMessage().contains("testAndSetBitLock()"), "says what to do: " + e.getMessage());
        assertTrue(bits.testBit(8), "the other bits of the word are untouched");
        assertEquals(1, bits.weight());
    }

    @Test
    void everyBitOperationRejectsAnIndexOutOfRange() {
        AtomicBits bits = new AtomicBits(130);
        bits.setBit(129);
        for (int index : new int[] {-1, 130, 131, 192, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("setBit", () -> bits.setBit(index));
            calls.put("clearBit", () -> bits.clearBit(index));
            calls.put("changeBit", () -> bits.changeBit(index));
            calls.put("testBit", () -> bits.testBit(index));
            calls.put("testBitAcquire", () -> bits.testBitAcquire(index));
            calls.put("testAndSetBit", () -> bits.testAndSetBit(index));
            calls.put("testAndClearBit", () -> bits.testAndClearBit(index));
            calls.put("testAndChangeBit", () -> bits.testAndChangeBit(index));
            calls.put("testAndSetBitLock", () -> bits.testAndSetBitLock(index));
            calls.put("clearBitUnlock", () -> bits.clearBitUnlock(index));
            for (Map.Entry<String, Executable> call : calls.entrySet()) {
                String what = call.getKey() + "(" + index + ")";
                IndexOutOfBoundsException e =
                        assertThrows(IndexOutOfBoundsException.class, call.getValue(), what);
                assertEquals("AtomicBits bit index " + index + " out of range [0, 130)", e.getMessage(), what);
            }
        }
        assertEquals(1, bits.weight(), "rejected calls change nothing");
        assertTrue(bits.testBit(129));
    }

    @Test
    void findNextBitVisitsEverySetBitInOrder() {
        AtomicBits bits = new AtomicBits(200);
        List<Integer> expected = List.of(0, 5, 63, 64, 127, 128, 199);
        expected.forEach(bits::setBit);
        List<Integer> visited = new ArrayList<>();
        for (int i = bits.findFirstBit(); i < bits.size(); i = bits.findNextBit(i + 1)) { // for_each_set_bit
            visited.add(i);
        }
        assertEquals(expected, visited);
        assertEquals(expected.size(), bits.weight());
        assertEquals(64, bits.findNextBit(64), "the start bit itself counts");
        assertEquals(127, bits.findNextBit(65));
    }

    @Test
    void findNextZeroBitVisitsEveryClearBitInOrder() {
        AtomicBits bits = new AtomicBits(130);
        bits.fill();
        List<Integer> expected = List.of(0, 63, 64, 100, 129);
        expected.forEach(bits::clearBit);
        List<Integer> visited = new ArrayList<>();
        for (int i = bits.findFirstZeroBit(); i < bits.size(); i = bits.findNextZeroBit(i + 1)) {
            visited.add(i);
        }
        assertEquals(expected, visited);
        assertEquals(130 - expected.size(), bits.weight());
    }

    @Test
    void searchesReturnTheSizeWhenNothingIsFoundOrTheStartIsPastTheEnd() {
        AtomicBits bits = new AtomicBits(70);
        bits.setBit(10);
        assertEquals(70, bits.findNextBit(11));
        assertEquals(70, bits.findNextBit(70));
        assertEquals(70, bits.findNextBit(Integer.MAX_VALUE));
        assertEquals(70, bits.findNextZeroBit(70));
        assertEquals(70, bits.findNextZeroBit(1000));
        bits.fill();
        assertEquals(70, bits.findFirstZeroBit(), "the bits past size are not bits of the map");
        assertEquals(70, bits.findNextZeroBit(65));
        bits.clearBit(69);
        assertEquals(69, bits.findNextZeroBit(0));
    }

    @Test
    void searchesRejectANegativeStart() {
        AtomicBits bits = new AtomicBits(70);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> bits.findNextBit(-1));
        assertEquals("AtomicBits search start -1 must be >= 0", e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> bits.findNextZeroBit(Integer.MIN_VALUE));
        assertEquals("AtomicBits search start " + Integer.MIN_VALUE + " must be >= 0", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 63, 64, 65, 127, 128, 129, 1000})
    void fillSetsExactlySizeBitsAndClearClearsThemAll(int size) {
        AtomicBits bits = new AtomicBits(size);
        bits.fill();
        assertEquals(size, bits.weight());
        assertEquals(0, bits.findFirstBit());
        assertEquals(size, bits.findFirstZeroBit());
        assertTrue(bits.testBit(size - 1));
        bits.clear();
        assertEquals(0, bits.weight());
        assertEquals(size, bits.findFirstBit());
        assertEquals(0, bits.findFirstZeroBit());
    }

    @Test
    void toStringListsTheSetBitsAsRanges() {
        AtomicBits bits = new AtomicBits(100);
        assertEquals("AtomicBits[size=100, {}]", bits.toString());
        for (int i : new int[] {0, 1, 2, 3, 7, 63, 64, 65, 99}) {
            bits.setBit(i);
        }
        assertEquals("AtomicBits[size=100, {0-3,7,63-65,99}]", bits.toString());
        bits.fill();
        assertEquals("AtomicBits[size=100, {0-99}]", bits.toString());
    }

    // ---- real concurrency ----

    private static final int THREADS = 4;
    private static final int SIZE = 1000; // 16 words, the last one partial: threads share every word

    @Test
    void concurrentSetAndClearOfBitsInSharedWordsLeaveExactlyTheExpectedBits() throws InterruptedException {
        for (int iteration = 0; iteration < 20; iteration++) {
            AtomicBits bits = new AtomicBits(SIZE);
            for (int i = 1; i < SIZE; i += 2) {
                bits.setBit(i); // odd bits start set
            }
            Concurrently.run(THREADS, thread -> {
                for (int round = 0; round < 50; round++) {
                    for (int i = thread; i < SIZE; i += THREADS) { // interleaved: neighbours in every word
                        if ((i & 1) == 0) {
                            bits.setBit(i);
                        } else {
                            bits.clearBit(i);
                        }
                    }
                }
            });
            for (int i = 0; i < SIZE; i++) {
                assertEquals((i & 1) == 0, bits.testBit(i), "iteration " + iteration + ", bit " + i);
            }
            assertEquals(SIZE / 2, bits.weight());
        }
    }

    @Test
    void ownedBitsInSharedWordsNeverLoseAnUpdate() throws InterruptedException {
        AtomicBits bits = new AtomicBits(SIZE);
        assertFalse(runOwnedBitsHarness(new AtomicBitOps(bits), 2_000),
                "an update of a bit owned by one thread was lost");
        for (int i = 0; i < SIZE; i++) {
            assertEquals(i % 3 == 0, bits.testBit(i), "bit " + i);
        }
    }

    @Test
    void ownedBitsHarnessCatchesABitmapWhoseUpdatesAreNotAtomic() throws InterruptedException {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "the threads of a race harness overlap only on two CPUs or more");
        // busted control: a get-then-set bitmap loses concurrent updates of other bits of the same word
        boolean caught = false;
        for (int attempt = 0; attempt < 50 && !caught; attempt++) {
            caught = runOwnedBitsHarness(new GetThenSetBitOps(SIZE), 20_000); // stops at the first loss
        }
        assertTrue(caught, "the harness must detect lost updates, or it proves nothing about AtomicBits");
    }

    @Test
    void testAndSetBitHasExactlyOneWinnerPerBit() throws InterruptedException {
        for (int iteration = 0; iteration < 20; iteration++) {
            AtomicBits bits = new AtomicBits(SIZE);
            boolean[][] won = new boolean[THREADS][SIZE];
            Concurrently.run(THREADS, thread -> {
                for (int i = 0; i < SIZE; i++) {
                    won[thread][i] = !bits.testAndSetBit(i);
                }
            });
            for (int i = 0; i < SIZE; i++) {
                int winners = 0;
                for (int t = 0; t < THREADS; t++) {
                    winners += won[t][i] ? 1 : 0;
                }
                assertEquals(1, winners, "iteration " + iteration + ", bit " + i);
            }
            assertEquals(SIZE, bits.weight());
        }
    }

    @Test
    void concurrentChangesOfEveryBitKeepTheParity() throws InterruptedException {
        AtomicBits bits = new AtomicBits(SIZE);
        final int threads = 3;
        final int flipsPerThread = 301; // 3 * 301 flips per bit: odd, so every bit ends set
        Concurrently.run(threads, thread -> {
            for (int round = 0; round < flipsPerThread; round++) {
                for (int i = 0; i < SIZE; i++) {
                    if ((round & 1) == 0) {
                        bits.changeBit(i);
                    } else {
                        bits.testAndChangeBit(i);
                    }
                }
            }
        });
        assertEquals(SIZE, bits.weight());
    }

    @Test
    void bitLockGivesMutualExclusionAndVisibilityWhileNeighbouringBitsChange() throws InterruptedException {
        final AtomicBits bits = new AtomicBits(64);
        final int lockBit = 5;
        final int perThread = 100_000;
        final long[] counter = {0}; // plain, guarded by the bit lock
        Concurrently.run(THREADS, thread -> {
            final int neighbour = 10 + thread; // same word as the lock bit
            for (int i = 0; i < perThread; i++) {
                Concurrently.spinUntil(() -> !bits.testAndSetBitLock(lockBit));
                counter[0]++;
                bits.changeBit(neighbour);
                bits.clearBitUnlock(lockBit);
                bits.changeBit(neighbour); // races with the next holder's clearBitUnlock on the same word
            }
        });
        assertEquals((long) THREADS * perThread, counter[0], "lost increments: the bit lock did not exclude");
        assertFalse(bits.testBit(lockBit));
        assertEquals(0, bits.weight(), "each neighbour flipped an even number of times: none may be lost");
    }

    // ---- the owned-bits harness and its busted control ----

    /** The operations the owned-bits harness drives. */
    private interface BitOps {
        void setBit(int i);

        void clearBit(int i);

        void changeBit(int i);

        boolean testAndSetBit(int i);

        boolean testAndClearBit(int i);

        boolean testAndChangeBit(int i);
    }

    /**
     * THREADS threads each own the bits {@code i % THREADS == thread}, so every word is shared; each checks
     * the return value of every operation on its own bits, which only it changes: a lost update shows as a
     * wrong return value or a wrong final state. Returns whether an update was lost.
     */
    private static boolean runOwnedBitsHarness(BitOps bits, int rounds) throws InterruptedException {
        final AtomicBoolean lost = new AtomicBoolean();
        Concurrently.run(THREADS, thread -> {
            for (int round = 0; round < rounds && !lost.get(); round++) {
                for (int i = thread; i < SIZE; i += THREADS) {
                    bits.setBit(i);
                    boolean ok = bits.testAndClearBit(i);    // was set by us
                    ok &= !bits.testAndSetBit(i);            // was clear
                    bits.clearBit(i);
                    ok &= !bits.testAndChangeBit(i);         // was clear, now set
                    bits.changeBit(i);                       // now clear
                    if (!ok) {
                        lost.set(true);
                    }
                }
            }
            for (int i = thread; i < SIZE; i += THREADS) {
                if (i % 3 == 0) {
                    bits.setBit(i);
                }
            }
        });
        return lost.get();
    }

    private static final class AtomicBitOps implements BitOps {
        private final AtomicBits bits;

        AtomicBitOps(AtomicBits bits) {
            this.bits = bits;
        }

        @Override
        public void setBit(int i) {
            bits.setBit(i);
        }

        @Override
        public void clearBit(int i) {
            bits.clearBit(i);
        }

        @Override
        public void changeBit(int i) {
            bits.changeBit(i);
        }

        @Override
        public boolean testAndSetBit(int i) {
            return bits.testAndSetBit(i);
        }

        @Override
        public boolean testAndClearBit(int i) {
            return bits.testAndClearBit(i);
        }

        @Override
        public boolean testAndChangeBit(int i) {
            return bits.testAndChangeBit(i);
        }
    }

    /** Broken on purpose: each operation reads the word and writes it back in two steps. */
    private static final class GetThenSetBitOps implements BitOps {
        private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
        private final long[] words;

        GetThenSetBitOps(int size) {
            words = new long[(size + 63) / 64];
        }

        private long update(int i, long set, long clear, long flip) {
            final long old = (long) WORDS.getVolatile(words, i >>> 6);
            WORDS.setVolatile(words, i >>> 6, ((old | set) & ~clear) ^ flip); // BROKEN: not one atomic step
            return old & (1L << i);
        }

        @Override
        public void setBit(int i) {
            update(i, 1L << i, 0, 0);
        }

        @Override
        public void clearBit(int i) {
            update(i, 0, 1L << i, 0);
        }

        @Override
        public void changeBit(int i) {
            update(i, 0, 0, 1L << i);
        }

        @Override
        public boolean testAndSetBit(int i) {
            return update(i, 1L << i, 0, 0) != 0;
        }

        @Override
        public boolean testAndClearBit(int i) {
            return update(i, 0, 1L << i, 0) != 0;
        }

        @Override
        public boolean testAndChangeBit(int i) {
            return update(i, 0, 0, 1L << i) != 0;
        }
    }
}
