package io.ksync.fifo;

import io.ksync.lock.QueuedSpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The fields of {@link FifoIndices} that never change after construction: read by both sides. */
abstract class FifoIndicesColdFields {
    /** The number of slots (elements or bytes), a power of two in {@code [1, 2^30]}. */
    final int capacity;
    /** {@code capacity - 1}: a free-running index masked with it addresses a slot. */
    final int mask;
    /** Whether the lock-free methods check that one thread at a time uses each side. */
    final boolean debug;
    /** Serialises the producers of the {@code ...Locked} methods (the kernel's caller-provided spinlock). */
    final QueuedSpinLock producerLock = new QueuedSpinLock();
    /** Serialises the consumers of the {@code ...Locked} methods. */
    final QueuedSpinLock consumerLock = new QueuedSpinLock();

    FifoIndicesColdFields(int requestedCapacity) {
        this.capacity = FifoIndices.roundUpCapacity(requestedCapacity);
        this.mask = capacity - 1;
        this.debug = Boolean.getBoolean(FifoIndices.DEBUG_PROPERTY);
    }
}

/**
 * Keeps the producer's line away from the cold fields and whatever the allocator put before this object. Bytes,
 * not longs, as in JCTools: since JDK 15 the JVM fills alignment holes of a superclass with a subclass's fields,
 * and a long pad leaves such a hole right after the hot fields it should isolate.
 */
abstract class FifoIndicesPadBeforeProducer extends FifoIndicesColdFields {
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
    byte p064, p065, p066, p067, p068, p069, p070, p071, p072, p073, p074, p075, p076, p077, p078, p079;
    byte p080, p081, p082, p083, p084, p085, p086, p087, p088, p089, p090, p091, p092, p093, p094, p095;
    byte p096, p097, p098, p099, p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111;
    byte p112, p113, p114, p115, p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127;

    FifoIndicesPadBeforeProducer(int requestedCapacity) {
        super(requestedCapacity);
    }
}

/** The producer's line: everything on it is written by the producer (or the producer holding the lock). */
abstract class FifoIndicesProducerFields extends FifoIndicesPadBeforeProducer {
    /** The kernel's {@code fifo->in}. Written by the producer (setRelease); read by the consumer (getAcquire). */
    int in;
    /** The last {@code out} the producer read. Read and written by the producer only. */
    int cachedOut;
    /** Debug mode: the thread inside a producer method. Written by producers (CAS on entry, release on exit). */
    Thread producerOwner;

    FifoIndicesProducerFields(int requestedCapacity) {
        super(requestedCapacity);
    }
}

/** Keeps the producer's and the consumer's lines apart (128 bytes: two lines, for the adjacent-line prefetcher). */
abstract class FifoIndicesPadBetween extends FifoIndicesProducerFields {
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;
    byte q064, q065, q066, q067, q068, q069, q070, q071, q072, q073, q074, q075, q076, q077, q078, q079;
    byte q080, q081, q082, q083, q084, q085, q086, q087, q088, q089, q090, q091, q092, q093, q094, q095;
    byte q096, q097, q098, q099, q100, q101, q102, q103, q104, q105, q106, q107, q108, q109, q110, q111;
    byte q112, q113, q114, q115, q116, q117, q118, q119, q120, q121, q122, q123, q124, q125, q126, q127;

    FifoIndicesPadBetween(int requestedCapacity) {
        super(requestedCapacity);
    }
}

/** The consumer's line: everything on it is written by the consumer (or the consumer holding the lock). */
abstract class FifoIndicesConsumerFields extends FifoIndicesPadBetween {
    /** The kernel's {@code fifo->out}. Written by the consumer (setRelease); read by the producer (getAcquire). */
    int out;
    /** The last {@code in} the consumer read. Read and written by the consumer only. */
    int cachedIn;
    /** Debug mode: the thread inside a consumer method. Written by consumers (CAS on entry, release on exit). */
    Thread consumerOwner;

