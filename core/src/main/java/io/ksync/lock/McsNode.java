package io.ksync.lock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/** Padding before the hot fields of {@link McsNode}: keeps two threads' nodes off one cache line. */
abstract class McsNodePadBefore {
    // bytes, not longs: HotSpot puts a subclass's int or reference field in any 4-byte hole of the layout
    // above (after the header, or after a field), ahead of long padding; bytes leave no hole to fill
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
    byte p064, p065, p066, p067, p068, p069, p070, p071, p072, p073, p074, p075, p076, p077, p078, p079;
    byte p080, p081, p082, p083, p084, p085, p086, p087, p088, p089, p090, p091, p092, p093, p094, p095;
    byte p096, p097, p098, p099, p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111;
    byte p112, p113, p114, p115, p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127;
}

/** The hot fields of {@link McsNode}. */
abstract class McsNodeFields extends McsNodePadBefore {
    /** Written by the predecessor (hand-off, release) and by the owner (reset); spun on by the owner. */
    volatile int locked;
    /** Written by the successor (link, release) and by the owner (reset); read by the owner. */
    volatile McsNode next;
    /** 1 while the owner is parked waiting for the hand-off; written by the owner, read by the predecessor. */
    volatile int parked;
    /** The thread that owns this node now; written when the node is taken, read by the predecessor. */
    Thread owner;
}

/**
 * A queue node of the MCS lock inside {@link QueuedSpinLock}: the JVM counterpart of the kernel's per-CPU
 * {@code struct qnode qnodes[MAX_NODES]} in {@code kernel/locking/qspinlock.c}.
 *
 * <p>The kernel encodes the queue tail in the lock word as a (CPU, nesting level) pair and finds the node
 * again from that pair. Threads play the role of CPUs here: each thread that ever queues on a
 * {@link QueuedSpinLock} owns one node, found through a thread-local, and each node carries a 16-bit id that
 * the lock word can hold. One node per thread suffices because a thread waits in at most one queue at a time:
 * it leaves the queue before it acquires the lock, and nothing runs inside a waiting loop that could take
 * another spinlock (the kernel needs four nodes per CPU only because interrupts nest into a waiting CPU).
 *
 * <p>Ids come from a fixed registry of {@value #MAX_NODES} nodes. When a thread dies its node returns to the
 * registry's free list (a {@link Cleaner} watches the thread-local value), so the limit is on threads alive
 * at once that have queued, not on threads ever created. When the registry is exhausted,
 * {@link #ofCurrentThread()} returns {@code null} and the lock falls back to spinning on its lock word, as the
 * kernel does when its nesting levels run out.
 */
final class McsNode extends McsNodeFields {

    /** Ids are 16 bits, 0 meaning "no node": 65 535 nodes at most. */
    static final int MAX_NODES = (1 << 16) - 1;

    private static final int CHUNK_BITS = 8;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;

    /** Registry: id -> node, in chunks allocated on demand (the slow path only reads it). */
    private static final AtomicReferenceArray<McsNode[]> CHUNKS =
            new AtomicReferenceArray<>((MAX_NODES >>> CHUNK_BITS) + 1);
    private static final AtomicInteger LAST_ISSUED_ID = new AtomicInteger();
    private static final ConcurrentLinkedQueue<McsNode> FREE = new ConcurrentLinkedQueue<>();
    private static final ThreadLocal<Holder> CURRENT = new ThreadLocal<>();

    /** This node's id, {@code 1..MAX_NODES}; the lock word stores it in its tail field. */
    final int id;

    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;
    byte q064, q065, q066, q067, q068, q069, q070, q071, q072, q073, q074, q075, q076, q077, q078, q079;
    byte q080, q081, q082, q083, q084, q085, q086, q087, q088, q089, q090, q091, q092, q093, q094, q095;
    byte q096, q097, q098, q099, q100, q101, q102, q103, q104, q105, q106, q107, q108, q109, q110, q111;
    byte q112, q113, q114, q115, q116, q117, q118, q119, q120, q121, q122, q123, q124, q125, q126, q127;

    private McsNode(int id) {
        this.id = id;
    }

    /**
     * Returns the calling thread's node, taking one from the registry on the thread's first call, or
     * {@code null} when every node is owned by a live thread.
     */
    static McsNode ofCurrentThread() {
        Holder holder = CURRENT.get();
        if (holder != null) {
            return holder.node;
        }
        McsNode node = take();
        if (node == null) {
            return null;
        }
        node.owner = Thread.currentThread(); // published by the volatile accesses that name this node
        holder = new Holder(node);
        CleanerHolder.CLEANER.register(holder, new Release(node));
        CURRENT.set(holder);
        return node;
    }

