package io.ksync.fifo;

/** {@link FifoContract} for a direct (off-heap) {@link ByteFifo}. */
class DirectByteFifoContractTest extends ByteFifoContract {

    @Override
    ByteFifo create(int requestedCapacity) {
        return ByteFifo.allocateDirect(requestedCapacity);
    }
}
