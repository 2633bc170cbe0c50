package io.ksync.fifo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import java.util.concurrent.locks.Lock;

/**
 * A bounded byte stream with a power-of-two capacity, on the heap or off it: the kernel's byte kfifo
 * ({@code struct kfifo}, {@code DECLARE_KFIFO(fifo, unsigned char, size)}, {@code include/linux/kfifo.h},
 * {@code lib/kfifo.c}), lock-free for one producer thread and one consumer thread. Bytes go in and out from
 * arrays, {@link ByteBuffer}s and channels; the channel methods are the {@code kfifo_from_user} /
 * {@code kfifo_to_user} analog, moving bytes between a channel and the fifo's storage without a copy through
 * a temporary buffer.
 *
 * <p>Kernel names: {@link #put} {@code kfifo_put}, {@link #get} {@code kfifo_get}, {@link #peek}
 * {@code kfifo_peek}, {@link #in(byte[], int, int)} and {@link #in(ByteBuffer)} {@code kfifo_in},
 * {@link #out(byte[], int, int)} and {@link #out(ByteBuffer)} {@code kfifo_out}, {@link #outPeek}
 * {@code kfifo_out_peek}, {@link #in(ReadableByteChannel)} {@code kfifo_from_user},
 * {@link #out(WritableByteChannel)} {@code kfifo_to_user}, {@link #skip} {@code kfifo_skip_count},
 * {@link #len} {@code kfifo_len}, {@link #avail} {@code kfifo_avail}, {@link #capacity} {@code kfifo_size},
 * {@link #isEmpty} {@code kfifo_is_empty}, {@link #isFull} {@code kfifo_is_full}, {@link #reset}
 * {@code kfifo_reset}, {@link #resetOut} {@code kfifo_reset_out}, {@link #inLocked(byte[], int, int)}
 * {@code kfifo_in_spinlocked}, {@link #outLocked(byte[], int, int)} {@code kfifo_out_spinlocked}.
 *
 * <p>Guarantees. Bytes leave in the order they entered. A byte read by the consumer was written by the
 * producer call that queued it, and that call happens-before the consumer call that returns it, so
 * everything the producer did before queueing is visible to the consumer after reading. Every method except
 * the channel methods (which block as long as their channel does) and the {@code ...Locked} ones (which wait
 * for their side's lock) completes in a bounded number of steps. The hot paths, the channel methods
 * included, allocate nothing.
 *
 * <p>Threads. The producer methods ({@code put}, the {@code in} methods) may be called by one thread at a
 * time, and the consumer methods ({@code get}, {@code peek}, the {@code out} methods, {@code outPeek},
 * {@code skip}, {@code resetOut}) by one thread at a time; the two sides run concurrently without any lock. As
 * in the kernel, once a side has several threads, every one of them must use the {@code ...Locked} methods
 * (or hold {@link #producerLock()} / {@link #consumerLock()} around the lock-free ones); the other side may
 * keep the lock-free methods if it has a single thread. A side may move to another thread when the hand-over
 * happens-before. {@link #reset()} needs the whole fifo to itself. {@link #len}, {@link #avail},
 * {@link #isEmpty}, {@link #isFull} and {@link #capacity} may be called by any thread and return snapshots.
 * The fifo must not be called from inside the channel that one of its own channel methods is using.
 *
 * <p>Not allowed: two threads inside one side at once without the locks. It is not detected by default; run
 * with {@code -Dksync.fifo.debug=true} (read when a fifo is constructed) and an overlap of two threads on one
 * side throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * ByteFifo rx = ByteFifo.allocateDirect(64 * 1024);   // off-heap, 64 KiB
 *
 * // I/O thread: fill from the socket, as much as there is room for
 * int n = rx.in(socketChannel);                        // kfifo_from_user analog; -1 at end of stream
 *
 * // parser thread
 * byte[] frame = new byte[512];
 * int got = rx.out(frame, 0, frame.length);            // kfifo_out
 * }</pre>
 */
public final class ByteFifo extends FifoIndices {

