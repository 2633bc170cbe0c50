package io.ksync.workqueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The fields fixed at construction; a lock-free queueing reads {@code pool} (and nothing else of the pwq). */
abstract class PoolWorkqueueFixedFields extends LinePadding {
    final Workqueue wq;
    final WorkerPool pool;

    PoolWorkqueueFixedFields(Workqueue wq, WorkerPool pool) {
        this.wq = wq;
        this.pool = pool;
    }
}

/** Padding between the fixed fields, which the pool's worker reads on every work, and the pushers gate. */
abstract class PoolWorkqueuePadBeforeGate extends PoolWorkqueueFixedFields {
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;
    byte q064, q065, q066, q067, q068, q069, q070, q071, q072, q073, q074, q075, q076, q077, q078, q079;
    byte q080, q081, q082, q083, q084, q085, q086, q087, q088, q089, q090, q091, q092, q093, q094, q095;
    byte q096, q097, q098, q099, q100, q101, q102, q103, q104, q105, q106, q107, q108, q109, q110, q111;
    byte q112, q113, q114, q115, q116, q117, q118, q119, q120, q121, q122, q123, q124, q125, q126, q127;

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
    byte r000, r001, r002, r003, r004, r005, r006, r007, r008, r009, r010, r011, r012, r013, r014, r015;
    byte r016, r017, r018, r019, r020, r021, r022, r023, r024, r025, r026, r027, r028, r029, r030, r031;
    byte r032, r033, r034, r035, r036, r037, r038, r039, r040, r041, r042, r043, r044, r045, r046, r047;
    byte r048, r049, r050, r051, r052, r053, r054, r055, r056, r057, r058, r059, r060, r061, r062, r063;
    byte r064, r065, r066, r067, r068, r069, r070, r071, r072, r073, r074, r075, r076, r077, r078, r079;
    byte r080, r081, r082, r083, r084, r085, r086, r087, r088, r089, r090, r091, r092, r093, r094, r095;
    byte r096, r097, r098, r099, r100, r101, r102, r103, r104, r105, r106, r107, r108, r109, r110, r111;
    byte r112, r113, r114, r115, r116, r117, r118, r119, r120, r121, r122, r123, r124, r125, r126, r127;

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
        if (pool.managed && !inactive.isEmpty()) {
            // a backlog is about to move to the worklist: the works pushed before it (other queues' included) go
            // first, as they would had they been linked at once; drained while nrActive is still at the maximum,
            // so this pwq's own pushed works join the inactive list behind its older ones
            pool.drainIncomingLocked();
        }
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
