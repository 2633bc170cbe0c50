package io.ksync.bench.fifo;

import io.ksync.fifo.ByteFifo;
import io.ksync.fifo.RecordFifo;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * Single-producer, single-consumer transfer of 64-byte messages: ksync's {@link RecordFifo}
 * ({@code kfifo_rec_ptr_1}: each record behind a 1-byte length) and {@link ByteFifo} (a plain byte stream, 64
 * bytes per call) against Agrona's {@link OneToOneRingBuffer} ({@code write} / {@code read} of one message), in the
 * same run, each with 64 KiB of storage.
 *
 * <p>What to read from it: the consumer's score ({@code recordsOut}, {@code bytesOut}, {@code agronaRead}), in
 * messages per microsecond. Every side copies the message: the producer from a {@code byte[]}, the consumer into
 * one (Agrona's handler copies it out of the ring). {@code storage} chooses heap or direct memory for the ksync
 * fifos; Agrona's ring is always direct, as it is usually used. Each group is one producer and one consumer that
 * spin while full or empty. Issue 4 asks {@code RecordFifo} to be at least as fast as {@code OneToOneRingBuffer}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// Agrona 2 reaches jdk.internal.misc.Unsafe, which the JDK exports only on request.
@Fork(value = 2, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class RecordFifoBenchmark {

    /** Bytes per message. */
    static final int MESSAGE = 64;
    /** Bytes of storage of each ring. */
    static final int CAPACITY = 64 * 1024;

    /** One ring of each kind per group and the message buffers. */
    @State(Scope.Group)
    public static class Rings {
        /** {@code heap} or {@code direct}: where the ksync fifos keep their bytes. */
        @Param({"heap"})
        public String storage;

        RecordFifo records;
        ByteFifo bytes;
        OneToOneRingBuffer agrona;
        final byte[] message = new byte[MESSAGE];
        final UnsafeBuffer messageBuffer = new UnsafeBuffer(message);
        /**
         * Allocated between the producer's message and the consumer's buffer, so that the producer's reads of one
         * and the consumer's writes into the other share no cache line (as in KfifoBenchmark).
         */
        final long[] gap = new long[32];
        final byte[] received = new byte[MESSAGE];
        final MessageHandler handler = (msgTypeId, buffer, index, length) -> buffer.getBytes(index, received, 0,
                length);

        @Setup
        public void setUp() {
            final boolean direct = "direct".equals(storage);
            records = direct ? RecordFifo.allocateDirect(CAPACITY, 1) : new RecordFifo(CAPACITY, 1);
            bytes = direct ? ByteFifo.allocateDirect(CAPACITY) : new ByteFifo(CAPACITY);
            agrona = new OneToOneRingBuffer(new UnsafeBuffer(
                    ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
            Arrays.fill(message, (byte) 7);
        }
    }

    @Benchmark
    @Group("records")
    @GroupThreads(1)
    public void recordsIn(Rings r, Control control) {
        while (!r.records.in(r.message) && !control.stopMeasurement) {
            // full: spin
        }
    }

    @Benchmark
    @Group("records")
    @GroupThreads(1)
    public int recordsOut(Rings r, Control control) {
        int length;
        while ((length = r.records.out(r.received)) < 0 && !control.stopMeasurement) {
            // empty: spin
        }
        return length;
    }

    @Benchmark
    @Group("bytes")
    @GroupThreads(1)
    public void bytesIn(Rings r, Control control) {
        final ByteFifo fifo = r.bytes;
        int moved = 0;
        while (moved < MESSAGE && !control.stopMeasurement) {
            moved += fifo.in(r.message, moved, MESSAGE - moved);
        }
    }

    @Benchmark
    @Group("bytes")
    @GroupThreads(1)
    public int bytesOut(Rings r, Control control) {
        final ByteFifo fifo = r.bytes;
        int moved = 0;
        while (moved < MESSAGE && !control.stopMeasurement) {
            moved += fifo.out(r.received, moved, MESSAGE - moved);
        }
        return moved;
    }

    @Benchmark
    @Group("agrona")
    @GroupThreads(1)
    public void agronaWrite(Rings r, Control control) {
        while (!r.agrona.write(1, r.messageBuffer, 0, MESSAGE) && !control.stopMeasurement) {
            // full: spin
        }
    }

    @Benchmark
    @Group("agrona")
    @GroupThreads(1)
    public int agronaRead(Rings r, Control control) {
        int read;
        while ((read = r.agrona.read(r.handler, 1)) == 0 && !control.stopMeasurement) {
            // empty: spin
        }
        return read;
    }
}
