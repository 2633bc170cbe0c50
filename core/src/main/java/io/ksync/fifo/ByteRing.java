package io.ksync.fifo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The byte storage of {@link ByteFifo} and {@link RecordFifo}: the kernel's {@code fifo->data} with
 * {@code esize == 1}, and the copy helpers of {@code lib/kfifo.c} ({@code kfifo_copy_in},
 * {@code kfifo_copy_out}, {@code kfifo_copy_from_user}, {@code kfifo_copy_to_user}) that split a transfer
 * in two where it crosses the end of the storage.
 *
 * <p>Every method takes a free-running fifo index and masks it itself. The methods do no ordering and no
 * bounds checks of the fifo's counters: the caller has made sure that the range it copies is its side's to
 * touch, and publishes its index afterwards (see {@link FifoIndices}).
 */
final class ByteRing {

    /*
     * Implementation notes.
     *
     * One ByteBuffer, heap (ByteBuffer.allocate) or direct (allocateDirect), accessed only through its
     * absolute methods (get(int), put(int, byte), the bulk get/put(int, byte[], int, int) and
     * put(int, ByteBuffer, int, int) of Java 16), which never touch its position or limit: so the producer and
     * the consumer may use it at the same time, each in its own range. Channels need a buffer whose position
     * and limit frame the range, so each side owns a duplicate() made once here, and only that side moves its
     * position and limit: the channel methods allocate nothing.
     */

    private final ByteBuffer data;
    private final int capacity;
    private final int mask;
    /** The producer's window for channel reads; its position and limit are set by the producer only. */
    private final ByteBuffer producerView;
    /** The consumer's window for channel writes; its position and limit are set by the consumer only. */
    private final ByteBuffer consumerView;

    ByteRing(int capacity, boolean direct) {
        this.data = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.producerView = data.duplicate();
        this.consumerView = data.duplicate();
    }

    boolean isDirect() {
        return data.isDirect();
    }

    byte get(int index) {
        return data.get(index & mask);
    }

    void put(int index, byte value) {
        data.put(index & mask, value);
    }

    /** Copies {@code src[off, off + length)} into the slots from {@code index} on ({@code kfifo_copy_in}). */
    void copyIn(int index, byte[] src, int off, int length) {
        final int start = index & mask;
        final int first = Math.min(length, capacity - start);
        data.put(start, src, off, first);
        if (first < length) {
            data.put(0, src, off + first, length - first);
        }
    }

    /** Copies {@code length} bytes of {@code src} from its absolute {@code srcIndex} on; src's position is kept. */
    void copyIn(int index, ByteBuffer src, int srcIndex, int length) {
        final int start = index & mask;
        final int first = Math.min(length, capacity - start);
        data.put(start, src, srcIndex, first);
        if (first < length) {
            data.put(0, src, srcIndex + first, length - first);
        }
    }

    /** Copies the slots from {@code index} on into {@code dst[off, off + length)} ({@code kfifo_copy_out}). */
    void copyOut(int index, byte[] dst, int off, int length) {
        final int start = index & mask;
        final int first = Math.min(length, capacity - start);
        data.get(start, dst, off, first);
        if (first < length) {
            data.get(0, dst, off + first, length - first);
        }
    }

    /** Copies {@code length} slots into {@code dst} from its absolute {@code dstIndex} on; dst's position is kept. */
    void copyOut(int index, ByteBuffer dst, int dstIndex, int length) {
        final int start = index & mask;
        final int first = Math.min(length, capacity - start);
        dst.put(dstIndex, data, start, first);
        if (first < length) {
            dst.put(dstIndex + first, data, 0, length - first);
        }
    }

    /**
     * How many of {@code length} slots from {@code index} on lie before the end of the storage: the part one
     * channel call can transfer. A transfer whose first part ends at the storage's end continues at index 0.
     */
    int contiguous(int index, int length) {
        return Math.min(length, capacity - (index & mask));
    }

    /**
     * One channel read into the contiguous slots from {@code index} on, at most {@code length} bytes (the
     * caller passes at most {@link #contiguous}); returns what {@link ReadableByteChannel#read} returns.
     * Called by the producer only.
     */
    int readContiguous(ReadableByteChannel channel, int index, int length) throws IOException {
        final int start = index & mask;
        final ByteBuffer view = producerView;
        view.limit(start + length); // the position may be beyond the new limit: limit() then pulls it back
        view.position(start);
        return channel.read(view);
    }

    /**
     * One channel write from the contiguous slots from {@code index} on, at most {@code length} bytes;
     * returns what {@link WritableByteChannel#write} returns. Called by the consumer only.
     */
    int writeContiguous(WritableByteChannel channel, int index, int length) throws IOException {
        final int start = index & mask;
        final ByteBuffer view = consumerView;
        view.limit(start + length);
        view.position(start);
        return channel.write(view);
    }
}
