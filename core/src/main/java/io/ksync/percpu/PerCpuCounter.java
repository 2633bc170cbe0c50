package io.ksync.percpu;

/**
 * A counter that many threads update often and few read exactly: the kernel's {@code struct percpu_counter}
 * ({@code include/linux/percpu_counter.h}, {@code lib/percpu_counter.c}).
 *
 * <p>Each cell holds a small local delta; {@link #add(long)} ({@code percpu_counter_add}) changes only the
 * calling thread's cell until that delta would reach the batch, and then folds the delta into one shared count.
 * So adds from different threads touch different cache lines, and the shared count is written once per batch
 * per cell instead of on every add. Reads come in two prices:
 * <ul>
 *   <li>{@link #read()} ({@code percpu_counter_read}) returns the shared count: one load, but it lags the true
 *   value by what the cells hold, less than {@code batch} per cell, so it is within {@link #errorBound()} of the
 *   exact sum (see below for the one exception);</li>
 *   <li>{@link #sum()} ({@code percpu_counter_sum}) adds every cell to the shared count: exact when no add runs
 *   concurrently (after the adding threads have been joined, for instance), {@code O(CPUs)}.</li>
 * </ul>
 * {@link #compare(long)} ({@code percpu_counter_compare}) decides with the cheap read when it is further from
 * the threshold than the error bound, and with the exact sum otherwise: the way to test a limit ("are more than
 * 10 000 blocks in use?") that is rarely close.
 *
 * <p>Cells. The kernel's add is a plain add to the running CPU's counter, safe because preemption is disabled
 * around it. The JVM can neither disable preemption nor ask cheaply which CPU runs a thread, so the cells here
 * belong to threads: there are {@code 2 * Cpus.count()} cells (rounded up to a power of two, at least 4) that a
 * thread owns from its first add until it terminates, and its adds to its own cell are a plain load and store,
 * no atomic instruction, as in the kernel. A thread that finds every such cell owned by a living thread (more adding threads than that, or idle
 * threads holding cells) adds atomically to one of {@code Cpus.count()} shared per-CPU cells instead, where two
 * threads that collide move apart. {@link #errorBound()} counts both kinds.
 *
 * <p>Compared with {@link java.util.concurrent.atomic.LongAdder}, which this resembles: a {@code LongAdder}'s
 * only read is the {@code O(cells)} sum, while this counter has an {@code O(1)} approximate read with a known
 * error bound, and {@link #set(long)}. A {@code LongAdder} adds with a compare-and-set; here a thread that owns a
 * cell adds without one, plus a fold into the shared count every {@code batch} adds.
 *
 * <p>Guarantees. No add is ever lost, whatever cell a thread uses: an owned cell is written only by its owner,
 * a shared cell only with atomic read-modify-writes, and a fold moves a cell's whole value to the shared count.
 * Actions of a thread before {@code add} happen-before a {@link #sum()} that follows the thread's termination
 * (a join) or any other happens-before edge from the adder. Once the adds have returned, {@link #read()} is off
 * by less than {@link #errorBound()}. While adds run it is also off by the adds in flight: those of threads
 * between their update of a cell and the end of their fold (a few instructions, unless a thread is preempted
 * right there); the kernel, which adds with preemption disabled, has no such term. {@link #addBatch(long, int)}
 * with a larger batch widens the bound to that batch, as in the kernel.
 *
 * <pre>{@code
 * static final PerCpuCounter freeBlocks = new PerCpuCounter(1_000_000);
 *
 * boolean allocate(int blocks) {                 // most calls are far from the limit: no exact sum
 *     if (freeBlocks.compare(blocks) < 0) {
 *         return false;
 *     }
 *     freeBlocks.add(-blocks);
 *     return true;
 * }
 * }</pre>
 */
public final class PerCpuCounter {