    FifoIndicesConsumerFields(int requestedCapacity) {
        super(requestedCapacity);
    }
}

/** Keeps the consumer's line away from the subclass's fields and from whatever is allocated after us. */
abstract class FifoIndicesPadAfterConsumer extends FifoIndicesConsumerFields {
    byte r000, r001, r002, r003, r004, r005, r006, r007, r008, r009, r010, r011, r012, r013, r014, r015;
    byte r016, r017, r018, r019, r020, r021, r022, r023, r024, r025, r026, r027, r028, r029, r030, r031;
    byte r032, r033, r034, r035, r036, r037, r038, r039, r040, r041, r042, r043, r044, r045, r046, r047;
    byte r048, r049, r050, r051, r052, r053, r054, r055, r056, r057, r058, r059, r060, r061, r062, r063;
    byte r064, r065, r066, r067, r068, r069, r070, r071, r072, r073, r074, r075, r076, r077, r078, r079;
    byte r080, r081, r082, r083, r084, r085, r086, r087, r088, r089, r090, r091, r092, r093, r094, r095;
    byte r096, r097, r098, r099, r100, r101, r102, r103, r104, r105, r106, r107, r108, r109, r110, r111;
    byte r112, r113, r114, r115, r116, r117, r118, r119, r120, r121, r122, r123, r124, r125, r126, r127;

    FifoIndicesPadAfterConsumer(int requestedCapacity) {
        super(requestedCapacity);
    }
}

/**
 * The part of the kernel's {@code struct __kfifo} that every kfifo kind shares: the free-running {@code in} and
 * {@code out} counters with their memory ordering, each side's cache of the other side's counter, the
 * producer and consumer locks of the {@code ...Locked} methods, and the debug check of the single-producer,
 * single-consumer contract. {@link Kfifo}, {@link ByteFifo} and {@link RecordFifo} extend it and add their
 * storage; nothing here is API.
 */
abstract class FifoIndices extends FifoIndicesPadAfterConsumer {

