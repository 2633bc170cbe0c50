package io.ksync.percpu;

/**
 * A counter that many threads update often and few read exactly: the kernel's {@code struct percpu_counter}
 * ({@code include/linux/percpu_counter.h}, {@code lib/percpu_counter.c}).
 *
 * <p>Each CPU slot holds a small local delta; {@link #add(long)} ({@code percpu_counter_add}) changes only the
 * calling thread's slot until that delta would reach the batch, and then folds the delta into one shared count.
 * So adds from different CPUs touch different cache lines, and the shared count is written once per batch per
 * slot instead of on every add. Reads come in two prices:
 * <ul>
 *   <li>{@link #read()} ({@code percpu_counter_read}) returns the shared count: one load, but it lags the true
 *   value by what the slots hold, less than {@code batch} per slot, so it is within
 *   {@code batch} &times; {@link Cpus#count()} of the exact sum (see below for the one exception);</li>
 *   <li>{@link #sum()} ({@code percpu_counter_sum}) adds every slot to the shared count: exact when no add runs
 *   concurrently (after the adding threads have been joined, for instance), {@code O(CPUs)}.</li>
 * </ul>
 * {@link #compare(long)} ({@code percpu_counter_compare}) decides with the cheap read when it is further from
 * the threshold than the error bound, and with the exact sum otherwise: the way to test a limit ("are more than
 * 10 000 blocks in use?") that is rarely close.
 *
 * <p>Compared with {@link java.util.concurrent.atomic.LongAdder}, which this resembles: a {@code LongAdder}'s
 * only read is the {@code O(cells)} sum, while this counter has an {@code O(1)} approximate read with a known
 * error bound, and {@link #set(long)}. An add is one atomic add on a cell that is the thread's own most of the
 * time (a {@code LongAdder} does a compare-and-set), plus a fold into the shared count every {@code batch} adds.
 *
 * <p>Guarantees. No add is ever lost, whatever slot a thread uses and however threads migrate: every change
 * to a slot is an atomic read-modify-write, and a fold moves a slot's whole value to the shared count. Actions
 * of a thread before {@code add} happen-before a {@link #sum()} that observes the add. Once the adds have
 * returned, {@link #read()} is off by less than {@code batch} &times; {@link Cpus#count()}. While adds run it is
 * also off by the adds in flight: those of threads between their atomic add and the end of their fold (a few
 * instructions, unless a thread is preempted right there); the kernel, which adds with preemption disabled,
 * has no such term. {@link #addBatch(long, int)} with a larger batch widens the bound to that batch, as in the
 * kernel.
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
     * State: PerCpuCells holds one padded long per CPU slot (the local deltas, in (-batch, batch) at rest)
     * and one padded shared long (the kernel's fbc->count). The value of the counter is shared + sum(slots).
     *
     * add(amount), access by access:
     *   1. slot = the calling thread's cached slot (PerCpuCells: the low bits of the thread id index a table of
     *      hints; no thread-local look-up, no sched_getcpu on this path);
     *   A1 getAndAdd(slot, amount), volatile: the kernel's this_cpu_add. An atomic add, not the kernel's plain
     *      one, because two threads may share a slot (preemption is not disabled); not a compare-and-set, which
     *      costs a load more and may fail: measured here, an uncontended getAndAdd is about a quarter cheaper.
     *   A2 if the new local value is outside (-batch, batch): getAndSet(slot, 0), volatile, takes the slot's
     *      whole content (with whatever threads sharing the slot added since A1), and
     *   A3 getAndAdd(shared, taken), volatile: the fold (the kernel's "fbc->count += count;
     *      __this_cpu_sub(*fbc->counters, count - amount)" under fbc->lock);
     *   A4 then an opaque load of the slot's owner word: when another thread folded from the slot since this
     *      thread's last fold there, PerCpuCells claims it or moves this thread elsewhere (see there). Only
     *      folds check: on every add the check measurably costs (about 1 ns of 3), and threads that share a
     *      slot both fold from it within a batch of adds, so a shared slot is still found within two batches.
     * Nothing is lost: every change to a slot is an atomic read-modify-write, and A3-A4 move what they take.
     * At rest every slot is inside (-batch, batch): the last update of a slot is either an add that left it
     * inside, or a swap to 0. While adds run, a slot shared by threads may briefly exceed it by their adds in
     * flight, and what a fold has taken in A2 is in neither place until A3: read() and sum() lag by it, which is
     * the exception the class comment states. All updates are volatile read-modify-writes, so they are totally
     * ordered with every other access to the same cells, and a sum() that follows (in synchronization order) the
     * last add sees all of it.

     * read() is an opaque load of the shared count (the kernel's plain READ_ONCE: a value, not a fence). sum() reads
     * the shared count and then each slot with getVolatile. A fold that runs concurrently with sum() may be
     * counted twice or not at all (the kernel excludes folds with fbc->lock; here sum() is exact only at
     * quiescence, which is what the kernel's sum guarantees with respect to concurrent local adds anyway).
     *
     * set(amount) swaps 0 into every slot and then stores the shared count, as percpu_counter_set does under the
     * lock. Each concurrent add is either discarded whole (it reached its slot before the swap, or the shared
     * count before the store) or kept whole (after): set never keeps half of an add.
     *
     * Wrap-around: like LongAdder, arithmetic is modulo 2^64; the batch test is written as two comparisons (no
     * Math.abs, which is negative for Long.MIN_VALUE) so a huge amount always takes the fold.
     */

    /** See {@link #defaultBatch()}. */
    private static final int DEFAULT_BATCH = Math.max(1024, 2 * Cpus.count());
    /** See {@link #kernelBatch()}. */
    private static final int KERNEL_BATCH = Math.max(32, 2 * Cpus.count());

    private final PerCpuCells cells;
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
        this.batch = batch;
        cells.setSharedVolatile(initialValue);
    }

    /**
     * The batch of counters created without one: {@code max(1024, 2 * Cpus.count())}, larger than the kernel's
     * (see {@link #kernelBatch()}). Each fold moves the shared count's cache line to the folding core; with the
     * kernel's 32, two threads adding in a tight loop on two cores got half of {@code LongAdder}'s throughput on
     * the development machine (JMH), with 1024 they matched it. The price is accuracy: {@link #read()} may be off
     * by up to {@code batch} &times; {@link Cpus#count()}. Pass {@link #kernelBatch()} to the constructor for the
     * kernel's accuracy when adds are not that hot.
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
     * exact value by less than {@code batch} &times; {@link Cpus#count()} (see the class comment).
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
        return cells.sharedVolatile() + cells.sumSlotsVolatile();
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
     * more than {@code batch} &times; {@link Cpus#count()} away from {@code rhs}, the exact {@link #sum()}
     * otherwise.
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
     * for counters updated through {@link #addBatch(long, int)} with that batch.
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
     * Sets the counter to {@code value} ({@code percpu_counter_set}): empties every slot, then stores the shared
     * count. Meant for moments when nobody adds (initialisation, a reset between measurements): an add that runs
     * concurrently is either wiped out whole or kept whole, never half.
     *
     * @param value the new value
     */
    public void set(long value) {
        for (int slot = 0; slot < cells.slots(); slot++) {
            cells.getAndSet(slot, 0L);
        }
        cells.setSharedVolatile(value);
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
        final PerCpuCells cells = this.cells;
        final long threadId = PerCpuCells.currentThreadId();
        final int bucket = cells.bucket(threadId);
        final int slot = cells.slot(bucket);
        final long next = cells.getAndAdd(slot, amount) + amount; // A1, volatile (this_cpu_add)
        if (next <= -batch || next >= batch) {
            cells.getAndAddShared(cells.getAndSet(slot, 0L));     // A2, A3, volatile: the fold
            cells.noteUse(bucket, slot, threadId);                // A4, opaque: is the slot shared?
        }
    }

    private int compareWithBatch(long rhs, int batch) {
        final long approximate = read();
        final long difference = approximate - rhs;
        final boolean overflowed = ((approximate ^ rhs) & (approximate ^ difference)) < 0;
        if (overflowed) {
            // The two are more than 2^63 apart: far beyond any error bound; the signs decide.
            return approximate < rhs ? -1 : 1;
        }
        final long errorBound = (long) batch * cells.slots();
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
