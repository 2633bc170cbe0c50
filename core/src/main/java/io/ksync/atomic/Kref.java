package io.ksync.atomic;

import java.util.concurrent.locks.Lock;

/**
 * A reference count with a release action: the kernel's {@code struct kref} ({@code include/linux/kref.h}).
 * The constructor is {@code kref_init} (count 1), {@link #get()} {@code kref_get}, {@link #getUnlessZero()}
 * {@code kref_get_unless_zero}, {@link #put()} {@code kref_put}, {@link #putLock(Lock)} {@code kref_put_lock}
 * and {@code kref_put_mutex}, {@link #read()} {@code kref_read}.
 *
 * <p>The release action runs exactly once, in the thread whose {@link #put()} (or {@link #putLock(Lock)})
 * dropped the last reference, after every other holder has dropped its own: the actions of every holder
 * before its {@code put} happen-before the release action. The counting rules and their misuse reports are
 * {@link Refcount}'s: a {@link #get()} after the release, one {@code put} too many, or an overflow throws
 * {@link IllegalStateException} and saturates the count, after which the action never runs.
 *
 * <p>The kernel's release function receives the {@code struct kref *} and finds its object with
 * {@code container_of}. Java has no {@code container_of}: the action is a {@link Runnable} that already knows
 * its object, typically a method reference ({@code new Kref(this::free)}) created once with the object.
 *
 * <pre>{@code
 * final class NativeBuffer {
 *     private final long address = allocate(4096);
 *     private final Kref kref = new Kref(this::free);   // the creator's reference
 *
 *     NativeBuffer retain() {                          // share it with another consumer
 *         kref.get();
 *         return this;
 *     }
 *
 *     void release() {                                 // each consumer, once
 *         kref.put();
 *     }
 *
 *     private void free() {                            // runs once, after the last release()
 *         freeMemory(address);
 *     }
 * }
 * }</pre>
 */
public final class Kref {

    /*
     * Implementation notes.
     *
     * A Refcount starting at 1 and the action. Every ordering argument is Refcount's: put() is
     * decAndTest() (release on every drop; acquire before the action, which runs only on the 1 -> 0
     * transition, and that transition happens once because a count of 0 never leaves 0: a later get()
     * throws and saturates, and a saturated count never reports 0 again). putLock() is decAndLock().
     *
     * The fields are final, so a Kref published by a data race still has its count and action.
     */

    private final Refcount refcount;
    private final Runnable release;

    /**
     * Creates a kref holding one reference, the creator's ({@code kref_init}).
     *
     * @param release what to do when the last reference is dropped; runs exactly once
     * @throws NullPointerException if {@code release} is null
     */
    public Kref(Runnable release) {
        if (release == null) {
            throw new NullPointerException("Kref release action must not be null");
        }
        this.refcount = new Refcount(1);
        this.release = release;
    }

    /**
     * Takes a reference ({@code kref_get}); the caller must already hold one.
     *
     * @throws IllegalStateException if the object was already released (use-after-free), the count would
     *                               overflow or is saturated, as {@link Refcount#inc()}
     */
    public void get() {
        refcount.inc();
    }

    /**
     * Takes a reference unless the object was already released ({@code kref_get_unless_zero}): for a lookup
     * that found the object without holding a reference, where a concurrent {@link #put()} may be releasing
     * it. Acquire ordering on success.
     *
     * @return {@code true} if a reference was taken, {@code false} if the count was 0
     * @throws IllegalStateException if the count would overflow or is saturated, as
     *                               {@link Refcount#incNotZero()}
     */
    public boolean getUnlessZero() {
        return refcount.incNotZero();
    }

    /**
     * Drops a reference and, if it was the last, runs the release action in this thread ({@code kref_put}).
     * If the action throws, the exception propagates; the object counts as released and the action does not
     * run again.
     *
     * @return {@code true} if this call ran the release action
     * @throws IllegalStateException if more references were dropped than taken or the count is saturated, as
     *                               {@link Refcount#decAndTest()}; the action does not run
     */
    public boolean put() {
        if (refcount.decAndTest()) {
            release.run();
            return true;
        }
        return false;
    }

    /**
     * Drops a reference and, if it was the last, runs the release action with {@code lock} held
     * ({@code kref_put_lock}, {@code kref_put_mutex}). The lock is taken only when the count may drop to 0,
     * and the drop to 0 happens under it, so a lookup that takes references with {@link #get()} under the same
     * lock never finds a released object; the action typically unlinks the object from what the lock guards.
     * Unlike the kernel, whose release function must unlock, this method unlocks after the action, also when
     * it throws.
     *
     * @param lock the lock that guards lookups of the object
     * @return {@code true} if this call ran the release action
     * @throws NullPointerException  if {@code lock} is null (the count is unchanged)
     * @throws IllegalStateException if more references were dropped than taken or the count is saturated, as
     *                               {@link Refcount#decAndLock(Lock)}; the action does not run
     */
    public boolean putLock(Lock lock) {
        if (!refcount.decAndLock(lock)) {
            return false;
        }
        try {
            release.run();
        } finally {
            lock.unlock();
        }
        return true;
    }

    /**
     * Returns the count now ({@code kref_read}); a snapshot for monitoring, negative once saturated.
     *
     * @return the current count
     */
    public int read() {
        return refcount.read();
    }

    @Override
    public String toString() {
        final int n = refcount.read();
        return super.toString() + (n < 0 ? "[saturated]" : "[refs=" + n + "]");
    }
}
