package io.ksync.fifo;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;
import java.util.concurrent.locks.Lock;

/**
 * A bounded FIFO of variable-length byte records, each stored behind a one- or two-byte length header: the
 * kernel's record kfifo ({@code struct kfifo_rec_ptr_1} / {@code struct kfifo_rec_ptr_2},
 * {@code STRUCT_KFIFO_REC_1} / {@code STRUCT_KFIFO_REC_2}, {@code include/linux/kfifo.h},
 * {@code lib/kfifo.c}), on the heap or off it, lock-free for one producer thread and one consumer thread. A
 * record goes in whole or not at all and comes out whole: the fifo keeps message boundaries that a
 * {@link ByteFifo} does not.
 *
 * <p>Kernel names: {@link #in(byte[], int, int)} and {@link #in(ByteBuffer)} {@code kfifo_in} (record fifo:
 * {@code __kfifo_in_r}), {@link #out(byte[], int, int)} and {@link #out(ByteBuffer)} {@code kfifo_out}
 * ({@code __kfifo_out_r}), {@link #outPeek} {@code kfifo_out_peek} ({@code __kfifo_out_peek_r}),
 * {@link #peekLength} {@code kfifo_peek_len}, {@link #skip} {@code kfifo_skip} ({@code __kfifo_skip_r}),
 * {@link #len} {@code kfifo_len}, {@link #avail} {@code kfifo_avail}, {@link #capacity} {@code kfifo_size},
 * {@link #headerBytes} {@code kfifo_recsize}, {@link #isEmpty} {@code kfifo_is_empty}, {@link #isFull}
 * {@code kfifo_is_full}, {@link #reset} {@code kfifo_reset}, {@link #resetOut} {@code kfifo_reset_out},
 * {@link #inLocked} {@code kfifo_in_spinlocked}, {@link #outLocked} {@code kfifo_out_spinlocked}.
 *
 * <p>Records. With {@code headerBytes == 1} a record holds 0 to 255 bytes, with {@code 2} 0 to 65 535; each
 * costs its length plus the header in the fifo's capacity ({@link #len()} counts both). The layout in the
 * storage is the kernel's, low byte of the length first.
 *
 * <p>Two deliberate differences from the kernel, both so that no data is lost silently:
 * <ul>
 *   <li>A record longer than the header can describe is refused with {@link IllegalArgumentException}; the
 *   kernel's {@code __kfifo_max_r} would cut it to 255 (65 535) bytes. So is a record that could never fit,
 *   even into an empty fifo; one that does not fit <em>now</em> is refused with {@code false}, as in the
 *   kernel.</li>
 *   <li>{@link #out} and {@link #outPeek} into a destination smaller than the next record throw
 *   {@link IllegalArgumentException} and consume nothing; the kernel copies what fits and, for
 *   {@code kfifo_out}, discards the rest of the record. Size the destination with {@link #peekLength()} or
 *   {@link #maxRecordLength()}, or drop the record with {@link #skip()}.</li>
 * </ul>
 *
 * <p>Guarantees. Records leave in the order they entered, each exactly as it was queued. The {@code in} call
 * that queued a record happens-before the {@code out} call that returns it. Every method except the
 * {@code ...Locked} ones completes in a bounded number of steps; the hot paths allocate nothing.
 *
 * <p>Threads. The producer methods (the {@code in} methods) may be called by one thread at a time, and the
 * consumer methods ({@code out}, {@code outPeek}, {@code peekLength}, {@code skip}, {@code resetOut}) by one
 * thread at a time; the two sides run concurrently without any lock. As in the kernel, once a side has
 * several threads, every one of them must use the {@code ...Locked} methods (or hold {@link #producerLock()}
 * / {@link #consumerLock()}, e.g. around {@code peekLength()} and {@code out()}); the other side may keep the
 * lock-free methods if it has a single thread. A side may move to another thread when the hand-over
 * happens-before. {@link #reset()} needs the whole fifo to itself. {@link #len}, {@link #avail},
 * {@link #isEmpty}, {@link #isFull} and {@link #capacity} may be called by any thread and return snapshots.
 *
 * <p>Not allowed: two threads inside one side at once without the locks. It is not detected by default; run
 * with {@code -Dksync.fifo.debug=true} (read when a fifo is constructed) and an overlap of two threads on one
 * side throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * RecordFifo log = new RecordFifo(4096, 1);       // kfifo_rec_ptr_1: records of up to 255 bytes
 *
 * // producer
 * if (!log.in(line, 0, line.length)) {            // whole record or nothing
 *     dropped++;
 * }
 *
 * // consumer
 * byte[] buf = new byte[log.maxRecordLength()];   // always big enough
 * int n;
 * while ((n = log.out(buf)) >= 0) {               // -1 when empty
 *     write(buf, 0, n);
 * }
 * }</pre>
 */
