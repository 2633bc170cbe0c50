package io.ksync.workqueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The fields every lock-free queueing on the pool writes. */
abstract class IncomingWorksFields extends LinePadding {
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

    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;
    byte q064, q065, q066, q067, q068, q069, q070, q071, q072, q073, q074, q075, q076, q077, q078, q079;
    byte q080, q081, q082, q083, q084, q085, q086, q087, q088, q089, q090, q091, q092, q093, q094, q095;
    byte q096, q097, q098, q099, q100, q101, q102, q103, q104, q105, q106, q107, q108, q109, q110, q111;
    byte q112, q113, q114, q115, q116, q117, q118, q119, q120, q121, q122, q123, q124, q125, q126, q127;

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
