package io.ksync.fifo;

/** {@link FifoContract} for a direct {@link RecordFifo} with two-byte headers ({@code kfifo_rec_ptr_2}). */
class DirectRecordFifoContractTest extends RecordFifoContract {

    @Override
    int headerBytes() {
        return 2;
    }

    @Override
    RecordFifo create(int requestedCapacity) {
        return RecordFifo.allocateDirect(requestedCapacity, 2);
    }
}
