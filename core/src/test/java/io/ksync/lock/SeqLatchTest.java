package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SeqLatchTest extends ConcurrentTest {

    static final class Range {
        long low;
        long high;
    }

    @Test
    void writeModifiesBothCopies() {
        Range a = new Range();
        Range b = new Range();
        SeqLatch<Range> latch = new SeqLatch<>(a, b);
        latch.write(r -> {
            r.low = 1;
            r.high = 5;
        });
        assertEquals(4, a.high - a.low);
        assertEquals(4, b.high - b.low);
        assertEquals(4, latch.readLong(r -> r.high - r.low));
        assertEquals("1..5", latch.read(r -> r.low + ".." + r.high));
    }

    @Test
    void writeWithArgumentModifiesBothCopies() {
        SeqLatch<Range> latch = new SeqLatch<>(new Range(), new Range());
        latch.write((r, v) -> r.high = v, 9L);
        assertEquals(9, latch.readLong(r -> r.high));
        assertEquals(9, latch.copy(0).high);
        assertEquals(9, latch.copy(1).high);
    }

    @Test
    void readersUseTheCopySelectedByParity() {
        Range a = new Range();
        Range b = new Range();
        SeqLatch<Range> latch = new SeqLatch<>(a, b);
        assertSame(a, latch.copy(latch.readBegin()));
        assertSame(b, latch.copy(1));
        assertSame(a, latch.copy(-2));
        assertSame(b, latch.copy(Integer.MIN_VALUE + 1));
    }

    @Test
    void aReaderNeverWaitsForAWriterInTheMiddleOfAModification() throws Exception {
        Range a = new Range();
        Range b = new Range();
        SeqLatch<Range> latch = new SeqLatch<>(a, b);
        CountDownLatch writerInside = new CountDownLatch(1);
        CountDownLatch releaseWriter = new CountDownLatch(1);
        Future<?> writer = threads.submit(() -> {
            latch.write(r -> {
                r.high = 7;
                if (r == a) { // hold the writer inside its modification of copy 0
                    writerInside.countDown();
                    try {
                        releaseWriter.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            return null;
        });
        assertTrue(writerInside.await(30, TimeUnit.SECONDS));
        int sequence = latch.readBegin();
        assertEquals(1, sequence & 1, "while copy 0 is modified, readers use copy 1");
        assertEquals(0, latch.readLong(r -> r.high), "the reader sees the old value and does not wait");
        assertFalse(latch.readRetry(sequence));
        releaseWriter.countDown();
        writer.get(30, TimeUnit.SECONDS);
        assertTrue(latch.readRetry(sequence), "the second switch invalidates the old read");
        assertEquals(7, latch.readLong(r -> r.high));
    }

    @Test
    void constructorRejectsTheSameObjectTwiceAndNulls() {
        Range r = new Range();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SeqLatch<>(r, r));
        assertTrue(e.getMessage().contains("two distinct copies"), e.getMessage());
        assertThrows(NullPointerException.class, () -> new SeqLatch<>(null, r));
        assertThrows(NullPointerException.class, () -> new SeqLatch<>(r, null));
    }

    @Test
    void concurrentReadsNeverReturnATornCopy() throws Exception {
        SeqLatch<Range> latch = new SeqLatch<>(new Range(), new Range());
        final int writes = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        Future<?> writer = threads.submit(() -> {
            start.await();
            for (long i = 1; i <= writes; i++) {
                latch.write((r, v) -> {
                    r.low = v;
                    r.high = v + 10;
                }, i);
            }
            return null;
        });
        Future<Long> reader = threads.submit(() -> {
            start.await();
            long torn = 0;
            long low = 0;
            while (low < writes) {
                int s;
                long l;
                long h;
                do {
                    s = latch.readBegin();
                    Range copy = latch.copy(s);
                    l = copy.low;
                    h = copy.high;
                } while (latch.readRetry(s));
                if (h - l != 10 && !(l == 0 && h == 0)) {
                    torn++;
                }
                low = l;
            }
            return torn;
        });
        start.countDown();
        writer.get(60, TimeUnit.SECONDS);
        assertEquals(0L, reader.get(60, TimeUnit.SECONDS), "a torn copy was accepted");
    }
}