    /*
     * Implementation notes.
     *
     * State: OwnedCells, padded longs that one thread at a time owns (2 * CPUs of them); PerCpuCells, one padded
     * long per CPU that any thread may update atomically, and one padded shared long (the kernel's
     * fbc->count). The value of the counter is shared + sum(owned cells) + sum(per-CPU cells). Every cell is in
     * (-batch, batch) at rest.
     *
     * add(amount), access by access, fast path (the thread owns a cell):
     *   1. cell = the thread's home cell (the low bits of its id; no thread-local look-up), and a plain load of
     *      the owner id in that cell's line, compared with the thread's id (OwnedCells explains why that is
     *      enough); a thread whose home belongs to another thread looks at the hint table of OwnedCells next;
     *   O1 a plain load of the cell's value and, if value + amount is inside (-batch, batch), a release store of
     *      it: the kernel's this_cpu_add, plain because nobody else writes an owned cell (OwnedCells; release,
     *      not plain, so that a long is never torn for a concurrent sum; opaque measured slower on JDK 17);
     *   O2 else a release store of 0 into the cell, then getAndAdd(shared, value + amount), volatile: the fold
     *      (the kernel's "fbc->count += count; __this_cpu_sub(*fbc->counters, count - amount)" under
     *      fbc->lock).
     * Slow path (no owned cell): OwnedCells.findOrClaim looks for the thread's cell, or claims a free one or a
     * dead thread's (a CAS); when every cell has a living owner the bucket's hint says so, and the adds go to
     * the per-CPU cells until that thread's next fold there, which clears the hint to try again:
     *   A1 getAndAdd(slot, amount), volatile, on the per-CPU cell the thread's hint names;
     *   A2 if the new local value is outside (-batch, batch): getAndSet(slot, 0), volatile, takes the cell's
     *      whole content (with whatever threads sharing the cell added since A1), and
     *   A3 getAndAdd(shared, taken), volatile: the fold;
     *   A4 an opaque load of the cell's owner word: when another thread folded from the cell since this thread's
     *      last fold there, PerCpuCells claims it or moves this thread elsewhere (see there).
     * Nothing is lost: an owned cell has one writer at a time (a new owner takes over only from a terminated
     * thread, whose last store it sees through Thread.isAlive()), per-CPU cells change only by atomic
     * read-modify-writes, and a fold moves what it takes. What a fold has taken (O2's or A2's first half) is in
     * neither place until its getAndAdd: read() and sum() lag by it, which is the exception the class comment
     * states.
     *
     * read() is an opaque load of the shared count (the kernel's plain READ_ONCE: a value, not a fence). sum() reads
     * the shared count and then each cell with getVolatile. A fold that runs concurrently with sum() may be
     * counted twice or not at all (the kernel excludes folds with fbc->lock; here sum() is exact only at
     * quiescence, which is what the kernel's sum guarantees with respect to concurrent local adds anyway).
     *
     * set(amount): the kernel zeroes every CPU's counter and stores the count under the lock. Here the per-CPU
     * cells are swapped to 0 and the caller's own cell is cleared, but another thread's owned cell may be
     * written only by that thread, so set() leaves those deltas where they are and stores
     * amount - sum(other owned cells) as the shared count, with a compare-and-set that retries when a fold
     * changed the shared count meanwhile (else the fold's amount would be both subtracted and lost). The sum is
     * then amount; read() is amount minus the other owners' deltas, within errorBound(). A concurrent add is
     * discarded whole (it reached its cell before set() read or swapped it) or kept whole (after).
     *
     * Wrap-around: like LongAdder, arithmetic is modulo 2^64; the batch test is written as two comparisons (no
     * Math.abs, which is negative for Long.MIN_VALUE) so a huge amount always takes the fold.
     */

    /** See {@link #defaultBatch()}. */
    private static final int DEFAULT_BATCH = Math.max(1024, 2 * Cpus.count());
    /** See {@link #kernelBatch()}. */
    private static final int KERNEL_BATCH = Math.max(32, 2 * Cpus.count());

    /** The per-CPU cells that any thread may update atomically, and the shared count. */
    private final PerCpuCells cells;
    /** The cells that threads own. */
    private final OwnedCells owned;
    private final long[] ownedValues;
    private final int ownedMask;
    private final int batch;