    /*
     * Implementation notes.
     *
     * The indices, their ordering and the caches are FifoIndices'; the storage and its two-run copies (the
     * kernel's kfifo_copy_in/kfifo_copy_out split at the end of the buffer) are ByteRing's. Access by access:
     *
     *   producer: in = IN.get (plain, own index); room from unused(in, n) (cachedOut, else OUT.getAcquire);
     *             payload: ByteBuffer absolute puts, or a channel read into the producer's view (plain
     *             stores from this thread's point of view); IN.setRelease(in + n) (kfifo_copy_in's smp_wmb
     *             and the "fifo->in += len" after it).
     *   consumer: out = OUT.get (plain, own index); data from used(out, n) (cachedIn, else IN.getAcquire);
     *             payload: absolute gets, or a channel write from the consumer's view; then
     *             OUT.setRelease(out + n) (kfifo_copy_out's smp_wmb and "fifo->out += len").
     *
     * Channels. The free (or used) space is at most two runs: from in & mask to the end of the storage, and
     * from 0 on. One channel call fills (drains) the first run; only if it transferred the whole run is the
     * second one attempted, as kfifo_copy_from_user stops at the first fault. Whatever was transferred is
     * published in a finally block, even when the second call throws: bytes read from a channel are never lost,
     * bytes written to it are never written twice. This is the kernel's behaviour too: on a fault,
     * __kfifo_from_user adds the copied part to fifo->in and returns -EFAULT. A channel call happens inside
     * the side's debug claim, so in debug mode another thread entering the same side meanwhile is caught.
     */

    private final ByteRing ring;

    /**
     * Creates an empty fifo whose storage is a heap {@code byte[]} ({@code kfifo_alloc}): the capacity is
     * rounded up to the next power of two.
     *
     * @param capacity the number of bytes it must hold at least, {@code 1..2^30}
     * @throws IllegalArgumentException if {@code capacity} is zero, negative or greater than {@code 2^30}
     */
    public ByteFifo(int capacity) {
        this(capacity, false);
    }

    private ByteFifo(int capacity, boolean direct) {
        super(capacity);
        this.ring = new ByteRing(this.capacity, direct);
    }

