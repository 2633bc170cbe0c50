package io.ksync.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.ConcurrentTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PerCpuCellsTest extends ConcurrentTest {

    @Test
    void everyThreadGetsASlotInRange() {
        PerCpuCells cells = new PerCpuCells(3);
        for (long id = 0; id < 1_000; id++) {
            int slot = cells.slot(cells.bucket(id));
            assertTrue(slot >= 0 && slot < 3, "slot " + slot);
        }
    }

    @Test
    void aCollisionMovesTheBucketToAnotherSlot() {
        PerCpuCells cells = new PerCpuCells(4);
        int bucket = cells.bucket(PerCpuCells.currentThreadId());
        int before = cells.slot(bucket);
        int after = cells.moveAfterCollision(bucket, before);
        assertNotEquals(before, after);
        assertEquals(after, cells.slot(bucket), "the move is remembered for the bucket");
        assertTrue(after >= 0 && after < 4);
        PerCpuCells single = new PerCpuCells(1);
        assertEquals(0, single.moveAfterCollision(single.bucket(PerCpuCells.currentThreadId()), 0));
    }

    @Test
    void aThreadThatFindsItsClaimedSlotUsedByAnotherMovesAway() {
        PerCpuCells cells = new PerCpuCells(2);
        long idA = 64; // buckets 0 and 1: both start on slot 0 or 1 by bucket % 2, so pick two that share slot 0
        long idB = 66;
        int bucketA = cells.bucket(idA);
        int bucketB = cells.bucket(idB);
        assertEquals(cells.slot(bucketA), cells.slot(bucketB), "both start on the same slot");
        int shared = cells.slot(bucketA);

        cells.noteUse(bucketA, shared, idA);          // A claims the slot
        cells.noteUse(bucketA, shared, idA);          // alone: nothing changes
        assertEquals(shared, cells.slot(bucketA));
        cells.noteUse(bucketB, shared, idB);          // B's first use: it claims the slot in turn
        assertEquals(shared, cells.slot(bucketB));
        cells.noteUse(bucketA, shared, idA);          // A finds B's id on a slot it had claimed: shared, so it moves
        assertNotEquals(shared, cells.slot(bucketA));
        assertEquals(shared, cells.slot(bucketB), "B stays");
        int moved = cells.slot(bucketA);
        cells.noteUse(bucketA, moved, idA);           // the first use of the new slot claims it
        cells.noteUse(bucketA, moved, idA);
        assertEquals(moved, cells.slot(bucketA), "alone on the new slot: A stays");
    }

    @Test
    void sharedCellIsSeparateFromTheSlots() {
        PerCpuCells cells = new PerCpuCells(2);
        cells.setSharedVolatile(5);
        cells.getAndAdd(0, 3);
        cells.getAndAdd(1, 4);
        assertEquals(7, cells.sumSlotsVolatile());
        assertEquals(5, cells.sharedVolatile());
        assertTrue(cells.compareAndSetShared(5, 6));
        assertEquals(6, cells.getAndAddShared(1));
        assertEquals(7, cells.sharedOpaque());
    }

    /** More threads than slots, all colliding on one or two slots: every add still lands. */
    @Test
    void addsFromMoreThreadsThanSlotsAreNeverLost() throws Exception {
        for (int slots : new int[] {1, 2, 5}) {
            PerCpuCells cells = new PerCpuCells(slots);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> adders = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                adders.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < 50_000; i++) {
                        int slot = cells.addToOwnSlot(1);
                        assertTrue(slot >= 0 && slot < slots);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> adder : adders) {
                get(adder);
            }
            assertEquals(300_000, cells.sumSlotsVolatile(), slots + " slots");
            assertEquals(0, cells.sharedVolatile());
        }
    }
}
