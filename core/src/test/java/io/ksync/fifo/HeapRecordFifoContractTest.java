package io.ksync.fifo;

/** {@link FifoContract} for a {@link RecordFifo} on the heap with one-byte headers ({@code kfifo_rec_ptr_1}). */
class HeapRecordFifoContractTest extends RecordFifoContract {

    @Override
    int headerBytes() {
        return 1;
    }

    @Override
    RecordFifo create(int requestedCapacity) {
        return new RecordFifo(requestedCapacity, 1);
    }
}
