package io.ksync.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A FIFO of {@link Waiter}s behind a small guard lock: the kernel's {@code raw_spinlock_t wait_lock} plus
 * {@code struct list_head wait_list}, which every sleeping primitive (mutex, semaphore, rw-semaphore, wait queue,
 * completion) keeps beside its lock-free state word.
 *
 * <p>The guard protects the list and the decisions made while looking at it (who is granted, whether the
 * "has waiters" bit of the owner's state word is set). Critical sections under it are a few field writes: no
 * allocation, no callbacks, no parking (multi-waiter wake-ups unpark under it, as the kernel's
 * {@code __wake_up_common} runs under the wait-queue lock). So the guard is a test-and-set lock that spins
 * briefly and then yields: a holder preempted by the OS costs the others a few yields, not a convoy.
 *
 * <p>Memory effects: {@link #lock()} is a volatile compare-and-set and {@link #unlock()} a release store, so
 * everything written under the guard happens-before everything read under it by the next holder.
 * {@link #firstVolatile()} is the one read outside the guard: a lock-free "anybody waiting?" check for wakers,
 * correct only after a full fence that pairs with a full fence on the waiter's side ({@code wq_has_sleeper}).
 */
public final class WaitList {

    /** Spins on a held guard before falling back to {@link Thread#yield()}. */
    private static final int SPINS_BEFORE_YIELD = 64;

    /** 0 free, 1 held. */
    private volatile int guard;
    /** Oldest waiter; written under the guard (see {@link #firstVolatile()} for the one read outside it). */
    private Waiter head;
    /** Newest waiter; guarded. */
    private Waiter tail;
    /** Number of queued waiters; guarded. */
    private int size;

    /** Takes the guard. */
    public void lock() {
        if (!GUARD.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    private void lockContended() {
        int spins = 0;
        do {
            if (spins < SPINS_BEFORE_YIELD) {
                spins++;
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        } while ((int) GUARD.getOpaque(this) != 0 || !GUARD.compareAndSet(this, 0, 1));
    }

    /** Drops the guard. */
    public void unlock() {
        GUARD.setRelease(this, 0); // release: everything written under the guard is seen by the next holder
    }

    /** Appends {@code waiter} (FIFO). Caller holds the guard; the waiter is on no list. */
    public void addLast(Waiter waiter) {
        waiter.next = null;
        waiter.prev = tail;
        waiter.queued = true;
        if (tail == null) {
            HEAD.setRelease(this, waiter); // release: a waker's firstVolatile() sees a fully linked entry
        } else {
            tail.next = waiter;
        }
        tail = waiter;
        size++;
    }

    /** Prepends {@code waiter} (LIFO end: the kernel's non-exclusive {@code add_wait_queue}). Caller holds the guard. */
    public void addFirst(Waiter waiter) {
        waiter.prev = null;
        waiter.next = head;
        waiter.queued = true;
        if (head == null) {
            tail = waiter;
        } else {
            head.prev = waiter;
        }
        HEAD.setRelease(this, waiter);
        size++;
    }

    /** Unlinks {@code waiter} if it is queued; returns whether it was. Caller holds the guard. */
    public boolean remove(Waiter waiter) {
        if (!waiter.queued) {
            return false;
        }
        Waiter before = waiter.prev;
        Waiter after = waiter.next;
        if (before == null) {
            HEAD.setRelease(this, after);
        } else {
            before.next = after;
        }
        if (after == null) {
            tail = before;
        } else {
            after.prev = before;
        }
        waiter.prev = null;
        waiter.next = null;
        waiter.queued = false;
        size--;
        return true;
    }

    /** The oldest waiter, or null. Caller holds the guard. */
    public Waiter first() {
        return head;
    }

    /** The waiter after {@code waiter}, or null. Caller holds the guard. */
    public Waiter next(Waiter waiter) {
        return waiter.next;
    }

    /** Whether no waiter is queued. Caller holds the guard. */
    public boolean isEmpty() {
        return head == null;
    }

    /**
     * The oldest waiter, read without the guard with volatile ordering: a waker that stores its condition,
     * issues a full fence and then finds null here may skip the wake-up, because a waiter queues itself, fences,
     * and only then re-checks the condition (the store-buffering pattern; the kernel's {@code wq_has_sleeper}).
     */
    public Waiter firstVolatile() {
        return (Waiter) HEAD.getVolatile(this);
    }

    /** Number of queued waiters, taken under the guard (for monitoring; stale as soon as it returns). */
    public int sizeLocked() {
        lock();
        try {
            return size;
        } finally {
            unlock();
        }
    }

    // VarHandle mechanics
    private static final VarHandle GUARD;
    private static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            GUARD = lookup.findVarHandle(WaitList.class, "guard", int.class);
            HEAD = lookup.findVarHandle(WaitList.class, "head", Waiter.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
