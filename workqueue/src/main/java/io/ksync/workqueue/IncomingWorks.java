package io.ksync.workqueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Padding before the incoming stack's fields (a cache line and more): the pool's lock-guarded fields, written
 * by its worker on every work, must not share a line with the fields every queueing writes.
 */
abstract class IncomingWorksPadBefore {
    long p00, p01, p02, p03, p04, p05, p06, p07;
    long p10, p11, p12, p13, p14, p15, p16, p17;
}

/** The fields every lock-free queueing on the pool writes. */
abstract class IncomingWorksFields extends IncomingWorksPadBefore {
    /** The newest work pushed and not yet taken; its {@code next} links to the one pushed before it. */
    volatile Work head;
}

/**
 * The works queued on a bound (concurrency-managed) {@link WorkerPool} without its lock: an intrusive
 * multi-producer stack, taken whole by whoever holds the pool's lock ({@link WorkerPool#drainIncomingLocked()}),
 * which links the works on their pool workqueues in queueing order. A queueing costs a CAS on this line instead
 * of the pool lock it would share with the pool's running worker, which takes the lock for every work it runs:
 * with one producer and one worker, the lock's line went back and forth twice per work.
 *
 * <p>Not API.
 */
final class IncomingWorks extends IncomingWorksFields {

    /*
     * Implementation notes.
     *
     * push: the owner of the work's PENDING bit writes the work's fields (pwq, queuedNanos, its queueSeq) and
     * `next`, then CASes `head` (volatile): the CAS publishes them to the taker, whose getAndSet of `head`
     * (volatile) reads them. A work is pushed by the owner of its pending instance only, and stays in the stack
     * until taken, so a work is never on the stack twice, and `next` is free: a pending instance is on no list.
     *
     * takeAll swaps the whole stack out at once (newest first); the caller reverses it. No ABA: push only ever
     * CASes a head it read to a new node whose next is that head, and takeAll does not CAS.
     */

    long q00, q01, q02, q03, q04, q05, q06, q07;
    long q10, q11, q12, q13, q14, q15, q16, q17;

    /** Pushes {@code work}; true if the stack was empty (the pusher then makes sure a worker will take it). */
    boolean push(Work work) {
        Work first = head;
        for (;;) {
            work.next = first; // plain: published by the CAS
            final Work witness = (Work) HEAD.compareAndExchange(this, first, work);
            if (witness == first) {
                return first == null;
            }
            first = witness;
        }
    }

    /** Takes every work pushed so far, newest first, linked by {@code next}; null if none. */
    Work takeAll() {
        return head == null ? null : (Work) HEAD.getAndSet(this, (Work) null);
    }

    /** Whether nothing waits here; a plain snapshot for spinning workers, which take the pool lock to be sure. */
    boolean isEmptyOpaque() {
        return HEAD.getOpaque(this) == null;
    }

    // VarHandle mechanics
    private static final VarHandle HEAD;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(IncomingWorksFields.class, "head", Work.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
