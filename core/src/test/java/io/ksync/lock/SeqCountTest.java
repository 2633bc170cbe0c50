package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SeqCountTest extends ConcurrentTest {

    @Test
    void readWithoutWriterNeedsNoRetry() {
        SeqCount seq = new SeqCount();
        int s = seq.readBegin();
        assertEquals(0, s);
        assertFalse(seq.readRetry(s));
    }

    @Test
    void writeSectionMakesTheCountOddThenEven() {
        SeqCount seq = new SeqCount();
        seq.writeBegin();
        assertTrue(seq.isWriting());
        assertEquals(1, seq.rawRead());
        seq.writeEnd();
        assertFalse(seq.isWriting());
        assertEquals(2, seq.readBegin());
    }

    @Test
    void readOverlappedByAWriteMustRetry() {
        SeqCount seq = new SeqCount();
        int s = seq.readBegin();
        seq.writeBegin();
        seq.writeEnd();
        assertTrue(seq.readRetry(s));
        assertFalse(seq.readRetry(seq.readBegin()));
    }

    @Test
    void rawReadBeginDuringAWriteFailsItsRetry() {
        SeqCount seq = new SeqCount();
        seq.writeBegin();
        int s = seq.rawReadBegin();
        assertEquals(0, s & 1, "rawReadBegin clears the low bit instead of waiting");
        assertTrue(seq.readRetry(s));
        seq.writeEnd();
    }

    @Test
    void readBeginWaitsForTheWriteToEnd() throws Exception {
        SeqCount seq = new SeqCount();
        CountDownLatch readerStarting = new CountDownLatch(1);
        seq.writeBegin();
        Future<Integer> reader = threads.submit(() -> {
            readerStarting.countDown();
            return seq.readBegin();
        });
        assertTrue(readerStarting.await(30, TimeUnit.SECONDS));
        seq.writeEnd();
        assertEquals(2, reader.get(30, TimeUnit.SECONDS),
                "a reader that began during the write can only return the count after writeEnd()");
    }

    @Test
    void nestedWriteBeginIsReportedAsUnserialisedWriters() {
        SeqCount seq = new SeqCount();
        seq.writeBegin();
        IllegalStateException e = assertThrows(IllegalStateException.class, seq::writeBegin);
        assertTrue(e.getMessage().contains("serialise writers"), e.getMessage());
        assertEquals(1, seq.rawRead(), "the failed writeBegin must not move the count");
        seq.writeEnd();
    }

    @Test
    void writeEndWithoutWriteBeginThrows() {
        SeqCount seq = new SeqCount();
        IllegalStateException e = assertThrows(IllegalStateException.class, seq::writeEnd);
        assertTrue(e.getMessage().contains("without writeBegin()"), e.getMessage());
        assertEquals(0, seq.rawRead());
    }

    @Test
    void writeBarrierAndInvalidateMakeReadersRetry() {
        SeqCount seq = new SeqCount();
        int s = seq.readBegin();
        seq.writeBarrier();
        assertTrue(seq.readRetry(s));
        assertEquals(2, seq.rawRead());
        s = seq.readBegin();
        seq.invalidate();
        assertTrue(seq.readRetry(s));
        assertEquals(4, seq.rawRead());
    }

    @Test
    void barrierAndInvalidateInsideAWriteSectionThrow() {
        SeqCount seq = new SeqCount();
        seq.writeBegin();
        assertThrows(IllegalStateException.class, seq::writeBarrier);
        assertThrows(IllegalStateException.class, seq::invalidate);
        seq.writeEnd();
        assertEquals(2, seq.rawRead());
    }

    @Test
    void countWrapsAroundSafely() throws ReflectiveOperationException {
        SeqCount seq = new SeqCount();
        java.lang.reflect.Field sequence = SeqCount.class.getDeclaredField("sequence");
        sequence.setAccessible(true);
        sequence.setInt(seq, Integer.MAX_VALUE - 3); // even, two writes below the overflow
        int s = seq.readBegin();
        seq.writeBegin();
        seq.writeEnd();
        assertTrue(seq.readRetry(s));
        seq.writeBegin();
        assertEquals(Integer.MAX_VALUE, seq.rawRead());
        assertTrue(seq.isWriting(), "Integer.MAX_VALUE is odd: a write in progress");
        seq.writeEnd();
        s = seq.readBegin();
        assertEquals(Integer.MIN_VALUE, s, "the count wrapped to an even value");
        assertFalse(seq.readRetry(s));
    }

    @Test
    void acceptedSnapshotsAreNeverTorn() throws Exception {
        SeqCount seq = new SeqCount();
        long[] pair = new long[2];
        final int writes = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        Future<?> writer = threads.submit(() -> {
            start.await();
            for (long i = 1; i <= writes; i++) {
                seq.writeBegin();
                pair[0] = i;
                pair[1] = -i;
                seq.writeEnd();
            }
            return null;
        });
        Future<Long> reader = threads.submit(() -> {
            start.await();
            long torn = 0;
            long last = 0;
            while (last < writes) {
                long a;
                long b;
                int s;
                do {
                    s = seq.readBegin();
                    a = pair[0];
                    b = pair[1];
                } while (seq.readRetry(s));
                if (a != -b) {
                    torn++;
                }
                last = a;
            }
            return torn;
        });
        start.countDown();
        writer.get(60, TimeUnit.SECONDS);
        assertEquals(0L, reader.get(60, TimeUnit.SECONDS), "a torn pair was accepted as consistent");
    }
}