    /** Creates a counter at zero with the {@linkplain #defaultBatch() default batch} ({@code percpu_counter_init}). */
    public PerCpuCounter() {
        this(0L, DEFAULT_BATCH);
    }

    /**
     * Creates a counter with the given value and the {@linkplain #defaultBatch() default batch}.
     *
     * @param initialValue the starting value ({@code percpu_counter_init}'s {@code amount})
     */
    public PerCpuCounter(long initialValue) {
        this(initialValue, DEFAULT_BATCH);
    }

    /**
     * Creates a counter with the given value and batch.
     *
     * @param initialValue the starting value
     * @param batch        how far a slot's local delta may grow (exclusive) before it is folded into the shared
     *                     count; larger batches make adds cheaper and {@link #read()} less accurate
     * @throws IllegalArgumentException if {@code batch < 1}
     */
    public PerCpuCounter(long initialValue, int batch) {
        checkBatch(batch);
        this.cells = new PerCpuCells(Cpus.count());
        this.owned = new OwnedCells(Math.max(4, Integer.highestOneBit(2 * Cpus.count() - 1) << 1));
        this.ownedValues = owned.values;
        this.ownedMask = owned.cellMask;
        this.batch = batch;
        cells.setSharedVolatile(initialValue);
    }

    /**
     * The batch of counters created without one: {@code max(1024, 2 * Cpus.count())}, larger than the kernel's
     * (see {@link #kernelBatch()}). Each fold moves the shared count's cache line to the folding core; with the
     * kernel's 32, two threads adding in a tight loop on two cores got half of {@code LongAdder}'s throughput on
     * the development machine (JMH, measured when every add was an atomic add on a per-CPU cell), with 1024 they
     * matched it; with the owned cells of today, 32 still measured about 0.7x of 1024 at 2 and 4 threads. The
     * price is accuracy: {@link #read()} may be off by up to {@link #errorBound()}, which grows with the batch.
     * Pass {@link #kernelBatch()} to the constructor for the kernel's accuracy when adds are not that hot.
     *
     * @return the batch of counters created without one
     */
    public static int defaultBatch() {
        return DEFAULT_BATCH;
    }

    /**
     * The kernel's default batch for this machine, {@code percpu_counter_batch = max(32, 2 * nr_cpu_ids)}.
     *
     * @return {@code max(32, 2 * Cpus.count())}
     */
    public static int kernelBatch() {
        return KERNEL_BATCH;
    }

    /**
     * This counter's batch.
     *
     * @return the batch given at construction
     */
    public int batch() {
        return batch;
    }

    /**
     * Adds {@code amount} ({@code percpu_counter_add}; negative amounts subtract, as
     * {@code percpu_counter_sub}). Touches only the calling thread's slot unless the slot's delta would reach
     * the batch, then folds the slot into the shared count.
     *
     * @param amount the amount to add
     */
    public void add(long amount) {
        addWithBatch(amount, batch);
    }

    /** Adds one ({@code percpu_counter_inc}). */
    public void increment() {
        addWithBatch(1L, batch);
    }

    /** Subtracts one ({@code percpu_counter_dec}). */
    public void decrement() {
        addWithBatch(-1L, batch);
    }

    /**
     * Adds {@code amount} folding at the given batch instead of this counter's ({@code percpu_counter_add_batch}):
     * for a call site that knows its own accuracy needs, as the kernel's callers that pass their own batch. A
     * larger batch than the counter's widens the error of {@link #read()} and {@link #compare(long)} for
     * everybody; pass the same batch to {@link #compare(long, int)}.
     *
     * @param amount the amount to add
     * @param batch  the fold threshold for this add, at least 1
     * @throws IllegalArgumentException if {@code batch < 1}
     */
    public void addBatch(long amount, int batch) {
        checkBatch(batch);
        addWithBatch(amount, batch);
    }

    /**
     * Returns the shared count without looking at the slots ({@code percpu_counter_read}): one load, off from the
     * exact value by less than {@link #errorBound()} (see the class comment).
     *
     * @return the approximate value
     */
    public long read() {
        return cells.sharedOpaque();
    }

