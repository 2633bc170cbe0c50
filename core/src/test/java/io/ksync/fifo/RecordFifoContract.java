package io.ksync.fifo;

import java.util.concurrent.locks.Lock;

/**
 * {@link FifoContract} for {@link RecordFifo}: one item is one record of {@code 4 - headerBytes} payload bytes
 * (the value, low byte first), so that an item takes 4 bytes with its header and capacities divide evenly.
 */
abstract class RecordFifoContract extends FifoContract<RecordFifo> {

    /** 1 or 2. */
    abstract int headerBytes();

    private int payloadBytes() {
        return unitsPerItem() - headerBytes();
    }

    private byte[] encode(int value) {
        final byte[] payload = new byte[payloadBytes()];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (value >>> (8 * i));
        }
        return payload;
    }

    private int decode(byte[] payload, int length) {
        if (length < 0) {
            return -1;
        }
        if (length != payloadBytes()) {
            throw new AssertionError("record of " + length + " bytes, expected " + payloadBytes());
        }
        int value = 0;
        for (int i = 0; i < length; i++) {
            value |= (payload[i] & 0xFF) << (8 * i);
        }
        return value;
    }

    @Override
    int unitsPerItem() {
        return 4;
    }

    @Override
    int valueMask() {
        return (1 << (8 * payloadBytes())) - 1;
    }

    @Override
    int capacity(RecordFifo fifo) {
        return fifo.capacity();
    }

    @Override
    int len(RecordFifo fifo) {
        return fifo.len();
    }

    @Override
    int availItems(RecordFifo fifo) {
        final int longest = fifo.avail(); // the longest record that fits: unused - header
        return longest == 0 ? 0 : (longest + headerBytes()) / unitsPerItem();
    }

    @Override
    boolean isEmpty(RecordFifo fifo) {
        return fifo.isEmpty();
    }

    @Override
    boolean isFull(RecordFifo fifo) {
        return fifo.isFull();
    }

    @Override
    boolean put(RecordFifo fifo, int value) {
        return fifo.in(encode(value));
    }

    @Override
    int get(RecordFifo fifo) {
        final byte[] payload = new byte[payloadBytes()];
        return decode(payload, fifo.out(payload));
    }

    @Override
    int peek(RecordFifo fifo) {
        final byte[] payload = new byte[payloadBytes()];
        return decode(payload, fifo.outPeek(payload, 0, payload.length));
    }

    @Override
    int putAll(RecordFifo fifo, int[] values, int off, int len) {
        int n = 0;
        while (n < len && fifo.in(encode(values[off + n]))) {
            n++;
        }
        return n;
    }

    @Override
    int getAll(RecordFifo fifo, int[] dst, int off, int len) {
        int n = 0;
        int value;
        while (n < len && (value = get(fifo)) >= 0) {
            dst[off + n++] = value;
        }
        return n;
    }

    @Override
    boolean skip(RecordFifo fifo) {
        return fifo.skip();
    }

    @Override
    void reset(RecordFifo fifo) {
        fifo.reset();
    }

    @Override
    void resetOut(RecordFifo fifo) {
        fifo.resetOut();
    }

    @Override
    boolean putLocked(RecordFifo fifo, int value) {
        final byte[] payload = encode(value);
        return fifo.inLocked(payload, 0, payload.length);
    }

    @Override
    int getLocked(RecordFifo fifo) {
        final byte[] payload = new byte[payloadBytes()];
        return decode(payload, fifo.outLocked(payload, 0, payload.length));
    }

    @Override
    Lock producerLock(RecordFifo fifo) {
        return fifo.producerLock();
    }

    @Override
    Lock consumerLock(RecordFifo fifo) {
        return fifo.consumerLock();
    }
}
