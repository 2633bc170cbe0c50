package io.ksync.fifo;

import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.Lock;

/**
 * A bounded FIFO of references with a power-of-two capacity: the kernel's element kfifo
 * ({@code DECLARE_KFIFO_PTR(fifo, type)} with {@code kfifo_alloc}, {@code include/linux/kfifo.h},
 * {@code lib/kfifo.c}), lock-free for one producer thread and one consumer thread.
 *
 * <p>Kernel names: {@link #put} {@code kfifo_put}, {@link #get} {@code kfifo_get}, {@link #peek}
 * {@code kfifo_peek}, {@link #in(Object[], int, int)} {@code kfifo_in}, {@link #out(Object[], int, int)}
 * {@code kfifo_out}, {@link #outPeek} {@code kfifo_out_peek}, {@link #skip()} {@code kfifo_skip},
 * {@link #skip(int)} {@code kfifo_skip_count}, {@link #len} {@code kfifo_len}, {@link #avail}
 * {@code kfifo_avail}, {@link #capacity} {@code kfifo_size}, {@link #isEmpty} {@code kfifo_is_empty},
 * {@link #isFull} {@code kfifo_is_full}, {@link #reset} {@code kfifo_reset}, {@link #resetOut}
 * {@code kfifo_reset_out}, {@link #inLocked} / {@link #putLocked} {@code kfifo_in_spinlocked},
 * {@link #outLocked} / {@link #getLocked} / {@link #peekLocked} {@code kfifo_out_spinlocked}.
 *
 * <p>Guarantees. Elements leave in the order they entered. An element returned by {@link #get()} (or copied
 * out by {@link #out}, {@link #peek}, {@link #outPeek}) was fully written by the {@link #put} or {@link #in}
 * that queued it: the put happens-before the get that returns it, so everything the producer did before
 * the put is visible to the consumer after the get. Every method completes in a bounded number of steps
 * (lock-free, in fact wait-free) except the {@code ...Locked} ones, which wait for their side's lock. The
 * fifo keeps no reference to an element once it has been consumed (the consumer clears the slot), and the
 * hot paths allocate nothing.
 *
 * <p>Threads. The producer methods ({@code put}, {@code in}) may be called by one thread at a time, and
 * the consumer methods ({@code get}, {@code peek}, {@code out}, {@code outPeek}, {@code skip},
 * {@code resetOut}) by one thread at a time; the two sides run concurrently without any lock. As in the
 * kernel, once a side has several threads, every one of them must use the {@code ...Locked} methods (or
 * hold {@link #producerLock()} / {@link #consumerLock()} around the lock-free ones, for a compound
 * sequence); the other side may keep the lock-free methods if it has a single thread. A side may move to
 * another thread when the hand-over happens-before (a lock, a volatile write and read, starting a thread).
 * {@link #reset()} needs the whole fifo to itself. {@link #len}, {@link #avail}, {@link #isEmpty},
 * {@link #isFull} and {@link #capacity} may be called by any thread and return snapshots.
 *
 * <p>Not allowed: null elements ({@link NullPointerException}: {@link #get()} uses null for "empty"); two
 * threads inside one side at once without the locks. The latter is not detected by default; run with
 * {@code -Dksync.fifo.debug=true} (read when a fifo is constructed) and an overlap of two threads on one
 * side throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * Kfifo<Event> events = new Kfifo<>(1024);      // DECLARE_KFIFO_PTR + kfifo_alloc(&events, 1024, ...)
 *
 * // producer thread
 * if (!events.put(event)) {                     // kfifo_put: false when full
 *     dropped++;
 * }
 *
 * // consumer thread
 * Event[] batch = new Event[64];
 * int n = events.out(batch, 0, batch.length);   // kfifo_out: up to 64 at once
 * for (int i = 0; i < n; i++) {
 *     handle(batch[i]);
 * }
 * }</pre>
 *
 * @param <E> the type of the elements
 */
