package io.ksync.percpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Padded {@code long} cells that one thread at a time owns: the fast tier of {@link PerCpuCounter}. The owner
 * updates its cell with a plain load and a release store, no atomic instruction, which is what the kernel's
 * {@code this_cpu_add} gets from running with preemption disabled: nobody else writes that CPU's counter while
 * it adds. A thread that owns no cell uses {@link PerCpuCells}' atomic cells instead.
 *
 * <p>A thread becomes the owner of a cell with a compare-and-set of the cell's owner reference from null, or from
 * a thread that has terminated, to itself, and stays the owner until it terminates. So at any moment a cell has
 * at most one living owner, and only that thread writes the cell's value. There are {@code 2 * Cpus.count()}
 * cells, rounded up to a power of two (at least 4): enough for each running thread of a program that keeps
 * about as many busy threads as CPUs. Further threads, and threads that arrive while every cell belongs to a
 * living thread (an idle thread of a pool keeps its cell), use the atomic tier.
 *
 * <p>Which cell to try first: the thread's home cell, the low bits of its id (threads created one after the
 * other have different ones); when another thread owns that, a table of hints indexed by more low bits of the
 * id, as in {@link PerCpuCells}. Both are only guesses; ownership is decided by the owner reference alone.
 */
final class OwnedCells {

    /*
     * Implementation notes.
     *
     * Layout: one long[] with one cell per STRIDE longs (128 bytes, two lines: no false sharing and no
     * adjacent-line prefetch pairing between cells); a cell is [value, owner's thread id, padding]. The owner
     * references, which decide ownership, are in a Thread[] of their own, used on the slow path only.
     *
     * Orderings, access by access:
     * - owner check (every add): a plain load of the owner id in the cell's line, compared with the current
     *   thread's id. The id word is written only by a thread that has just won the cell (the CAS below), with its
     *   own id, after the CAS; a thread keeps a cell until it terminates, and thread ids are not reused by the
     *   JVM (a counter), so a running thread that reads its own id there owns the cell now (it wrote it itself).
     *   A stale or foreign id only sends it to the slow path, which decides with the owner references.
     *   (Comparing the Thread reference on every add, an extra array and load, measured slower.)
     * - owner's update: a plain load of the value (only the owner writes it, so it sees its own last store) and
     *   a release store (a whole 64-bit value, never torn for a concurrent sum; a plain store on x86, where an
     *   opaque one measured slower on JDK 17). No StoreLoad fence: nobody else writes the cell, and a sum that
     *   must see the update is ordered after it by whatever ended the adds (a join).
     * - claim: OWNERS.compareAndSet(null or dead, current), volatile. Taking over from a dead thread happens
     *   only after Thread.isAlive() returned false for it, which synchronizes-with the dead thread's last action
     *   (JLS 17.4.4), so the new owner's plain load of the value sees the dead owner's last store.
     * - sums: getVolatile of each value; exact once the adders are joined, a recent value of each otherwise.
     */

    /** Longs per cell: 128 bytes. */
    private static final int STRIDE = 16;

    /** A hint that says: this bucket's thread found every cell owned; use the atomic tier. */
    static final int NO_CELL = -1;

    /** The cells: [value, owner's id, padding] each; PerCpuCounter's add reads it through a copy of its own. */
    final long[] values;
    private final Thread[] owners;
    /** Per thread-id bucket: the cell its thread owns, or {@link #NO_CELL}. Written racily (plain). */
    private final int[] hints;
    private final int bucketMask;
    /** {@code cells() - 1}: a thread's home cell is the low bits of its id. */
    final int cellMask;

    /**
     * @param cells the number of cells, a power of two
     */
    OwnedCells(int cells) {
        if (Integer.bitCount(cells) != 1) {
            throw new IllegalArgumentException("cells must be a power of two, was " + cells);
        }
        this.cellMask = cells - 1;
        this.values = new long[(cells + 2) * STRIDE];
        for (int cell = 0; cell < cells; cell++) {
            values[ownerIdIndex(cell)] = -1L; // no thread has this id
        }
        this.owners = new Thread[cells];
        final int buckets = Math.max(64, Integer.highestOneBit(Math.max(1, cells * 8 - 1)) << 1);
        this.hints = new int[buckets];
        this.bucketMask = buckets - 1;
        for (int bucket = 0; bucket < buckets; bucket++) {
            hints[bucket] = bucket & cellMask;
        }
    }

