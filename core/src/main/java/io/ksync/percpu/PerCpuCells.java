package io.ksync.percpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One padded {@code long} per CPU slot plus one padded shared {@code long}: the atomic tier of
 * {@link PerCpuCounter} (per-CPU deltas for threads that own no {@link OwnedCells} cell, and the shared count)
 * and the storage of {@link PerCpuRwSemaphore} (the per-CPU reader counts and the writer's block flag), and the
 * choice of the calling thread's slot.
 *
 * <p>Layout of the one {@code long[]} (each box is {@value #STRIDE} longs, 128 bytes, so no two cells share a
 * cache line or an adjacent-line prefetch pair, and the array header shares a line with no cell):
 * <pre>
 *   | padding | slot 0: value, owner | slot 1: value, owner | ... | slot n-1 | shared | padding |
 * </pre>
 *
 * <h2>Which slot a thread uses</h2>
 * The kernel disables preemption and uses {@code smp_processor_id()}; the JVM can do neither cheaply
 * ({@code sched_getcpu()} through FFM costs as much as the atomic add it would steer, see {@link Cpus}). So a
 * thread's slot is cached in a small table of hints indexed by the low bits of the thread's id (threads created
 * one after the other get different hints), and it changes only when two threads turn out to share a slot.
 * That is detected without a compare-and-set (an atomic add is cheaper, and never fails): each slot records the
 * id of the last thread that used it ({@code owner}, in the slot's own cache line), and a thread that finds
 * another id there claims the slot (it writes its id and marks its hint "claimed"); if it then finds another
 * id again while its hint is claimed, somebody else uses the slot at the same time, so it moves: to
 * {@link Cpus#current()} (the CPU it runs on, where the JDK can tell) or, when that is the slot it leaves, to
 * another one at random. A thread alone on its slot pays one load and compare per update for this.
 *
 * <p>Hints and owners are written racily (plain stores) and a hint may be shared by two threads whose ids have
 * the same low bits: any slot in range is correct, the choice only decides speed. Every update of a slot is an
 * atomic read-modify-write, so whatever the slot, no update is lost.
 */
final class PerCpuCells {

    /*
     * Implementation notes.
     *
     * Orderings: the values are updated only with getAndAdd / getAndSet / compareAndSet (volatile read-modify-
     * writes) and read with getVolatile by summing readers (PerCpuCounter.sum, the rw-semaphore's writer). The
     * owner words are read and written opaque; the hints are written opaque and read plainly on the hot path
     * (one plain load per update): a stale value costs at most one needless claim or move. Each is a whole int
     * or long, so never torn.
     */

    /** Longs per cell: 128 bytes, two cache lines, so the adjacent-line prefetcher does not pair two cells. */
    static final int STRIDE = 16;

    /** Bit of a hint that says its bucket's thread has claimed the slot (written its id into the owner word). */
    private static final int CLAIMED = 1 << 30;

    private final long[] cells;
    private final int slots;
    /** Per thread-id bucket: the slot that bucket's threads use, plus {@link #CLAIMED}. */
    private final int[] hints;
    private final int bucketMask;
    private final int sharedIndex;

    /**
     * @param slots the number of per-CPU cells, at least 1
     */
    PerCpuCells(int slots) {
        this.slots = slots;
        this.cells = new long[(slots + 3) * STRIDE];
        this.sharedIndex = (slots + 1) * STRIDE;
        // Eight buckets per slot, at least 64, so that two live threads rarely share a bucket.
        final int buckets = Math.max(64, Integer.highestOneBit(Math.max(1, slots * 8 - 1)) << 1);
        this.hints = new int[buckets];
        this.bucketMask = buckets - 1;
        for (int bucket = 0; bucket < buckets; bucket++) {
            hints[bucket] = bucket % slots;
        }
        for (int slot = 0; slot < slots; slot++) {
            cells[ownerIndex(slot)] = -1L; // no thread has this id
        }
    }

    /** The number of per-CPU cells. */
    int slots() {
        return slots;
    }

    /** The id of the calling thread, as the owner words record it. */
    static long currentThreadId() {
        return threadId(Thread.currentThread());
    }

    /** A thread's id. */
    @SuppressWarnings("deprecation") // Thread.threadId() arrived in JDK 19; getId() is the same number.
    static long threadId(Thread thread) {
        return thread.getId();
    }

    /** The hint bucket of the thread with this id: its low bits. */
    int bucket(long threadId) {
        return (int) threadId & bucketMask;
    }

    /** The slot the threads of {@code bucket} use now. */
    int slot(int bucket) {
        return hints[bucket] & ~CLAIMED; // plain: any value is a valid slot, and it changes rarely
    }

    /**
     * Records that the thread {@code threadId} of {@code bucket} just updated {@code slot}: nothing if the slot's
     * owner word already says so; otherwise a claim, or a move if the thread had claimed the slot already (see
     * the class comment). Call it after the update.
     */
    void noteUse(int bucket, int slot, long threadId) {
        if ((long) CELLS.getOpaque(cells, ownerIndex(slot)) != threadId) {
            claimOrMove(bucket, slot, threadId);
        }
    }

    private void claimOrMove(int bucket, int slot, long threadId) {
        final int hint = (int) HINTS.getOpaque(hints, bucket);
        if (hint == (slot | CLAIMED)) {
            moveAfterCollision(bucket, slot); // claimed, and another thread wrote its id since: shared
        } else {
            CELLS.setOpaque(cells, ownerIndex(slot), threadId);
            HINTS.setOpaque(hints, bucket, slot | CLAIMED);
        }
    }

    /**
     * Moves {@code bucket} off {@code slot}, which it shares with another running thread, and returns the new
     * slot: {@link Cpus#current()}, or a random other slot when that is the one it leaves.
     */
    int moveAfterCollision(int bucket, int slot) {
        if (slots == 1) {
            return 0;
        }
        int next = Cpus.current();
        if (next == slot) {
            next = (slot + 1 + ThreadLocalRandom.current().nextInt(slots - 1)) % slots;
        }
        HINTS.setOpaque(hints, bucket, next); // unclaimed: the first use of the new slot claims it
        return next;
    }

    /** A cell's value, volatile (for sums that must see every completed update). */
    long getVolatile(int slot) {
        return (long) CELLS.getVolatile(cells, (slot + 1) * STRIDE);
    }

    /** Volatile get-and-add on a cell. */
    long getAndAdd(int slot, long delta) {
        return (long) CELLS.getAndAdd(cells, (slot + 1) * STRIDE, delta);
    }

    /** Volatile get-and-set of a cell. */
    long getAndSet(int slot, long value) {
        return (long) CELLS.getAndSet(cells, (slot + 1) * STRIDE, value);
    }

    /**
     * Adds {@code delta} to the calling thread's cell with one atomic add and returns the slot it added to (a
     * later undo must use that slot).
     */
    int addToOwnSlot(long delta) {
        final long threadId = currentThreadId();
        final int bucket = bucket(threadId);
        final int slot = slot(bucket);
        getAndAdd(slot, delta);
        noteUse(bucket, slot, threadId);
        return slot;
    }

    /** Sum of the per-CPU cells (not the shared one), each read volatile, in slot order. */
    long sumSlotsVolatile() {
        long sum = 0;
        for (int slot = 0; slot < slots; slot++) {
            sum += getVolatile(slot);
        }
        return sum;
    }

    /** The shared cell, opaque: a recent value, no ordering. */
    long sharedOpaque() {
        return (long) CELLS.getOpaque(cells, sharedIndex);
    }

    /** The shared cell, volatile. */
    long sharedVolatile() {
        return (long) CELLS.getVolatile(cells, sharedIndex);
    }

    /** Volatile store to the shared cell. */
    void setSharedVolatile(long value) {
        CELLS.setVolatile(cells, sharedIndex, value);
    }

    /** Volatile get-and-add on the shared cell. */
    long getAndAddShared(long delta) {
        return (long) CELLS.getAndAdd(cells, sharedIndex, delta);
    }

    /** Volatile compare-and-set of the shared cell. */
    boolean compareAndSetShared(long expected, long value) {
        return CELLS.compareAndSet(cells, sharedIndex, expected, value);
    }

    private static int ownerIndex(int slot) {
        return (slot + 1) * STRIDE + 1;
    }

    // VarHandle mechanics
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HINTS = MethodHandles.arrayElementVarHandle(int[].class);
}