public final class Kfifo<E> extends FifoIndices {

    /*
     * Implementation notes.
     *
     * The indices, their ordering and the caches are FifoIndices'; see its notes. Storage is an Object[] of
     * capacity slots and a tail pad, and element i of the stream lives in slots[i & mask]. A slot is
     * non-null exactly while it holds an element that has been stored and not yet consumed, so for one element
     * the slots themselves are the signal, as in JCTools' SpscArrayQueue: get() and peek() never read the
     * producer's index, and put() reads no index at all: when its cache of out runs out it looks at a slot a
     * quarter of the fifo ahead, and a null there proves room for that many puts (the look-ahead). Otherwise
     * the other side's index, whose cache line moves between the cores whenever it is written and read, would
     * be read on every element of a fifo that runs nearly empty or nearly full (measured: a get() that read in
     * each time was 3x slower than SpscArrayQueue). The bulk methods, which need counts, use the indices as the
     * kernel does. Access by access:
     *
     *   put (producer):       in = IN.get (plain, own index)
     *                         room from cachedOut, else findRoom: loadAcquire of the look-ahead slot,
     *                         then of the slot itself; a null raises cachedOut to the bound it proves
     *                         storeRelease(slot, e)        publishes the element (kfifo_put's smp_wmb)
     *                         IN.setRelease(in + 1)        for the bulk methods and len(); in++
     *   in (producer):        room from unused(in, n): cachedOut, else OUT.getAcquire
     *                         releaseFence, then plain stores (System.arraycopy)
     *                         IN.setRelease(in + n)        kfifo_copy_in's smp_wmb; in += n
     *   get (consumer):       out = OUT.get (plain, own index)
     *                         e = loadAcquire(slot)        null: empty
     *                         storeRelease(slot, null)     after the load: the slot is free
     *                         OUT.setRelease(out + 1)      kfifo_get's smp_wmb; out++
     *   peek (consumer):      loadAcquire(slot)
     *   out / outPeek / skip / resetOut (consumer):
     *                         data from used(out, n): cachedIn, else IN.getAcquire
     *                         plain loads (System.arraycopy)
     *                         storeRelease(slot, null)     for each slot, in order (not for outPeek)
     *                         OUT.setRelease(out + n)      kfifo_copy_out's smp_wmb; out += n
     *
     * loadAcquire is a plain load followed by VarHandle.acquireFence(), storeRelease a releaseFence() followed
     * by a plain store: an acquire load and a release store, access for access (below). Why the slots are a
     * safe signal. Consumer: it reads a slot with loadAcquire, which pairs with the producer's storeRelease (or
     * the release fence before a bulk copy), so a non-null element is fully written,
     * and so is everything the producer wrote before queueing it. The slot at out & mask holds element out or
     * null, never element out + capacity: the producer stores that one only once it has proved the consumer
     * is past out, which the consumer shows only after nulling the slot. Producer: the consumer consumes in
     * order and nulls each slot with a release store after loading its element, so a null that the producer's
     * loadAcquire sees in slot j & mask (j = in + lookAhead, or in) means the element j - capacity has been
     * loaded and every earlier one too (their nulls are ordered before it): out > j - capacity, a lower bound
     * that findRoom stores as cachedOut, and the producer's store into any of those slots comes after the
     * consumer's last use of it. Because put() stores the slot before it publishes in, a get() may take an
     * element before in counts it; out then runs one ahead of in until the producer's store of in, which
     * FifoIndices' counts allow for (they clamp in - out at 0).
     *
     * A bulk method copies at most two runs of slots (before and after the end of the array), as
     * kfifo_copy_in/kfifo_copy_out do.
     *
     * Slot accesses: plain array accesses next to fences, not an array VarHandle. The fence forms give the
     * orderings of the VarHandle modes (Lea, "Using JDK 9 Memory Order Modes": an acquire load is a load followed
     * by an acquire fence, which orders it before every later load and store of the thread; a release store is
     * a release fence, which orders every earlier load and store before every later store, followed by the
     * store). A reference load or store is atomic (JLS 17.7), so a plain load sees null or a whole reference
     * that some store wrote; and as every load of a slot is followed by a fence, the JIT can neither merge two
     * loads of a spinning caller nor hoist one out of its loop. What the VarHandle adds is a check on every
     * store of the array's class against Object[] (the array could be a String[] for all the VarHandle knows),
     * and code the JIT makes slower than the plain form's for reasons not pinned down here (its loads cost too).
     * Measured with one thread doing 32 puts then 32 gets, least of 35 rounds, ns per element (one put and one
     * get): VarHandle accesses 3.8, these 2.9, SpscArrayQueue (Unsafe) 2.7. The same measurement showed that a
     * pad before the first slot costs 0.7 ns by itself (the index offset it adds to every access; with a
     * VarHandle or without), so there is only a tail pad, as JCTools has no head pad: the slots share a line
     * with the array header, whose length the bounds checks read, and that line moves once a lap (a head pad
     * showed no clear gain with two threads). Two threads, paired windows (PairedFifoRace): 0.77x of
     * SpscArrayQueue before, 0.86x after (README, Measured).
     *
     * in() checks the elements it is about to copy for null before it stores any of them, so a rejected call
     * leaves the fifo as it was. Only the elements that fit are checked: a producer that offers a long array
     * again and again, a little at a time, pays for what is copied, not for the whole array each time.
     */