    /** Tells whether {@code node} is back in the registry's free list (its thread died); for tests. */
    static boolean isFree(McsNode node) {
        return FREE.contains(node);
    }

    /** Returns the node with the given id, which a lock word's tail field named. */
    static McsNode byId(int id) {
        return CHUNKS.get(id >>> CHUNK_BITS)[id & (CHUNK_SIZE - 1)];
    }

    /** Prepares this node to join a queue: no hand-off yet, no successor. Published by the tail exchange. */
    void reset() {
        LOCKED.set(this, 0);
        NEXT.set(this, null);
    }

    /** Links {@code successor} behind this node ({@code WRITE_ONCE(prev->next, node)}). */
    void setNextRelease(McsNode successor) {
        NEXT.setRelease(this, successor); // release: the successor's reset() is visible before the link
    }

    McsNode getNextAcquire() {
        return (McsNode) NEXT.getAcquire(this); // acquire: pairs with setNextRelease
    }

    /**
     * Makes this node's owner the head of the queue ({@code arch_mcs_spin_unlock_contended}) and wakes it if
     * it parked ({@code pv_kick_node}).
     */
    void handOff() {
        LOCKED.setVolatile(this, 1); // release for our queue work, and StoreLoad before reading parked
        if ((int) PARKED.getVolatile(this) != 0) {
            LockSupport.unpark(owner);
        }
    }

    boolean isHandedOffAcquire() {
        return (int) LOCKED.getAcquire(this) != 0; // acquire: pairs with the volatile store in handOff()
    }

    /**
     * Parks the owner for one round of {@code spinWait}, unless the hand-off has come; {@link #handOff()}
     * unparks it ({@code pv_wait_node}). Dekker's pattern on (parked, locked), both volatile: either this
     * thread sees the hand-off before parking, or the predecessor sees parked == 1 after its store.
     */
    void parkUntilHandedOff(SpinWait spinWait, Object blocker) {
        PARKED.setVolatile(this, 1);
        if ((int) LOCKED.getVolatile(this) == 0) {
            spinWait.park(blocker);
        }
        PARKED.setOpaque(this, 0);
    }

    private static McsNode take() {
        McsNode recycled = FREE.poll();
        if (recycled != null) {
            return recycled;
        }
        int id = LAST_ISSUED_ID.incrementAndGet();
        if (id > MAX_NODES) {
            LAST_ISSUED_ID.set(MAX_NODES); // keep it from wrapping under repeated failures
            return FREE.poll();
        }
        McsNode[] chunk = CHUNKS.get(id >>> CHUNK_BITS);
        if (chunk == null) {
            CHUNKS.compareAndSet(id >>> CHUNK_BITS, null, new McsNode[CHUNK_SIZE]);
            chunk = CHUNKS.get(id >>> CHUNK_BITS);
        }
        McsNode node = new McsNode(id);
        // A plain store suffices: another thread learns this id only from a lock word that this thread wrote
        // afterwards with a volatile CAS, and reads the word with a volatile access before it reads the slot.
        chunk[id & (CHUNK_SIZE - 1)] = node;
        return node;
    }

    /** The thread-local value whose unreachability (the thread died) returns the node to the registry. */
    private static final class Holder {
        final McsNode node;

        Holder(McsNode node) {
            this.node = node;
        }
    }

    /** Cleaning action: must not refer to the {@link Holder}, or it would never become unreachable. */
    private static final class Release implements Runnable {
        private final McsNode node;

        Release(McsNode node) {
            this.node = node;
        }

        @Override
        public void run() {
            node.owner = null; // do not keep the dead thread reachable; the next taker sets its own
            FREE.offer(node);
        }
    }

    /** Lazily started, so that a program that never queues on a spinlock starts no cleaner thread. */
    private static final class CleanerHolder {
        static final Cleaner CLEANER = Cleaner.create();
    }

    // VarHandle mechanics
    private static final VarHandle LOCKED;
    private static final VarHandle NEXT;
    private static final VarHandle PARKED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            LOCKED = lookup.findVarHandle(McsNodeFields.class, "locked", int.class);
            NEXT = lookup.findVarHandle(McsNodeFields.class, "next", McsNode.class);
            PARKED = lookup.findVarHandle(McsNodeFields.class, "parked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