    /**
     * Creates an empty fifo whose storage is a direct (off-heap) {@link ByteBuffer}: channel transfers then
     * need no copy through a temporary buffer of the JDK's. The capacity is rounded up to the next power of
     * two. The memory is freed when the fifo becomes unreachable, as for any direct buffer.
     *
     * @param capacity the number of bytes it must hold at least, {@code 1..2^30}
     * @return the new fifo
     * @throws IllegalArgumentException if {@code capacity} is zero, negative or greater than {@code 2^30}
     */
    public static ByteFifo allocateDirect(int capacity) {
        return new ByteFifo(capacity, true);
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
     * The number of bytes the fifo holds when full ({@code kfifo_size}): the requested capacity rounded up to
     * a power of two.
     *
     * @return the capacity in bytes
     */
    public int capacity() {
        return capacity;
    }

    /**
     * The number of bytes queued ({@code kfifo_len}); a snapshot.
     *
     * @return the number of bytes in the fifo, {@code 0..capacity()}
     */
    public int len() {
        return lengthSnapshot();
    }

    /**
     * The number of free bytes ({@code kfifo_avail}); a snapshot.
     *
     * @return {@code capacity() - len()}
     */
    public int avail() {
        return capacity - lengthSnapshot();
    }

    /**
     * Tells whether the fifo holds no byte ({@code kfifo_is_empty}); a snapshot.
     *
     * @return whether {@code len() == 0}
     */
    public boolean isEmpty() {
        return isEmptySnapshot();
    }

    /**
     * Tells whether the fifo has no free byte ({@code kfifo_is_full}); a snapshot.
     *
     * @return whether {@code len() == capacity()}
     */
    public boolean isFull() {
        return lengthSnapshot() == capacity;
    }

    // ---------------------------------------------------------------------------------------------------
    // Producer side

    /**
     * Queues one byte if there is room ({@code kfifo_put}). Producer side.
     *
     * @param b the byte
     * @return {@code true} if it was queued, {@code false} if the fifo was full
     * @throws IllegalStateException in debug mode, if another thread is inside the producer side
     */
    public boolean put(byte b) {
        if (debug) {
            enterProducer();
            try {
                return doPut(b);
            } finally {
                exitProducer();
            }
        }
        return doPut(b);
    }

    /**
     * Queues as many bytes of {@code src} as there is room for ({@code kfifo_in}). Producer side.
     *
     * @param src the bytes, from index 0
     * @return the number of bytes queued, {@code 0..src.length}
     * @throws NullPointerException  if {@code src} is null
     * @throws IllegalStateException in debug mode, if another thread is inside the producer side
     */
    public int in(byte[] src) {
        Objects.requireNonNull(src, "src must not be null");
        return in(src, 0, src.length);
    }

    /**
     * Queues as many of {@code src[off, off + len)} as there is room for: {@code min(len, avail())} bytes
     * ({@code kfifo_in}). Producer side.
     *
     * @param src the bytes
     * @param off the index of the first byte in {@code src}
     * @param len the number of bytes offered
     * @return the number of bytes queued, {@code 0..len}
     * @throws NullPointerException      if {@code src} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code src}
     * @throws IllegalStateException     in debug mode, if another thread is inside the producer side
     */
    public int in(byte[] src, int off, int len) {
        Objects.requireNonNull(src, "src must not be null");
        Objects.checkFromIndexSize(off, len, src.length);
        if (debug) {
            enterProducer();
            try {
                return doIn(src, off, len);
            } finally {
                exitProducer();
            }
        }
        return doIn(src, off, len);
    }

    /**
     * Queues as many of {@code src}'s remaining bytes as there is room for: {@code min(src.remaining(),
     * avail())} bytes ({@code kfifo_in}), and advances {@code src}'s position past them. Producer side.
     *
     * @param src the bytes, from its position to its limit
     * @return the number of bytes queued, {@code 0..src.remaining()}
     * @throws NullPointerException  if {@code src} is null
     * @throws IllegalStateException in debug mode, if another thread is inside the producer side
     */
    public int in(ByteBuffer src) {
        Objects.requireNonNull(src, "src must not be null");
        if (debug) {
            enterProducer();
            try {
                return doIn(src);
            } finally {
                exitProducer();
            }
        }
        return doIn(src);
    }

    /**
     * Reads from {@code channel} into the free space, as much as the channel gives and there is room for (the
     * {@code kfifo_from_user} analog): one {@link ReadableByteChannel#read} into the free run up to the end of
     * the storage and, if that run was filled and free space continues at the start, a second read into it.
     * Blocks as long as the channel does. With no free space, the channel is not called. Producer side.
     *
     * <p>If the channel throws after the first read transferred bytes, those bytes are queued before the
     * exception propagates (as {@code kfifo_from_user} keeps the part it copied before a fault).
     *
     * @param channel the channel to read from
     * @return the number of bytes queued, {@code 0} if the fifo was full or the channel had nothing now, or
     *         {@code -1} if the channel is at end of stream and nothing was read
     * @throws IOException           if the channel throws
     * @throws NullPointerException  if {@code channel} is null
     * @throws IllegalStateException in debug mode, if another thread is inside the producer side
     */
    public int in(ReadableByteChannel channel) throws IOException {
        Objects.requireNonNull(channel, "channel must not be null");
        if (debug) {
            enterProducer();
            try {
                return doIn(channel);
            } finally {
                exitProducer();
            }
        }
        return doIn(channel);
    }

    /**
     * {@link #in(byte[], int, int)} under {@link #producerLock()} ({@code kfifo_in_spinlocked}): for fifos
     * with several producers. The bytes queued by one call stay together.
     *
     * @param src the bytes
     * @param off the index of the first byte in {@code src}
     * @param len the number of bytes offered
     * @return the number of bytes queued, {@code 0..len}
     * @throws NullPointerException      if {@code src} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code src}
     * @throws IllegalStateException     in debug mode, if a thread uses the lock-free producer methods
     *                                   meanwhile
     */
    public int inLocked(byte[] src, int off, int len) {
        final Lock lock = producerLock;
        lock.lock();
        try {
            return in(src, off, len);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #in(ByteBuffer)} under {@link #producerLock()} ({@code kfifo_in_spinlocked}): for fifos with
     * several producers. The bytes queued by one call stay together.
     *
     * @param src the bytes, from its position to its limit
     * @return the number of bytes queued, {@code 0..src.remaining()}
     * @throws NullPointerException  if {@code src} is null
     * @throws IllegalStateException in debug mode, if a thread uses the lock-free producer methods meanwhile
     */
    public int inLocked(ByteBuffer src) {
        final Lock lock = producerLock;
        lock.lock();
        try {
            return in(src);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock that the {@code inLocked} methods take: the spinlock the kernel passes to
     * {@code kfifo_in_spinlocked}. Hold it to run a compound sequence of producer methods atomically with
     * respect to the other locked producers (e.g. a channel read by one of several producer threads). A
     * {@link io.ksync.lock.QueuedSpinLock}: spins briefly, then parks; not reentrant; {@code newCondition()}
     * is unsupported.
     *
     * @return the producer-side lock
     */
    public Lock producerLock() {
        return producerLock;
    }

    // ---------------------------------------------------------------------------------------------------
    // Consumer side

    /**
     * Removes and returns the oldest byte ({@code kfifo_get}). Consumer side.
     *
     * @return the byte as an unsigned value {@code 0..255}, or {@code -1} if the fifo was empty
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public int get() {
        if (debug) {
            enterConsumer();
            try {
                return doGet(true);
            } finally {
                exitConsumer();
            }
        }
        return doGet(true);
    }

    /**
     * Returns the oldest byte without removing it ({@code kfifo_peek}). Consumer side.
     *
     * @return the byte as an unsigned value {@code 0..255}, or {@code -1} if the fifo is empty
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public int peek() {
        if (debug) {
            enterConsumer();
            try {
                return doGet(false);
            } finally {
                exitConsumer();
            }
        }
        return doGet(false);
    }

    /**
     * Removes up to {@code dst.length} of the oldest bytes into {@code dst} from index 0 ({@code kfifo_out}).
     * Consumer side.
     *
     * @param dst where to copy them
     * @return the number of bytes removed, {@code 0..dst.length}
     * @throws NullPointerException  if {@code dst} is null
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public int out(byte[] dst) {
        Objects.requireNonNull(dst, "dst must not be null");
        return out(dst, 0, dst.length);
    }

    /**
     * Removes up to {@code len} of the oldest bytes into {@code dst[off, off + len)}: {@code min(len, len())}
     * bytes ({@code kfifo_out}). Consumer side.
     *
     * @param dst where to copy them
     * @param off the index in {@code dst} of the first byte
     * @param len the number of bytes wanted at most
     * @return the number of bytes removed, {@code 0..len}
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
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
     * Copies up to {@code len} of the oldest bytes into {@code dst[off, off + len)} without removing them
     * ({@code kfifo_out_peek}). Consumer side.
     *
     * @param dst where to copy them
     * @param off the index in {@code dst} of the first byte
     * @param len the number of bytes wanted at most
     * @return the number of bytes copied, {@code 0..len}
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
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
     * Removes up to {@code dst.remaining()} of the oldest bytes into {@code dst} from its position on, and
     * advances its position past them ({@code kfifo_out}). Consumer side.
     *
     * @param dst where to copy them
     * @return the number of bytes removed, {@code 0..dst.remaining()}
     * @throws NullPointerException    if {@code dst} is null
     * @throws ReadOnlyBufferException if {@code dst} is read-only; nothing is removed
     * @throws IllegalStateException   in debug mode, if another thread is inside the consumer side
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
     * Writes the queued bytes to {@code channel} and removes what it accepted (the {@code kfifo_to_user}
     * analog): one {@link WritableByteChannel#write} from the run up to the end of the storage and, if the
     * channel took all of it and more bytes wait at the start, a second write. Blocks as long as the channel
     * does. With nothing queued, the channel is not called. Consumer side.
     *
     * <p>If the channel throws after the first write accepted bytes, those bytes are removed before the
     * exception propagates, so that no byte is written twice.
     *
     * @param channel the channel to write to
     * @return the number of bytes written and removed, {@code 0} if the fifo was empty or the channel took
     *         nothing now
     * @throws IOException           if the channel throws
     * @throws NullPointerException  if {@code channel} is null
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public int out(WritableByteChannel channel) throws IOException {
        Objects.requireNonNull(channel, "channel must not be null");
        if (debug) {
            enterConsumer();
            try {
                return doOut(channel);
            } finally {
                exitConsumer();
            }
        }
        return doOut(channel);
    }

    /**
     * Drops up to {@code count} of the oldest bytes ({@code kfifo_skip_count}; the kernel's macro trusts the
     * count, this one drops at most {@link #len()}). Consumer side.
     *
     * @param count the number of bytes to drop at most, {@code >= 0}
     * @return the number of bytes dropped, {@code 0..count}
     * @throws IllegalArgumentException if {@code count < 0}
     * @throws IllegalStateException    in debug mode, if another thread is inside the consumer side
     */
    public int skip(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        if (debug) {
            enterConsumer();
            try {
                return doSkip(count);
            } finally {
                exitConsumer();
            }
        }
        return doSkip(count);
    }

    /**
     * Drops every byte queued now ({@code kfifo_reset_out}). Consumer side, safe while the producer runs:
     * bytes queued meanwhile may or may not be dropped.
     *
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public void resetOut() {
        if (debug) {
            enterConsumer();
            try {
                OUT.setRelease(this, refreshIn()); // release: as a get() of everything
            } finally {
                exitConsumer();
            }
            return;
        }
        OUT.setRelease(this, refreshIn()); // release: pairs with getAcquire in unused(), as a get() would
    }

    /**
     * {@link #out(byte[], int, int)} under {@link #consumerLock()} ({@code kfifo_out_spinlocked}): for fifos
     * with several consumers. The bytes removed by one call are consecutive in the stream.
     *
     * @param dst where to copy them
     * @param off the index in {@code dst} of the first byte
     * @param len the number of bytes wanted at most
     * @return the number of bytes removed, {@code 0..len}
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
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
     * {@link #out(ByteBuffer)} under {@link #consumerLock()} ({@code kfifo_out_spinlocked}): for fifos with
     * several consumers.
     *
     * @param dst where to copy them
     * @return the number of bytes removed, {@code 0..dst.remaining()}
     * @throws NullPointerException    if {@code dst} is null
     * @throws ReadOnlyBufferException if {@code dst} is read-only
     * @throws IllegalStateException   in debug mode, if a thread uses the lock-free consumer methods meanwhile
     */
    public int outLocked(ByteBuffer dst) {
        final Lock lock = consumerLock;
        lock.lock();
        try {
            return out(dst);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock that the {@code outLocked} methods take: the spinlock the kernel passes to
     * {@code kfifo_out_spinlocked}. Hold it to run a compound sequence of consumer methods atomically with
     * respect to the other locked consumers. A {@link io.ksync.lock.QueuedSpinLock}: not reentrant;
     * {@code newCondition()} is unsupported.
     *
     * @return the consumer-side lock
     */
    public Lock consumerLock() {
        return consumerLock;
    }

    // ---------------------------------------------------------------------------------------------------
    // Whole fifo

    /**
     * Removes every byte and restarts both counters at 0 ({@code kfifo_reset}). Only while no other thread
     * uses the fifo (or while holding both locks when every thread uses the {@code ...Locked} methods); a
     * consumer that only wants to drop what is queued calls {@link #resetOut()}, which is safe while the
     * producer runs.
     */
    public void reset() {
        resetIndices(0);
    }

    @Override
    public String toString() {
        return super.toString() + "[len=" + lengthSnapshot() + ", capacity=" + capacity
                + (ring.isDirect() ? ", direct]" : ", heap]");
    }

    // ---------------------------------------------------------------------------------------------------
    // The algorithm, without the debug check

    private boolean doPut(byte b) {
        final int in = (int) IN.get(this); // plain: only the producer writes in
        if (unused(in, 1) == 0) {
            return false;
        }
        ring.put(in, b);
        IN.setRelease(this, in + 1); // release: pairs with getAcquire in used(); kfifo_put's smp_wmb
        return true;
    }

    private int doIn(byte[] src, int off, int len) {
        final int in = (int) IN.get(this); // plain: only the producer writes in
        final int n = Math.min(len, unused(in, len));
        if (n == 0) {
            return 0;
        }
        ring.copyIn(in, src, off, n);
        IN.setRelease(this, in + n); // release: pairs with getAcquire in used(); kfifo_copy_in's smp_wmb
        return n;
    }

    private int doIn(ByteBuffer src) {
        final int in = (int) IN.get(this); // plain: only the producer writes in
        final int position = src.position();
        final int remaining = src.limit() - position;
        final int n = Math.min(remaining, unused(in, remaining));
        if (n == 0) {
            return 0;
        }
        ring.copyIn(in, src, position, n);
        src.position(position + n);
        IN.setRelease(this, in + n); // release: pairs with getAcquire in used(); kfifo_copy_in's smp_wmb
        return n;
    }

    private int doIn(ReadableByteChannel channel) throws IOException {
        final int in = (int) IN.get(this); // plain: only the producer writes in
        final int free = unused(in, capacity);
        if (free == 0) {
            return 0;
        }
        int queued = 0;
        try {
            final int first = ring.contiguous(in, free);
            final int read = ring.readContiguous(channel, in, first);
            if (read <= 0) {
                return read; // -1: end of stream, nothing read; 0: nothing available now
            }
            queued = read;
            if (read == first && first < free) { // the first run is full and free space continues at 0
                final int more = ring.readContiguous(channel, in + first, free - first);
                if (more > 0) {
                    queued += more;
                }
            }
            return queued;
        } finally {
            if (queued > 0) {
                IN.setRelease(this, in + queued); // release: pairs with getAcquire in used()
            }
        }
    }

    private int doGet(boolean consume) {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        if (used(out, 1) == 0) {
            return -1;
        }
        final int b = ring.get(out) & 0xFF; // ordered after the producer's store by the acquire in used()
        if (consume) {
            OUT.setRelease(this, out + 1); // release: pairs with getAcquire in unused(); kfifo_get's smp_wmb
        }
        return b;
    }

    private int doOut(byte[] dst, int off, int len, boolean consume) {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final int n = Math.min(len, used(out, len));
        if (n == 0) {
            return 0;
        }
        ring.copyOut(out, dst, off, n);
        if (consume) {
            OUT.setRelease(this, out + n); // release: pairs with getAcquire in unused(); kfifo_copy_out's smp_wmb
        }
        return n;
    }

    private int doOut(ByteBuffer dst) {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final int position = dst.position();
        final int room = dst.limit() - position;
        final int n = Math.min(room, used(out, room));
        if (n == 0) {
            return 0;
        }
        ring.copyOut(out, dst, position, n);
        dst.position(position + n);
        OUT.setRelease(this, out + n); // release: pairs with getAcquire in unused(); kfifo_copy_out's smp_wmb
        return n;
    }

    private int doOut(WritableByteChannel channel) throws IOException {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final int queued = used(out, capacity);
        if (queued == 0) {
            return 0;
        }
        int written = 0;
        try {
            final int first = ring.contiguous(out, queued);
            written = Math.max(0, ring.writeContiguous(channel, out, first));
            if (written == first && first < queued) { // the first run is drained and more waits at 0
                written += Math.max(0, ring.writeContiguous(channel, out + first, queued - first));
            }
            return written;
        } finally {
            if (written > 0) {
                OUT.setRelease(this, out + written); // release: pairs with getAcquire in unused()
            }
        }
    }

    private int doSkip(int count) {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final int n = Math.min(count, used(out, count));
        if (n > 0) {
            OUT.setRelease(this, out + n); // release: pairs with getAcquire in unused()
        }
        return n;
    }
}
