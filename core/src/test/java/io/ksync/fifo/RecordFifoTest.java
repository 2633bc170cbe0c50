package io.ksync.fifo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only {@link RecordFifo} does, with one- and two-byte headers, on the heap and off it; the behaviour all
 * kinds share is in {@link HeapRecordFifoContractTest} and {@link DirectRecordFifoContractTest}.
 */
class RecordFifoTest {

    private static RecordFifo create(int capacity, int headerBytes, boolean direct) {
        return direct ? RecordFifo.allocateDirect(capacity, headerBytes) : new RecordFifo(capacity, headerBytes);
    }

    private static byte[] record(int length, int seed) {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed + i);
        }
        return bytes;
    }

    /** The fifo's storage bytes, read at masked positions, to check the kernel's layout. */
    private static int storageByte(RecordFifo fifo, int index) throws ReflectiveOperationException {
        final Field ring = RecordFifo.class.getDeclaredField("ring");
        ring.setAccessible(true);
        return ((ByteRing) ring.get(fifo)).get(index) & 0xFF;
    }

    // ---------------------------------------------------------------------------------------------------
    // Construction

    @ParameterizedTest
    @ValueSource(ints = {0, 3, -1, 4})
    void headerBytesOtherThanOneOrTwoAreRefused(int headerBytes) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new RecordFifo(64, headerBytes));
        assertEquals("headerBytes must be 1 (kfifo_rec_ptr_1, records of up to 255 bytes) or 2 (kfifo_rec_ptr_2, "
                + "up to 65535), was " + headerBytes, e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RecordFifo.allocateDirect(64, headerBytes));
    }

    @Test
    void capacityMustLeaveRoomForARecordOfOneByte() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RecordFifo(1, 1));
        assertEquals("a RecordFifo with 1-byte headers needs a capacity > 1 to hold a record of one byte, was 1",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RecordFifo.allocateDirect(2, 2));
        assertEquals("a RecordFifo with 2-byte headers needs a capacity > 2 to hold a record of one byte, was 2",
                e.getMessage());
        assertEquals(4, new RecordFifo(3, 2).capacity(), "3 rounds up to 4, which leaves room");
        assertEquals(1, new RecordFifo(2, 1).maxRecordLength());
        e = assertThrows(IllegalArgumentException.class, () -> new RecordFifo(-5, 1));
        assertEquals("kfifo capacity must be > 0 and <= 2^30 (1073741824), was -5", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"128, 1, 127", "256, 1, 255", "1024, 1, 255", "1024, 2, 1022", "65536, 2, 65534",
            "131072, 2, 65535"})
    void maxRecordLengthIsWhatTheHeaderDescribesAndTheCapacityHolds(int capacity, int headerBytes, int max) {
        RecordFifo fifo = new RecordFifo(capacity, headerBytes);
        assertEquals(max, fifo.maxRecordLength());
        assertEquals(headerBytes, fifo.headerBytes());
        assertEquals(max, fifo.avail(), "an empty fifo takes the longest record");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void storageIsWhereItWasAskedFor(boolean direct) {
        RecordFifo fifo = create(100, 2, direct);
        assertEquals(direct, fifo.isDirect());
        assertEquals(128, fifo.capacity());
        assertTrue(fifo.toString().endsWith("[len=0, capacity=128, headerBytes=2" + (direct ? ", direct]" : ", heap]")),
                fifo.toString());
    }

    // ---------------------------------------------------------------------------------------------------
    // Records in and out

    @ParameterizedTest
    @CsvSource({"1, false", "1, true", "2, false", "2, true"})
    void recordsComeOutWholeAndInOrder(int headerBytes, boolean direct) {
        RecordFifo fifo = create(256, headerBytes, direct);
        final int[] lengths = {0, 1, 17, 3, 100, 0, 42};
        int used = 0;
        for (int i = 0; i < lengths.length; i++) {
            assertTrue(fifo.in(record(lengths[i], i * 10)), "record " + i);
            used += headerBytes + lengths[i];
            assertEquals(used, fifo.len(), "len counts headers and payloads");
        }
        final byte[] dst = new byte[fifo.maxRecordLength()];
        for (int i = 0; i < lengths.length; i++) {
            assertEquals(lengths[i], fifo.peekLength());
            assertEquals(lengths[i], fifo.out(dst), "record " + i);
            assertArrayEquals(record(lengths[i], i * 10), Arrays.copyOf(dst, lengths[i]));
        }
        assertEquals(-1, fifo.out(dst));
        assertEquals(-1, fifo.peekLength());
        assertTrue(fifo.isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"1, false", "1, true", "2, false", "2, true"})
    void recordsAndTheirHeadersWrapAcrossTheEndOfTheStorage(int headerBytes, boolean direct) {
        RecordFifo fifo = create(32, headerBytes, direct);
        final byte[] dst = new byte[32];
        // Every start position near the end: headers split from their payloads, and 2-byte headers split in two.
        for (int start = 32 - 6; start <= 32 + 1; start++) {
            fifo.reset();
            fifo.startIndicesAt(start);
            assertTrue(fifo.in(record(5, start)));
            assertTrue(fifo.in(record(9, -start)));
            assertEquals(5, fifo.peekLength());
            assertEquals(5, fifo.out(dst, 2, 30));
            assertArrayEquals(record(5, start), Arrays.copyOfRange(dst, 2, 7));
            assertEquals(9, fifo.out(dst));
            assertArrayEquals(record(9, -start), Arrays.copyOf(dst, 9));
            assertTrue(fifo.isEmpty());
        }
    }

    @Test
    void storageLayoutIsTheKernelsLowByteFirstAtMaskedPositions() throws Exception {
        RecordFifo fifo = new RecordFifo(16, 2);
        fifo.startIndicesAt(15); // the header's low byte in the last slot, its high byte in the first
        final byte[] payload = {(byte) 0xA1, (byte) 0xB2, (byte) 0xC3};
        assertTrue(fifo.in(payload));
        assertEquals(3, storageByte(fifo, 15), "__kfifo_poke_n: low byte of the length first");
        assertEquals(0, storageByte(fifo, 16), "then the high byte, at (in + 1) & mask");
        assertEquals(0xA1, storageByte(fifo, 17));
        assertEquals(0xC3, storageByte(fifo, 19));

        RecordFifo big = new RecordFifo(1024, 2);
        big.startIndicesAt(1023);
        assertTrue(big.in(new byte[0x1FF]));
        assertEquals(0xFF, storageByte(big, 1023));
        assertEquals(0x01, storageByte(big, 1024));
        assertEquals(0x1FF, big.peekLength());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void oneByteHeadersTake255ButNot256(boolean direct) {
        RecordFifo fifo = create(1024, 1, direct);
        assertTrue(fifo.in(record(255, 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fifo.in(record(256, 1)));
        assertEquals("record of 256 bytes exceeds the 255 bytes a 1-byte header can describe; use headerBytes 2",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fifo.in(ByteBuffer.wrap(record(300, 1))));
        assertEquals("record of 300 bytes exceeds the 255 bytes a 1-byte header can describe; use headerBytes 2",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fifo.inLocked(record(256, 1), 0, 256));
        assertEquals(256, fifo.len(), "a refused record queues nothing (the kernel would truncate it)");
        final byte[] dst = new byte[255];
        assertEquals(255, fifo.out(dst));
        assertArrayEquals(record(255, 1), dst);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void twoByteHeadersTake65535ButNot65536(boolean direct) {
        RecordFifo fifo = create(1 << 17, 2, direct);
        assertEquals(65535, fifo.maxRecordLength());
        assertTrue(fifo.in(record(65535, 7)));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> fifo.in(record(65536, 7)));
        assertEquals("record of 65536 bytes exceeds the 65535 bytes a 2-byte header can describe; split it into "
                + "smaller records", e.getMessage());
        assertEquals(65537, fifo.len());
        assertEquals(65535, fifo.peekLength());
        final byte[] dst = new byte[65535];
        assertEquals(65535, fifo.out(dst));
        assertArrayEquals(record(65535, 7), dst);
    }

    @Test
    void aRecordThatCouldNeverFitIsRefusedWithTheLimit() {
        RecordFifo fifo = new RecordFifo(64, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fifo.in(record(63, 0)));
        assertEquals("record of 63 bytes can never fit in this RecordFifo of capacity 64 with 2-byte headers; the "
                + "longest record it holds is 62 bytes (maxRecordLength())", e.getMessage());
        assertTrue(fifo.in(record(62, 0)));
        assertTrue(fifo.isFull());
    }

    @ParameterizedTest
    @CsvSource({"1, false", "2, true"})
    void aRecordThatDoesNotFitNowIsRefusedWhole(int headerBytes, boolean direct) {
        RecordFifo fifo = create(32, headerBytes, direct);
        assertTrue(fifo.in(record(20, 0)));
        final int len = fifo.len();
        final int unused = 32 - len;
        assertEquals(unused - headerBytes, fifo.avail());
        assertFalse(fifo.in(record(unused - headerBytes + 1, 0)), "one byte too many");
        ByteBuffer src = ByteBuffer.wrap(record(unused, 0));
        assertFalse(fifo.in(src));
        assertEquals(0, src.position(), "a refused buffer keeps its position");
        assertEquals(len, fifo.len());
        assertTrue(fifo.in(record(unused - headerBytes, 0)), "exactly the room left");
        assertTrue(fifo.isFull());
        assertEquals(0, fifo.avail());
    }

    @ParameterizedTest
    @CsvSource({"1, false", "2, true"})
    void availAndIsFullFollowTheKernelsRecordRules(int headerBytes, boolean direct) {
        RecordFifo fifo = create(16, headerBytes, direct);
        assertEquals(16 - headerBytes, fifo.avail());
        assertTrue(fifo.in(record(16 - 2 * headerBytes - 1, 0)));
        // headerBytes + 1 unused: a one-byte record fits
        assertEquals(1, fifo.avail());
        assertFalse(fifo.isFull());
        fifo.skip();
        assertTrue(fifo.in(record(16 - 2 * headerBytes, 0)));
        // exactly headerBytes unused: only an empty record fits; kfifo_avail says 0, yet not full
        assertEquals(0, fifo.avail());
        assertFalse(fifo.isFull());
        assertTrue(fifo.in(new byte[0]));
        assertTrue(fifo.isFull());
        assertEquals(16, fifo.len());
        assertFalse(fifo.in(new byte[0]));
    }

    @ParameterizedTest
    @CsvSource({"1, false", "1, true", "2, false", "2, true"})
    void aDestinationTooSmallIsRefusedAndNothingIsConsumed(int headerBytes, boolean direct) {
        RecordFifo fifo = create(256, headerBytes, direct);
        assertTrue(fifo.in(record(80, 3)));
        final int len = fifo.len();
        final String message = "next record is 80 bytes but dst has room for 64; size dst with peekLength()";
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> fifo.out(new byte[64])).getMessage());
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> fifo.out(new byte[100], 10, 64)).getMessage());
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> fifo.outPeek(new byte[64], 0, 64)).getMessage());
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> fifo.outLocked(new byte[64], 0, 64)).getMessage());
        ByteBuffer small = ByteBuffer.allocate(100).position(36);
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> fifo.out(small)).getMessage());
        assertEquals(36, small.position());
        assertEquals(len, fifo.len(), "nothing may be consumed (the kernel would drop the rest of the record)");
        assertEquals(80, fifo.peekLength());
        final byte[] dst = new byte[fifo.peekLength()];
        assertEquals(80, fifo.out(dst));
        assertArrayEquals(record(80, 3), dst);
    }

    @ParameterizedTest
    @CsvSource({"1, false", "2, true"})
    void byteBufferRecordsMoveThePositionWhole(int headerBytes, boolean direct) {
        RecordFifo fifo = create(64, headerBytes, direct);
        ByteBuffer src = ByteBuffer.allocateDirect(16).put(record(16, 9)).flip().position(4).limit(14);
        assertTrue(fifo.in(src), "the remaining 10 bytes are one record");
        assertEquals(14, src.position());
        assertTrue(fifo.in(ByteBuffer.allocate(0)), "an empty record");
        ByteBuffer dst = ByteBuffer.allocate(32).position(3);
        assertEquals(10, fifo.out(dst));
        assertEquals(13, dst.position());
        assertArrayEquals(Arrays.copyOfRange(record(16, 9), 4, 14), Arrays.copyOfRange(dst.array(), 3, 13));
        assertEquals(0, fifo.out(dst));
        assertEquals(13, dst.position());
        assertEquals(-1, fifo.out(dst));
        assertThrows(ReadOnlyBufferException.class, () -> fifo.out(ByteBuffer.allocate(4).asReadOnlyBuffer()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void outPeekCopiesWithoutConsuming(boolean direct) {
        RecordFifo fifo = create(64, 1, direct);
        fifo.in(record(6, 1));
        fifo.in(record(2, 2));
        final byte[] dst = new byte[10];
        assertEquals(6, fifo.outPeek(dst, 4, 6));
        assertArrayEquals(record(6, 1), Arrays.copyOfRange(dst, 4, 10));
        assertEquals(6, fifo.outPeek(dst, 0, 10));
        assertEquals(6, fifo.peekLength());
        assertEquals(6 + 1 + 2 + 1, fifo.len());
        assertEquals(-1, create(16, 1, direct).outPeek(dst, 0, 10));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void skipResetOutAndResetDropWholeRecords(boolean direct) {
        RecordFifo fifo = create(64, 2, direct);
        fifo.in(record(5, 0));
        fifo.in(record(7, 0));
        fifo.in(record(1, 0));
        assertTrue(fifo.skip());
        assertEquals(7, fifo.peekLength());
        fifo.resetOut();
        assertTrue(fifo.isEmpty());
        assertFalse(fifo.skip());
        assertEquals(fifo.inIndex(), fifo.outIndex());
        fifo.in(record(3, 0));
        fifo.reset();
        assertEquals(0, fifo.inIndex());
        assertEquals(-1, fifo.peekLength());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void argumentsAreCheckedBeforeAnythingMoves(boolean direct) {
        RecordFifo fifo = create(64, 1, direct);
        fifo.in(record(3, 0));
        assertEquals("record must not be null",
                assertThrows(NullPointerException.class, () -> fifo.in((byte[]) null)).getMessage());
        assertEquals("record must not be null",
                assertThrows(NullPointerException.class, () -> fifo.in((ByteBuffer) null)).getMessage());
        assertEquals("dst must not be null",
                assertThrows(NullPointerException.class, () -> fifo.out((byte[]) null)).getMessage());
        assertEquals("dst must not be null",
                assertThrows(NullPointerException.class, () -> fifo.out((ByteBuffer) null)).getMessage());
        assertThrows(NullPointerException.class, () -> fifo.outPeek(null, 0, 0));
        assertThrows(NullPointerException.class, () -> fifo.inLocked(null, 0, 0));
        assertThrows(NullPointerException.class, () -> fifo.outLocked(null, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.in(new byte[4], 3, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.inLocked(new byte[4], -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.out(new byte[4], 0, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.outPeek(new byte[4], 4, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.outLocked(new byte[4], 2, -1));
        assertEquals(4, fifo.len());
    }

    @Test
    void lockedVariantsBehaveAsTheLockFreeOnes() {
        RecordFifo fifo = new RecordFifo(16, 1);
        assertTrue(fifo.inLocked(record(12, 0), 2, 5));
        assertFalse(fifo.inLocked(record(12, 0), 0, 12), "5 + 1 + 12 + 1 > 16");
        final byte[] dst = new byte[8];
        assertEquals(5, fifo.outLocked(dst, 1, 7));
        assertArrayEquals(Arrays.copyOfRange(record(12, 0), 2, 7), Arrays.copyOfRange(dst, 1, 6));
        assertEquals(-1, fifo.outLocked(dst, 0, 8));
    }
}
