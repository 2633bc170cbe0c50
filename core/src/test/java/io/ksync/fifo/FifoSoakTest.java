package io.ksync.fifo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bounded soak of every kfifo kind: a producer thread and a consumer thread move a self-checking stream through
 * a small fifo for a fixed time, each choosing at random, call by call, among all the transfer methods of its side,
 * with random sizes; then the producer stops and the consumer takes the rest. The consumer checks every unit as it
 * arrives and, at the end, that it received exactly what was sent:
 * <ul>
 *   <li>{@link Kfifo}: elements with plain fields, a sequence number and a check value derived from it; the
 *   consumer checks the sequence (nothing lost, duplicated or reordered) and the check value (nothing read
 *   unwritten);</li>
 *   <li>{@link ByteFifo}, heap and direct: a pseudo-random byte stream from a seeded counter-based generator, in
 *   random-sized chunks through arrays, heap and direct {@code ByteBuffer}s, single bytes, and channels (a
 *   {@link Pipe} into {@code in(ReadableByteChannel)} and out of {@code out(WritableByteChannel)}); the consumer
 *   compares every byte with the generator's and both sides keep a CRC32 of the stream;</li>
 *   <li>{@link RecordFifo}, one- and two-byte headers, heap and direct: records of random length, 0 to 255
 *   bytes (all that a one-byte header describes) or 0 to 1000 (two-byte headers: the high byte is used), through
 *   arrays at random offsets and heap and direct {@code ByteBuffer}s, out again whole, after a
 *   {@code peekLength()}, or as {@code outPeek()} then {@code skip()}. Each record is derived from its sequence
 *   number, so the consumer regenerates the record it expects and compares length and bytes (a per-record check
 *   that cannot collide), and both sides keep a CRC32 of the stream;</li>
 *   <li>one run of the {@code ...Locked} methods: two producers and two consumers of one {@link Kfifo}; every
 *   sequence number of every producer must arrive exactly once, and each consumer must see each producer's
 *   numbers in increasing order.</li>
 * </ul>
 * Every fifo starts its counters {@value #START_BELOW_WRAP} below {@code 2^32}, so every run crosses their wrap.
 *
 * <p>Each run lasts {@code -Dksync.soak.seconds} seconds (a decimal; default {@value #DEFAULT_SECONDS}, so that
 * the class takes about ten seconds). Every wait is bounded: the consumer fails if the stream's tail has not
 * arrived {@value #GRACE_SECONDS} s after the producer stopped, and the threads are joined with the run's time plus
 * that grace; a thread still running then fails the test as a hang. Nothing asserts on speed. The busted control
 * {@link #bustedControlAFifoThatLosesOneElementIsCaught()} runs the element harness over a fifo that drops one
 * element.
 */
class FifoSoakTest {

    static final String SECONDS_PROPERTY = "ksync.soak.seconds";
    static final String DEFAULT_SECONDS = "1.1";
    /** How long the consumer may wait for the tail of the stream once the producer has stopped. */
    static final long GRACE_SECONDS = 30;
    /** Every fifo starts both counters this far below 2^32. */
    static final int START_BELOW_WRAP = 1000;
    private static final long SEED = 0x5eed_f1f0L;

    // ---------------------------------------------------------------------------------------------------
    // The runs

    @Test
    void kfifoCarriesAnOrderedCheckedElementStream() throws Exception {
        final Kfifo<Item> fifo = startNearWrap(new Kfifo<>(64));
        final Run run = new Run(runNanos());
        final long received = elementStream(producerSide(fifo), fifo, run);
        assertTrue(received > 0, "nothing moved");
        assertTrue(fifo.isEmpty());
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void byteFifoCarriesAPseudoRandomByteStream(boolean direct) throws Exception {
        final ByteFifo fifo = direct ? ByteFifo.allocateDirect(1024) : new ByteFifo(1024);
        startNearWrap(fifo);
        final Run run = new Run(runNanos());
        final ByteStreamCounts counts = new ByteStreamCounts();
        runTogether(run, () -> produceBytes(fifo, run, counts), () -> consumeBytes(fifo, run, counts));
        assertEquals(counts.sentBytes, counts.receivedBytes, "bytes received");
        assertEquals(counts.sentCrc, counts.receivedCrc, "CRC32 of the stream");
        assertTrue(counts.receivedBytes > 0, "nothing moved");
        assertTrue(fifo.isEmpty());
    }

    @ParameterizedTest(name = "headerBytes={0}, direct={1}")
    @CsvSource({"1, false", "1, true", "2, false", "2, true"})
    void recordFifoCarriesRandomLengthRecordsWhole(int headerBytes, boolean direct) throws Exception {
        final int capacity = headerBytes == 1 ? 512 : 4096;
        final RecordFifo fifo = direct ? RecordFifo.allocateDirect(capacity, headerBytes)
                : new RecordFifo(capacity, headerBytes);
        startNearWrap(fifo);
        final Run run = new Run(runNanos());
        // up to 255 bytes (all a one-byte header describes), or 1000 (two-byte headers: the high byte is used,
        // and a few records fit at once)
        final RecordStream stream = new RecordStream(SEED ^ headerBytes, Math.min(1000, fifo.maxRecordLength()));
        final RecordStreamCounts counts = new RecordStreamCounts();
        runTogether(run, () -> produceRecords(fifo, stream, run, counts),
                () -> consumeRecords(fifo, stream, run, counts));
        assertEquals(counts.sentRecords, counts.receivedRecords, "records received");
        assertEquals(counts.sentCrc, counts.receivedCrc, "CRC32 of the stream");
        assertTrue(counts.receivedRecords > 0, "nothing moved");
        assertTrue(fifo.isEmpty());
    }

    @Test
    void lockedVariantsDeliverEverySequenceNumberExactlyOnce() throws Exception {
        final Kfifo<Item> fifo = startNearWrap(new Kfifo<>(64));
        final Run run = new Run(runNanos());
        final int producers = 2;
        final int consumers = 2;
        final long[] sent = new long[producers];
        final BitSet[][] seen = new BitSet[consumers][producers];
        final AtomicLong received = new AtomicLong();
        final AtomicLong producersLeft = new AtomicLong(producers);
        final Body[] bodies = new Body[producers + consumers];
        for (int p = 0; p < producers; p++) {
            final int producer = p;
            bodies[p] = () -> {
                sent[producer] = produceLocked(fifo, producer, run);
                producersLeft.decrementAndGet(); // volatile: publishes sent[producer] to the consumers' check
            };
        }
        for (int c = 0; c < consumers; c++) {
            final int consumer = c;
            for (int p = 0; p < producers; p++) {
                seen[c][p] = new BitSet();
            }
            bodies[producers + c] = () -> consumeLocked(fifo, consumer, seen[consumer], run, received,
                    producersLeft, sent);
        }
        runTogether(run, bodies);

        for (int p = 0; p < producers; p++) {
            final BitSet first = seen[0][p];
            final BitSet second = seen[1][p];
            final BitSet both = (BitSet) first.clone();
            both.and(second);
            assertTrue(both.isEmpty(), "producer " + p + "'s numbers taken by both consumers: " + both);
            final BitSet either = (BitSet) first.clone();
            either.or(second);
            assertEquals(sent[p], either.cardinality(), "producer " + p + "'s numbers received");
            assertEquals(sent[p], either.nextClearBit(0), "producer " + p + ": first number never received");
        }
        assertTrue(received.get() > 0, "nothing moved");
        assertNull(fifo.get());
    }

    /** The element harness over a fifo whose 1000th put claims success but queues nothing: it must fail. */
    @Test
    void bustedControlAFifoThatLosesOneElementIsCaught() {
        final Kfifo<Item> fifo = startNearWrap(new Kfifo<>(64));
        final ProducerSide lossy = new ProducerSide() {
            private long puts;

            @Override
            public boolean put(Item item) {
                return ++puts == 1000 || fifo.put(item); // BROKEN: drops the 1000th element
            }

            @Override
            public int in(Item[] src, int off, int len) {
                return fifo.in(src, off, len);
            }
        };
        final Run run = new Run(TimeUnit.MILLISECONDS.toNanos(200));
        final AssertionError caught = assertThrows(AssertionError.class, () -> elementStream(lossy, fifo, run));
        assertTrue(String.valueOf(caught.getMessage()).contains("lost, duplicated or reordered"),
                () -> "caught, but for another reason: " + caught);
    }

    // ---------------------------------------------------------------------------------------------------
    // Elements

    /** An element: plain fields, written by the producer before it queues the element. */
    static final class Item {
        int producer;
        long sequence;
        long check;

        static Item of(int producer, long sequence) {
            final Item item = new Item();
            item.producer = producer;
            item.sequence = sequence;
            item.check = checkOf(producer, sequence);
            return item;
        }

        static long checkOf(int producer, long sequence) {
            return mix64(sequence * 31 + producer + SEED);
        }
    }

    /** The producer methods the element harness uses, so that the busted control can break them. */
    interface ProducerSide {
        boolean put(Item item);

        int in(Item[] src, int off, int len);
    }

    /** The producer methods of {@code fifo}, as they are. */
    private static ProducerSide producerSide(Kfifo<Item> fifo) {
        return new ProducerSide() {
            @Override
            public boolean put(Item item) {
                return fifo.put(item);
            }

            @Override
            public int in(Item[] src, int off, int len) {
                return fifo.in(src, off, len);
            }
        };
    }

    /** One producer, one consumer; returns the number of elements received (= sent). */
    private static long elementStream(ProducerSide producer, Kfifo<Item> fifo, Run run) throws Exception {
        final AtomicLong received = new AtomicLong();
        runTogether(run, () -> {
            final SplittableRandom random = new SplittableRandom(SEED);
            final Item[] batch = new Item[16];
            long next = 0;
            int spins = 0;
            while (run.isProducing()) {
                int queued;
                if (random.nextBoolean()) {
                    queued = producer.put(Item.of(0, next)) ? 1 : 0;
                } else {
                    final int n = 1 + random.nextInt(batch.length);
                    for (int i = 0; i < n; i++) {
                        batch[i] = Item.of(0, next + i);
                    }
                    queued = producer.in(batch, 0, n); // the rest is offered again, as new elements
                }
                next += queued;
                spins = queued == 0 ? FifoThreads.backOff(spins) : 0;
            }
            run.stopProducing(next);
        }, () -> {
            final SplittableRandom random = new SplittableRandom(SEED + 1);
            final Item[] batch = new Item[16];
            long expected = 0;
            int spins = 0;
            while (true) {
                int got = 0;
                switch (random.nextInt(3)) {
                    case 0:
                        got = fifo.out(batch, 0, 1 + random.nextInt(batch.length));
                        for (int i = 0; i < got; i++) {
                            checkElement(batch[i], 0, expected + i);
                        }
                        break;
                    case 1: {
                        final Item peeked = fifo.peek();
                        if (peeked != null) {
                            assertSame(peeked, fifo.get(), "get() after peek() returned another element");
                            checkElement(peeked, 0, expected);
                            got = 1;
                        }
                        break;
                    }
                    default: {
                        final Item item = fifo.get();
                        if (item != null) {
                            checkElement(item, 0, expected);
                            got = 1;
                        }
                    }
                }
                expected += got;
                if (got == 0) {
                    if (run.hasStopped() && expected == run.sent()) {
                        break;
                    }
                    run.checkTail("element", expected);
                    spins = FifoThreads.backOff(spins);
                } else {
                    spins = 0;
                }
            }
            assertNull(fifo.get(), "an element beyond the last one sent");
            received.set(expected);
        });
        return received.get();
    }

    private static void checkElement(Item item, int producer, long expected) {
        if (item.producer != producer || item.sequence != expected) {
            throw new AssertionError("element lost, duplicated or reordered: expected producer " + producer
                    + " number " + expected + ", got producer " + item.producer + " number " + item.sequence);
        }
        assertEquals(Item.checkOf(producer, expected), item.check,
                () -> "element " + expected + ": check value unwritten or corrupt");
    }

    /** One of several producers: putLocked / inLocked until the run ends; returns how many it queued. */
    private static long produceLocked(Kfifo<Item> fifo, int producer, Run run) {
        final SplittableRandom random = new SplittableRandom(SEED + 10 + producer);
        final Item[] batch = new Item[8];
        long next = 0;
        int spins = 0;
        while (run.isProducing()) {
            int queued;
            if (random.nextBoolean()) {
                queued = fifo.putLocked(Item.of(producer, next)) ? 1 : 0;
            } else {
                final int n = 1 + random.nextInt(batch.length);
                for (int i = 0; i < n; i++) {
                    batch[i] = Item.of(producer, next + i);
                }
                queued = fifo.inLocked(batch, 0, n);
            }
            next += queued;
            spins = queued == 0 ? FifoThreads.backOff(spins) : 0;
        }
        return next;
    }

    /**
     * One of several consumers: getLocked / outLocked until every producer has stopped and every element sent has
     * been received by some consumer; marks each number in {@code seen[producer]} and checks that each producer's
     * numbers arrive here in increasing order.
     */
    private static void consumeLocked(Kfifo<Item> fifo, int consumer, BitSet[] seen, Run run, AtomicLong received,
            AtomicLong producersLeft, long[] sent) {
        final SplittableRandom random = new SplittableRandom(SEED + 20 + consumer);
        final Item[] batch = new Item[8];
        final long[] last = new long[seen.length];
        Arrays.fill(last, -1L);
        int spins = 0;
        while (true) {
            int got;
            if (random.nextBoolean()) {
                final Item item = fifo.getLocked();
                got = item == null ? 0 : 1;
                batch[0] = item;
            } else {
                got = fifo.outLocked(batch, 0, 1 + random.nextInt(batch.length));
            }
            for (int i = 0; i < got; i++) {
                final Item item = batch[i];
                assertEquals(Item.checkOf(item.producer, item.sequence), item.check,
                        () -> "element " + item.sequence + " of producer " + item.producer + ": check value unwritten or corrupt");
                if (item.sequence <= last[item.producer]) {
                    throw new AssertionError("producer " + item.producer + "'s number " + item.sequence
                            + " arrived after its number " + last[item.producer] + " at the same consumer: "
                            + "duplicated or reordered");
                }
                last[item.producer] = item.sequence;
                seen[item.producer].set(Math.toIntExact(item.sequence));
            }
            if (got > 0) {
                received.addAndGet(got);
                spins = 0;
                continue;
            }
            if (producersLeft.get() == 0 && received.get() == Arrays.stream(sent).sum()) {
                return;
            }
            run.checkTail("locked element", received.get());
            spins = FifoThreads.backOff(spins);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Bytes

    /** What the byte producer sent and the byte consumer received; each side writes its own fields. */
    static final class ByteStreamCounts {
        long sentBytes;
        long sentCrc;
        long receivedBytes;
        long receivedCrc;
    }

    /**
     * Byte {@code position} of the stream: a counter-based generator (SplitMix64 of the position's 8-byte block),
     * so that any chunk can be produced or checked without replaying what came before.
     */
    static void streamBytes(long seed, long position, byte[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            final long p = position + i;
            dst[off + i] = (byte) (mix64(seed + (p >>> 3)) >>> ((p & 7) << 3));
        }
    }

    private static void produceBytes(ByteFifo fifo, Run run, ByteStreamCounts counts) throws IOException {
        final int most = 2 * fifo.capacity();
        final SplittableRandom random = new SplittableRandom(SEED + 2);
        final byte[] chunk = new byte[most];
        final ByteBuffer heap = ByteBuffer.allocate(most);
        final ByteBuffer direct = ByteBuffer.allocateDirect(most);
        final CRC32 crc = new CRC32();
        final Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel toFifo = pipe.sink(); Pipe.SourceChannel pipeSource = pipe.source()) {
            pipeSource.configureBlocking(false); // in(channel) must not block when the pipe is empty
            long position = 0;
            int spins = 0;
            while (run.isProducing()) {
                final int len = 1 + random.nextInt(most);
                streamBytes(SEED, position, chunk, 0, len);
                int queued;
                switch (random.nextInt(4)) {
                    case 0: // array: queues what fits, the rest is generated again next time
                        queued = fifo.in(chunk, 0, len);
                        break;
                    case 1: { // ByteBuffer, heap or direct
                        final ByteBuffer buffer = random.nextBoolean() ? heap : direct;
                        buffer.clear();
                        buffer.put(chunk, 0, len).flip();
                        queued = fifo.in(buffer);
                        assertEquals(queued, buffer.position(), "in(ByteBuffer) must advance the position by what it queued");
                        break;
                    }
                    case 2: // single bytes, a few
                        queued = 0;
                        while (queued < Math.min(len, 8) && fifo.put(chunk[queued])) {
                            queued++;
                        }
                        break;
                    default: // channel: the whole chunk through the pipe, then into the fifo until the pipe is empty
                        writeFully(toFifo, ByteBuffer.wrap(chunk, 0, len));
                        queued = 0;
                        for (int pipeSpins = 0; queued < len; ) {
                            final int n = fifo.in(pipeSource);
                            assertTrue(n >= 0, "the pipe ended early");
                            queued += n;
                            pipeSpins = n == 0 ? FifoThreads.backOff(pipeSpins) : 0;
                            run.checkNotAborted();
                        }
                }
                crc.update(chunk, 0, queued);
                position += queued;
                spins = queued == 0 ? FifoThreads.backOff(spins) : 0;
            }
            counts.sentBytes = position;
            counts.sentCrc = crc.getValue();
            run.stopProducing(position);
        }
    }

    private static void consumeBytes(ByteFifo fifo, Run run, ByteStreamCounts counts) throws IOException {
        final int most = 2 * fifo.capacity();
        final SplittableRandom random = new SplittableRandom(SEED + 3);
        final byte[] got = new byte[most];
        final byte[] again = new byte[most];
        final byte[] expected = new byte[most];
        final ByteBuffer heap = ByteBuffer.allocate(most);
        final ByteBuffer direct = ByteBuffer.allocateDirect(most);
        final CRC32 crc = new CRC32();
        final Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel fromFifo = pipe.sink(); Pipe.SourceChannel pipeSource = pipe.source()) {
            fromFifo.configureBlocking(false); // out(channel) takes what the pipe has room for
            long position = 0;
            int spins = 0;
            while (true) {
                final int len = 1 + random.nextInt(most);
                int n;
                switch (random.nextInt(5)) {
                    case 0:
                        n = fifo.out(got, 0, len);
                        break;
                    case 1: { // ByteBuffer, heap or direct
                        final ByteBuffer buffer = random.nextBoolean() ? heap : direct;
                        buffer.clear().limit(len);
                        n = fifo.out(buffer);
                        assertEquals(n, buffer.position(), "out(ByteBuffer) must advance the position by what it took");
                        buffer.flip().get(got, 0, n);
                        break;
                    }
                    case 2: { // peek, then get: the same byte
                        final int peeked = fifo.peek();
                        n = 0;
                        if (peeked >= 0) {
                            assertEquals(peeked, fifo.get(), "get() after peek() returned another byte");
                            got[0] = (byte) peeked;
                            n = 1;
                        }
                        break;
                    }
                    case 3: // outPeek, then out of as many: the same bytes
                        n = fifo.outPeek(got, 0, len);
                        assertEquals(n, fifo.out(again, 0, n), "out() after outPeek() took another count");
                        assertTrue(Arrays.equals(got, 0, n, again, 0, n), "out() after outPeek() took other bytes");
                        break;
                    default: // channel: out into the pipe, then read back what went in
                        n = fifo.out(fromFifo);
                        readFully(pipeSource, ByteBuffer.wrap(got, 0, n));
                }
                if (n > 0) {
                    streamBytes(SEED, position, expected, 0, n);
                    final int mismatch = Arrays.mismatch(got, 0, n, expected, 0, n);
                    if (mismatch >= 0) {
                        throw new AssertionError("byte " + (position + mismatch) + " of the stream was "
                                + got[mismatch] + ", expected " + expected[mismatch]
                                + ": bytes lost, duplicated, reordered or read unwritten");
                    }
                    crc.update(got, 0, n);
                    position += n;
                    spins = 0;
                    continue;
                }
                if (run.hasStopped() && position == run.sent()) {
                    break;
                }
                run.checkTail("byte", position);
                spins = FifoThreads.backOff(spins);
            }
            assertEquals(-1, fifo.get(), "a byte beyond the last one sent");
            counts.receivedBytes = position;
            counts.receivedCrc = crc.getValue();
        }
    }

    private static void writeFully(Pipe.SinkChannel sink, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            sink.write(src); // blocking, and the producer only writes into an empty pipe: never waits long
        }
    }

    private static void readFully(Pipe.SourceChannel source, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) { // the bytes are in the pipe already: out(channel) just wrote them
            if (source.read(dst) < 0) {
                throw new AssertionError("the pipe ended early");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Records

    /** Record {@code i} of the stream: its length in {@code 0..maxLength} and its bytes, both derived from i. */
    static final class RecordStream {
        private final long seed;
        final int maxLength;

        RecordStream(long seed, int maxLength) {
            this.seed = seed;
            this.maxLength = maxLength;
        }

        int length(long record) {
            return (int) ((mix64(seed - record) >>> 1) % (maxLength + 1));
        }

        /** Writes record {@code record} into {@code dst} from {@code off}; returns its length. */
        int write(long record, byte[] dst, int off) {
            final int length = length(record);
            streamBytes(seed + record * 0x9E37_79B9L, 0, dst, off, length);
            return length;
        }
    }

    /** What the record producer sent and the record consumer received; each side writes its own fields. */
    static final class RecordStreamCounts {
        long sentRecords;
        long sentCrc;
        long receivedRecords;
        long receivedCrc;
    }

    private static void produceRecords(RecordFifo fifo, RecordStream stream, Run run, RecordStreamCounts counts) {
        final int most = stream.maxLength;
        final SplittableRandom random = new SplittableRandom(SEED + 4);
        final byte[] array = new byte[most + 16];
        final ByteBuffer heap = ByteBuffer.allocate(most + 16);
        final ByteBuffer direct = ByteBuffer.allocateDirect(most + 16);
        final CRC32 crc = new CRC32();
        long next = 0;
        int spins = 0;
        while (run.isProducing()) {
            final int off = random.nextInt(16); // the record somewhere inside a larger array
            final int length = stream.write(next, array, off);
            boolean queued;
            if (random.nextBoolean()) {
                queued = fifo.in(array, off, length);
            } else {
                final ByteBuffer buffer = random.nextBoolean() ? heap : direct;
                buffer.clear().position(off);
                buffer.put(array, off, length).flip().position(off);
                queued = fifo.in(buffer);
                assertEquals(queued ? off + length : off, buffer.position(),
                        "in(ByteBuffer) must advance the position by the record, or not at all");
            }
            if (queued) {
                crc.update(array, off, length);
                next++;
                spins = 0;
            } else {
                spins = FifoThreads.backOff(spins); // the same record is offered again
            }
        }
        counts.sentRecords = next;
        counts.sentCrc = crc.getValue();
        run.stopProducing(next);
    }

    private static void consumeRecords(RecordFifo fifo, RecordStream stream, Run run, RecordStreamCounts counts) {
        final int most = stream.maxLength;
        final SplittableRandom random = new SplittableRandom(SEED + 5);
        final byte[] got = new byte[most + 16];
        final byte[] expected = new byte[most];
        final ByteBuffer heap = ByteBuffer.allocate(most + 16);
        final ByteBuffer direct = ByteBuffer.allocateDirect(most + 16);
        final CRC32 crc = new CRC32();
        long next = 0;
        int spins = 0;
        while (true) {
            final int off = random.nextInt(16);
            int length;
            switch (random.nextInt(4)) {
                case 0: // into an array with room for any record
                    length = fifo.out(got, off, most);
                    break;
                case 1: { // peekLength, then out into exactly that much room
                    length = fifo.peekLength();
                    if (length >= 0) {
                        assertEquals(length, fifo.out(got, off, length), "out() after peekLength() took another record");
                    }
                    break;
                }
                case 2: { // ByteBuffer, heap or direct
                    final ByteBuffer buffer = random.nextBoolean() ? heap : direct;
                    buffer.clear().position(off);
                    length = fifo.out(buffer);
                    if (length >= 0) {
                        assertEquals(off + length, buffer.position(), "out(ByteBuffer) must advance the position by the record");
                        buffer.flip().position(off);
                        buffer.get(got, off, length);
                    }
                    break;
                }
                default: { // outPeek, then skip
                    length = fifo.outPeek(got, off, most);
                    if (length >= 0) {
                        assertTrue(fifo.skip(), "skip() after outPeek() found no record");
                    }
                }
            }
            if (length >= 0) {
                final int expectedLength = stream.write(next, expected, 0);
                final long record = next;
                assertEquals(expectedLength, length, () -> "record " + record + ": length (records lost, "
                        + "duplicated or reordered, or a header read unwritten)");
                final int mismatch = Arrays.mismatch(got, off, off + length, expected, 0, length);
                if (mismatch >= 0) {
                    throw new AssertionError("record " + record + " of " + length + " bytes: byte " + mismatch
                            + " was " + got[off + mismatch] + ", expected " + expected[mismatch]);
                }
                crc.update(got, off, length);
                next++;
                spins = 0;
                continue;
            }
            if (run.hasStopped() && next == run.sent()) {
                break;
            }
            run.checkTail("record", next);
            spins = FifoThreads.backOff(spins);
        }
        assertFalse(fifo.skip(), "a record beyond the last one sent");
        counts.receivedRecords = next;
        counts.receivedCrc = crc.getValue();
    }

    // ---------------------------------------------------------------------------------------------------
    // The harness

    /** The body of one thread. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /**
     * The clock and the hand-over of one run: until when the producers produce, how many units they sent (for
     * the consumers' last check), and whether a thread failed (so that the others stop instead of waiting).
     */
    static final class Run {
        final long runNanos;
        final long start = System.nanoTime();
        private volatile boolean stopped;
        private volatile long sent;
        private volatile boolean aborted;

        Run(long runNanos) {
            this.runNanos = runNanos;
        }

        /** Whether a producer should go on: the run's time has not elapsed and no thread failed. */
        boolean isProducing() {
            return !aborted && System.nanoTime() - start < runNanos;
        }

        /** A single producer's end: {@code sent} units in all. */
        void stopProducing(long sent) {
            this.sent = sent;
            this.stopped = true; // volatile: publishes sent
        }

        boolean hasStopped() {
            return stopped;
        }

        long sent() {
            return sent;
        }

        void abort() {
            aborted = true;
        }

        void checkNotAborted() {
            if (aborted) {
                throw new IllegalStateException("another thread of the run failed");
            }
        }

        /**
         * Fails when another thread failed, or when the producers stopped {@code GRACE_SECONDS} ago and the
         * consumer still waits for the tail of the stream.
         */
        void checkTail(String unit, long received) {
            checkNotAborted();
            if (System.nanoTime() - start - runNanos > TimeUnit.SECONDS.toNanos(GRACE_SECONDS)) {
                throw new AssertionError("the consumer received " + received + " " + unit + "s and waited "
                        + GRACE_SECONDS + " s after the producers stopped for the rest"
                        + (stopped ? " (" + sent + " sent)" : "") + ": lost");
            }
        }

        long joinBoundNanos() {
            return runNanos + TimeUnit.SECONDS.toNanos(2 * GRACE_SECONDS);
        }
    }

    /**
     * Runs one body per fresh daemon thread, started together through a latch, and joins them within the run's
     * time plus the grace: a thread still alive then fails the test as a hang. A failing body aborts the run, so
     * the others stop; the first failure is rethrown here.
     */
    static void runTogether(Run run, Body... bodies) throws InterruptedException {
        final CountDownLatch start = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] threads = new Thread[bodies.length];
        for (int t = 0; t < bodies.length; t++) {
            final Body body = bodies[t];
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                    body.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    run.abort();
                }
            }, "ksync-fifo-soak-" + t);
            threads[t].setDaemon(true);
            threads[t].start();
        }
        start.countDown();
        final long deadline = System.nanoTime() + run.joinBoundNanos();
        for (Thread thread : threads) {
            TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1L, deadline - System.nanoTime()));
            if (thread.isAlive()) {
                run.abort();
                throw new AssertionError(thread.getName() + " still running " + run.joinBoundNanos() / 1_000_000_000L
                        + " s after the run started: a hang", failure.get());
            }
        }
        final Throwable first = failure.get();
        if (first instanceof Error) {
            throw (Error) first;
        }
        if (first != null) {
            throw new AssertionError(first);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    /** The duration of one run, from {@value #SECONDS_PROPERTY}. */
    static long runNanos() {
        final String value = System.getProperty(SECONDS_PROPERTY, DEFAULT_SECONDS);
        final double seconds;
        try {
            seconds = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SECONDS_PROPERTY + " must be a number of seconds > 0, was \"" + value
                    + "\"", e);
        }
        if (!(seconds > 0)) {
            throw new IllegalArgumentException(SECONDS_PROPERTY + " must be a number of seconds > 0, was " + value);
        }
        return (long) (seconds * 1e9);
    }

    private static <F extends FifoIndices> F startNearWrap(F fifo) {
        fifo.startIndicesAt(-START_BELOW_WRAP);
        return fifo;
    }

    /** SplitMix64's finaliser: a bijective mix of the 64 bits. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
