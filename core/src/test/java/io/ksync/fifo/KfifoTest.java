package io.ksync.fifo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.testing.AllocationCounter;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Objects;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What only {@link Kfifo} does; the behaviour all kinds share is in {@link KfifoContractTest}. */
class KfifoTest {

    /** The number of slots that still reference an object: a consumed element must not stay reachable. */
    private static long referencedSlots(Kfifo<?> fifo) throws ReflectiveOperationException {
        final Field slots = Kfifo.class.getDeclaredField("slots");
        slots.setAccessible(true);
        return Arrays.stream((Object[]) slots.get(fifo)).filter(Objects::nonNull).count();
    }

    @Test
    void capacityOneIsAllowed() {
        Kfifo<String> fifo = new Kfifo<>(1);
        assertEquals(1, fifo.capacity());
        assertTrue(fifo.put("a"));
        assertTrue(fifo.isFull());
        assertFalse(fifo.put("b"));
        assertEquals("a", fifo.get());
        assertTrue(fifo.put("c"));
        assertEquals("c", fifo.get());
    }

    @Test
    void putOfNullIsRefusedAndQueuesNothing() {
        Kfifo<String> fifo = new Kfifo<>(4);
        NullPointerException e = assertThrows(NullPointerException.class, () -> fifo.put(null));
        assertTrue(e.getMessage().contains("holds no null element"), e.getMessage());
        assertTrue(fifo.isEmpty());
        assertThrows(NullPointerException.class, () -> fifo.putLocked(null));
        assertTrue(fifo.isEmpty());
    }

