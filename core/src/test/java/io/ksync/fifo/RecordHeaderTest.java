package io.ksync.fifo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The record framing on its own: the kernel's {@code __kfifo_poke_n} / {@code __kfifo_peek_n} layout. */
class RecordHeaderTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void headersAreLowByteFirstEachAtItsOwnMaskedPosition(boolean direct) {
        ByteRing ring = new ByteRing(8, direct);
        RecordHeader.write(ring, 7, 0xBEEF, 2); // wraps: low byte in slot 7, high byte in slot 0
        assertEquals((byte) 0xEF, ring.get(7));
        assertEquals((byte) 0xBE, ring.get(0));
        assertEquals(0xBEEF, RecordHeader.read(ring, 7, 2));
        assertEquals(0xBEEF, RecordHeader.read(ring, 7 + 8 * 1000, 2), "free-running indices are masked");
        assertEquals(0xBEEF, RecordHeader.read(ring, -1, 2), "and so are negative (wrapped) ones");

        RecordHeader.write(ring, 3, 0xAB, 1);
        assertEquals((byte) 0xAB, ring.get(3));
        assertEquals((byte) 0, ring.get(4), "a one-byte header writes one byte");
        assertEquals(0xAB, RecordHeader.read(ring, 3, 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void maxLengthIsWhatTheHeaderCanDescribe(int headerBytes) {
        assertEquals(headerBytes == 1 ? RecordHeader.MAX_LENGTH_1 : RecordHeader.MAX_LENGTH_2,
                RecordHeader.maxLength(headerBytes));
        assertEquals(headerBytes == 1 ? 255 : 65535, RecordHeader.maxLength(headerBytes));
    }
}