    /**
     * Unused references after the last slot (128 bytes with compressed references), so that the object the
     * allocator places after the array shares no cache line with the slots. There is no pad before the first
     * slot: an offset added to every slot index cost 0.7 ns per put/get pair (measured, see the notes).
     */
    private static final int TAIL_PAD = 32;

    /** The most slots findRoom proves free with one look (JCTools' look-ahead step). */
    private static final int MAX_LOOK_AHEAD = 4096;

    /** The slots; element i of the stream lives in slots[i & mask], non-null exactly while it is queued. */
    private final Object[] slots;
    /** How far ahead findRoom looks: a quarter of the slots, at most {@link #MAX_LOOK_AHEAD}, below the capacity. */
    private final int lookAhead;

    /**
     * Creates an empty fifo ({@code kfifo_alloc}): the capacity is rounded up to the next power of two.
     *
     * @param capacity the number of elements it must hold at least, {@code 1..2^30}
     * @throws IllegalArgumentException if {@code capacity} is zero, negative or greater than {@code 2^30}
     */
    public Kfifo(int capacity) {
        super(capacity);
        this.slots = new Object[this.capacity + TAIL_PAD];
        // below the capacity: a null slot lookAhead ahead must belong to an element already queued once
        this.lookAhead = this.capacity == 1 ? 0 : Math.max(1, Math.min(this.capacity / 4, MAX_LOOK_AHEAD));
    }

    /**
     * The number of elements the fifo holds when full ({@code kfifo_size}): the requested capacity rounded up
     * to a power of two.
     *
     * @return the capacity in elements
     */
    public int capacity() {
        return capacity;
    }

    /**
     * The number of elements queued ({@code kfifo_len}); a snapshot, exact only when neither side moves.
     *
     * @return the number of elements in the fifo, {@code 0..capacity()}
     */
    public int len() {
        return lengthSnapshot();
    }

    /**
     * The number of free slots ({@code kfifo_avail}); a snapshot.
     *
     * @return {@code capacity() - len()}
     */
    public int avail() {
        return capacity - lengthSnapshot();
    }

    /**
     * Tells whether the fifo holds no element ({@code kfifo_is_empty}); a snapshot.
     *
     * @return whether {@code len() == 0}
     */
    public boolean isEmpty() {
        return isEmptySnapshot();
    }

    /**
     * Tells whether the fifo has no free slot ({@code kfifo_is_full}); a snapshot.
     *
     * @return whether {@code len() == capacity()}
     */
    public boolean isFull() {
        return lengthSnapshot() == capacity;
    }

