package io.ksync.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.ConcurrentTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
        long cells = new PerCpuCounter(0, 1).errorBound(); // with batch 1 the bound is one per cell
        PerCpuCounter counter = new PerCpuCounter(0, 1_000_000);
        long delta = 10 * cells + 50;
        counter.addBatch(delta, 1_000_000); // stays in the cell: read() 0, sum() delta
        long rhs = delta - 10;
        // With a claimed batch of 1 the bound is the number of cells, and read() is further than that from rhs,
        // so compare() decides from it (wrongly, as the kernel's __percpu_counter_compare would with a batch
        // smaller than the adds use).
        assertTrue(counter.compare(rhs, 1) < 0, "the fast path decides from read() alone");
        assertTrue(counter.compare(rhs) > 0, "with the counter's own batch it takes the exact sum");
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
        assertTrue(error < counter.errorBound(),
                "read() must be within errorBound() of the sum at quiescence, was off by " + error);
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

    @Test
    void theErrorBoundIsTheBatchTimesTheCells() {
        int ownedCells = Math.max(4, Integer.highestOneBit(2 * Cpus.count() - 1) << 1);
        assertEquals(100L * (Cpus.count() + ownedCells), new PerCpuCounter(0, 100).errorBound());
        assertEquals((long) PerCpuCounter.defaultBatch() * (Cpus.count() + ownedCells),
                new PerCpuCounter().errorBound());
    }

    /** A thread's cell outlives it: its delta still counts, and a later thread takes the cell over. */
    @Test
    void theCellOfADeadThreadKeepsItsDeltaAndIsTakenOver() throws Exception {
        PerCpuCounter counter = new PerCpuCounter(0, 1_000);
        int cells = Math.max(4, Integer.highestOneBit(2 * Cpus.count() - 1) << 1);
        // More short-lived threads than cells, one after the other: each ends holding a delta below the batch,
        // so from the cells-th thread on every thread takes over a dead thread's cell with its delta in it.
        long expected = 0;
        for (int t = 0; t < 3 * cells; t++) {
            final long amount = 10 + t;
            Thread adder = new Thread(() -> {
                counter.add(amount);
                counter.add(amount);
            });
            adder.start();
            adder.join();
            expected += 2 * amount;
            assertEquals(expected, counter.sum(), "after thread " + t);
        }
        assertTrue(Math.abs(counter.sum() - counter.read()) < counter.errorBound());
    }

    /**
     * When every owned cell belongs to a living thread, further threads add atomically to the per-CPU cells, and
     * nothing is lost either way.
     */
    @Test
    void threadsBeyondTheOwnedCellsAddThroughThePerCpuCells() throws Exception {
        PerCpuCounter counter = new PerCpuCounter(0, 5);
        int cells = Math.max(4, Integer.highestOneBit(2 * Cpus.count() - 1) << 1);
        int holders = cells + 2;
        CountDownLatch allHoldCells = new CountDownLatch(holders);
        CountDownLatch release = new CountDownLatch(1);
        List<Future<?>> alive = new ArrayList<>();
        for (int t = 0; t < holders; t++) {
            alive.add(threads.submit(() -> {
                counter.add(3);
                allHoldCells.countDown();
                release.await(); // stays alive: its cell cannot be taken over
                counter.add(4);
                return null;
            }));
        }
        assertTrue(allHoldCells.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        List<Future<?>> extra = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            extra.add(threads.submit(() -> {
                for (int i = 0; i < 10_000; i++) {
                    counter.add(i % 3 == 0 ? -2 : 1);
                }
                return null;
            }));
        }
        for (Future<?> adder : extra) {
            get(adder);
        }
        release.countDown();
        for (Future<?> holder : alive) {
            get(holder);
        }
        // per extra thread: 3334 adds of -2 (i % 3 == 0) and 6666 of +1
        assertEquals(holders * 7L + 4L * (6_666 - 2 * 3_334), counter.sum());
        assertTrue(Math.abs(counter.sum() - counter.read()) < counter.errorBound());
    }

    /**
     * set() cannot write the cells other threads own; it offsets the shared count by their deltas, so the exact
     * value is what was set, and those threads' later adds count from there.
     */
    @Test
    void setOffsetsTheDeltasThatOtherThreadsHold() throws Exception {
        PerCpuCounter counter = new PerCpuCounter(0, 1_000);
        CountDownLatch added = new CountDownLatch(1);
        CountDownLatch wasSet = new CountDownLatch(1);
        Future<?> other = threads.submit(() -> {
            counter.add(300); // stays in its own cell: below the batch
            added.countDown();
            wasSet.await();
            counter.add(5);
            return null;
        });
        assertTrue(added.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        counter.add(40);
        assertEquals(340, counter.sum());
        counter.set(1_000);
        assertEquals(1_000, counter.sum());
        assertTrue(Math.abs(counter.read() - 1_000) < counter.errorBound(), "read() " + counter.read());
        wasSet.countDown();
        get(other);
        assertEquals(1_005, counter.sum());
        counter.add(1);
        assertEquals(1_006, counter.sum());
    }
}
