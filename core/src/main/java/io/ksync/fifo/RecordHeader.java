package io.ksync.fifo;

/**
 * The framing of one record in a {@link RecordFifo}: a length header of one or two bytes, then the payload.
 * The layout is the kernel's ({@code __kfifo_poke_n} writes the header, {@code __kfifo_peek_n} reads it,
 * {@code lib/kfifo.c}), so a dump of the storage reads the same as a {@code kfifo_rec_ptr_1} or
 * {@code kfifo_rec_ptr_2} buffer:
 *
 * <pre>
 *  headerBytes = 1 (kfifo_rec_ptr_1), records of 0..255 bytes
 *
 *    index      index+1                     index+1+len
 *   +----------+---------------------------+-----------
 *   | len      |  payload (len bytes)      |  next record's header ...
 *   +----------+---------------------------+-----------
 *
 *  headerBytes = 2 (kfifo_rec_ptr_2), records of 0..65535 bytes
 *
 *    index      index+1    index+2                     index+2+len
 *   +----------+----------+---------------------------+-----------
 *   | len & ff | len >> 8 |  payload (len bytes)      |  next record's header ...
 *   +----------+----------+---------------------------+-----------
 *      low byte first, whatever the platform's byte order
 * </pre>
 *
 * <p>Every byte, header bytes included, sits at its own masked position {@code (index + i) & mask}: a
 * record, and even a two-byte header, may wrap from the last byte of the storage to the first. Records
 * follow each other without alignment or padding; {@code fifo->in - fifo->out} counts headers and payloads
 * alike. An empty record is a header that says 0.
 */
final class RecordHeader {

    /** The longest record a one-byte header can describe. */
    static final int MAX_LENGTH_1 = 0xFF;
    /** The longest record a two-byte header can describe. */
    static final int MAX_LENGTH_2 = 0xFFFF;

    private RecordHeader() {
    }

    /**
     * The longest record a header of {@code headerBytes} bytes can describe: {@code __kfifo_max_r}'s
     * {@code (1 << (recsize << 3)) - 1}.
     */
    static int maxLength(int headerBytes) {
        return (1 << (headerBytes << 3)) - 1;
    }

    /** Writes the header of a record of {@code length} bytes at {@code index} ({@code __kfifo_poke_n}). */
    static void write(ByteRing ring, int index, int length, int headerBytes) {
        ring.put(index, (byte) length);
        if (headerBytes > 1) {
            ring.put(index + 1, (byte) (length >>> 8));
        }
    }

    /** Reads the length from the header at {@code index} ({@code __kfifo_peek_n}). */
    static int read(ByteRing ring, int index, int headerBytes) {
        int length = ring.get(index) & 0xFF;
        if (headerBytes > 1) {
            length |= (ring.get(index + 1) & 0xFF) << 8;
        }
        return length;
    }
}