    /*
     * Implementation notes.
     *
     * Indices. in and out are free-running 32-bit counters, the kernel's unsigned int: they only grow, wrap
     * at 2^32, and "index & mask" addresses a slot. in - out, computed in int arithmetic, is the length even
     * when in has wrapped and out has not, because the length never exceeds capacity <= 2^30 < 2^31; Java's
     * int arithmetic wraps exactly as C's unsigned int does, and & mask works on negative ints as on unsigned
     * ones. startIndicesAt() lets tests place both counters just below the wrap.
     *
     * Field layout, class-hierarchy padding as in JCTools (the JVM lays out a superclass's fields before its
     * subclass's; the pads are 128 single bytes because since JDK 15 a subclass's field may fill an alignment
     * hole that long pads leave), and which thread writes each field:
     *
     *   | capacity, mask, debug, producerLock, consumerLock |  final: written by the constructor only
     *   | 128 bytes of padding                              |
     *   | in, cachedOut, producerOwner                      |  the producer
     *   | 128 bytes of padding                              |
     *   | out, cachedIn, consumerOwner                      |  the consumer
     *   | 128 bytes of padding                              |
     *   | the subclass's storage reference(s)               |  final
     *
     * So a put() writes only the producer's line and the slot it fills, a get() only the consumer's line and
     * the slot it empties; each side reads the other side's line only when its cache runs out.
     *
     * Ordering, access by access. The kernel (lib/kfifo.c) puts an smp_wmb() at the end of kfifo_copy_in()
     * and kfifo_copy_out(), and updates fifo->in / fifo->out with a plain store after it. Here:
     * - producer, its own index: IN.get (plain). Only the producer writes in; a producer that runs on a new
     *   thread (the locked variants, or a hand-over) was given the value by the lock's or the hand-over's
     *   happens-before edge.
     * - producer, payload: plain stores into the free slots.
     * - producer, publication: IN.setRelease(in + n). The release orders the payload stores before the new
     *   index: it is kfifo_copy_in()'s smp_wmb() together with the "fifo->in += len" that follows it.
     * - consumer, the producer's index: IN.getAcquire, in used(), only when cachedIn shows less data than
     *   wanted (Kfifo's single-element get() and put() signal through the slots instead; see Kfifo). It pairs
     *   with the producer's setRelease: every slot below the value read is fully written and visible. The kernel reads fifo->in plainly and has no read barrier before the payload loads; the
     *   JMM orders nothing by a control or address dependency, so here the read is an acquire.
     * - consumer, payload: plain loads (Kfifo also stores null into each consumed slot, plainly).
     * - consumer, publication: OUT.setRelease(out + n). It orders the payload loads (and Kfifo's null stores)
     *   before the new index, so that the producer, which reads out with getAcquire before it reuses a slot,
     *   never overwrites a slot that is still being read, and the consumer's null never erases the next
     *   element. This is kfifo_copy_out()'s smp_wmb(); a write barrier only orders stores, which is why the
     *   kernel's comment speaks of "the data is copied", and on the JVM it must be a release, which orders
     *   the earlier loads as well.
     * - producer, the consumer's index: OUT.getAcquire, in unused(), only when cachedOut shows less room than
     *   wanted; it pairs with the consumer's setRelease above.
     * - the caches: plain fields, read and written by their own side only. cachedIn always holds a value of in
     *   that the consumer read earlier, so it never over-reports data, and the acquire that filled it covers
     *   every slot it vouches for. cachedOut holds an out the producer read, or (Kfifo) a bound that put()
     *   proved from slots the consumer has already emptied, which may run ahead of the published out: a
     *   refresh keeps the larger of the two. Either way it never over-reports room, and the acquire that
     *   established it orders the consumer's last use of each slot before the producer's next store there.
     * - snapshots for any thread (lengthSnapshot, used by len/avail/isEmpty/isFull): OUT.getAcquire, then
     *   IN.getAcquire. in is read second and both only grow, so in - out >= 0; it may exceed the capacity when
     *   both moved between the two reads, so it is clamped.
     * - reset(): setVolatile of both indices and plain writes of the caches. Legal only while no other thread
     *   uses the fifo (as kfifo_reset); the thread that uses the fifo next must be handed it through a
     *   happens-before edge of its own (starting a thread, a lock, a volatile hand-over).
     * - resetOut(): the consumer reads in with getAcquire and publishes it as out with setRelease, as a get()
     *   of everything would.
     *
     * Caching (as JCTools' SpscArrayQueue producerLimit and FastFlow's cached indices). Each side refreshes
     * its cache of the other side's index only when the cache shows less than the call wants: one slot for
     * put/get, the whole request for the bulk methods. The kernel reads the other index on every call; a
     * refresh on demand returns the same counts as the kernel would (the bulk methods still copy
     * min(n, what is really there)), while the common case of a fifo neither full nor empty does not touch the
     * other side's line at all.
     *
     * Locking, the kernel's rule (include/linux/kfifo.h, "Note about locking"): one producer and one consumer
     * need no lock; several producers must serialise among themselves, several consumers likewise, and one
     * side may lock while the other does not. The ...Locked methods take producerLock or consumerLock around
     * the lock-free method; the lock's release/acquire hands the side's plain fields (in or out, and the
     * cache) from one holder to the next.
     *
     * Debug mode (system property ksync.fifo.debug, read once per instance): each lock-free method of a side
     * claims the side with a compareAndExchange of producerOwner or consumerOwner from null to the current
     * thread on entry, and releases it with setRelease(null) on exit. A claim that finds another thread means
     * two threads overlap on one side: IllegalStateException. Off, the check costs one predictable branch on
     * a final field. It finds overlaps only when they happen; it is a debugging aid, not a proof of correct
     * use.
     */

    /** The system property that turns on the check of the single-producer, single-consumer contract. */
    static final String DEBUG_PROPERTY = "ksync.fifo.debug";

