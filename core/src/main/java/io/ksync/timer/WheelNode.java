package io.ksync.timer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a {@link HierarchicalWheel} links into its buckets: the kernel's {@code struct timer_list} minus the
 * callback ({@code entry}, {@code expires} and the bucket index that {@code timer_get_idx} reads from the flags).
 * {@link TimerWheel.Entry} and {@link Timer} extend it, so a pending timer costs no node besides itself.
 */
abstract class WheelNode {

    /*
     * Implementation notes.
     *
     * The wheel writes these fields while it owns the node: on the caller's thread for a TimerWheel, under the
     * base's lock for a Timer. bucket is also read without the lock (Timer.isPending, the kernel's lockless
     * timer_pending), so it is written with setRelease and read with getAcquire there; x86 compiles both to plain
     * moves. Field order keeps a pending Timer at 48 bytes with compressed references (see Timer).
     */

    /** {@link #bucket} of a node that is in no bucket: not pending. */
    static final int NOT_QUEUED = -1;

    /** The bucket the node is linked in ({@code 0 .. depth * 64}, the last one the expiring list), or NOT_QUEUED. */
    int bucket = NOT_QUEUED;

    /** Neighbours in the bucket's circular list; null while the node is in no bucket. */
    WheelNode previous;
    WheelNode next;

    /** The expiry, a time of the wheel's clock in nanoseconds, compared by wrap-around difference. */
    long expires;

    /** Whether the node is in a bucket of its wheel or in the list of nodes expiring now; a lockless snapshot. */
    final boolean isQueuedAcquire() {
        return (int) BUCKET.getAcquire(this) != NOT_QUEUED; // acquire: pairs with setBucketRelease
    }

    final void setBucketRelease(int value) {
        BUCKET.setRelease(this, value); // release: the links are set before a lockless reader sees "queued"
    }

    final long expiresOpaque() {
        return (long) EXPIRES.getOpaque(this);
    }

    final void setExpiresOpaque(long value) {
        EXPIRES.setOpaque(this, value);
    }

    // VarHandle mechanics
    private static final VarHandle BUCKET;
    private static final VarHandle EXPIRES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BUCKET = lookup.findVarHandle(WheelNode.class, "bucket", int.class);
            EXPIRES = lookup.findVarHandle(WheelNode.class, "expires", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
