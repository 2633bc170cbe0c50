package io.ksync.fifo;

import java.util.concurrent.locks.Lock;

/** {@link FifoContract} for {@link Kfifo}: one item is one {@code Integer} element. */
class KfifoContractTest extends FifoContract<Kfifo<Integer>> {

    @Override
    Kfifo<Integer> create(int requestedCapacity) {
        return new Kfifo<>(requestedCapacity);
    }

    @Override
    int valueMask() {
        return 0xFF_FFFF;
    }

    @Override
    int capacity(Kfifo<Integer> fifo) {
        return fifo.capacity();
    }

    @Override
    int len(Kfifo<Integer> fifo) {
        return fifo.len();
    }

    @Override
    int availItems(Kfifo<Integer> fifo) {
        return fifo.avail();
    }

    @Override
    boolean isEmpty(Kfifo<Integer> fifo) {
        return fifo.isEmpty();
    }

    @Override
    boolean isFull(Kfifo<Integer> fifo) {
        return fifo.isFull();
    }

    @Override
    boolean put(Kfifo<Integer> fifo, int value) {
        return fifo.put(value);
    }

    @Override
    int get(Kfifo<Integer> fifo) {
        final Integer e = fifo.get();
        return e == null ? -1 : e;
    }

    @Override
    int peek(Kfifo<Integer> fifo) {
        final Integer e = fifo.peek();
        return e == null ? -1 : e;
    }

    @Override
    int putAll(Kfifo<Integer> fifo, int[] values, int off, int len) {
        final Integer[] boxed = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return fifo.in(boxed, off, len);
    }

    @Override
    int getAll(Kfifo<Integer> fifo, int[] dst, int off, int len) {
        final Integer[] boxed = new Integer[dst.length];
        final int n = fifo.out(boxed, off, len);
        for (int i = off; i < off + n; i++) {
            dst[i] = boxed[i];
        }
        return n;
    }

    @Override
    boolean skip(Kfifo<Integer> fifo) {
        return fifo.skip();
    }

    @Override
    void reset(Kfifo<Integer> fifo) {
        fifo.reset();
    }

    @Override
    void resetOut(Kfifo<Integer> fifo) {
        fifo.resetOut();
    }

    @Override
    boolean putLocked(Kfifo<Integer> fifo, int value) {
        return fifo.putLocked(value);
    }

    @Override
    int getLocked(Kfifo<Integer> fifo) {
        final Integer e = fifo.getLocked();
        return e == null ? -1 : e;
    }

    @Override
    Lock producerLock(Kfifo<Integer> fifo) {
        return fifo.producerLock();
    }

    @Override
    Lock consumerLock(Kfifo<Integer> fifo) {
        return fifo.consumerLock();
    }
}
