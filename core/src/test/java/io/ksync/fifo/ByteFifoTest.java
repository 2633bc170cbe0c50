package io.ksync.fifo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.testing.AllocationCounter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only {@link ByteFifo} does, on the heap ({@code direct == false}) and off it; the behaviour all kinds
 * share is in {@link HeapByteFifoContractTest} and {@link DirectByteFifoContractTest}.
 */
class ByteFifoTest {

    private static ByteFifo create(int capacity, boolean direct) {
        return direct ? ByteFifo.allocateDirect(capacity) : new ByteFifo(capacity);
    }

    private static ByteFifo createInDebugMode(int capacity, boolean direct) {
        System.setProperty(FifoIndices.DEBUG_PROPERTY, "true");
        try {
            return create(capacity, direct);
        } finally {
            System.clearProperty(FifoIndices.DEBUG_PROPERTY);
        }
    }

    private static byte[] sequence(int from, int count) {
        final byte[] bytes = new byte[count];
        for (int i = 0; i < count; i++) {
            bytes[i] = (byte) (from + i);
        }
        return bytes;
    }

    /** Moves the (empty) fifo's counters so that its free space wraps after {@code beforeEnd} bytes. */
    private static void wrapAfter(ByteFifo fifo, int beforeEnd) {
        fifo.startIndicesAt(fifo.capacity() - beforeEnd);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void storageIsWhereItWasAskedFor(boolean direct) {
        ByteFifo fifo = create(100, direct);
        assertEquals(direct, fifo.isDirect());
        assertEquals(128, fifo.capacity());
        assertTrue(fifo.toString().endsWith(direct ? ", direct]" : ", heap]"), fifo.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(0, direct));
        assertEquals("kfifo capacity must be > 0 and <= 2^30 (1073741824), was 0", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void bytesComeOutUnsigned(boolean direct) {
        ByteFifo fifo = create(4, direct);
        assertTrue(fifo.put((byte) 0xFF));
        assertTrue(fifo.put((byte) 0x80));
        assertTrue(fifo.put((byte) 0));
        assertEquals(255, fifo.peek());
        assertEquals(255, fifo.get());
        assertEquals(128, fifo.get());
        assertEquals(0, fifo.get());
        assertEquals(-1, fifo.get());
        assertEquals(-1, fifo.peek());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void arrayTransfersCopyMinOfRequestAndRoomAcrossTheEnd(boolean direct) {
        ByteFifo fifo = create(16, direct);
        wrapAfter(fifo, 5);
        assertEquals(16, fifo.in(sequence(0, 20)), "5 bytes before the end, 11 after it");
        assertEquals(0, fifo.in(sequence(0, 1)));
        byte[] dst = new byte[20];
        assertEquals(6, fifo.outPeek(dst, 1, 6));
        assertArrayEquals(sequence(0, 6), Arrays.copyOfRange(dst, 1, 7));
        assertEquals(16, fifo.len());
        assertEquals(16, fifo.out(dst));
        assertArrayEquals(sequence(0, 16), Arrays.copyOf(dst, 16));
        assertEquals(0, fifo.out(dst));
        assertEquals(3, fifo.in(sequence(50, 10), 4, 3));
        assertEquals(2, fifo.out(dst, 10, 2));
        assertEquals(54, dst[10]);
        assertEquals(55, dst[11]);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void argumentsAreCheckedBeforeAnythingMoves(boolean direct) {
        ByteFifo fifo = create(8, direct);
        fifo.put((byte) 1);
        byte[] four = new byte[4];
        assertEquals("src must not be null",
                assertThrows(NullPointerException.class, () -> fifo.in((byte[]) null)).getMessage());
        assertEquals("src must not be null",
                assertThrows(NullPointerException.class, () -> fifo.in((ByteBuffer) null)).getMessage());
        assertEquals("channel must not be null", assertThrows(NullPointerException.class,
                () -> fifo.in((ReadableByteChannel) null)).getMessage());
        assertEquals("dst must not be null",
                assertThrows(NullPointerException.class, () -> fifo.out((byte[]) null)).getMessage());
        assertEquals("dst must not be null",
                assertThrows(NullPointerException.class, () -> fifo.out((ByteBuffer) null)).getMessage());
        assertEquals("channel must not be null", assertThrows(NullPointerException.class,
                () -> fifo.out((WritableByteChannel) null)).getMessage());
        assertThrows(NullPointerException.class, () -> fifo.outPeek(null, 0, 0));
        assertThrows(NullPointerException.class, () -> fifo.inLocked((byte[]) null, 0, 0));
        assertThrows(NullPointerException.class, () -> fifo.outLocked((ByteBuffer) null));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.in(four, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.in(four, 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.inLocked(four, 0, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.out(four, 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> fifo.outPeek(four, 5, 0));
        IndexOutOfBoundsException e =
                assertThrows(IndexOutOfBoundsException.class, () -> fifo.outLocked(four, 3, 2));
        assertTrue(e.getMessage().contains("Range [3, 3 + 2) out of bounds for length 4"), e.getMessage());
        assertEquals("count must be >= 0, was -2",
                assertThrows(IllegalArgumentException.class, () -> fifo.skip(-2)).getMessage());
        assertEquals(1, fifo.len());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void byteBufferTransfersAdvanceThePosition(boolean direct) {
        ByteFifo fifo = create(16, direct);
        wrapAfter(fifo, 3);
        for (ByteBuffer src : new ByteBuffer[] {ByteBuffer.wrap(sequence(0, 10)),
                ByteBuffer.allocateDirect(10).put(sequence(10, 10)).flip()}) {
            src.position(2);
            final int expected = Math.min(8, fifo.avail());
            assertEquals(expected, fifo.in(src));
            assertEquals(2 + expected, src.position());
        }
        assertEquals(16, fifo.len());
        ByteBuffer dst = ByteBuffer.allocate(20).position(1).limit(11);
        assertEquals(10, fifo.out(dst));
        assertEquals(11, dst.position());
        ByteBuffer directDst = ByteBuffer.allocateDirect(20);
        assertEquals(6, fifo.out(directDst), "only 6 bytes were left");
        assertEquals(6, directDst.position());
        byte[] all = new byte[16];
        dst.flip().position(1);
        dst.get(all, 0, 10);
        directDst.flip().get(all, 10, 6);
        byte[] expected = new byte[16];
        System.arraycopy(sequence(2, 8), 0, expected, 0, 8);
        System.arraycopy(sequence(12, 8), 0, expected, 8, 8);
        assertArrayEquals(expected, all);
        assertEquals(0, fifo.out(ByteBuffer.allocate(4)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readOnlyDestinationIsRefusedAndNothingIsConsumed(boolean direct) {
        ByteFifo fifo = create(8, direct);
        fifo.in(sequence(0, 3));
        assertThrows(ReadOnlyBufferException.class, () -> fifo.out(ByteBuffer.allocate(4).asReadOnlyBuffer()));
        assertThrows(ReadOnlyBufferException.class,
                () -> fifo.outLocked(ByteBuffer.allocate(4).asReadOnlyBuffer()));
        assertEquals(3, fifo.len());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void channelReadFillsBothRunsOfTheFreeSpace(boolean direct) throws IOException {
        ByteFifo fifo = create(16, direct);
        wrapAfter(fifo, 6);
        ReadableByteChannel source = Channels.newChannel(new ByteArrayInputStream(sequence(0, 20)));
        assertEquals(16, fifo.in(source), "6 bytes up to the end, then 10 from the start");
        assertEquals(0, fifo.in(failingReads()), "a full fifo must not call the channel");
        byte[] dst = new byte[16];
        assertEquals(16, fifo.out(dst));
        assertArrayEquals(sequence(0, 16), dst);
        assertEquals(4, fifo.in(source));
        assertEquals(-1, fifo.in(source), "end of stream and nothing read");
        assertEquals(4, fifo.out(dst));
        assertArrayEquals(sequence(16, 4), Arrays.copyOf(dst, 4));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void endOfStreamAfterTheFirstRunReturnsWhatWasRead(boolean direct) throws IOException {
        ByteFifo fifo = create(16, direct);
        wrapAfter(fifo, 6);
        ReadableByteChannel source = Channels.newChannel(new ByteArrayInputStream(sequence(0, 6)));
        assertEquals(6, fifo.in(source), "the second read finds the end of stream; the 6 bytes count");
        assertEquals(6, fifo.len());
        assertEquals(-1, fifo.in(source));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void channelThatHasNothingNowReadsZero(boolean direct) throws IOException {
        ByteFifo fifo = create(16, direct);
        assertEquals(0, fifo.in(new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) {
                return 0; // a non-blocking channel with nothing available
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        }));
        assertTrue(fifo.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void bytesReadBeforeAChannelFailureAreKept(boolean direct) {
        ByteFifo fifo = create(16, direct);
        wrapAfter(fifo, 4);
        ReadableByteChannel failsSecondTime = new ReadableByteChannel() {
            private int calls;

            @Override
            public int read(ByteBuffer dst) throws IOException {
                if (calls++ > 0) {
                    throw new IOException("device gone");
                }
                final int n = dst.remaining();
                dst.put(sequence(0, n));
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        IOException e = assertThrows(IOException.class, () -> fifo.in(failsSecondTime));
        assertEquals("device gone", e.getMessage());
        assertEquals(4, fifo.len(), "the 4 bytes of the first read must be queued, as kfifo_from_user keeps them");
        byte[] dst = new byte[4];
        fifo.out(dst);
        assertArrayEquals(sequence(0, 4), dst);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void channelWriteDrainsBothRuns(boolean direct) throws IOException {
        ByteFifo fifo = create(16, direct);
        wrapAfter(fifo, 5);
        fifo.in(sequence(0, 12));
        assertEquals(0, create(8, direct).out(failingWrites()), "an empty fifo must not call the channel");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertEquals(12, fifo.out(Channels.newChannel(sink)));
        assertArrayEquals(sequence(0, 12), sink.toByteArray());
        assertTrue(fifo.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void bytesWrittenBeforeAChannelFailureAreConsumed(boolean direct) {
        ByteFifo fifo = create(16, direct);
        wrapAfter(fifo, 3);
        fifo.in(sequence(0, 8));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        WritableByteChannel failsSecondTime = new WritableByteChannel() {
            private final WritableByteChannel delegate = Channels.newChannel(sink);
            private int calls;

            @Override
            public int write(ByteBuffer src) throws IOException {
                if (calls++ > 0) {
                    throw new IOException("peer reset");
                }
                return delegate.write(src);
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        assertThrows(IOException.class, () -> fifo.out(failsSecondTime));
        assertArrayEquals(sequence(0, 3), sink.toByteArray());
        assertEquals(5, fifo.len(), "the 3 bytes written must not be written again");
        assertEquals(3, fifo.get());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void streamThroughAPipeArrivesIntact(boolean direct) throws Exception {
        final ByteFifo fifo = create(1024, direct);
        final Pipe pipe = Pipe.open();
        final int total = 300_000;
        final ByteArrayOutputStream received = new ByteArrayOutputStream(total);
        final WritableByteChannel sink = Channels.newChannel(received);
        FifoThreads.runTogether(() -> {
            try (Pipe.SinkChannel writer = pipe.sink()) { // a writer process: 300 kB in chunks of 777
                final ByteBuffer chunk = ByteBuffer.allocate(777);
                for (int sent = 0; sent < total; ) {
                    chunk.clear();
                    for (int i = 0; i < chunk.capacity() && sent + i < total; i++) {
                        chunk.put((byte) ((sent + i) * 7));
                    }
                    chunk.flip();
                    sent += chunk.remaining();
                    while (chunk.hasRemaining()) {
                        writer.write(chunk);
                    }
                }
            }
        }, () -> {
            try (Pipe.SourceChannel reader = pipe.source()) { // producer: pipe -> fifo, until end of stream
                int spins = 0;
                while (true) {
                    final int n = fifo.in(reader);
                    if (n < 0) {
                        break;
                    }
                    spins = n == 0 ? FifoThreads.backOff(spins) : 0;
                }
            }
        }, () -> {
            int spins = 0; // consumer: fifo -> sink, until everything arrived
            while (received.size() < total) {
                spins = fifo.out(sink) == 0 ? FifoThreads.backOff(spins) : 0;
            }
        });
        final byte[] bytes = received.toByteArray();
        assertEquals(total, bytes.length);
        for (int i = 0; i < total; i++) {
            if (bytes[i] != (byte) (i * 7)) {
                throw new AssertionError("byte " + i + " was " + bytes[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void skipAndResetOutDropBytes(boolean direct) {
        ByteFifo fifo = create(8, direct);
        fifo.in(sequence(0, 6));
        assertEquals(2, fifo.skip(2));
        assertEquals(2, fifo.get());
        assertEquals(3, fifo.skip(9));
        assertEquals(0, fifo.skip(1));
        fifo.in(sequence(0, 5));
        fifo.resetOut();
        assertTrue(fifo.isEmpty());
        assertEquals(fifo.inIndex(), fifo.outIndex());
        fifo.in(sequence(0, 8));
        fifo.reset();
        assertEquals(0, fifo.inIndex());
        assertEquals(8, fifo.avail());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void lockedVariantsBehaveAsTheLockFreeOnes(boolean direct) {
        ByteFifo fifo = create(8, direct);
        assertEquals(3, fifo.inLocked(sequence(0, 3), 0, 3));
        assertEquals(2, fifo.inLocked(ByteBuffer.wrap(sequence(3, 2))));
        byte[] dst = new byte[3];
        assertEquals(3, fifo.outLocked(dst, 0, 3));
        assertArrayEquals(sequence(0, 3), dst);
        ByteBuffer rest = ByteBuffer.allocate(8);
        assertEquals(2, fifo.outLocked(rest));
        assertEquals(2, rest.position());
        assertSame(fifo.producerLock(), fifo.producerLock());
    }

    // ---------------------------------------------------------------------------------------------------
    // Debug mode with real overlapping calls: a thread blocked inside a channel holds the side.

    /** A channel whose read/write announces that it was entered, then waits until released. */
    private static final class BlockingChannel implements ReadableByteChannel, WritableByteChannel {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        private int block() throws IOException {
            entered.countDown();
            try {
                if (!release.await(FifoThreads.JOIN_BOUND_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("never released");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return 0;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return block();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return block();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void debugModeCatchesAProducerOverlappingAChannelRead(boolean direct) throws Exception {
        final ByteFifo fifo = createInDebugMode(16, direct);
        final BlockingChannel channel = new BlockingChannel();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread producer = FifoThreads.start("blocked-producer", () -> fifo.in((ReadableByteChannel) channel),
                failure);
        try {
            assertTrue(channel.entered.await(FifoThreads.JOIN_BOUND_SECONDS, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> fifo.put((byte) 1));
            assertEquals("two threads used the producer side of this SPSC ByteFifo at once; use the ...Locked "
                    + "methods (or hold producerLock()) when there are several producers", e.getMessage());
            assertThrows(IllegalStateException.class, () -> fifo.in(sequence(0, 2)));
            assertThrows(IllegalStateException.class, () -> fifo.in(ByteBuffer.allocate(2)));
            assertThrows(IllegalStateException.class, () -> fifo.inLocked(sequence(0, 2), 0, 2));
            assertEquals(0, fifo.len(), "the refused calls queued nothing");
            assertEquals(-1, fifo.get(), "the consumer side is free");
        } finally {
            channel.release.countDown();
        }
        FifoThreads.join(producer);
        assertNull(failure.get());
        assertTrue(fifo.put((byte) 1), "the producer side is free again");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void debugModeCatchesAConsumerOverlappingAChannelWrite(boolean direct) throws Exception {
        final ByteFifo fifo = createInDebugMode(16, direct);
        fifo.in(sequence(0, 5));
        final BlockingChannel channel = new BlockingChannel();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread consumer = FifoThreads.start("blocked-consumer", () -> fifo.out((WritableByteChannel) channel),
                failure);
        try {
            assertTrue(channel.entered.await(FifoThreads.JOIN_BOUND_SECONDS, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, fifo::get);
            assertEquals("two threads used the consumer side of this SPSC ByteFifo at once; use the ...Locked "
                    + "methods (or hold consumerLock()) when there are several consumers", e.getMessage());
            assertThrows(IllegalStateException.class, fifo::peek);
            assertThrows(IllegalStateException.class, () -> fifo.out(new byte[2]));
            assertThrows(IllegalStateException.class, () -> fifo.outPeek(new byte[2], 0, 2));
            assertThrows(IllegalStateException.class, () -> fifo.out(ByteBuffer.allocate(2)));
            assertThrows(IllegalStateException.class, () -> fifo.skip(1));
            assertThrows(IllegalStateException.class, fifo::resetOut);
            assertThrows(IllegalStateException.class, () -> fifo.outLocked(new byte[2], 0, 2));
            assertEquals(5, fifo.len(), "the refused calls consumed nothing");
            assertTrue(fifo.put((byte) 9), "the producer side is free");
        } finally {
            channel.release.countDown();
        }
        FifoThreads.join(consumer);
        assertNull(failure.get());
        assertEquals(0, fifo.get(), "the consumer side is free again, and the blocked write consumed nothing");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void debugModeCatchesAChannelCallingBackIntoItsFifo(boolean direct) {
        final ByteFifo fifo = createInDebugMode(16, direct);
        ReadableByteChannel reentrant = new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) {
                fifo.put((byte) 1);
                return 0;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fifo.in(reentrant));
        assertTrue(e.getMessage().startsWith("the producer side of this SPSC ByteFifo was re-entered"),
                e.getMessage());
        assertTrue(fifo.put((byte) 2), "the outer call released the side on its way out");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void withoutTheDebugFlagAnOverlappingProducerIsNotChecked(boolean direct) throws Exception {
        System.clearProperty(FifoIndices.DEBUG_PROPERTY);
        final ByteFifo fifo = create(16, direct);
        final BlockingChannel channel = new BlockingChannel();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread producer = FifoThreads.start("blocked-producer", () -> fifo.in((ReadableByteChannel) channel),
                failure);
        try {
            assertTrue(channel.entered.await(FifoThreads.JOIN_BOUND_SECONDS, TimeUnit.SECONDS));
            assertTrue(fifo.put((byte) 1), "with the flag off nothing is checked (the caller broke the contract)");
        } finally {
            channel.release.countDown();
        }
        FifoThreads.join(producer);
        assertNull(failure.get());
    }

    @Test
    void hotPathsAllocateNothing() throws IOException {
        final AllocationCounter counter = AllocationCounter.ofCurrentThread();
        Assumptions.assumeTrue(counter != null, "this JVM does not count a thread's allocations");
        final ByteFifo fifo = ByteFifo.allocateDirect(64);
        final byte[] bytes = new byte[7];
        final ByteBuffer buffer = ByteBuffer.allocateDirect(5);
        final ReadableByteChannel zeros = new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) {
                final int n = Math.min(3, dst.remaining());
                dst.position(dst.position() + n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        final WritableByteChannel discard = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                final int n = src.remaining();
                src.position(src.limit());
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        for (int round = 0; round < 3; round++) { // the first rounds warm up
            final long before = counter.allocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                fifo.put((byte) i);
                fifo.in(bytes, 0, 7);
                buffer.clear();
                fifo.in(buffer);
                fifo.in(zeros);
                fifo.peek();
                fifo.get();
                fifo.out(bytes, 0, 7);
                buffer.clear();
                fifo.out(buffer);
                fifo.out(discard);
            }
            final long allocated = counter.allocatedBytes() - before;
            if (round == 2) {
                assertTrue(allocated < 64 * 1024, "900k fifo operations allocated " + allocated + " bytes");
            }
        }
        assertFalse(fifo.isFull());
    }

    private static ReadableByteChannel failingReads() {
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) {
                throw new AssertionError("the channel must not be called");
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    private static WritableByteChannel failingWrites() {
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                throw new AssertionError("the channel must not be called");
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }
}
