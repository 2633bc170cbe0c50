package io.ksync.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.ConcurrentTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PerCpuCounterTest extends ConcurrentTest {

    @Test
    void defaultsAreDocumented() {
        PerCpuCounter counter = new PerCpuCounter();
        assertEquals(Math.max(1024, 2 * Cpus.count()), PerCpuCounter.defaultBatch());
        assertEquals(Math.max(32, 2 * Cpus.count()), PerCpuCounter.kernelBatch());
        assertEquals(PerCpuCounter.defaultBatch(), counter.batch());
        assertEquals(0, counter.read());
        assertEquals(0, counter.sum());
        assertEquals(42, new PerCpuCounter(42).read());
        assertEquals(42, new PerCpuCounter(42).sum());
        assertEquals(7, new PerCpuCounter(-3, 7).batch());
    }

    @Test
    void smallAddsStayInTheSlotUntilTheBatchIsReached() {
        PerCpuCounter counter = new PerCpuCounter(100, 4);
        counter.add(1);
        counter.increment();
        counter.add(1);
        assertEquals(100, counter.read(), "deltas below the batch stay in the thread's slot");
        assertEquals(103, counter.sum());
        counter.increment();
        assertEquals(104, counter.read(), "the fourth add reaches the batch and folds the slot");
        assertEquals(104, counter.sum());
        counter.decrement();
        counter.add(-3);
        assertEquals(100, counter.read(), "a delta of -4 folds too");
        assertEquals(100, counter.sum());
    }

    @Test
    void aLargeAddFoldsAtOnceWithTheSlotsDelta() {
        PerCpuCounter counter = new PerCpuCounter(0, 10);
        counter.add(3);
        counter.add(1_000);
        assertEquals(1_003, counter.read());
        assertEquals(1_003, counter.sum());
    }

    @Test
    void extremeAmountsFoldAndWrapLikeLongArithmetic() {
        PerCpuCounter counter = new PerCpuCounter(0, 8);
        counter.add(Long.MIN_VALUE); // Math.abs(Long.MIN_VALUE) is negative: must still fold
        assertEquals(Long.MIN_VALUE, counter.read());
        counter.add(Long.MAX_VALUE);
        assertEquals(-1, counter.read());
        counter.add(2);
        assertEquals(1, counter.sum());
        PerCpuCounter top = new PerCpuCounter(Long.MAX_VALUE, 8);
        top.increment();
        assertEquals(Long.MIN_VALUE, top.sum(), "overflow wraps, as LongAdder's");
    }

    @Test
    void positiveReadsClampAtZero() {
        PerCpuCounter counter = new PerCpuCounter(0, 100);
        counter.add(-5);
        assertEquals(0, counter.read());
        assertEquals(-5, counter.sum());
        assertEquals(0, counter.sumPositive());
        counter.add(-200);
        assertEquals(-205, counter.read());
        assertEquals(0, counter.readPositive());
        counter.set(9);
        assertEquals(9, counter.readPositive());
        assertEquals(9, counter.sumPositive());
    }

    @Test
    void compareUsesTheExactSumNearTheThreshold() {
        PerCpuCounter counter = new PerCpuCounter(0, 100);
        counter.add(50); // read() 0, sum() 50
        assertEquals(0, counter.read());
        assertEquals(0, counter.compare(50));
        assertTrue(counter.compare(49) > 0);
        assertTrue(counter.compare(51) < 0);
        assertTrue(counter.compare(10_000) < 0);
        assertTrue(counter.compare(-10_000) > 0);
    }

    @Test
    void compareTrustsTheCheapReadBeyondTheBatchBound() {
        PerCpuCounter counter = new PerCpuCounter(0, 100);
        counter.addBatch(50, 100); // read() 0, sum() 50
        // With a claimed batch of 1 the bound is Cpus.count(): read() is 40 away, so compare() decides from it
        // (wrongly, as the kernel's __percpu_counter_compare would with a batch smaller than the adds use).
        assertTrue(counter.compare(40, 1) < 0, "the fast path decides from read() alone");
        assertTrue(counter.compare(40) > 0, "with the counter's own batch it takes the exact sum");
    }

    @Test
    void compareSurvivesOperandsMoreThanHalfTheRangeApart() {
        PerCpuCounter high = new PerCpuCounter(Long.MAX_VALUE - 1);
        assertTrue(high.compare(Long.MIN_VALUE) > 0);
        PerCpuCounter low = new PerCpuCounter(Long.MIN_VALUE + 1);
        assertTrue(low.compare(Long.MAX_VALUE) < 0);
        assertEquals(0, high.compare(Long.MAX_VALUE - 1));
    }

    @Test
    void setEmptiesTheSlotsAndStoresTheCount() {
        PerCpuCounter counter = new PerCpuCounter(0, 1_000);
        counter.add(10);
        counter.set(7);
        assertEquals(7, counter.read());
        assertEquals(7, counter.sum());
        counter.add(2);
        assertEquals(9, counter.sum());
        assertEquals("9", counter.toString());
    }

    @Test
    void badBatchesAreRejectedWithTheReason() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> new PerCpuCounter(0, 0));
        assertTrue(zero.getMessage().contains("batch must be >= 1, was 0"), zero.getMessage());
        PerCpuCounter counter = new PerCpuCounter();
        assertThrows(IllegalArgumentException.class, () -> counter.addBatch(1, -1));
        assertThrows(IllegalArgumentException.class, () -> counter.compare(1, 0));
        assertEquals(0, counter.sum(), "a rejected add changes nothing");
    }

    /** Threads that add mixed amounts with a tiny batch (so folds and slot collisions are frequent) lose nothing. */
    @Test
    void concurrentAddsAreNeverLost() throws Exception {
        PerCpuCounter counter = new PerCpuCounter(5, 3);
        int threadCount = 6;
        int iterations = 100_000;
        long[] amounts = {1, -2, 3, 1_000, -999, 7};
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> adders = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            final int offset = t;
            adders.add(threads.submit(() -> {
                start.await();
                long added = 0;
                for (int i = 0; i < iterations; i++) {
                    long amount = amounts[(i + offset) % amounts.length];
                    counter.add(amount);
                    added += amount;
                }
                return added;
            }));
        }
        start.countDown();
        long expected = 5;
        for (Future<Long> adder : adders) {
            expected += get(adder);
        }
        assertEquals(expected, counter.sum());
        long error = Math.abs(counter.sum() - counter.read());
        assertTrue(error < (long) counter.batch() * Cpus.count(),
                "read() must be within batch x CPUs of the sum at quiescence, was off by " + error);
    }

    @Test
    void readsWhileAddingStayWithinTheBoundOnceAddersStop() throws Exception {
        PerCpuCounter counter = new PerCpuCounter();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> adders = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            adders.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < 200_000; i++) {
                    counter.increment();
                }
                return null;
            }));
        }
        start.countDown();
        long previous = Long.MIN_VALUE;
        while (!adders.stream().allMatch(Future::isDone)) {
            long now = counter.read();
            assertTrue(now >= previous, "increments only: the shared count never goes down");
            previous = now;
        }
        for (Future<?> adder : adders) {
            get(adder);
        }
        assertEquals(600_000, counter.sum());
    }
}