    /**
     * Returns {@link #read()}, or 0 if that is negative ({@code percpu_counter_read_positive}): for counts that
     * are never negative in truth but may read so while deltas are in the slots.
     *
     * @return the approximate value, at least 0
     */
    public long readPositive() {
        final long value = read();
        return value >= 0 ? value : 0L;
    }

    /**
     * Returns the shared count plus every slot's delta ({@code percpu_counter_sum}): exact when no add runs
     * concurrently; with concurrent adds, a value the counter had or would have had at some moment during the
     * call, give or take the adds in flight. Costs {@code O(Cpus.count())} loads.
     *
     * @return the value
     */
    public long sum() {
        return cells.sharedVolatile() + owned.sumVolatile() + cells.sumSlotsVolatile();
    }

    /**
     * Returns {@link #sum()}, or 0 if that is negative ({@code percpu_counter_sum_positive}).
     *
     * @return the value, at least 0
     */
    public long sumPositive() {
        final long value = sum();
        return value >= 0 ? value : 0L;
    }

    /**
     * Compares the counter with {@code rhs} ({@code percpu_counter_compare}): uses {@link #read()} when it is
     * more than {@link #errorBound()} away from {@code rhs}, the exact {@link #sum()} otherwise.
     *
     * @param rhs the value to compare with
     * @return a negative number, zero or a positive number as the counter is less than, equal to or greater than
     *         {@code rhs}
     */
    public int compare(long rhs) {
        return compareWithBatch(rhs, batch);
    }

    /**
     * Compares the counter with {@code rhs} assuming adds fold at {@code batch} ({@code __percpu_counter_compare}):
     * for counters updated through {@link #addBatch(long, int)} with that batch. The error bound it trusts is
     * {@code batch} times the number of cells (see {@link #errorBound()}).
     *
     * @param rhs   the value to compare with
     * @param batch the largest batch any add uses, at least 1
     * @return a negative number, zero or a positive number as the counter is less than, equal to or greater than
     *         {@code rhs}
     * @throws IllegalArgumentException if {@code batch < 1}
     */
    public int compare(long rhs, int batch) {
        checkBatch(batch);
        return compareWithBatch(rhs, batch);
    }

    /**
     * How far {@link #read()} may be from the exact value once the adds have returned: {@code batch()} times the
     * number of cells: {@code Cpus.count()} per-CPU cells and {@code 2 * Cpus.count()} owned cells rounded up to
     * a power of two, at least 4 (6 cells in all on 2 CPUs, 12 on 4). Each cell keeps a delta of less than a
     * batch before it folds. The kernel's bound is {@code batch * nr_cpus}; here the
     * threads own cells of their own besides the per-CPU ones (see the class comment).
     *
     * @return the error bound of {@link #read()} at quiescence, for adds with this counter's batch
     */
    public long errorBound() {
        return errorBound(batch);
    }

    /**
     * Sets the counter to {@code value} ({@code percpu_counter_set}): empties the per-CPU cells and the calling
     * thread's own cell, then stores the shared count so that the exact value is {@code value}. Deltas that other
     * threads hold in their own cells stay there (only a cell's owner may write it), and the shared count is
     * offset by them, so right after {@code set} at quiescence {@link #sum()} is {@code value} and {@link #read()}
     * is within {@link #errorBound()} of it (the kernel's {@code percpu_counter_read} returns the value itself).
     * Meant for moments when nobody adds (initialisation, a reset between measurements): an add that runs
     * concurrently is either wiped out whole or kept whole, never half.
     *
     * @param value the new value
     */
    public void set(long value) {
        final int mine = owned.cellOwnedBy(PerCpuCells.currentThreadId());
        if (mine != OwnedCells.NO_CELL) {
            owned.clearAsOwner(mine);
        }
        for (int slot = 0; slot < cells.slots(); slot++) {
            cells.getAndSet(slot, 0L); // volatile: the kernel's "*pcount = 0" for each CPU
        }
        long shared;
        do {
            shared = cells.sharedVolatile();
            // volatile reads of the owned cells; a fold from one of them between this read and the CAS changes
            // the shared count and makes the CAS fail, so no folded amount is both subtracted and lost
        } while (!cells.compareAndSetShared(shared, value - owned.sumVolatile()));
    }