    /** The number of cells. */
    int cells() {
        return owners.length;
    }

    /** The cell a thread tries first, without a look-up: the low bits of its id. */
    int home(long threadId) {
        return (int) threadId & cellMask;
    }

    /** The hint bucket of a thread id: its low bits. */
    int bucket(long threadId) {
        return (int) threadId & bucketMask;
    }

    /** The cell the threads of {@code bucket} try first, or {@link #NO_CELL}. */
    int hint(int bucket) {
        return hints[bucket]; // plain: any value is a valid guess
    }

    /** Forgets a {@link #NO_CELL} hint, so that the bucket's next add looks for a cell again. */
    void retryClaim(int bucket) {
        hints[bucket] = 0; // plain: a guess
    }

    /**
     * Whether the thread with id {@code threadId} owns {@code cell}; {@code cell} may be {@link #NO_CELL}. Reads
     * the owner's id from the cell's own line, which the add touches anyway.
     */
    boolean isOwner(int cell, long threadId) {
        return cell >= 0 && values[ownerIdIndex(cell)] == threadId; // plain: see the notes
    }

    /**
     * The cell the thread with id {@code threadId} owns, if its home cell or its bucket's hint names it, else
     * {@link #NO_CELL} (it may still own another cell, which {@link #findOrClaim} would find).
     */
    int cellOwnedBy(long threadId) {
        final int home = home(threadId);
        if (isOwner(home, threadId)) {
            return home;
        }
        final int hint = hint(bucket(threadId));
        return isOwner(hint, threadId) ? hint : NO_CELL;
    }

    /**
     * Finds the cell {@code thread} owns, or claims a free one or one whose owner has terminated, starting at its
     * home cell, and records it as the bucket's hint. Returns {@link #NO_CELL} (and records that) when every cell
     * has a living owner.
     */
    int findOrClaim(int bucket, Thread thread) {
        final int cells = owners.length;
        final int start = home(PerCpuCells.threadId(thread));
        for (int i = 0; i < cells; i++) {
            final int cell = (start + i) % cells;
            if (owners[cell] == thread) { // plain: only this thread installs itself
                hints[bucket] = cell;
                return cell;
            }
        }
        for (int i = 0; i < cells; i++) {
            final int cell = (start + i) % cells;
            final Thread owner = (Thread) OWNERS.getVolatile(owners, cell);
            // isAlive() false: the dead owner's last store to the value happens-before what follows
            if ((owner == null || !owner.isAlive()) && OWNERS.compareAndSet(owners, cell, owner, thread)) {
                values[ownerIdIndex(cell)] = PerCpuCells.threadId(thread); // plain: read by this thread only
                hints[bucket] = cell;
                return cell;
            }
        }
        hints[bucket] = NO_CELL;
        return NO_CELL;
    }

    /** The owner empties its cell (the first half of a fold). Only the owner of {@code cell} may call it. */
    void clearAsOwner(int cell) {
        VALUES.setRelease(values, valueIndex(cell), 0L); // release: whole, never torn for a concurrent sum
    }

    /** A cell's value, volatile. */
    long getVolatile(int cell) {
        return (long) VALUES.getVolatile(values, valueIndex(cell));
    }

    /** Sum of every cell, each read volatile, in cell order. */
    long sumVolatile() {
        long sum = 0;
        for (int cell = 0; cell < owners.length; cell++) {
            sum += getVolatile(cell);
        }
        return sum;
    }

    static int valueIndex(int cell) {
        return (cell + 1) * STRIDE;
    }

    static int ownerIdIndex(int cell) {
        return (cell + 1) * STRIDE + 1;
    }

    // VarHandle mechanics
    static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle OWNERS = MethodHandles.arrayElementVarHandle(Thread[].class);
}
