package io.ksync.lock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A sequence counter: the kernel's {@code seqcount_t} ({@code include/linux/seqlock.h}). Readers take a
 * consistent snapshot of data without writing shared memory, retrying when a writer overlapped them; writers
 * never wait for readers.
 *
 * <p>Kernel names: {@link #readBegin()} is {@code read_seqcount_begin}, {@link #readRetry(int)}
 * {@code read_seqcount_retry}, {@link #rawReadBegin()} {@code raw_seqcount_begin}, {@link #rawRead()}
 * {@code raw_read_seqcount}, {@link #writeBegin()} / {@link #writeEnd()} {@code write_seqcount_begin} /
 * {@code write_seqcount_end}, {@link #writeBarrier()} {@code write_seqcount_barrier} and
 * {@link #invalidate()} {@code write_seqcount_invalidate}.
 *
 * <p>A {@code SeqCount} does not serialise writers: they must exclude each other by other means (a lock they
 * already hold, a single writer thread). {@link SeqLock} bundles the counter with a writer lock. A
 * {@link #writeBegin()} that finds a write already in progress throws {@link IllegalStateException}, which
 * catches most missing serialisation; it cannot catch two writers that begin at the same instant.
 *
 * <p>Memory effects: if {@link #readRetry(int)} returns {@code false} for the sequence that
 * {@link #readBegin()} returned, every read the reader made between the two calls saw the writes of the
 * writers that ended before the reader began, and none of any writer that began afterwards. The data must be
 * read with plain or opaque loads of fields that writers change only inside {@link #writeBegin()} /
 * {@link #writeEnd()}; a reader must not act on what it read (follow references, index arrays, divide) before
 * {@link #readRetry(int)} has vouched for it, because an inconsistent snapshot is still possible until then.
 *
 * <pre>{@code
 * final class Position {                 // one writer thread; many readers
 *     private final SeqCount seq = new SeqCount();
 *     private double x, y;
 *
 *     void move(double nx, double ny) {  // the writer
 *         seq.writeBegin();
 *         x = nx;
 *         y = ny;
 *         seq.writeEnd();
 *     }
 *
 *     double distanceFromOrigin() {      // any reader
 *         double cx, cy;
 *         int s;
 *         do {
 *             s = seq.readBegin();
 *             cx = x;
 *             cy = y;
 *         } while (seq.readRetry(s));
 *         return Math.hypot(cx, cy);
 *     }
 * }
 * }</pre>
 */
public final class SeqCount {

    /*
     * Implementation notes.
     *
     * One int, even when no write is in progress, odd during one; it wraps freely (only equality and
     * parity are used).
     *
     * Writer (serialised by its caller):
     *   writeBegin: s = plain read (only writers write it); setOpaque(s + 1); storeStoreFence()
     *               the fence (smp_wmb) orders the odd count before the data stores that follow.
     *   writeEnd:   setRelease(s + 1)
     *               release (smp_wmb + store) orders the data stores before the even count.
     * Reader:
     *   readBegin:  s = getAcquire(seq), spinning while odd
     *               acquire (smp_rmb after the load) orders the load of s before the data loads; pairs with
     *               the release in writeEnd, so a reader that sees the even count sees the data before it.
     *   readRetry:  acquireFence(); return getOpaque(seq) != s
     *               the fence (smp_rmb) orders the data loads before the second load of the count. If a
     *               data load saw a store of a later writer, that writer's odd count was ordered before its
     *               data stores (storeStoreFence), so the second load sees a count != s.
     * This is the argument of Boehm, "Can seqlocks get along with programming language memory models?"
     * (MSPC 2012), and the one StampedLock.validate relies on. The jcstress tests in stress/ check that a
     * torn snapshot is never accepted, and a control test without the fences shows it would be.
     */

    private volatile int sequence;

    /** Creates a counter at 0 (no write in progress). */
    public SeqCount() {
    }

    /**
     * Begins a read section ({@code read_seqcount_begin}): returns the current, even sequence, waiting while
     * a write is in progress. Waiting spins on {@link Thread#onSpinWait()} and then yields; a reader must be
     * prepared to wait as long as a write section lasts.
     *
     * @return the sequence to pass to {@link #readRetry(int)}
     */
    public int readBegin() {
        int s = (int) SEQUENCE.getAcquire(this); // acquire: pairs with setRelease in writeEnd()
        if ((s & 1) == 0) {
            return s;
        }
        return readBeginSlowpath();
    }

    private int readBeginSlowpath() {
        final SpinWait spinWait = SpinWait.adaptive();
        int round = 0;
        int s;
        while (((s = (int) SEQUENCE.getAcquire(this)) & 1) != 0) {
            round = spinWait.idle(round);
        }
        return s;
    }

    /**
     * Begins a read section without waiting ({@code raw_seqcount_begin}): returns the sequence with its low
     * bit cleared, so a read that overlaps a write in progress simply fails its {@link #readRetry(int)}. For
     * readers that must not wait.
     *
     * @return the sequence to pass to {@link #readRetry(int)}
     */
    public int rawReadBegin() {
        return (int) SEQUENCE.getAcquire(this) & ~1; // acquire: as readBegin()
    }

    /**
     * Returns the sequence as it is, odd during a write ({@code raw_read_seqcount}); with acquire ordering,
     * for readers that choose between copies by its parity ({@link SeqLatch} does).
     *
     * @return the current sequence
     */
    public int rawRead() {
        return (int) SEQUENCE.getAcquire(this);
    }

    /**
     * Ends a read section ({@code read_seqcount_retry}): tells whether a write overlapped it, in which case
     * the data read since {@link #readBegin()} may be inconsistent and the section must be repeated.
     *
     * @param sequence the value {@link #readBegin()} or {@link #rawReadBegin()} returned
     * @return {@code true} if the read must be retried, {@code false} if the data read is consistent
     */
    public boolean readRetry(int sequence) {
        VarHandle.acquireFence(); // smp_rmb: orders the data loads before the re-read of the count
        return (int) SEQUENCE.getOpaque(this) != sequence;
    }

    /**
     * Begins a write section ({@code write_seqcount_begin}): readers that begin from now on wait, and readers
     * in progress will retry. Writers must already be serialised.
     *
     * @throws IllegalStateException if a write section is already in progress: the caller's writers are not
     *                               serialised, or a previous writer did not call {@link #writeEnd()}
     */
    public void writeBegin() {
        final int s = (int) SEQUENCE.get(this); // plain: only (serialised) writers write the count
        if ((s & 1) != 0) {
            throw new IllegalStateException("SeqCount.writeBegin() while a write is in progress: serialise"
                    + " writers with a lock (or use SeqLock), and end every write with writeEnd()");
        }
        SEQUENCE.setOpaque(this, s + 1);
        VarHandle.storeStoreFence(); // smp_wmb: the odd count before the data stores
    }

    /**
     * Ends a write section ({@code write_seqcount_end}): publishes the data written since
     * {@link #writeBegin()} to readers.
     *
     * @throws IllegalStateException if no write section is in progress
     */
    public void writeEnd() {
        final int s = (int) SEQUENCE.get(this); // plain: only the writer writes the count
        if ((s & 1) == 0) {
            throw new IllegalStateException(
                    "SeqCount.writeEnd() without writeBegin(): every writeEnd() closes one writeBegin()");
        }
        SEQUENCE.setRelease(this, s + 1); // release: the data stores before the even count
    }

    /**
     * Makes every read section in progress retry, without a write section ({@code write_seqcount_barrier}):
     * the count moves by two, through odd, with the writer's orderings on both steps. Stores before the call
     * are visible to readers that begin after it.
     *
     * @throws IllegalStateException if called inside a write section
     */
    public void writeBarrier() {
        final int s = (int) SEQUENCE.get(this);
        if ((s & 1) != 0) {
            throw new IllegalStateException("SeqCount.writeBarrier() inside a write section: end it first");
        }
        SEQUENCE.setRelease(this, s + 1);
        VarHandle.storeStoreFence();
        SEQUENCE.setRelease(this, s + 2);
    }

    /**
     * Invalidates read sections in progress ({@code write_seqcount_invalidate}): orders earlier stores, then
     * moves the count by two, so a reader that began before the call retries.
     *
     * @throws IllegalStateException if called inside a write section
     */
    public void invalidate() {
        final int s = (int) SEQUENCE.get(this);
        if ((s & 1) != 0) {
            throw new IllegalStateException("SeqCount.invalidate() inside a write section: end it first");
        }
        SEQUENCE.setRelease(this, s + 2); // release: earlier stores before the new count
    }

    /**
     * One step of a latch writer ({@code raw_write_seqcount_latch}): moves the count by one, which switches
     * readers to the other copy. Release orders the stores to the copy modified before (smp_wmb before the
     * increment); the fence orders the increment before the stores to the copy modified next (smp_wmb after).
     */
    void latchStep() {
        SEQUENCE.setRelease(this, (int) SEQUENCE.get(this) + 1); // plain read: only the latch writer writes
        VarHandle.storeStoreFence();
    }

    /**
     * Tells whether a write section is in progress now; a snapshot for assertions.
     *
     * @return whether the count is odd
     */
    public boolean isWriting() {
        return ((int) SEQUENCE.getVolatile(this) & 1) != 0;
    }

    @Override
    public String toString() {
        final int s = (int) SEQUENCE.getVolatile(this);
        return super.toString() + "[sequence=" + s + ((s & 1) != 0 ? ", writing]" : "]");
    }

    // VarHandle mechanics
    private static final VarHandle SEQUENCE;

    static {
        try {
            SEQUENCE = MethodHandles.lookup().findVarHandle(SeqCount.class, "sequence", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
