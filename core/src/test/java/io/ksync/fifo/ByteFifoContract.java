package io.ksync.fifo;

import java.util.concurrent.locks.Lock;

/** {@link FifoContract} for {@link ByteFifo}, heap or direct: one item is one byte (values masked to 8 bits). */
abstract class ByteFifoContract extends FifoContract<ByteFifo> {

    @Override
    int valueMask() {
        return 0xFF;
    }

    @Override
    int capacity(ByteFifo fifo) {
        return fifo.capacity();
    }

    @Override
    int len(ByteFifo fifo) {
        return fifo.len();
    }

    @Override
    int availItems(ByteFifo fifo) {
        return fifo.avail();
    }

    @Override
    boolean isEmpty(ByteFifo fifo) {
        return fifo.isEmpty();
    }

    @Override
    boolean isFull(ByteFifo fifo) {
        return fifo.isFull();
    }

    @Override
    boolean put(ByteFifo fifo, int value) {
        return fifo.put((byte) value);
    }

    @Override
    int get(ByteFifo fifo) {
        return fifo.get();
    }

    @Override
    int peek(ByteFifo fifo) {
        return fifo.peek();
    }

    @Override
    int putAll(ByteFifo fifo, int[] values, int off, int len) {
        final byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return fifo.in(bytes, off, len);
    }

    @Override
    int getAll(ByteFifo fifo, int[] dst, int off, int len) {
        final byte[] bytes = new byte[dst.length];
        final int n = fifo.out(bytes, off, len);
        for (int i = off; i < off + n; i++) {
            dst[i] = bytes[i] & 0xFF;
        }
        return n;
    }

    @Override
    boolean skip(ByteFifo fifo) {
        return fifo.skip(1) == 1;
    }

    @Override
    void reset(ByteFifo fifo) {
        fifo.reset();
    }

    @Override
    void resetOut(ByteFifo fifo) {
        fifo.resetOut();
    }

    @Override
    boolean putLocked(ByteFifo fifo, int value) {
        return fifo.inLocked(new byte[] {(byte) value}, 0, 1) == 1;
    }

    @Override
    int getLocked(ByteFifo fifo) {
        final byte[] one = new byte[1];
        return fifo.outLocked(one, 0, 1) == 1 ? one[0] & 0xFF : -1;
    }

    @Override
    Lock producerLock(ByteFifo fifo) {
        return fifo.producerLock();
    }

    @Override
    Lock consumerLock(ByteFifo fifo) {
        return fifo.consumerLock();
    }
}
