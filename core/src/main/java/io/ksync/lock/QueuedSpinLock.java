package io.ksync.lock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * A queued spinning lock: a port of the Linux kernel's {@code qspinlock} ({@code kernel/locking/qspinlock.c},
 * the {@code spinlock_t} of every SMP kernel since 4.2): {@link #lock()} is {@code spin_lock} /
 * {@code queued_spin_lock}, {@link #unlock()} {@code spin_unlock}, {@link #tryLock()} {@code spin_trylock},
 * {@link #isLocked()} {@code spin_is_locked}, {@link #isContended()} {@code spin_is_contended}.
 *
 * <p>The whole lock is one 32-bit word. An uncontended {@link #lock()} is a single compare-and-set and
 * {@link #unlock()} a single atomic instruction. The first contender waits on a "pending" bit in the word
 * itself; further contenders join an MCS queue of per-thread nodes and each spins on its <em>own</em> node,
 * so a hand-off moves one cache line to one waiter instead of invalidating every waiter's copy. Queued
 * threads acquire the lock in FIFO order; the pending waiter and a thread arriving at the instant the lock is
 * released may overtake the queue, as in the kernel. One more exception, from the kernel's paravirtual
 * qspinlock: when the thread whose turn it is has parked (its {@link SpinWait} policy gave up spinning) and
 * is being woken, a running thread may take the lock in the meantime instead of leaving it idle for the
 * wake-up. Without that, a machine with more runnable threads than cores would pay a wake-up per hand-off.
 *
 * <p>Memory effects: actions before {@link #unlock()} happen-before the actions after the next successful
 * acquisition. The lock path allocates nothing: each thread owns one queue node for its whole life (see
 * {@code McsNode}); if more than 65 535 threads alive at once have queued, later ones spin on the lock word
 * instead, as the kernel does when it runs out of nodes.
 *
 * <p>The lock is not reentrant and has no owner: a thread that calls {@link #lock()} while holding it waits
 * forever. {@link #unlock()} of a lock that is not held throws {@link IllegalMonitorStateException} and
 * changes nothing. Interruptible and timed acquisitions retry {@link #tryLock()}: they never join the queue
 * (a queue position cannot be abandoned) and are not FIFO. Waiting follows the lock's {@link SpinWait}
 * policy, in the queue and on the word alike.
 *
 * <pre>{@code
 * private final QueuedSpinLock statsLock = new QueuedSpinLock();
 *
 * void record(long latency) {
 *     statsLock.lock();
 *     try {
 *         histogram.add(latency);
 *     } finally {
 *         statsLock.unlock();
 *     }
 * }
 * }</pre>
 */
public final class QueuedSpinLock extends SpinningLock {

    /*
     * Implementation notes.
     *
     * The lock word, as in qspinlock.c with _Q_PENDING_BITS == 8:
     *
     *   31                    16 15          8 7            0
     *  +------------------------+-------------+--------------+
     *  |     tail (node id)     |   pending   |    locked    |
     *  +------------------------+-------------+--------------+
     *
     * tail is the id of the last queued McsNode (0: no queue); pending is 0 or 1; locked is 0 or 1, with
     * SLOW_VAL (0x80) added while a waiter on the word is parked and must be kicked by unlock(). States are
     * written (tail, pending, locked) as in the kernel, '*' meaning any value.
     *
     *   fast path:            0,0,0 -> 0,0,1                          lock()
     *   steal:                *,*,0 -> *,*,1 while the next owner is parked    trySteal()
     *   pending path:         0,0,1 -> 0,1,1 -> (wait) 0,1,0 -> 0,0,1 lockSlowpath()
     *   queue path:           *,*,* -> n,*,* (join) ... head: wait for *,0,0, then
     *                         n,0,0 -> 0,0,1 (we are the only node)  or  *,0,0 -> *,0,1 and hand the queue
     *                         head to our successor
     *   unlock:               *,*,1 -> *,*,0
     *
     * Ordering, access by access (the kernel's _acquire/_release suffixes map to the same VarHandle modes):
     * - fast path: compareAndExchangeAcquire; acquire pairs with the release in unlock().
     * - pending path: getAndBitwiseOrAcquire sets pending; then getAcquire spins until locked == 0 (pairs with
     *   unlock's release); then a CAS clears pending and sets locked. The kernel can do that step with a plain
     *   store because nobody else sets the locked byte while pending is set; here a stealer may (only while
     *   we are parked), so the claim is a CAS that fails, and waits again, if the lock was stolen.
     * - queue path: reset() writes our node plainly; the tail exchange is a volatile CAS, so the reset is
     *   visible to the successor that reads our id from the word. We link ourselves behind the predecessor
     *   with setRelease and it hands the head to us with setRelease on our node's locked field, which we read
     *   with getAcquire. As head we read the word with getAcquire until locked and pending are both 0 (pairs
     *   with unlock's release), then claim it by CAS: of the whole word when we are the last node, else of the
     *   locked byte (the kernel's set_locked byte store; Java cannot store into part of an int, others may be
     *   changing the tail, and a stealer may have set the byte first).
     * - unlock: a plain check of the locked bit (our own line) rejects an unlock of an unlocked lock before
     *   anything changes; then getAndAdd(-LOCKED_VAL), one lock xadd (a getAndBitwiseAnd is a CAS loop on
     *   x86, measurably slower), orders the critical section before the hand-off. A SLOW_VAL in the old word
     *   sends unlock to its slow path at no cost to the fast one; until that path clears SLOW_VAL the byte
     *   stays non-zero, so nobody takes the lock before the kick is on its way.
     *
     * Parking and kicks (the kernel's paravirtual qspinlock, kernel/locking/qspinlock_paravirt.h). A waiter
     * that its SpinWait policy sends to park must be woken when its turn comes, or every hand-off to a parked
     * thread costs a whole park, and the threads that wait behind it park in turn: a convoy that never
     * dissolves. So, as pv_wait_node / pv_kick_node and pv_wait_head_or_lock / pv_kick do:
     * - a queued waiter publishes parked = 1 on its node and re-checks its hand-off, both volatile; the
     *   predecessor's hand-off is a volatile store followed by a volatile read of parked (Dekker), and unparks;
     * - the pending waiter and the queue head register their thread in parkedPending / parkedHead, then set
     *   SLOW_VAL by CAS while the lock is held; the unlock that clears that locked byte sees SLOW_VAL, and
     *   unparks both registered threads. All these accesses are volatile, so the unlock also sees the
     *   registration that preceded the CAS.
     * Parks stay bounded by the policy's park time, so a stale or missed kick costs one round at most; an
     * unpark of a thread that has already moved on is a harmless spurious wake-up.
     * - lock stealing (pv_hybrid_queued_unfair_trylock): while parkedPending (when pending is set) or
     *   parkedHead (otherwise) is non-null, the next owner is parked or waking up; a thread entering the slow
     *   path then CASes the locked byte in, if it is clear, instead of queueing. The waiter clears its slot as
     *   soon as it wakes, so it is never robbed while it spins; a stealer that holds the lock when the waiter
     *   parks again finds SLOW_VAL at its unlock and kicks it.
     *
     * Differences from the kernel, each forced by the JVM: one MCS node per thread instead of four per CPU
     * (see McsNode); the node registry's id instead of (cpu, idx) in the tail; waiting under a SpinWait
     * policy that may yield or park, because the lock holder can be preempted, with the paravirtual kicks
     * always built in (the JVM is always "virtualised" in that sense); SLOW_VAL is a bit beside the locked
     * bit rather than the value 3, and the parked threads live in two fields of the lock instead of the
     * kernel's global hash of (lock, node): 8 more bytes per lock, and no shared table to contend on. A thread
     * that dies inside the queue (an Error thrown from inside the spin loop) would strand its successors;
     * nothing in the loop calls user code, so only a VM error can cause it.
     *
     * References: kernel/locking/qspinlock.c, kernel/locking/mcs_spinlock.h; Mellor-Crummey and Scott,
     * "Algorithms for scalable synchronization on shared-memory multiprocessors" (1991).
     */

    static final int LOCKED_VAL = 1;
    /** Set in the locked byte, while it is locked, by a waiter on the word that parked: unlock must kick. */
    static final int SLOW_VAL = 0x80;
    static final int LOCKED_MASK = 0xff;
    static final int PENDING_VAL = 1 << 8;
    static final int PENDING_MASK = 0xff << 8;
    static final int LOCKED_PENDING_MASK = LOCKED_MASK | PENDING_MASK;
    static final int TAIL_OFFSET = 16;
    static final int TAIL_MASK = 0xffff << TAIL_OFFSET;

    /**
     * How many times a contender re-reads a word in the middle of a pending-to-locked hand-over before it
     * queues instead (the kernel's {@code _Q_PENDING_LOOPS}, 512 on x86).
     */
    private static final int PENDING_LOOPS = 1 << 9;

    private volatile int val;
    /** The pending waiter, while it is parked (SLOW_VAL set); written by it, read by unlock(). */
    private volatile Thread parkedPending;
    /** The queue head, while it is parked (SLOW_VAL set); written by it, read by unlock(). */
    private volatile Thread parkedHead;

    /** Creates an unlocked queued spinlock that waits under {@link SpinWait#adaptive()}. */
    public QueuedSpinLock() {
        this(SpinWait.adaptive());
    }

    /**
     * Creates an unlocked queued spinlock that waits under the given policy.
     *
     * @param spinWait how waiters wait
     * @throws NullPointerException if {@code spinWait} is null
     */
    public QueuedSpinLock(SpinWait spinWait) {
        super(spinWait);
    }

    /**
     * Acquires the lock ({@code spin_lock}): at once if it is free, else after the pending waiter and every
     * thread queued before this one. The interrupt flag is ignored and left as it was.
     */
    @Override
    public void lock() {
        // 0,0,0 -> 0,0,1; acquire: pairs with the release in unlock()
        final int witness = (int) VAL.compareAndExchangeAcquire(this, 0, LOCKED_VAL);
        if (witness != 0) {
            lockSlowpath(witness);
        }
    }

    /**
     * Acquires the lock only if the whole word is clear now: free, with nobody pending or queued
     * ({@code queued_spin_trylock}). Never waits.
     *
     * @return whether the lock was acquired
     */
    @Override
    public boolean tryLock() {
        return (int) VAL.getOpaque(this) == 0
                && VAL.compareAndSet(this, 0, LOCKED_VAL); // volatile CAS: acquire pairs with unlock()
    }

    /**
     * Releases the lock ({@code spin_unlock}): the pending waiter or the head of the queue takes it next.
     *
     * @throws IllegalMonitorStateException if the lock is not held (the lock word is left unchanged)
     */
    @Override
    public void unlock() {
        if (((int) VAL.getOpaque(this) & LOCKED_VAL) == 0) { // the holder's own line: an L1 hit
            throw notHeld("unlock()");
        }
        // *,*,1 -> *,*,0; volatile RMW (one lock xadd): release orders the critical section before the
        // hand-off, and the parked waiters' registrations (volatile stores before their CAS of SLOW_VAL) are
        // visible after it. With SLOW_VAL set the byte is still non-zero: the lock stays held until
        // unlockSlowpath clears it.
        if (((int) VAL.getAndAdd(this, -LOCKED_VAL) & SLOW_VAL) != 0) {
            unlockSlowpath();
        }
    }

    /** A waiter on the word parked: release the lock and kick it (__pv_queued_spin_unlock_slowpath). */
    private void unlockSlowpath() {
        VAL.getAndBitwiseAnd(this, ~SLOW_VAL);
        final Thread pending = (Thread) PARKED_PENDING.getVolatile(this);
        if (pending != null) {
            LockSupport.unpark(pending);
        }
        final Thread head = (Thread) PARKED_HEAD.getVolatile(this);
        if (head != null) {
            LockSupport.unpark(head);
        }
    }

    /**
     * Tells whether the lock is held, or about to be by a pending or queued thread ({@code spin_is_locked}:
     * any bit of the word); a snapshot for monitoring and assertions.
     *
     * @return whether the lock word is non-zero
     */
    public boolean isLocked() {
        return (int) VAL.getVolatile(this) != 0;
    }

    /**
     * Tells whether threads wait for the lock: a pending waiter or a queue ({@code spin_is_contended});
     * a snapshot, useful to drop and retake a lock held over a long loop ({@code spin_needbreak}).
     *
     * @return whether another thread waits for the lock
     */
    public boolean isContended() {
        return ((int) VAL.getVolatile(this) & ~LOCKED_MASK) != 0;
    }

    /** The lock word, for tests that observe the pending and queue states. */
    int word() {
        return (int) VAL.getVolatile(this);
    }

    @Override
    public String toString() {
        final int word = (int) VAL.getVolatile(this);
        return super.toString() + "[" + ((word & LOCKED_MASK) != 0 ? "Locked" : "Unlocked")
                + ((word & PENDING_MASK) != 0 ? ", pending" : "")
                + ((word & TAIL_MASK) != 0 ? ", queued" : "") + "]";
    }

    /**
     * The kernel's {@code queued_spin_lock_slowpath}: the pending bit for the first contender, the MCS queue
     * for the others.
     *
     * @param word the value the fast path's CAS found instead of 0
     */
    private void lockSlowpath(int word) {
        // The thread the lock goes to next is parked: take it while that thread wakes up (lock stealing).
        if (trySteal()) {
            return;
        }
        // A pending waiter is being handed the lock (0,1,0 -> 0,0,1): wait a bounded time for it to finish.
        if (word == PENDING_VAL) {
            for (int loops = PENDING_LOOPS; loops > 0 && word == PENDING_VAL; loops--) {
                Thread.onSpinWait();
                word = (int) VAL.getOpaque(this);
            }
        }
        // Anybody pending or queued: join the queue.
        if ((word & ~LOCKED_MASK) != 0) {
            queue();
            return;
        }
        // 0,0,* -> 0,1,*: trylock or pending. acquire: pairs with unlock() when the lock was free.
        word = (int) VAL.getAndBitwiseOrAcquire(this, PENDING_VAL);
        if ((word & ~LOCKED_MASK) != 0) {
            // Someone queued or went pending meanwhile. Undo our pending bit if we were the one who set it.
            if ((word & PENDING_MASK) == 0) {
                VAL.getAndBitwiseAnd(this, ~PENDING_MASK);
            }
            queue();
            return;
        }
        // 0,1,1 -> *,1,0: we are pending; wait for the owner to go (acquire: pairs with unlock()), then
        // *,1,0 -> *,0,1: clear pending and set locked in one CAS; it fails if the tail moved, or if a
        // stealer took the lock while we were parked, and then we wait again.
        final SpinWait spinWait = this.spinWait;
        int round = 0;
        for (;;) {
            word = (int) VAL.getAcquire(this);
            if ((word & LOCKED_MASK) == 0) {
                if (VAL.compareAndSet(this, word, word - PENDING_VAL + LOCKED_VAL)) {
                    return;
                }
            } else if (spinWait.isParkingRound(round)) {
                parkUntilUnlocked(PARKED_PENDING);
            } else {
                round = spinWait.idle(round);
            }
        }
    }

    /**
     * Takes the lock out of turn when its locked byte is clear and the thread it would go to next (the
     * pending waiter, else the queue head) is parked; or takes a free lock, as {@link #tryLock()}. The
     * kernel's pv_hybrid_queued_unfair_trylock: a FIFO hand-off to a thread that is not running costs a whole
     * wake-up, so while one is under way, a running thread may use the lock. The parked thread finds the lock
     * taken when it wakes, waits (spinning first, so nobody steals from it meanwhile) and is kicked by the
     * stealer's unlock if it parks again.
     *
     * @return whether the lock was acquired
     */
    private boolean trySteal() {
        int word = (int) VAL.getVolatile(this);
        while ((word & LOCKED_MASK) == 0) {
            final Object next = (word & PENDING_MASK) != 0 ? PARKED_PENDING.getVolatile(this)
                    : (word & TAIL_MASK) != 0 ? PARKED_HEAD.getVolatile(this)
                    : this; // free: nobody to steal from
            if (next == null) {
                return false;
            }
            // *,*,0 -> *,*,1; volatile CAS: acquire pairs with unlock()
            final int witness = (int) VAL.compareAndExchange(this, word, word | LOCKED_VAL);
            if (witness == word) {
                return true;
            }
            word = witness;
        }
        return false;
    }

    /** The MCS queue part of the slow path. */
    private void queue() {
        final McsNode node = McsNode.ofCurrentThread();
        if (node == null) {
            spinOnWord(); // out of nodes: the kernel's "idx >= MAX_NODES" fall back
            return;
        }
        final int tail = node.id << TAIL_OFFSET;
        node.reset();
        // The lock may have become free, or its next owner may be parked, while we got here: take it without
        // queueing (queued_spin_trylock, or pv_queued_spin_steal_lock).
        if (trySteal()) {
            return;
        }
        // Publish our node as the tail; the volatile CAS publishes reset() to whoever reads our id.
        final int old = exchangeTail(tail);
        final SpinWait spinWait = this.spinWait;
        McsNode next = null;
        if ((old & TAIL_MASK) != 0) {
            final McsNode prev = McsNode.byId(old >>> TAIL_OFFSET);
            prev.setNextRelease(node);
            int round = 0;
            while (!node.isHandedOffAcquire()) { // our own line: the predecessor writes it once
                if (spinWait.isParkingRound(round)) {
                    node.parkUntilHandedOff(spinWait, this);
                } else {
                    round = spinWait.idle(round);
                }
            }
            next = node.getNextAcquire(); // a successor may have linked already
        }
        // We are the queue head: wait for the owner and the pending waiter to go (acquire: pairs with unlock),
        // then claim the lock by CAS: a stealer may set the locked byte between our read and our write.
        int word;
        int round = 0;
        for (;;) {
            while (((word = (int) VAL.getAcquire(this)) & LOCKED_PENDING_MASK) != 0) {
                if (spinWait.isParkingRound(round)) {
                    parkUntilUnlocked(PARKED_HEAD);
                } else {
                    round = spinWait.idle(round);
                }
            }
            if ((word & TAIL_MASK) == tail) {
                // n,0,0 -> 0,0,1: we are the last node, so the queue empties with the claim.
                if (VAL.compareAndSet(this, word, LOCKED_VAL)) {
                    return;
                }
            } else if (VAL.compareAndSet(this, word, word | LOCKED_VAL)) {
                break; // *,*,0 -> *,*,1: others queued behind us
            }
        }
        if (next == null) {
            round = 0;
            // The successor is between its tail exchange and its link. We hold the lock meanwhile, so we never
            // park here: nothing would wake us when the link lands.
            while ((next = node.getNextAcquire()) == null) {
                round = spinWait.idleWithoutParking(round);
            }
        }
        next.handOff();
    }

    /**
     * Parks a waiter on the lock word (the pending waiter or the queue head) for one round, after marking the
     * word so that unlock() kicks it: the kernel's pv_wait_head_or_lock with _Q_SLOW_VAL. The mark is set by
     * CAS only while the lock is held, so the unlock that clears the locked byte necessarily sees it; every
     * access here and in unlock() is volatile, so that unlock also sees the registration made before the
     * CAS. When the word is not held (the head waiting only for the pending waiter to take it), nothing
     * would kick us, so we only yield.
     */
    private void parkUntilUnlocked(VarHandle slot) {
        final Thread me = Thread.currentThread();
        slot.setVolatile(this, me);
        int word = (int) VAL.getVolatile(this);
        for (;;) {
            if ((word & LOCKED_VAL) == 0) {
                Thread.yield();
                break;
            }
            final int witness = (int) VAL.compareAndExchange(this, word, word | SLOW_VAL);
            if (witness == word) {
                spinWait.park(this);
                break;
            }
            word = witness;
        }
        slot.compareAndSet(this, me, null);
    }

    /** Replaces the tail field, keeping locked and pending as they are; returns the old word. */
    private int exchangeTail(int tail) {
        int word = (int) VAL.getVolatile(this);
        for (;;) {
            final int witness = (int) VAL.compareAndExchange(this, word, (word & LOCKED_PENDING_MASK) | tail);
            if (witness == word) {
                return word;
            }
            word = witness;
        }
    }

    private void spinOnWord() {
        final SpinWait spinWait = this.spinWait;
        int round = 0;
        while (!tryLock()) {
            round = spinWait.idle(round);
        }
    }

    // VarHandle mechanics
    private static final VarHandle VAL;
    private static final VarHandle PARKED_PENDING;
    private static final VarHandle PARKED_HEAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            VAL = lookup.findVarHandle(QueuedSpinLock.class, "val", int.class);
            PARKED_PENDING = lookup.findVarHandle(QueuedSpinLock.class, "parkedPending", Thread.class);
            PARKED_HEAD = lookup.findVarHandle(QueuedSpinLock.class, "parkedHead", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