    // ---------------------------------------------------------------------------------------------------
    // Producer side

    /**
     * Queues one element if there is room ({@code kfifo_put}). Producer side.
     *
     * @param e the element
     * @return {@code true} if it was queued, {@code false} if the fifo was full
     * @throws NullPointerException  if {@code e} is null
     * @throws IllegalStateException in debug mode, if another thread is inside the producer side
     */
    public boolean put(E e) {
        if (e == null) {
            throw new NullPointerException("a Kfifo holds no null element (get() returns null for \"empty\")");
        }
        if (debug) {
            enterProducer();
            try {
                return doPut(e);
            } finally {
                exitProducer();
            }
        }
        return doPut(e);
    }

    /**
     * Queues as many elements of {@code src} as there is room for, in order ({@code kfifo_in}). Producer side.
     *
     * @param src the elements, from index 0
     * @return the number of elements queued, {@code 0..src.length}
     * @throws NullPointerException  if {@code src} or an element that would be queued is null; then nothing
     *                               is queued
     * @throws IllegalStateException in debug mode, if another thread is inside the producer side
     */
    public int in(E[] src) {
        Objects.requireNonNull(src, "src must not be null");
        return in(src, 0, src.length);
    }

    /**
     * Queues as many of {@code src[off, off + len)} as there is room for, in order: {@code min(len, avail())}
     * elements ({@code kfifo_in}). Producer side.
     *
     * @param src the elements
     * @param off the index of the first element in {@code src}
     * @param len the number of elements offered
     * @return the number of elements queued, {@code 0..len}
     * @throws NullPointerException      if {@code src} or an element that would be queued is null; then
     *                                   nothing is queued
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code src}
     * @throws IllegalStateException     in debug mode, if another thread is inside the producer side
     */
    public int in(E[] src, int off, int len) {
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
     * {@link #put} under {@link #producerLock()} ({@code kfifo_in_spinlocked} with one element): for fifos
     * with several producers.
     *
     * @param e the element
     * @return {@code true} if it was queued, {@code false} if the fifo was full
     * @throws NullPointerException  if {@code e} is null
     * @throws IllegalStateException in debug mode, if a thread uses the lock-free producer methods meanwhile
     */
    public boolean putLocked(E e) {
        final Lock lock = producerLock;
        lock.lock();
        try {
            return put(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #in(Object[], int, int)} under {@link #producerLock()} ({@code kfifo_in_spinlocked}): for fifos
     * with several producers. The elements queued by one call stay together: no other locked producer's
     * element comes between them.
     *
     * @param src the elements
     * @param off the index of the first element in {@code src}
     * @param len the number of elements offered
     * @return the number of elements queued, {@code 0..len}
     * @throws NullPointerException      if {@code src} or an element that would be queued is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code src}
     * @throws IllegalStateException     in debug mode, if a thread uses the lock-free producer methods
     *                                   meanwhile
     */
    public int inLocked(E[] src, int off, int len) {
        final Lock lock = producerLock;
        lock.lock();
        try {
            return in(src, off, len);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock that {@link #putLocked} and {@link #inLocked} take: the spinlock the kernel passes to
     * {@code kfifo_in_spinlocked}. Hold it to run a compound sequence of producer methods atomically with
     * respect to the other locked producers, e.g. to check {@link #avail()} and then queue. A
     * {@link io.ksync.lock.QueuedSpinLock}: spins briefly, then parks; not reentrant (do not call a
     * {@code ...Locked} producer method while holding it); {@code newCondition()} is unsupported.
     *
     * @return the producer-side lock
     */
    public Lock producerLock() {
        return producerLock;
    }

    // ---------------------------------------------------------------------------------------------------
    // Consumer side

    /**
     * Removes and returns the oldest element ({@code kfifo_get}). Consumer side.
     *
     * @return the element, or {@code null} if the fifo was empty
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public E get() {
        if (debug) {
            enterConsumer();
            try {
                return doGet();
            } finally {
                exitConsumer();
            }
        }
        return doGet();
    }

    /**
     * Returns the oldest element without removing it ({@code kfifo_peek}). Consumer side.
     *
     * @return the element, or {@code null} if the fifo is empty
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public E peek() {
        if (debug) {
            enterConsumer();
            try {
                return doPeek();
            } finally {
                exitConsumer();
            }
        }
        return doPeek();
    }

    /**
     * Removes up to {@code dst.length} of the oldest elements into {@code dst} from index 0, in order
     * ({@code kfifo_out}). Consumer side.
     *
     * @param dst where to copy them
     * @return the number of elements removed, {@code 0..dst.length}
     * @throws NullPointerException  if {@code dst} is null
     * @throws ArrayStoreException   if an element is not of {@code dst}'s component type; nothing is removed
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public int out(E[] dst) {
        Objects.requireNonNull(dst, "dst must not be null");
        return out(dst, 0, dst.length);
    }

    /**
     * Removes up to {@code len} of the oldest elements into {@code dst[off, off + len)}, in order: {@code
     * min(len, len())} elements ({@code kfifo_out}). Consumer side.
     *
     * @param dst where to copy them
     * @param off the index in {@code dst} of the first element
     * @param len the number of elements wanted at most
     * @return the number of elements removed, {@code 0..len}
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
     * @throws ArrayStoreException       if an element is not of {@code dst}'s component type; nothing is
     *                                   removed
     * @throws IllegalStateException     in debug mode, if another thread is inside the consumer side
     */
    public int out(E[] dst, int off, int len) {
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
     * Copies up to {@code len} of the oldest elements into {@code dst[off, off + len)} without removing them
     * ({@code kfifo_out_peek}). Consumer side.
     *
     * @param dst where to copy them
     * @param off the index in {@code dst} of the first element
     * @param len the number of elements wanted at most
     * @return the number of elements copied, {@code 0..len}
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
     * @throws ArrayStoreException       if an element is not of {@code dst}'s component type
     * @throws IllegalStateException     in debug mode, if another thread is inside the consumer side
     */
    public int outPeek(E[] dst, int off, int len) {
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
     * Drops the oldest element ({@code kfifo_skip}). Consumer side.
     *
     * @return {@code true} if an element was dropped, {@code false} if the fifo was empty
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public boolean skip() {
        return skip(1) == 1;
    }

    /**
     * Drops up to {@code count} of the oldest elements ({@code kfifo_skip_count}; the kernel's macro trusts
     * the count, this one drops at most {@link #len()}). Consumer side.
     *
     * @param count the number of elements to drop at most, {@code >= 0}
     * @return the number of elements dropped, {@code 0..count}
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
     * Drops every element queued now ({@code kfifo_reset_out}): {@code out} catches up with {@code in}.
     * Consumer side, safe while the producer runs: elements queued meanwhile may or may not be dropped.
     *
     * @throws IllegalStateException in debug mode, if another thread is inside the consumer side
     */
    public void resetOut() {
        if (debug) {
            enterConsumer();
            try {
                doResetOut();
            } finally {
                exitConsumer();
            }
            return;
        }
        doResetOut();
    }

    /**
     * {@link #get} under {@link #consumerLock()} ({@code kfifo_out_spinlocked} with one element): for fifos
     * with several consumers.
     *
     * @return the element, or {@code null} if the fifo was empty
     * @throws IllegalStateException in debug mode, if a thread uses the lock-free consumer methods meanwhile
     */
    public E getLocked() {
        final Lock lock = consumerLock;
        lock.lock();
        try {
            return get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #out(Object[], int, int)} under {@link #consumerLock()} ({@code kfifo_out_spinlocked}): for
     * fifos with several consumers. The elements removed by one call are consecutive in the fifo.
     *
     * @param dst where to copy them
     * @param off the index in {@code dst} of the first element
     * @param len the number of elements wanted at most
     * @return the number of elements removed, {@code 0..len}
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code dst}
     * @throws ArrayStoreException       if an element is not of {@code dst}'s component type
     * @throws IllegalStateException     in debug mode, if a thread uses the lock-free consumer methods
     *                                   meanwhile
     */
    public int outLocked(E[] dst, int off, int len) {
        final Lock lock = consumerLock;
        lock.lock();
        try {
            return out(dst, off, len);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #peek} under {@link #consumerLock()}: for fifos with several consumers. The element may be
     * taken by another consumer as soon as this returns; hold {@link #consumerLock()} around
     * {@code peek()} and {@code get()} to act on the element you peeked.
     *
     * @return the oldest element, or {@code null} if the fifo is empty
     * @throws IllegalStateException in debug mode, if a thread uses the lock-free consumer methods meanwhile
     */
    public E peekLocked() {
        final Lock lock = consumerLock;
        lock.lock();
        try {
            return peek();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock that {@link #getLocked}, {@link #outLocked} and {@link #peekLocked} take: the spinlock the
     * kernel passes to {@code kfifo_out_spinlocked}. Hold it to run a compound sequence of consumer methods
     * atomically with respect to the other locked consumers (e.g. {@code peek()} and then {@code get()}). A
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
     * Removes every element and restarts both counters at 0 ({@code kfifo_reset}). Only while no other thread
     * uses the fifo (or while holding both locks when every thread uses the {@code ...Locked} methods); the
     * kernel calls it "dangerous" for the same reason. A consumer that only wants to drop what is queued
     * calls {@link #resetOut()}, which is safe while the producer runs.
     */
    public void reset() {
        Arrays.fill(slots, null);
        resetIndices(0);
    }

    @Override
    public String toString() {
        return super.toString() + "[len=" + lengthSnapshot() + ", capacity=" + capacity + "]";
    }

    // ---------------------------------------------------------------------------------------------------
    // The algorithm, without the debug check

    private boolean doPut(E e) {
        final int in = (int) IN.get(this); // plain: only the producer writes in
        if (in - cachedOut >= capacity && !findRoom(in)) { // plain: the producer's own cache
            return false;
        }
        final Object[] slots = this.slots;
        // release: pairs with loadAcquire in doGet/doPeek; kfifo_put's smp_wmb
        storeRelease(slots, in & mask, e);
        IN.setRelease(this, in + 1); // release: pairs with getAcquire in used() (bulk out, len)
        return true;
    }

    /**
     * The producer's cache of out shows no room for element {@code in}: looks at the slots instead of the
     * consumer's index (JCTools' look-ahead). A null slot {@code lookAhead} elements ahead proves the consumer
     * is past {@code in + lookAhead - capacity}, so the next {@code lookAhead} puts need not look again; else a
     * null slot for {@code in} itself gives room for one. Raises {@code cachedOut} to what it proved.
     */
    private boolean findRoom(int in) {
        final Object[] slots = this.slots;
        final int ahead = in + lookAhead;
        // acquire: pairs with the consumer's storeRelease of null; it has loaded the element before
        if (loadAcquire(slots, ahead & mask) == null) {
            cachedOut = ahead - capacity + 1; // plain: the producer's own cache; a lower bound of out
            return true;
        }
        if (loadAcquire(slots, in & mask) == null) { // acquire: as above
            cachedOut = in - capacity + 1;
            return true;
        }
        return false;
    }

    private int doIn(E[] src, int off, int len) {
        final int in = (int) IN.get(this); // plain: only the producer writes in
        final int n = Math.min(len, unused(in, len));
        if (n == 0) {
            return 0;
        }
        for (int i = off, end = off + n; i < end; i++) {
            if (src[i] == null) {
                throw new NullPointerException("src[" + i + "] is null: a Kfifo holds no null element (get() "
                        + "returns null for \"empty\"); nothing was queued");
            }
        }
        final int start = in & mask;
        final int first = Math.min(n, capacity - start);
        // release fence: orders the caller's writes into the elements before the slot stores below, which a
        // get() may see through its loadAcquire of a slot before this call publishes in
        VarHandle.releaseFence();
        System.arraycopy(src, off, slots, start, first); // plain stores
        System.arraycopy(src, off + first, slots, 0, n - first);
        IN.setRelease(this, in + n); // release: pairs with getAcquire in used(); kfifo_copy_in's smp_wmb
        return n;
    }

    @SuppressWarnings("unchecked")
    private E doGet() {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final Object[] slots = this.slots;
        final int slot = out & mask;
        // acquire: pairs with the producer's storeRelease in doPut (or its release fence in doIn). The slot says
        // whether element out is there: slots are non-null exactly from out up to what the producer has
        // stored. So a get() never reads the producer's line, only the slot it empties.
        final E e = (E) loadAcquire(slots, slot);
        if (e == null) {
            return null;
        }
        storeRelease(slots, slot, null); // release: after the load above; pairs with findRoom's loadAcquire
        OUT.setRelease(this, out + 1);   // release: pairs with getAcquire in unused(); kfifo_get's smp_wmb
        return e;
    }

    @SuppressWarnings("unchecked")
    private E doPeek() {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final Object[] slots = this.slots;
        return (E) loadAcquire(slots, out & mask); // acquire: as in doGet
    }

    private int doOut(E[] dst, int off, int len, boolean consume) {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final int n = Math.min(len, used(out, len));
        if (n == 0) {
            return 0;
        }
        final int start = out & mask;
        final int first = Math.min(n, capacity - start);
        System.arraycopy(slots, start, dst, off, first); // plain loads
        System.arraycopy(slots, 0, dst, off + first, n - first);
        if (consume) {
            clearAndPublish(out, start, first, n);
        }
        return n;
    }

    private int doSkip(int count) {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final int n = Math.min(count, used(out, count));
        if (n > 0) {
            final int start = out & mask;
            clearAndPublish(out, start, Math.min(n, capacity - start), n);
        }
        return n;
    }

    private void doResetOut() {
        final int out = (int) OUT.get(this); // plain: only the consumer writes out
        final int n = refreshIn() - out;
        if (n > 0) {
            final int start = out & mask;
            clearAndPublish(out, start, Math.min(n, capacity - start), n);
        }
    }

    /** Drops the references in the n slots from out on (two runs: first from start, the rest from 0), then
     *  publishes out + n. */
    private void clearAndPublish(int out, int start, int first, int n) {
        // One release store per slot, in order: each orders the loads of the elements (and the nulls before it)
        // before it, so the producer, which may see a null through findRoom, sees the nulls in order too.
        final Object[] slots = this.slots;
        for (int i = start, end = start + first; i < end; i++) {
            storeRelease(slots, i, null);
        }
        for (int i = 0, end = n - first; i < end; i++) {
            storeRelease(slots, i, null);
        }
        OUT.setRelease(this, out + n); // release: pairs with getAcquire in unused(); kfifo_copy_out's smp_wmb
    }

    /**
     * {@code slots[index]} with acquire semantics: a plain load, then an acquire fence, which orders it before
     * every later load and store of this thread (what {@code getAcquire} does; see the notes for why not a
     * VarHandle).
     */
    private static Object loadAcquire(Object[] slots, int index) {
        final Object e = slots[index]; // plain load; atomic for a reference (JLS 17.7)
        VarHandle.acquireFence();
        return e;
    }

    /**
     * {@code slots[index] = e} with release semantics: a release fence, which orders every earlier load and store
     * of this thread before the plain store that follows it (what {@code setRelease} does).
     */
    private static void storeRelease(Object[] slots, int index, Object e) {
        VarHandle.releaseFence();
        slots[index] = e; // plain store; atomic for a reference (JLS 17.7)
    }
}
