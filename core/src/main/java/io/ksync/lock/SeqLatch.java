package io.ksync.lock;

import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A sequence latch: the kernel's {@code seqcount_latch_t} ({@code raw_write_seqcount_latch},
 * {@code raw_read_seqcount_latch}, {@code raw_read_seqcount_latch_retry} in {@code include/linux/seqlock.h}).
 * Two copies of the data; the writer modifies one copy while readers read the other, so a reader never waits
 * for a writer, not even in the middle of a write. Use it where a reader must not wait: a reader that runs
 * inside the writer (the kernel's NMI reading the timekeeper it interrupted), or a latency-critical path.
 *
 * <p>The writer calls {@link #write(Consumer)} with a modification that it applies to both copies in turn,
 * switching readers away from each copy before touching it. Writers must be serialised by the caller. A
 * reader calls {@link #read(Function)}, or the allocation-free triple {@link #readBegin()},
 * {@link #copy(int)}, {@link #readRetry(int)}; it may see the data as it was before or after a concurrent
 * write, and retries only if the writer switched copies twice during its read.
 *
 * <p>Memory effects: a read whose {@link #readRetry(int)} returns {@code false} saw a copy exactly as some
 * completed step of the writer left it. Readers read fields that the writer is about to modify in the
 * <em>other</em> copy; until {@link #readRetry(int)} vouches for what they read, they must not act on it
 * (follow references, index arrays), exactly as with {@link SeqCount}. The copies should be plain mutable
 * objects that the modification updates in place; the latch never copies them.
 *
 * <pre>{@code
 * final class Range { long low, high; }
 *
 * SeqLatch<Range> range = new SeqLatch<>(new Range(), new Range());
 *
 * range.write((r, v) -> { r.low = v[0]; r.high = v[1]; }, new long[] {10, 20});  // the single writer
 * long width = range.readLong(r -> r.high - r.low);                            // any reader, never waits
 * }</pre>
 *
 * @param <T> the type of the two copies
 */
public final class SeqLatch<T> {

    /*
     * Implementation notes.
     *
     * The count's parity selects the copy readers use: even -> copy 0, odd -> copy 1.
     *
     *   writer:  latchStep()      (count odd: readers now use copy 1)
     *            modify copy 0
     *            latchStep()      (count even: readers now use copy 0)
     *            modify copy 1
     *
     * latchStep is setRelease(count + 1) then storeStoreFence (the kernel's smp_wmb; count++; smp_wmb): the
     * release keeps the stores to the previously modified copy before the switch, the fence keeps the switch
     * before the stores to the copy modified next. A reader loads the count with acquire (orders it before the
     * data loads), reads copies[count & 1], then acquireFence and re-reads the count: if the count is the
     * same, the writer modified only the other copy meanwhile, so the copy read was stable.
     */

    private final SeqCount count = new SeqCount();
    private final Object[] copies;

    /**
     * Creates a latch over two copies of the data, which must start equal and must be distinct objects.
     *
     * @param copy0 the copy readers use while the count is even
     * @param copy1 the copy readers use while the count is odd
     * @throws NullPointerException     if a copy is null
     * @throws IllegalArgumentException if both copies are the same object
     */
    public SeqLatch(T copy0, T copy1) {
        Objects.requireNonNull(copy0, "copy0");
        Objects.requireNonNull(copy1, "copy1");
        if (copy0 == copy1) {
            throw new IllegalArgumentException(
                    "SeqLatch needs two distinct copies of the data, got the same object twice");
        }
        this.copies = new Object[] {copy0, copy1};
    }

    /**
     * Applies {@code modification} to both copies, one at a time, each while readers use the other
     * ({@code raw_write_seqcount_latch} around each modification). Writers must be serialised by the caller.
     * If the modification throws on the first copy, the second is left unchanged and readers go on reading
     * it; if it throws on the second, the copies differ until the next successful write.
     *
     * @param modification what to do to each copy
     */
    public void write(Consumer<? super T> modification) {
        count.latchStep();
        modification.accept(copyAt(0));
        count.latchStep();
        modification.accept(copyAt(1));
    }

    /**
     * Applies {@code modification} with an argument to both copies, as {@link #write(Consumer)}; with a
     * non-capturing lambda this allocates nothing.
     *
     * @param modification what to do to each copy, given the argument
     * @param argument     passed to both applications
     * @param <A>          the argument's type
     */
    public <A> void write(BiConsumer<? super T, ? super A> modification, A argument) {
        count.latchStep();
        modification.accept(copyAt(0), argument);
        count.latchStep();
        modification.accept(copyAt(1), argument);
    }

    /**
     * Reads a consistent copy: applies {@code reader} to the copy readers currently use, again until no
     * switch invalidated it, and returns its last result. Never waits for the writer. The reader function
     * may run several times and must only read.
     *
     * @param reader computes the result from one copy
     * @param <R>    the result type
     * @return the result computed from a stable copy
     */
    public <R> R read(Function<? super T, ? extends R> reader) {
        for (;;) {
            final int sequence = readBegin();
            final R result = reader.apply(copy(sequence));
            if (!readRetry(sequence)) {
                return result;
            }
        }
    }

    /**
     * Reads a consistent {@code long} from a copy, as {@link #read(Function)} without boxing.
     *
     * @param reader computes the result from one copy
     * @return the result computed from a stable copy
     */
    public long readLong(ToLongFunction<? super T> reader) {
        for (;;) {
            final int sequence = readBegin();
            final long result = reader.applyAsLong(copy(sequence));
            if (!readRetry(sequence)) {
                return result;
            }
        }
    }

    /**
     * Begins a read ({@code raw_read_seqcount_latch}): returns the current count, odd or even, with acquire
     * ordering. Never waits.
     *
     * @return the count to pass to {@link #copy(int)} and {@link #readRetry(int)}
     */
    public int readBegin() {
        return count.rawRead();
    }

    /**
     * Returns the copy that readers use at {@code sequence}.
     *
     * @param sequence a value {@link #readBegin()} returned
     * @return copy 0 for an even sequence, copy 1 for an odd one
     */
    public T copy(int sequence) {
        return copyAt(sequence & 1);
    }

    /**
     * Ends a read ({@code raw_read_seqcount_latch_retry}): tells whether the writer switched copies since
     * {@link #readBegin()}, in which case what was read may be inconsistent and the read must be repeated.
     *
     * @param sequence the value {@link #readBegin()} returned
     * @return whether to repeat the read
     */
    public boolean readRetry(int sequence) {
        return count.readRetry(sequence);
    }

    @SuppressWarnings("unchecked")
    private T copyAt(int index) {
        return (T) copies[index];
    }

    @Override
    public String toString() {
        return super.toString() + "[sequence=" + count.rawRead() + "]";
    }
}
