package io.ksync.fifo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every kfifo kind shares, tested once against an adapter: one abstract suite, one short
 * subclass per variant ({@link KfifoContractTest}, {@link HeapByteFifoContractTest},
 * {@link DirectByteFifoContractTest}, {@link HeapRecordFifoContractTest}, {@link DirectRecordFifoContractTest}).
 *
 * <p>The suite moves "items": an int value per item, carried as an element ({@code Kfifo}), a byte
 * ({@code ByteFifo}, values masked to 8 bits) or a fixed-size record of {@link #unitsPerItem()} bytes,
 * header included ({@code RecordFifo}). Capacities and lengths are in the kind's own units (elements or
 * bytes); the suite converts with {@link #unitsPerItem()}.
 */
abstract class FifoContract<F extends FifoIndices> {

    // ---------------------------------------------------------------------------------------------------
    // The variant under test

    /** A new fifo of the variant, as its constructor builds it for {@code requestedCapacity} units. */
    abstract F create(int requestedCapacity);

    /** How many units (elements or bytes) one item takes. */
    int unitsPerItem() {
        return 1;
    }

    /** The item values the variant carries exactly: {@code value & valueMask()} comes back. */
    abstract int valueMask();

    abstract int capacity(F fifo);

    abstract int len(F fifo);

    /** How many more items fit now, from the kind's {@code avail()}. */
    abstract int availItems(F fifo);

    abstract boolean isEmpty(F fifo);

    abstract boolean isFull(F fifo);

    abstract boolean put(F fifo, int value);

    /** The oldest item, removed, or -1 if empty. */
    abstract int get(F fifo);

    /** The oldest item, not removed, or -1 if empty. */
    abstract int peek(F fifo);

    /** Queues as many of values[off, off + len) as fit, in order; returns how many. */
    abstract int putAll(F fifo, int[] values, int off, int len);

    /** Removes up to len items into dst[off, off + len); returns how many. */
    abstract int getAll(F fifo, int[] dst, int off, int len);

    abstract boolean skip(F fifo);

    abstract void reset(F fifo);

    abstract void resetOut(F fifo);

    abstract boolean putLocked(F fifo, int value);

    abstract int getLocked(F fifo);

    abstract Lock producerLock(F fifo);

    abstract Lock consumerLock(F fifo);

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    final int itemCapacity(F fifo) {
        return capacity(fifo) / unitsPerItem();
    }

    final int lenItems(F fifo) {
        return len(fifo) / unitsPerItem();
    }

    /** A fifo holding {@code items} items. */
    final F createForItems(int items) {
        return create(items * unitsPerItem());
    }

    final F createInDebugMode(int items) {
        System.setProperty(FifoIndices.DEBUG_PROPERTY, "true");
        try {
            return createForItems(items);
        } finally {
            System.clearProperty(FifoIndices.DEBUG_PROPERTY);
        }
    }

    final int[] values(int first, int count) {
        final int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = (first + i) & valueMask();
        }
        return values;
    }

    private String kind(F fifo) {
        return fifo.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------------------------------------------
    // Capacity

    @Test
    void capacityRoundsUpToTheNextPowerOfTwo() {
        final int[][] requestedAndRounded = {{3, 4}, {4, 4}, {5, 8}, {8, 8}, {9, 16}, {100, 128}, {1000, 1024},
                {4097, 8192}};
        for (int[] c : requestedAndRounded) {
            assertEquals(c[1], capacity(create(c[0])), "requested " + c[0]);
        }
    }

    @Test
    void roundingReachesTheLimitWithoutOverflow() {
        assertEquals(1, FifoIndices.roundUpCapacity(1));
        assertEquals(2, FifoIndices.roundUpCapacity(2));
        assertEquals(1 << 30, FifoIndices.roundUpCapacity((1 << 29) + 1));
        assertEquals(1 << 30, FifoIndices.roundUpCapacity(1 << 30));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE, (1 << 30) + 1, Integer.MAX_VALUE})
    void capacityOutOfRangeIsRejectedWithTheLimitAndTheValue(int requested) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(requested));
        assertEquals("kfifo capacity must be > 0 and <= 2^30 (1073741824), was " + requested, e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------------
    // Empty, full, order, counts

    @Test
    void newFifoIsEmpty() {
        F fifo = createForItems(8);
        assertTrue(isEmpty(fifo));
        assertFalse(isFull(fifo));
        assertEquals(0, len(fifo));
        assertEquals(8, availItems(fifo));
        assertEquals(-1, get(fifo));
        assertEquals(-1, peek(fifo));
        assertFalse(skip(fifo));
        assertEquals(0, getAll(fifo, new int[4], 0, 4));
        assertEquals(0, fifo.inIndex());
        assertEquals(0, fifo.outIndex());
    }

    @Test
    void fillsToCapacityThenRefuses() {
        F fifo = createForItems(8);
        for (int i = 0; i < 8; i++) {
            assertFalse(isFull(fifo), "full after " + i);
            assertTrue(put(fifo, i), "refused item " + i);
        }
        assertTrue(isFull(fifo));
        assertFalse(isEmpty(fifo));
        assertEquals(capacity(fifo), len(fifo));
        assertEquals(0, availItems(fifo));
        assertFalse(put(fifo, 99));
        assertEquals(0, putAll(fifo, values(100, 3), 0, 3));
        assertEquals(capacity(fifo), len(fifo), "a refused put must change nothing");
        assertEquals(0, get(fifo));
        assertFalse(isFull(fifo));
        assertTrue(put(fifo, 8));
    }

    @Test
    void itemsLeaveInTheOrderTheyEntered() {
        F fifo = createForItems(8);
        int next = 0;
        int expected = 0;
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < round % 5 + 1 && lenItems(fifo) < 8; i++) {
                assertTrue(put(fifo, next++ & valueMask()));
            }
            for (int i = 0; i < round % 3 + 1 && !isEmpty(fifo); i++) {
                assertEquals(expected++ & valueMask(), get(fifo));
            }
        }
        while (!isEmpty(fifo)) {
            assertEquals(expected++ & valueMask(), get(fifo));
        }
        assertEquals(next, expected);
    }

    @Test
    void peekReturnsTheOldestWithoutRemovingIt() {
        F fifo = createForItems(4);
        assertTrue(put(fifo, 7));
        assertTrue(put(fifo, 8));
        assertEquals(7, peek(fifo));
        assertEquals(7, peek(fifo));
        assertEquals(2 * unitsPerItem(), len(fifo));
        assertEquals(7, get(fifo));
        assertEquals(8, peek(fifo));
    }

    @Test
    void bulkTransfersMoveAsMuchAsFitsInOrder() {
        F fifo = createForItems(8);
        assertEquals(5, putAll(fifo, values(0, 5), 0, 5));
        assertEquals(3, putAll(fifo, values(5, 6), 0, 6), "only the room left is filled");
        assertTrue(isFull(fifo));
        int[] dst = new int[12];
        assertEquals(3, getAll(fifo, dst, 2, 3));
        assertEquals(5, getAll(fifo, dst, 5, 7), "only what is queued comes out");
        assertArrayEquals(values(0, 8), Arrays.copyOfRange(dst, 2, 10));
        assertTrue(isEmpty(fifo));
        assertEquals(2, putAll(fifo, values(40, 5), 1, 2));
        assertEquals(41 & valueMask(), get(fifo));
        assertEquals(42 & valueMask(), get(fifo));
    }

    @Test
    void lenAndAvailFollowEveryOperation() {
        F fifo = createForItems(8);
        final int unit = unitsPerItem();
        putAll(fifo, values(0, 3), 0, 3);
        assertEquals(3 * unit, len(fifo));
        assertEquals(5, availItems(fifo));
        get(fifo);
        assertEquals(2 * unit, len(fifo));
        assertEquals(6, availItems(fifo));
        skip(fifo);
        assertEquals(unit, len(fifo));
        peek(fifo);
        assertEquals(unit, len(fifo), "peek must not consume");
        putAll(fifo, values(3, 7), 0, 7);
        assertEquals(8 * unit, len(fifo));
        assertEquals(0, availItems(fifo));
    }

    @Test
    void skipDropsTheOldest() {
        F fifo = createForItems(4);
        putAll(fifo, values(10, 3), 0, 3);
        assertTrue(skip(fifo));
        assertEquals(11, get(fifo));
        assertTrue(skip(fifo));
        assertFalse(skip(fifo));
        assertTrue(isEmpty(fifo));
    }

    @Test
    void resetEmptiesTheFifoAndRestartsTheCountersAtZero() {
        F fifo = createForItems(8);
        putAll(fifo, values(0, 6), 0, 6);
        getAll(fifo, new int[2], 0, 2);
        reset(fifo);
        assertTrue(isEmpty(fifo));
        assertEquals(0, len(fifo));
        assertEquals(0, fifo.inIndex());
        assertEquals(0, fifo.outIndex());
        assertEquals(-1, get(fifo));
        assertEquals(8, putAll(fifo, values(50, 8), 0, 8), "the whole capacity must be free again");
        assertEquals(50, get(fifo));
    }

    @Test
    void resetOutDropsWhatIsQueuedAndKeepsCounting() {
        F fifo = createForItems(8);
        putAll(fifo, values(0, 5), 0, 5);
        get(fifo);
        final int in = fifo.inIndex();
        resetOut(fifo);
        assertTrue(isEmpty(fifo));
        assertEquals(in, fifo.inIndex(), "resetOut must leave the producer's counter alone");
        assertEquals(in, fifo.outIndex(), "kfifo_reset_out: out = in");
        assertEquals(8, availItems(fifo));
        assertTrue(put(fifo, 77));
        assertEquals(77, get(fifo));
    }

    // ---------------------------------------------------------------------------------------------------
    // Wrap-around of the free-running counters

    @ParameterizedTest
    @ValueSource(ints = {Integer.MAX_VALUE, Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 6, -1, -2, -7, -13})
    void orderAndLengthSurviveTheWrapOfTheFreeRunningCounters(int start) {
        F fifo = createForItems(16);
        final int cap = itemCapacity(fifo);
        final int unit = unitsPerItem();
        fifo.startIndicesAt(start);
        assertEquals(start, fifo.inIndex());
        final int[] pattern = {cap, 1, cap - 1, 5, 3, cap, 2, 7};
        int next = 0;
        int expected = 0;
        final int[] dst = new int[cap];
        for (int round = 0; round < 40; round++) {
            final int offer = pattern[round % pattern.length];
            final int room = cap - (next - expected);
            assertEquals(Math.min(offer, room), putAll(fifo, values(next, offer), 0, offer), "round " + round);
            next += Math.min(offer, room);
            assertEquals((next - expected) * unit, len(fifo), "round " + round);
            assertEquals(cap - (next - expected), availItems(fifo), "round " + round);
            assertEquals(next - expected == cap, isFull(fifo), "round " + round);
            final int want = pattern[(round + 3) % pattern.length];
            final int got = getAll(fifo, dst, 0, want);
            assertEquals(Math.min(want, next - expected), got, "round " + round);
            for (int i = 0; i < got; i++) {
                assertEquals(expected++ & valueMask(), dst[i], "round " + round + ", item " + i);
            }
            assertEquals((next - expected) * unit, len(fifo), "round " + round);
        }
        while (!isEmpty(fifo)) {
            assertEquals(expected++ & valueMask(), get(fifo));
        }
        final int moved = next * unit;
        assertTrue(next > 3 * cap, "more than three capacities' worth must have gone through");
        assertEquals(start + moved, fifo.inIndex());
        assertEquals(start + moved, fifo.outIndex());
        if (start > 0) {
            assertTrue(fifo.inIndex() < 0, "in must have wrapped past Integer.MAX_VALUE");
        } else {
            assertTrue(fifo.inIndex() >= 0, "in must have wrapped past 0xFFFFFFFF");
        }
    }

    @Test
    void fullAndEmptyAreRecognisedAcrossTheWrap() {
        F fifo = createForItems(8);
        final int start = -3 * unitsPerItem() - 1;
        fifo.startIndicesAt(start);
        assertEquals(8, putAll(fifo, values(0, 9), 0, 9));
        assertTrue(fifo.inIndex() > 0 && fifo.outIndex() < 0, "in and out must lie on both sides of the wrap");
        assertTrue(isFull(fifo));
        assertEquals(capacity(fifo), len(fifo));
        assertEquals(0, availItems(fifo));
        assertFalse(put(fifo, 1));
        final int[] dst = new int[8];
        assertEquals(8, getAll(fifo, dst, 0, 8));
        assertArrayEquals(values(0, 8), dst);
        assertTrue(isEmpty(fifo));
        assertEquals(0, len(fifo));
    }

    @Test
    void startIndicesAtNeedsAnEmptyFifo() {
        F fifo = createForItems(4);
        put(fifo, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fifo.startIndicesAt(5));
        assertTrue(e.getMessage().contains("needs an empty fifo, len was " + unitsPerItem()), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------------
    // Two threads and more

    @Test
    void spscTransferOfAChecksummedStream() throws Exception {
        final F fifo = createForItems(64);
        transferOneToOne(fifo, 200_000, false).assertIntact();
        assertTrue(isEmpty(fifo));
    }

    @Test
    void spscTransferInDebugModeRaisesNoFalseAlarm() throws Exception {
        final F fifo = createInDebugMode(64);
        assertTrue(fifo.debug);
        transferOneToOne(fifo, 50_000, false).assertIntact();
    }

    /** The busted control of the transfer harness: a consumer that loses one item must be caught. */
    @Test
    void transferHarnessCatchesALostItem() throws Exception {
        final Transfer broken = transferOneToOne(createForItems(64), 20_000, true);
        assertTrue(broken.mismatches > 0, "the harness missed a lost item");
        assertTrue(broken.producerChecksum != broken.consumerChecksum, "the checksum missed a lost item");
    }

    /** What a transfer saw: items out of sequence (the first described) and both sides' checksums. */
    static final class Transfer {
        int mismatches;
        String firstMismatch;
        long producerChecksum;
        long consumerChecksum;

        void assertIntact() {
            assertEquals(0, mismatches, () -> mismatches + " items out of sequence; first: " + firstMismatch);
            assertEquals(producerChecksum, consumerChecksum, "checksum of the stream");
        }
    }

    /**
     * One producer streams {@code items} items, alternating single and bulk calls of varying sizes; one consumer
     * reads them the same way, checks each against the expected sequence and folds them into a checksum to
     * compare with the producer's. Neither thread throws inside its loop (a dead consumer would leave the
     * producer waiting for room); the caller asserts on the result after the join. With {@code loseOne}, the
     * consumer drops the 1000th item unseen (a broken fifo), and stops one item short.
     */
    private Transfer transferOneToOne(F fifo, int items, boolean loseOne) throws Exception {
        final int mask = valueMask();
        final Transfer result = new Transfer();
        FifoThreads.runTogether(() -> {
            final int[] batch = new int[19];
            long checksum = 0;
            int next = 0;
            int spins = 0;
            while (next < items) {
                int queued;
                if (next % 5 == 0) {
                    queued = put(fifo, next & mask) ? 1 : 0;
                } else {
                    final int n = Math.min(1 + next % batch.length, items - next);
                    for (int i = 0; i < n; i++) {
                        batch[i] = (next + i) & mask;
                    }
                    queued = putAll(fifo, batch, 0, n);
                }
                for (int i = 0; i < queued; i++) {
                    checksum = checksum * 31 + ((next + i) & mask);
                }
                next += queued;
                spins = queued == 0 ? FifoThreads.backOff(spins) : 0;
            }
            result.producerChecksum = checksum;
        }, () -> {
            final int[] batch = new int[23];
            final int wanted = loseOne ? items - 1 : items;
            boolean lost = !loseOne;
            long checksum = 0;
            int expected = 0;
            int spins = 0;
            while (expected < wanted) {
                if (!lost && expected >= 1000 && skip(fifo)) {
                    lost = true;
                }
                int got;
                if (expected % 3 == 0) {
                    final int v = get(fifo);
                    got = v < 0 ? 0 : 1;
                    batch[0] = v;
                } else {
                    got = getAll(fifo, batch, 0, Math.min(batch.length, wanted - expected));
                }
                for (int i = 0; i < got; i++) {
                    if (batch[i] != ((expected + i) & mask) && result.mismatches++ == 0) {
                        result.firstMismatch = "item " + (expected + i) + " was " + batch[i];
                    }
                    checksum = checksum * 31 + batch[i];
                }
                expected += got;
                spins = got == 0 ? FifoThreads.backOff(spins) : 0;
            }
            result.consumerChecksum = checksum;
        });
        return result;
    }

    @Test
    void mpmcTransferWithTheLockedVariantsLosesAndDuplicatesNothing() throws Exception {
        final F fifo = createForItems(32);
        final int producers = 2;
        final int consumers = 2;
        final int perProducer = 20_000;
        final int total = producers * perProducer;
        final int mask = valueMask();
        final boolean unique = mask >= total - 1; // else (bytes) only the histogram of values is checked
        final int[][] counts = new int[consumers][Math.min(mask + 1, total)];
        final int[] orderViolations = new int[consumers];
        final AtomicInteger taken = new AtomicInteger();
        final FifoThreads.Body[] bodies = new FifoThreads.Body[producers + consumers];
        for (int p = 0; p < producers; p++) {
            final int producer = p;
            bodies[p] = () -> {
                int spins = 0;
                for (int i = 0; i < perProducer; i++) {
                    while (!putLocked(fifo, (producer * perProducer + i) & mask)) {
                        spins = FifoThreads.backOff(spins);
                    }
                    spins = 0;
                }
            };
        }
        for (int c = 0; c < consumers; c++) {
            final int consumer = c;
            bodies[producers + c] = () -> {
                final int[] lastSeen = new int[producers];
                Arrays.fill(lastSeen, -1);
                int spins = 0;
                while (taken.get() < total) {
                    final int v = getLocked(fifo);
                    if (v < 0) {
                        spins = FifoThreads.backOff(spins);
                        continue;
                    }
                    spins = 0;
                    taken.incrementAndGet();
                    counts[consumer][v]++;
                    if (unique) { // one consumer sees each producer's items in the order they were put
                        final int producer = v / perProducer;
                        if (v % perProducer <= lastSeen[producer]) {
                            orderViolations[consumer]++;
                        }
                        lastSeen[producer] = v % perProducer;
                    }
                }
            };
        }
        FifoThreads.runTogether(bodies);

        final int[] expected = new int[counts[0].length];
        for (int p = 0; p < producers; p++) {
            for (int i = 0; i < perProducer; i++) {
                expected[(p * perProducer + i) & mask]++;
            }
        }
        final int[] seen = new int[expected.length];
        for (int[] perConsumer : counts) {
            for (int v = 0; v < seen.length; v++) {
                seen[v] += perConsumer[v];
            }
        }
        assertArrayEquals(expected, seen);
        assertEquals(total, taken.get());
        assertArrayEquals(new int[consumers], orderViolations, "a consumer saw a producer's items out of order");
        assertTrue(isEmpty(fifo));
    }

    @Test
    void producerAndConsumerLocksAreSeparateAndStable() throws Exception {
        F fifo = createForItems(4);
        final Lock producerLock = producerLock(fifo);
        assertSame(producerLock, producerLock(fifo));
        assertNotSame(producerLock, consumerLock(fifo));
        producerLock.lock();
        try {
            final boolean[] observed = new boolean[2];
            FifoThreads.runOnOtherThread(() -> {
                observed[0] = producerLock.tryLock();
                observed[1] = getLocked(fifo) == -1; // the consumer side is not blocked by the producer lock
            });
            assertFalse(observed[0], "the producer lock is held by the test thread");
            assertTrue(observed[1]);
            assertTrue(put(fifo, 3), "holding producerLock() around the lock-free producer methods is allowed");
        } finally {
            producerLock.unlock();
        }
        assertEquals(3, getLocked(fifo));
    }

    // ---------------------------------------------------------------------------------------------------
    // Debug mode. Another thread "inside" a side is simulated with the package-private enterProducer /
    // enterConsumer hooks, which every lock-free method calls on entry in debug mode; ByteFifoTest repeats the
    // producer and consumer cases with a real overlapping call, a thread blocked inside a channel.

    @Test
    void debugModeDetectsASecondProducer() throws Exception {
        F fifo = createInDebugMode(8);
        FifoThreads.runOnOtherThread(fifo::enterProducer); // that thread is now inside the producer side
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> put(fifo, 1));
        assertEquals("two threads used the producer side of this SPSC " + kind(fifo) + " at once; use the "
                + "...Locked methods (or hold producerLock()) when there are several producers", e.getMessage());
        assertThrows(IllegalStateException.class, () -> putAll(fifo, values(0, 2), 0, 2));
        assertTrue(isEmpty(fifo), "a refused call must queue nothing");
        fifo.exitProducer();
        assertTrue(put(fifo, 1));
    }

    @Test
    void debugModeDetectsASecondConsumer() throws Exception {
        F fifo = createInDebugMode(8);
        putAll(fifo, values(0, 3), 0, 3);
        FifoThreads.runOnOtherThread(fifo::enterConsumer);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> get(fifo));
        assertEquals("two threads used the consumer side of this SPSC " + kind(fifo) + " at once; use the "
                + "...Locked methods (or hold consumerLock()) when there are several consumers", e.getMessage());
        assertThrows(IllegalStateException.class, () -> peek(fifo));
        assertThrows(IllegalStateException.class, () -> getAll(fifo, new int[2], 0, 2));
        assertThrows(IllegalStateException.class, () -> skip(fifo));
        assertThrows(IllegalStateException.class, () -> resetOut(fifo));
        assertEquals(3 * unitsPerItem(), len(fifo), "a refused call must consume nothing");
        fifo.exitConsumer();
        assertEquals(0, get(fifo));
    }

    @Test
    void debugModeDetectsALockFreeCallerBesideTheLockedOnes() throws Exception {
        F fifo = createInDebugMode(8);
        FifoThreads.runOnOtherThread(fifo::enterProducer);
        assertThrows(IllegalStateException.class, () -> putLocked(fifo, 1));
        fifo.exitProducer();
        assertTrue(putLocked(fifo, 1));
        FifoThreads.runOnOtherThread(fifo::enterConsumer);
        assertThrows(IllegalStateException.class, () -> getLocked(fifo));
        fifo.exitConsumer();
        assertEquals(1, getLocked(fifo));
        assertTrue(producerLock(fifo).tryLock(), "a refused locked call must release the lock");
        producerLock(fifo).unlock();
    }

    @Test
    void debugModeNamesAReentrantCall() {
        F fifo = createInDebugMode(8);
        fifo.enterProducer(); // as if a channel callback of this thread called back into the fifo
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> put(fifo, 1));
        assertTrue(e.getMessage().startsWith("the producer side of this SPSC " + kind(fifo) + " was re-entered"),
                e.getMessage());
        fifo.exitProducer();
    }

    @Test
    void withoutTheDebugFlagNothingIsChecked() throws Exception {
        System.clearProperty(FifoIndices.DEBUG_PROPERTY);
        F fifo = createForItems(8);
        assertFalse(fifo.debug);
        FifoThreads.runOnOtherThread(fifo::enterProducer);
        FifoThreads.runOnOtherThread(fifo::enterConsumer);
        assertTrue(put(fifo, 5), "with the flag off the producer methods must not look at the side's owner");
        assertEquals(5, get(fifo), "with the flag off the consumer methods must not look at the side's owner");
        assertTrue(putLocked(fifo, 6));
        assertEquals(6, getLocked(fifo));
    }

    @Test
    void toStringShowsLengthAndCapacity() {
        F fifo = createForItems(4);
        put(fifo, 1);
        final String text = fifo.toString();
        assertTrue(text.startsWith(fifo.getClass().getName() + "@"), text);
        assertTrue(text.contains("len=" + unitsPerItem() + ", capacity=" + capacity(fifo)), text);
    }
}