    /**
     * Returns the {@link #sum()} as a decimal string.
     *
     * @return the exact value, as a string
     */
    @Override
    public String toString() {
        return Long.toString(sum());
    }

    private void addWithBatch(long amount, int batch) {
        final long threadId = PerCpuCells.currentThreadId();
        final int home = (int) threadId & ownedMask;             // the low bits of the id: no load
        // plain load of the owner id, on the cell's own line; ownedValues and ownedMask are this object's own
        // copies of OwnedCells' fields: going through the OwnedCells object costs a dependent load per add,
        // which measured about a quarter slower with 2 and 4 threads (JMH)
        if (ownedValues[OwnedCells.ownerIdIndex(home)] == threadId) {
            addAsOwner(home, amount, batch);
        } else {
            addAwayFromHome(amount, batch, threadId);
        }
    }

    /** O1-O2 in the notes: the add of the owner of {@code cell}; only that thread may call it. */
    private void addAsOwner(int cell, long amount, int batch) {
        final long[] values = ownedValues;
        final int index = OwnedCells.valueIndex(cell);
        final long next = (long) OwnedCells.VALUES.get(values, index) + amount; // O1: plain, only the owner writes
        if (next > -batch && next < batch) {
            OwnedCells.VALUES.setRelease(values, index, next);   // O1: release store (this_cpu_add)
        } else {
            OwnedCells.VALUES.setRelease(values, index, 0L);     // O2: release store of 0, then
            cells.getAndAddShared(next);                         //     volatile getAndAdd: the fold
        }
    }

    /**
     * Another thread owns this thread's home cell (or nobody yet): the cell the hint names if this thread owns
     * it, else find or claim one, else (every cell has a living owner) add to a per-CPU cell.
     */
    private void addAwayFromHome(long amount, int batch, long threadId) {
        final int bucket = owned.bucket(threadId);
        final int hint = owned.hint(bucket);                     // plain: a guess
        if (owned.isOwner(hint, threadId)) {
            addAsOwner(hint, amount, batch);
            return;
        }
        final int cell = hint == OwnedCells.NO_CELL ? hint : owned.findOrClaim(bucket, Thread.currentThread());
        if (cell == OwnedCells.NO_CELL) {
            addToPerCpuCell(amount, batch, bucket, threadId);
        } else {
            addAsOwner(cell, amount, batch);
        }
    }

    /** The slow path of a thread that owns no cell: an atomic add to a per-CPU cell (A1-A4 in the notes). */
    private void addToPerCpuCell(long amount, int batch, int ownedBucket, long threadId) {
        final PerCpuCells cells = this.cells;
        final int bucket = cells.bucket(threadId);
        final int slot = cells.slot(bucket);
        final long next = cells.getAndAdd(slot, amount) + amount; // A1, volatile
        if (next <= -batch || next >= batch) {
            cells.getAndAddShared(cells.getAndSet(slot, 0L));     // A2, A3, volatile: the fold
            cells.noteUse(bucket, slot, threadId);                // A4, opaque: is the slot shared?
            owned.retryClaim(ownedBucket);                        // look for a free owned cell again
        }
    }

    private long errorBound(int batch) {
        return (long) batch * (cells.slots() + owned.cells());
    }

    private int compareWithBatch(long rhs, int batch) {
        final long approximate = read();
        final long difference = approximate - rhs;
        final boolean overflowed = ((approximate ^ rhs) & (approximate ^ difference)) < 0;
        if (overflowed) {
            // The two are more than 2^63 apart: far beyond any error bound; the signs decide.
            return approximate < rhs ? -1 : 1;
        }
        final long errorBound = errorBound(batch);
        if (difference > errorBound) {
            return 1;
        }
        if (difference < -errorBound) {
            return -1;
        }
        return Long.compare(sum(), rhs);
    }

    private static void checkBatch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("percpu_counter batch must be >= 1, was " + batch
                    + "; use defaultBatch() when in doubt");
        }
    }
}