    /** The largest capacity: the free-running int counters need the length to stay below 2^31. */
    static final int MAX_CAPACITY = 1 << 30;

    FifoIndices(int requestedCapacity) {
        super(requestedCapacity);
    }

    /**
     * Rounds a requested capacity up to a power of two, as {@code kfifo_alloc} ({@code roundup_pow_of_two}).
     *
     * @throws IllegalArgumentException if the request is not in {@code [1, 2^30]}
     */
    static int roundUpCapacity(int requested) {
        if (requested <= 0 || requested > MAX_CAPACITY) {
            throw new IllegalArgumentException("kfifo capacity must be > 0 and <= 2^30 (" + MAX_CAPACITY
                    + "), was " + requested);
        }
        return requested == 1 ? 1 : Integer.highestOneBit(requested - 1) << 1;
    }

    // ---------------------------------------------------------------------------------------------------
    // Producer side

    /**
     * How many slots are free for a producer whose index is {@code in} ({@code kfifo_unused}), from the cached
     * {@code out} if that shows at least {@code wanted} free slots, else from a fresh read of {@code out}.
     * Called by the producer only.
     */
    final int unused(int in, int wanted) {
        int free = capacity - (in - cachedOut); // plain: the producer's own cache
        if (free < wanted) {
            // acquire: pairs with setRelease in the consumer's publication; the consumer is done with every
            // slot below the value read, so the producer may overwrite them
            final int out = (int) OUT.getAcquire(this);
            // Kfifo's put() may have proved a bound beyond the published out from the slots the consumer has
            // already emptied (it nulls them before it publishes out): keep the larger of the two
            if (out - cachedOut > 0) {
                cachedOut = out;
            }
            free = capacity - (in - cachedOut);
        }
        return free;
    }

    /** Claims the producer side in debug mode; the caller checks {@link #debug} and pairs it with exitProducer. */
    final void enterProducer() {
        final Thread me = Thread.currentThread();
        // volatile CAS: claims the side; pairs with the setRelease in exitProducer()
        final Thread witness = (Thread) PRODUCER_OWNER.compareAndExchange(this, null, me);
        if (witness != null) {
            throw sideInUse("producer", witness == me, "producers", "producerLock()");
        }
    }

    /** Releases the producer side claimed by {@link #enterProducer()}. */
    final void exitProducer() {
        PRODUCER_OWNER.setRelease(this, null); // release: pairs with the next claim's CAS
    }

    // ---------------------------------------------------------------------------------------------------
    // Consumer side

    /**
     * How many slots hold data for a consumer whose index is {@code out}, from the cached {@code in} if that
     * shows at least {@code wanted}, else from a fresh read of {@code in}. Called by the consumer only.
     */
    final int used(int out, int wanted) {
        int available = cachedIn - out; // plain: the consumer's own cache
        if (available < wanted) {
            // acquire: pairs with setRelease in the producer's publication; every slot below it is written
            final int in = (int) IN.getAcquire(this);
            cachedIn = in;
            // Kfifo's get() may take an element through its slot before the producer publishes in, leaving
            // out one ahead of in for a moment: no data, not -1
            available = Math.max(0, in - out);
        }
        return available;
    }

    /**
     * Reads the producer's index afresh for {@code kfifo_reset_out} and caches it; the caller empties the slots
     * (if it must) and publishes the value as {@code out}. Called by the consumer only.
     */
    final int refreshIn() {
        final int in = (int) IN.getAcquire(this); // acquire: pairs with setRelease in the producer's publication
        cachedIn = in;
        return in;
    }

    /** Claims the consumer side in debug mode; the caller checks {@link #debug} and pairs it with exitConsumer. */
    final void enterConsumer() {
        final Thread me = Thread.currentThread();
        // volatile CAS: claims the side; pairs with the setRelease in exitConsumer()
        final Thread witness = (Thread) CONSUMER_OWNER.compareAndExchange(this, null, me);
        if (witness != null) {
            throw sideInUse("consumer", witness == me, "consumers", "consumerLock()");
        }
    }