public final class RecordFifo extends FifoIndices {

    /*
     * Implementation notes.
     *
     * The indices, their ordering and the caches are FifoIndices'; the storage and its two-run copies are
     * ByteRing's; the header layout is RecordHeader's. A record occupies headerBytes + length consecutive
     * free-running indices, and in moves over all of them in one setRelease, so the consumer never sees a
     * header without its payload, nor part of a record: in != out means a whole record waits at out.
     *
     *   in (producer):  in = IN.get (plain); needs = headerBytes + length;
     *                   room from unused(in, needs) (cachedOut, else OUT.getAcquire); false if short
     *                   RecordHeader.write at in, payload copied to in + headerBytes (plain stores)
     *                   IN.setRelease(in + needs)       __kfifo_in_r: kfifo_copy_in's smp_wmb, fifo->in += ...
     *   out (consumer): out = OUT.get (plain); used(out, 1) (cachedIn, else IN.getAcquire); -1 if 0
     *                   length = RecordHeader.read at out (plain loads); refuse if dst is too small
     *                   payload copied from out + headerBytes (plain loads)
     *                   OUT.setRelease(out + headerBytes + length)   __kfifo_out_r
     *   skip:           as out without the copy (__kfifo_skip_r).
     *   outPeek, peekLength: as out without the publication.
     *
     * Every length check happens before the first store into the storage or into dst, so a refused call
     * changes nothing.
     */

    private final ByteRing ring;
    /** The kernel's recsize: 1 or 2. */
    private final int headerBytes;
    /** min(what the header describes, capacity - headerBytes). */
    private final int maxRecordLength;

    /**
     * Creates an empty record fifo on the heap ({@code kfifo_alloc} of a {@code kfifo_rec_ptr_1} or
     * {@code kfifo_rec_ptr_2}): the capacity is rounded up to the next power of two.
     *
     * @param capacity    the number of bytes it must hold at least, headers included, {@code 1..2^30}; after
     *                    rounding it must exceed {@code headerBytes}
     * @param headerBytes the size of each record's length header: 1 (records of up to 255 bytes) or 2 (up to
     *                    65 535)
     * @throws IllegalArgumentException if {@code headerBytes} is not 1 or 2, if {@code capacity} is zero,
     *                                  negative or greater than {@code 2^30}, or if it leaves no room for a
     *                                  record of one byte
     */
    public RecordFifo(int capacity, int headerBytes) {
        this(capacity, headerBytes, false);
    }

    private RecordFifo(int capacity, int headerBytes, boolean direct) {
        super(checkHeaderBytes(headerBytes, capacity));
        if (this.capacity <= headerBytes) {
            throw new IllegalArgumentException("a RecordFifo with " + headerBytes + "-byte headers needs a "
                    + "capacity > " + headerBytes + " to hold a record of one byte, was " + capacity);
        }
        this.headerBytes = headerBytes;
        this.maxRecordLength = Math.min(RecordHeader.maxLength(headerBytes), this.capacity - headerBytes);
        this.ring = new ByteRing(this.capacity, direct);
    }

    /**
     * Creates an empty record fifo whose storage is a direct (off-heap) {@link ByteBuffer}. Same rules as
     * {@link #RecordFifo(int, int)}.
     *
     * @param capacity    the number of bytes it must hold at least, headers included, {@code 1..2^30}
     * @param headerBytes the size of each record's length header: 1 or 2
     * @return the new fifo
     * @throws IllegalArgumentException as {@link #RecordFifo(int, int)}
     */
    public static RecordFifo allocateDirect(int capacity, int headerBytes) {
        return new RecordFifo(capacity, headerBytes, true);
    }

