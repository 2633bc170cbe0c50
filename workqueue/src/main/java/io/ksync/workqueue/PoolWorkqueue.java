package io.ksync.workqueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Padding before the fixed fields: whatever the heap holds before the pwq must not share their line. */
abstract class PoolWorkqueuePadBefore {
    long p00, p01, p02, p03, p04, p05, p06, p07;
    long p10, p11, p12, p13, p14, p15, p16, p17;
}

/** The fields fixed at construction; a lock-free queueing reads {@code pool} (and nothing else of the pwq). */
abstract class PoolWorkqueueFixedFields extends PoolWorkqueuePadBefore {
    final Workqueue wq;
    final WorkerPool pool;

    PoolWorkqueueFixedFields(Workqueue wq, WorkerPool pool) {
        this.wq = wq;
        this.pool = pool;
    }
}

/** Padding between the fixed fields, which the pool's worker reads on every work, and the pushers gate. */
abstract class PoolWorkqueuePadBeforeGate extends PoolWorkqueueFixedFields {
    long q00, q01, q02, q03, q04, q05, q06, q07;
    long q10, q11, q12, q13, q14, q15, q16, q17;

    PoolWorkqueuePadBeforeGate(Workqueue wq, WorkerPool pool) {
        super(wq, pool);
    }
}

/** The pushers gate, written twice by every lock-free queueing on the pwq; see {@link PoolWorkqueue#enterPushGate}. */
abstract class PoolWorkqueueGate extends PoolWorkqueuePadBeforeGate {
    /** Lock-free queueings between enterPushGate() and leavePushGate(); see Workqueue.destroy(). */
    volatile int pushers;

    PoolWorkqueueGate(Workqueue wq, WorkerPool pool) {
        super(wq, pool);
    }
}

/**
 * Padding between the gate and the counters the pool's running worker writes on every work ({@code nrActive},
 * {@code left}): without the pads, a queuer's writes to the gate (or reads of the fixed fields) and the worker's
 * counter updates took the line from each other once per work (false sharing).
 */
abstract class PoolWorkqueuePadAfterGate extends PoolWorkqueueGate {
    long r00, r01, r02, r03, r04, r05, r06, r07;
    long r10, r11, r12, r13, r14, r15, r16, r17;

    PoolWorkqueuePadAfterGate(Workqueue wq, WorkerPool pool) {
        super(wq, pool);
    }
}

/**
 * The link between one {@link Workqueue} and one {@link WorkerPool}: the kernel's {@code struct pool_workqueue}.
 * It applies the queue's {@code max_active} on that pool (works beyond it wait on the inactive list) and counts
 * the instances in flight per flush color, for {@link Workqueue#flush()}.
 *
 * <p>Every field but the pushers gate is guarded by {@code pool.lock}; methods named {@code ...Locked} expect it
 * held.
 */
final class PoolWorkqueue extends PoolWorkqueuePadAfterGate {

    /*
     * Implementation notes. Flush colors are the kernel's, with two colors instead of sixteen: flushes of one
     * queue are serialised (Workqueue.flush holds the queue's flush mutex), so while one flush waits for color c
     * to drain, new works get the other color, and the next flush starts only after c has drained, when the
     * colors can swap again. inFlight counts linked, handed-off and running instances; an instance leaves its
     * color when it finishes or is cancelled.
     *
     * pushers is the gate Workqueue.destroy() closes against lock-free queueings on a bound pool: a queueing
     * enters (getAndAdd, a full fence), then reads the queue's `destroyed`; destroy() writes `destroyed` (volatile),
     * then waits until it reads pushers == 0. Each side writes before it reads, so either the queueing sees
     * `destroyed` (and refuses), or destroy() sees it inside (and waits for its push, which destroy's final drain
     * then finds). One gate per pwq: destroy() waits only for its own queue's pushers, so queueings of other queues
     * on the same pool cannot hold it up for ever, and a queueing writes a line no other queue writes.
     */

    int maxActive;
    int nrActive;
    final WorkList inactive = new WorkList();
    final int[] inFlight = new int[2];
    int workColor;
    int flushColor = -1;
    /** Set by Workqueue.destroy() after its first drain: callers' queueings are refused from then on. */
    boolean dead;
    /** Whether the queue's rescuer has been sent here and has not finished (mayday). */
    boolean maydayQueued;
    /** Instances linked here so far, and instances that left (ran, or were cancelled); only ever grow. */
    long inserted;
    long left;

    PoolWorkqueue(Workqueue wq, WorkerPool pool, int maxActive) {
        super(wq, pool);
        this.maxActive = maxActive;
    }

    void enterPushGate() {
        final int before = (int) PUSHERS.getAndAdd(this, 1); // typed: an exact invocation, no adaptation
        assert before >= 0;
    }

    void leavePushGate() {
        final int before = (int) PUSHERS.getAndAdd(this, -1);
        assert before > 0 : "leavePushGate() without enterPushGate()";
    }

    /** Waits, spinning, until no queueing is inside the gate (a few nanoseconds each). */
    void awaitNoPushers() {
        for (int round = 0; pushers != 0; round++) {
            Work.backOff(round);
        }
    }

    /** Links a pending instance ({@code insert_work}); active if under max_active, else inactive. */
    void insertLocked(Work work) {
        if (work.pwq != this) {
            work.pwq = this; // volatile (see Work): a lock-free queueing has already set it, with release
        }
        final int color = workColor;
        work.color = color;
        inFlight[color]++;
        inserted++;
        if (nrActive < maxActive) {
            nrActive++;
            pool.worklist.addLast(work);
            pool.kickLocked();
        } else {
            inactive.addLast(work);
        }
    }

    /** An active instance finished, or a handed-off one was cancelled ({@code pwq_dec_nr_in_flight}). */
    void activeDoneLocked(int color) {
        nrActive--;
        activateLocked();
        leaveColorLocked(color);
    }

    /** Unlinks a pending instance for a canceller; the caller checked it is linked to this pwq. */
    void unlinkLocked(Work work) {
        final WorkList list = work.onList;
        list.remove(work);
        if (list != inactive) {
            nrActive--;
            activateLocked();
        }
        leaveColorLocked(work.color);
    }

    /** Moves inactive works to the pool's worklist while under max_active ({@code pwq_activate_first_inactive}). */
    void activateLocked() {
        boolean moved = false;
        while (nrActive < maxActive && !inactive.isEmpty()) {
            final Work work = inactive.pollFirst();
            nrActive++;
            pool.worklist.addLast(work);
            moved = true;
        }
        if (moved) {
            pool.kickLocked();
        }
    }

    /** Starts a flush of color {@code color}; returns whether this pwq has instances of it to wait for. */
    boolean startFlushLocked(int color) {
        workColor = 1 - color;
        if (inFlight[color] == 0) {
            return false;
        }
        flushColor = color;
        return true;
    }

    private void leaveColorLocked(int color) {
        left++;
        if (--inFlight[color] == 0 && color == flushColor) {
            flushColor = -1;
            wq.pwqFlushed();
        }
    }

    // VarHandle mechanics
    private static final VarHandle PUSHERS;

    static {
        try {
            PUSHERS = MethodHandles.lookup().findVarHandle(PoolWorkqueueGate.class, "pushers", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