    /** Releases the consumer side claimed by {@link #enterConsumer()}. */
    final void exitConsumer() {
        CONSUMER_OWNER.setRelease(this, null); // release: pairs with the next claim's CAS
    }

    // ---------------------------------------------------------------------------------------------------
    // Any thread

    /**
     * {@code in - out} as seen now by any thread ({@code kfifo_len}): a snapshot that may be stale when it
     * returns, in {@code [0, capacity]}.
     */
    final int lengthSnapshot() {
        final int out = (int) OUT.getAcquire(this); // acquire: pairs with the consumer's setRelease
        final int in = (int) IN.getAcquire(this);   // acquire: pairs with the producer's setRelease; read second
        final int length = in - out;
        // < 0 while a Kfifo get() has taken an element that its put() has not yet counted in in (see Kfifo),
        // or if reset() raced, which is misuse
        return length < 0 ? 0 : Math.min(length, capacity);
    }

    /** Whether {@code in == out} now ({@code kfifo_is_empty}); a snapshot. */
    final boolean isEmptySnapshot() {
        final int out = (int) OUT.getAcquire(this); // acquire: pairs with the consumer's setRelease
        // acquire: pairs with the producer's setRelease; <= 0, not == 0: see lengthSnapshot
        return (int) IN.getAcquire(this) - out <= 0;
    }

    /**
     * Sets both counters (and both caches) to {@code index}: {@code kfifo_reset} with 0. Only while no other
     * thread uses the fifo.
     */
    final void resetIndices(int index) {
        IN.setVolatile(this, index);
        OUT.setVolatile(this, index);
        cachedOut = index; // plain: nobody else uses the fifo now (the caller's contract)
        cachedIn = index;
    }

    /**
     * Test hook: starts both counters at {@code index}, so that tests can run the fifo across the wrap of
     * the free-running counters (start at {@code Integer.MAX_VALUE - k} or {@code -k}). Only on an empty fifo
     * that no other thread uses.
     *
     * @throws IllegalStateException if the fifo is not empty
     */
    void startIndicesAt(int index) {
        final int length = lengthSnapshot();
        if (length != 0) {
            throw new IllegalStateException("startIndicesAt(" + index + ") needs an empty fifo, len was "
                    + length + "; call it right after construction or reset()");
        }
        resetIndices(index);
    }

    /** Test hook: the raw producer counter. */
    final int inIndex() {
        return (int) IN.getAcquire(this);
    }

    /** Test hook: the raw consumer counter. */
    final int outIndex() {
        return (int) OUT.getAcquire(this);
    }

    private IllegalStateException sideInUse(String side, boolean sameThread, String several, String lock) {
        final String kind = getClass().getSimpleName();
        if (sameThread) {
            return new IllegalStateException("the " + side + " side of this SPSC " + kind + " was re-entered by "
                    + "the thread already inside it (from a channel callback?); do not call the fifo from "
                    + "inside one of its own methods");
        }
        return new IllegalStateException("two threads used the " + side + " side of this SPSC " + kind
                + " at once; use the ...Locked methods (or hold " + lock + ") when there are several "
                + several);
    }

    // VarHandle mechanics
    static final VarHandle IN;
    static final VarHandle OUT;
    private static final VarHandle PRODUCER_OWNER;
    private static final VarHandle CONSUMER_OWNER;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            IN = lookup.findVarHandle(FifoIndicesProducerFields.class, "in", int.class);
            OUT = lookup.findVarHandle(FifoIndicesConsumerFields.class, "out", int.class);
            PRODUCER_OWNER = lookup.findVarHandle(FifoIndicesProducerFields.class, "producerOwner", Thread.class);
            CONSUMER_OWNER = lookup.findVarHandle(FifoIndicesConsumerFields.class, "consumerOwner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
