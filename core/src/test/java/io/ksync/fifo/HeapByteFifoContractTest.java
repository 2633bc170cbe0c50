package io.ksync.fifo;

/** {@link FifoContract} for a {@link ByteFifo} on the heap. */
class HeapByteFifoContractTest extends ByteFifoContract {

    @Override
    ByteFifo create(int requestedCapacity) {
        return new ByteFifo(requestedCapacity);
    }
}