    @Test
    void inWithANullElementQueuesNothing() {
        Kfifo<String> fifo = new Kfifo<>(8);
        fifo.put("first");
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> fifo.in(new String[] {"a", "b", null, "d"}, 0, 4));
        assertEquals("src[2] is null: a Kfifo holds no null element (get() returns null for \"empty\"); nothing "
                + "was queued", e.getMessage());
        assertEquals(1, fifo.len());
        assertEquals(1, fifo.inIndex(), "nothing may have been published");
        assertEquals("first", fifo.get());
        assertNull(fifo.get());
    }

    @Test
    void inChecksOnlyTheElementsItCopies() {
        Kfifo<String> fifo = new Kfifo<>(4);
        assertEquals(4, fifo.in(new String[] {"a", "b", "c", "d", null}), "the null lies beyond the room");
        assertEquals(0, fifo.in(new String[] {null}), "a full fifo copies nothing and so checks nothing");
    }

    @Test
    void nullArraysAreRefusedWithTheirName() {
        Kfifo<String> fifo = new Kfifo<>(4);
        assertEquals("src must not be null", assertThrows(NullPointerException.class,
                () -> fifo.in(null)).getMessage());
        assertEquals("src must not be null", assertThrows(NullPointerException.class,
                () -> fifo.in(null, 0, 0)).getMessage());
        assertEquals("dst must not be null", assertThrows(NullPointerException.class,
                () -> fifo.out(null)).getMessage());
        assertEquals("dst must not be null", assertThrows(NullPointerException.class,
                () -> fifo.out(null, 0, 0)).getMessage());
        assertEquals("dst must not be null", assertThrows(NullPointerException.class,
                () -> fifo.outPeek(null, 0, 0)).getMessage());
        assertThrows(NullPointerException.class, () -> fifo.inLocked(null, 0, 0));
        assertThrows(NullPointerException.class, () -> fifo.outLocked(null, 0, 0));
    }

    @Test
    void rangesOutsideTheArrayAreRefusedBeforeAnythingMoves() {
        Kfifo<String> fifo = new Kfifo<>(8);
        fifo.put("x");
        String[] array = new String[4];
        Arrays.fill(array, "y");
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.in(array, -1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.in(array, 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.in(array, 3, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.inLocked(array, 4, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.out(array, 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.outPeek(array, -1, 1));
        IndexOutOfBoundsException e =
                assertThrows(IndexOutOfBoundsException.class, () -> fifo.outLocked(array, 1, 4));
        assertTrue(e.getMessage().contains("Range [1, 1 + 4) out of bounds for length 4"), e.getMessage());
        assertEquals(1, fifo.len());
    }

    @Test
    void bulkInAndOutUseTheWholeArrayOrTheRangeGiven() {
        Kfifo<String> fifo = new Kfifo<>(4);
        assertEquals(3, fifo.in(new String[] {"a", "b", "c"}));
        assertEquals(1, fifo.in(new String[] {"d", "e"}), "only one slot was free");
        String[] dst = new String[6];
        assertEquals(2, fifo.outPeek(dst, 4, 2));
        assertArrayEquals(new String[] {null, null, null, null, "a", "b"}, dst);
        assertEquals(4, fifo.len(), "outPeek must not consume");
        assertEquals(4, fifo.out(dst));
        assertArrayEquals(new String[] {"a", "b", "c", "d", "a", "b"}, dst);
        assertEquals(0, fifo.out(dst));
        assertEquals(0, fifo.outPeek(dst, 0, 6));
    }

    @Test
    void bulkTransfersSplitAcrossTheEndOfTheArray() {
        Kfifo<Integer> fifo = new Kfifo<>(8);
        fifo.in(new Integer[] {0, 1, 2, 3, 4, 5});
        fifo.out(new Integer[5]);
        assertEquals(7, fifo.in(new Integer[] {6, 7, 8, 9, 10, 11, 12}), "slots 6, 7, then 0..4");
        Integer[] dst = new Integer[10];
        assertEquals(8, fifo.out(dst, 1, 9));
        assertArrayEquals(new Integer[] {null, 5, 6, 7, 8, 9, 10, 11, 12, null}, dst);
    }

    @Test
    void everyConsumingMethodClearsTheSlotsItConsumes() throws Exception {
        Kfifo<Object> fifo = new Kfifo<>(8);
        fifo.startIndicesAt(-3); // so that the bulk calls below also clear across the end of the array
        fifo.in(new Object[] {"a", "b", "c", "d", "e", "f", "g", "h"});
        assertEquals(8, referencedSlots(fifo));
        fifo.get();
        assertEquals(7, referencedSlots(fifo));
        fifo.skip();
        assertEquals(6, referencedSlots(fifo));
        fifo.out(new Object[2]);
        assertEquals(4, referencedSlots(fifo));
        fifo.peek();
        fifo.outPeek(new Object[4], 0, 4);
        assertEquals(4, referencedSlots(fifo), "peeking must not clear");
        assertEquals(1, fifo.skip(1));
        assertEquals(3, referencedSlots(fifo));
        fifo.resetOut();
        assertEquals(0, referencedSlots(fifo));
        fifo.in(new Object[] {"x", "y"});
        fifo.reset();
        assertEquals(0, referencedSlots(fifo));
    }

    @Test
    void skipCountDropsAtMostWhatIsQueued() {
        Kfifo<Integer> fifo = new Kfifo<>(8);
        fifo.in(new Integer[] {1, 2, 3, 4, 5});
        assertEquals(0, fifo.skip(0));
        assertEquals(2, fifo.skip(2));
        assertEquals(3, fifo.get());
        assertEquals(2, fifo.skip(10), "kfifo_skip_count trusts its count; this one stops at len()");
        assertTrue(fifo.isEmpty());
        assertEquals(0, fifo.skip(3));
        assertFalse(fifo.skip());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fifo.skip(-1));
        assertEquals("count must be >= 0, was -1", e.getMessage());
    }

    @Test
    void outIntoAnArrayOfTheWrongTypeConsumesNothing() {
        Kfifo<Object> fifo = new Kfifo<>(4);
        fifo.put("a string");
        Object[] integers = new Integer[1];
        assertThrows(ArrayStoreException.class, () -> fifo.out(integers, 0, 1));
        assertEquals(1, fifo.len());
        assertEquals("a string", fifo.get());
    }

    @Test
    void lockedVariantsBehaveAsTheLockFreeOnes() {
        Kfifo<String> fifo = new Kfifo<>(4);
        assertTrue(fifo.putLocked("a"));
        assertEquals(2, fifo.inLocked(new String[] {"b", "c"}, 0, 2));
        assertEquals("a", fifo.peekLocked());
        assertEquals("a", fifo.getLocked());
        String[] dst = new String[3];
        assertEquals(2, fifo.outLocked(dst, 0, 3));
        assertArrayEquals(new String[] {"b", "c", null}, dst);
        assertNull(fifo.getLocked());
        assertNull(fifo.peekLocked());
        assertEquals(4, fifo.inLocked(new String[] {"1", "2", "3", "4", "5"}, 0, 5));
        assertFalse(fifo.putLocked("6"));
    }

    @Test
    void getPublishesWhatThePutterWrote() throws Exception {
        // put happens-before the get that returns the element: the consumer sees the fields the producer set
        final class Box {
            int value;
        }
        final Kfifo<Box> fifo = new Kfifo<>(16);
        final int items = 100_000;
        final int[] wrong = new int[1];
        FifoThreads.runTogether(() -> {
            int spins = 0;
            for (int i = 0; i < items; i++) {
                final Box box = new Box();
                box.value = i;
                while (!fifo.put(box)) {
                    spins = FifoThreads.backOff(spins);
                }
            }
        }, () -> {
            int spins = 0;
            for (int i = 0; i < items; ) {
                final Box box = fifo.get();
                if (box == null) {
                    spins = FifoThreads.backOff(spins);
                    continue;
                }
                if (box.value != i++) {
                    wrong[0]++;
                }
            }
        });
        assertEquals(0, wrong[0]);
    }

    @Test
    void hotPathsAllocateNothing() {
        final AllocationCounter counter = AllocationCounter.ofCurrentThread();
        Assumptions.assumeTrue(counter != null, "this JVM does not count a thread's allocations");
        final Kfifo<String> fifo = new Kfifo<>(64);
        final String[] batch = {"a", "b", "c", "d", "e"};
        final String[] dst = new String[5];
        for (int round = 0; round < 3; round++) { // the first rounds warm up (and may allocate while loading)
            final long before = counter.allocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                fifo.put("x");
                fifo.in(batch, 0, 5);
                fifo.peek();
                fifo.get();
                fifo.out(dst, 0, 5);
                fifo.skip();
            }
            final long allocated = counter.allocatedBytes() - before;
            if (round == 2) {
                assertTrue(allocated < 64 * 1024, "600k fifo operations allocated " + allocated + " bytes");
            }
        }
    }

    @Test
    void toStringNamesTheKind() {
        Kfifo<String> fifo = new Kfifo<>(5);
        fifo.put("a");
        assertTrue(fifo.toString().endsWith("[len=1, capacity=8]"), fifo.toString());
    }
}