    /**
     * Tells whether the storage is off-heap ({@link #allocateDirect}).
     *
     * @return {@code true} for a direct fifo, {@code false} for a heap one
     */
    public boolean isDirect() {
        return ring.isDirect();
    }

    /**
     * The size of each record's length header ({@code kfifo_recsize}).
     *
     * @return 1 or 2
     */
    public int headerBytes() {
        return headerBytes;
    }

    /**
     * The longest record this fifo accepts: 255 with one-byte headers, 65 535 with two-byte ones, and never
     * more than {@code capacity() - headerBytes()}. A destination of this size always takes the next record.
     *
     * @return the maximum record length in bytes
     */
    public int maxRecordLength() {
        return maxRecordLength;
    }

    /**
     * The number of bytes the fifo holds when full, headers included ({@code kfifo_size}): the requested
     * capacity rounded up to a power of two.
     *
     * @return the capacity in bytes
     */
    public int capacity() {
        return capacity;
    }

    /**
     * The number of bytes used, headers included ({@code kfifo_len}); a snapshot.
     *
     * @return the number of bytes in the fifo, {@code 0..capacity()}
     */
    public int len() {
        return lengthSnapshot();
    }

    /**
     * The length of the longest record that fits now ({@code kfifo_avail} of a record fifo): {@code
     * min(maxRecordLength(), unused - headerBytes())}, or 0 when not even a header fits; a snapshot.
     *
     * @return the longest record {@link #in} would accept now, in bytes
     */
    public int avail() {
        final int unused = capacity - lengthSnapshot();
        return unused <= headerBytes ? 0 : Math.min(maxRecordLength, unused - headerBytes);
    }

    /**
     * Tells whether no record is queued ({@code kfifo_is_empty}); a snapshot.
     *
     * @return whether {@code len() == 0}
     */
    public boolean isEmpty() {
        return isEmptySnapshot();
    }

    /**
     * Tells whether not even an empty record fits: fewer than {@link #headerBytes()} bytes are unused; a
     * snapshot. (The kernel's {@code kfifo_is_full} tests {@code len == size}, which a record fifo may never
     * reach while it refuses every record.)
     *
     * @return whether the unused space is smaller than a header
     */
    public boolean isFull() {
        return capacity - lengthSnapshot() < headerBytes;
    }

    // ---------------------------------------------------------------------------------------------------
    // Producer side

    /**
     * Queues {@code record} as one record if it fits now ({@code kfifo_in} of a record fifo). Producer side.
     *
     * @param record the record's bytes
     * @return {@code true} if it was queued, {@code false} if it does not fit now (nothing is queued)
     * @throws NullPointerException     if {@code record} is null
     * @throws IllegalArgumentException if the record is longer than {@link #maxRecordLength()}
     * @throws IllegalStateException    in debug mode, if another thread is inside the producer side
     */
    public boolean in(byte[] record) {
        Objects.requireNonNull(record, "record must not be null");
        return in(record, 0, record.length);
    }

    /**
     * Queues {@code record[off, off + len)} as one record if it fits now ({@code kfifo_in} of a record fifo):
     * the whole record or nothing. Producer side.
     *
     * @param record the array holding the record
     * @param off    the index of its first byte
     * @param len    its length
     * @return {@code true} if it was queued, {@code false} if it does not fit now (nothing is queued)
     * @throws NullPointerException      if {@code record} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of
     *                                   {@code record}
     * @throws IllegalArgumentException  if {@code len} is more than the header can describe (the kernel
     *                                   would truncate the record) or more than the fifo could ever hold
     * @throws IllegalStateException     in debug mode, if another thread is inside the producer side
     */
    public boolean in(byte[] record, int off, int len) {
        Objects.requireNonNull(record, "record must not be null");
        Objects.checkFromIndexSize(off, len, record.length);
        checkRecordLength(len);
        if (debug) {
            enterProducer();
            try {
                return doIn(record, off, len);
            } finally {
                exitProducer();
            }
        }
        return doIn(record, off, len);
    }

    /**
     * Queues {@code record}'s remaining bytes as one record if it fits now ({@code kfifo_in} of a record
     * fifo), and then advances its position to its limit; if the record does not fit, the position is left
     * as it was. Producer side.
     *
     * @param record the record, from its position to its limit
     * @return {@code true} if it was queued, {@code false} if it does not fit now (nothing is queued)
     * @throws NullPointerException     if {@code record} is null
     * @throws IllegalArgumentException if the record is longer than {@link #maxRecordLength()}
     * @throws IllegalStateException    in debug mode, if another thread is inside the producer side
     */
    public boolean in(ByteBuffer record) {
        Objects.requireNonNull(record, "record must not be null");
        checkRecordLength(record.remaining());
        if (debug) {
            enterProducer();
            try {
                return doIn(record);
            } finally {
                exitProducer();
            }
        }
        return doIn(record);
    }

    /**
     * {@link #in(byte[], int, int)} under {@link #producerLock()} ({@code kfifo_in_spinlocked}): for fifos
     * with several producers.
     *
     * @param record the array holding the record
     * @param off    the index of its first byte
     * @param len    its length
     * @return {@code true} if it was queued, {@code false} if it does not fit now
     * @throws NullPointerException      if {@code record} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of
     *                                   {@code record}
     * @throws IllegalArgumentException  if the record is longer than {@link #maxRecordLength()}
     * @throws IllegalStateException     in debug mode, if a thread uses the lock-free producer methods
     *                                   meanwhile
     */
    public boolean inLocked(byte[] record, int off, int len) {
        final Lock lock = producerLock;
        lock.lock();
        try {
            return in(record, off, len);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock that {@link #inLocked} takes: the spinlock the kernel passes to {@code kfifo_in_spinlocked}.
     * Hold it to run a compound sequence of producer methods atomically with respect to the other locked
     * producers. A {@link io.ksync.lock.QueuedSpinLock}: not reentrant; {@code newCondition()} is unsupported.
     *
     * @return the producer-side lock
     */
    public Lock producerLock() {
        return producerLock;
    }

    // ---------------------------------------------------------------------------------------------------
    // Consumer side

    /**
     * Removes the next record into {@code dst} from index 0 ({@code kfifo_out} of a record fifo). Consumer
     * side.
     *
     * @param dst where to copy the record
     * @return the record's length, or {@code -1} if the fifo was empty
     * @throws NullPointerException     if {@code dst} is null
     * @throws IllegalArgumentException if the next record is longer than {@code dst}; nothing is consumed
     *                                  (the kernel would truncate and drop the rest)
     * @throws IllegalStateException    in debug mode, if another thread is inside the consumer side
     */
    public int out(byte[] dst) {
        Objects.requireNonNull(dst, "dst must not be null");
        return out(dst, 0, dst.length);
    }

    /**
     * Removes the next record into {@code dst[off, off + len)} ({@code kfifo_out} of a record fifo). Consumer
     * side.
     *
     * @param dst where to copy the record
     * @param off the index in {@code dst} of its first byte
     * @param len the room in {@code dst}
     * @return the record's length ({@code <= len}), or {@code -1} if the fifo was empty
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
     * @throws IllegalArgumentException  if the next record is longer than {@code len}; nothing is consumed
     *                                   (the kernel would truncate and drop the rest)
     * @throws IllegalStateException     in debug mode, if another thread is inside the consumer side
     */
    public int out(byte[] dst, int off, int len) {
        Objects.requireNonNull(dst, "dst must not be null");
        Objects.checkFromIndexSize(off, len, dst.length);
        if (debug) {
            enterConsumer();
            try {
                return doOut(dst, off, len, true);
            } finally {
                exitConsumer();
            }
        }
        return doOut(dst, off, len, true);
    }

    /**
     * Removes the next record into {@code dst} from its position on, and advances the position past it
     * ({@code kfifo_out} of a record fifo). Consumer side.
     *
     * @param dst where to copy the record
     * @return the record's length ({@code <= dst.remaining()}), or {@code -1} if the fifo was empty
     * @throws NullPointerException     if {@code dst} is null
     * @throws ReadOnlyBufferException  if {@code dst} is read-only; nothing is consumed
     * @throws IllegalArgumentException if the next record is longer than {@code dst.remaining()}; nothing is
     *                                  consumed
     * @throws IllegalStateException    in debug mode, if another thread is inside the consumer side
     */
    public int out(ByteBuffer dst) {
        Objects.requireNonNull(dst, "dst must not be null");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (debug) {
            enterConsumer();
            try {
                return doOut(dst);
            } finally {
                exitConsumer();
            }
        }
        return doOut(dst);
    }

    /**
     * Copies the next record into {@code dst[off, off + len)} without removing it ({@code kfifo_out_peek} of
     * a record fifo). Consumer side.
     *
     * @param dst where to copy the record
     * @param off the index in {@code dst} of its first byte
     * @param len the room in {@code dst}
     * @return the record's length ({@code <= len}), or {@code -1} if the fifo is empty
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
     * @throws IllegalArgumentException  if the next record is longer than {@code len} (the kernel would copy
     *                                   a truncated record)
     * @throws IllegalStateException     in debug mode, if another thread is inside the consumer side
     */
    public int outPeek(byte[] dst, int off, int len) {
        Objects.requireNonNull(dst, "dst must not be null");
        Objects.checkFromIndexSize(off, len, dst.length);
        if (debug) {
            enterConsumer();
            try {
                return doOut(dst, off, len, false);
            } finally {
                exitConsumer();
            }
        }
        return doOut(dst, off, len, false);
    }

    /**
     * The length of the next record ({@code kfifo_peek_len}). Consumer side.
     *
     * @return the next record's length in bytes, header excluded, or {@code -1} if the fifo is empty (the
     *         kernel's macro would read a stale header)
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public int peekLength() {
        if (debug) {
            enterConsumer();
            try {
                return doPeekLength();
            } finally {
                exitConsumer();
            }
        }
        return doPeekLength();
    }

    /**
     * Drops the next record ({@code kfifo_skip} of a record fifo). Consumer side.
     *
     * @return {@code true} if a record was dropped, {@code false} if the fifo was empty
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public boolean skip() {
        if (debug) {
            enterConsumer();
            try {
                return doSkip();
            } finally {
                exitConsumer();
            }
        }
        return doSkip();
    }

    /**
     * Drops every record queued now ({@code kfifo_reset_out}). Consumer side, safe while the producer runs:
     * records queued meanwhile may or may not be dropped, but never in part.
     *
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public void resetOut() {
        if (debug) {
            enterConsumer();
            try {
                OUT.setRelease(this, refreshIn()); // release: as an out() of every record
            } finally {
                exitConsumer();
            }
            return;
        }
        OUT.setRelease(this, refreshIn()); // release: pairs with getAcquire in unused(), as out() would
    }

    /**
     * {@link #out(byte[], int, int)} under {@link #consumerLock()} ({@code kfifo_out_spinlocked}): for fifos
     * with several consumers.
     *
     * @param dst where to copy the record
     * @param off the index in {@code dst} of its first byte
     * @param len the room in {@code dst}
     * @return the record's length, or {@code -1} if the fifo was empty
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
     * @throws IllegalArgumentException  if the next record is longer than {@code len}; nothing is consumed
     * @throws IllegalStateException     in debug mode, if a thread uses the lock-free consumer methods
     *                                   meanwhile
     */
    public int outLocked(byte[] dst, int off, int len) {
        final Lock lock = consumerLock;
        lock.lock();
        try {
            return out(dst, off, len);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock that {@link #outLocked} takes: the spinlock the kernel passes to {@code kfifo_out_spinlocked}.
     * Hold it to run a compound sequence of consumer methods atomically with respect to the other locked
     * consumers, e.g. {@link #peekLength()}, then an {@link #out} into a buffer of that size. A
     * {@link io.ksync.lock.QueuedSpinLock}: not reentrant; {@code newCondition()} is unsupported.
     *
     * @return the consumer-side lock
     */
    public Lock consumerLock() {
        return consumerLock;
    }

    // ---------------------------------------------------------------------------------------------------
    // Whole fifo

    /**
     * Removes every record and restarts both counters at 0 ({@code kfifo_reset}). Only while no other thread
     * uses the fifo (or while holding both locks when every thread uses the {@code ...Locked} methods); a
     * consumer that only wants to drop what is queued calls {@link #resetOut()}, which is safe while the
     * producer runs.
     */
    public void reset() {
        resetIndices(0);
    }

    @Override
    public String toString() {
        return super.toString() + "[len=" + lengthSnapshot() + ", capacity=" + capacity + ", headerBytes="
                + headerBytes + (ring.isDirect() ? ", direct]" : ", heap]");
    }

    // ---------------------------------------------------------------------------------------------------
    // The algorithm, without the debug check

    private static int checkHeaderBytes(int headerBytes, int capacity) {
        if (headerBytes != 1 && headerBytes != 2) {
            throw new IllegalArgumentException("headerBytes must be 1 (kfifo_rec_ptr_1, records of up to 255 "
                    + "bytes) or 2 (kfifo_rec_ptr_2, up to 65535), was " + headerBytes);
        }
        return capacity;
    }

    private void checkRecordLength(int length) {
        if (length > maxRecordLength) {
            final int describable = RecordHeader.maxLength(headerBytes);
            if (length > describable) {
                throw new IllegalArgumentException("record of " + length + " bytes exceeds the " + describable
                        + " bytes a " + headerBytes + "-byte header can describe; "
                        + (headerBytes == 1 ? "use headerBytes 2" : "split it into smaller records"));
            }
            throw new IllegalArgumentException("record of " + length + " bytes can never fit in this RecordFifo "
                    + "of capacity " + capacity + " with " + headerBytes + "-byte headers; the longest record "
                    + "it holds is " + maxRecordLength + " bytes (maxRecordLength())");
        }
    }

    private boolean doIn(byte[] record, int off, int len) {
        final int in = (int) IN.get(this); // plain: only the producer writes in
        final int needs = headerBytes + len;
        if (unused(in, needs) < needs) {
            return false;
        }
        RecordHeader.write(ring, in, len, headerBytes); // plain stores, published with the payload
        ring.copyIn(in + headerBytes, record, off, len);
        IN.setRelease(this, in + needs); // release: pairs with getAcquire in used(); __kfifo_in_r's smp_wmb
        return true;
    }

    private boolean doIn(ByteBuffer record) {
        final int in = (int) IN.get(this); // plain: only the producer writes in
        final int position = record.position();
        final int len = record.limit() - position;
        final int needs = headerBytes + len;
        if (unused(in, needs) < needs) {
            return false;
        }
        RecordHeader.write(ring, in, len, headerBytes);
        ring.copyIn(in + headerBytes, record, position, len);
        record.position(position + len);
        IN.setRelease(this, in + needs); // release: pairs with getAcquire in used(); __kfifo_in_r's smp_wmb
        return true;
    }

    private int doOut(byte[] dst, int off, int room, boolean consume) {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        if (used(out, 1) == 0) {
            return -1;
        }
        final int length = RecordHeader.read(ring, out, headerBytes); // ordered by the acquire in used()
        if (length > room) {
            throw tooSmall(length, room);
        }
        ring.copyOut(out + headerBytes, dst, off, length);
        if (consume) {
            // release: pairs with getAcquire in unused(); __kfifo_out_r's smp_wmb and fifo->out += n + recsize
            OUT.setRelease(this, out + headerBytes + length);
        }
        return length;
    }

    private int doOut(ByteBuffer dst) {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        if (used(out, 1) == 0) {
            return -1;
        }
        final int length = RecordHeader.read(ring, out, headerBytes); // ordered by the acquire in used()
        final int position = dst.position();
        final int room = dst.limit() - position;
        if (length > room) {
            throw tooSmall(length, room);
        }
        ring.copyOut(out + headerBytes, dst, position, length);
        dst.position(position + length);
        OUT.setRelease(this, out + headerBytes + length); // release: pairs with getAcquire in unused()
        return length;
    }

    private int doPeekLength() {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        return used(out, 1) == 0 ? -1 : RecordHeader.read(ring, out, headerBytes);
    }

    private boolean doSkip() {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        if (used(out, 1) == 0) {
            return false;
        }
        final int length = RecordHeader.read(ring, out, headerBytes);
        OUT.setRelease(this, out + headerBytes + length); // release: pairs with getAcquire in unused()
        return true;
    }

    private static IllegalArgumentException tooSmall(int length, int room) {
        return new IllegalArgumentException("next record is " + length + " bytes but dst has room for " + room
                + "; size dst with peekLength()");
    }
}
