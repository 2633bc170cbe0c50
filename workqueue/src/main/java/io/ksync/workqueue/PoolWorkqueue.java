package io.ksync.workqueue;

/**
 * The link between one {@link Workqueue} and one {@link WorkerPool}: the kernel's {@code struct pool_workqueue}.
 * It applies the queue's {@code max_active} on that pool (works beyond it wait on the inactive list) and counts
 * the instances in flight per flush color, for {@link Workqueue#flush()}.
 *
 * <p>Every field is guarded by {@code pool.lock}; methods named {@code ...Locked} expect it held.
 */
final class PoolWorkqueue {

    /*
     * Implementation notes. Flush colors are the kernel's, with two colors instead of sixteen: flushes of one
     * queue are serialised (Workqueue.flush holds the queue's flush mutex), so while one flush waits for color c
     * to drain, new works get the other color, and the next flush starts only after c has drained, when the
     * colors can swap again. inFlight counts linked, handed-off and running instances; an instance leaves its
     * color when it finishes or is cancelled.
     */

    final Workqueue wq;
    final WorkerPool pool;

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
        this.wq = wq;
        this.pool = pool;
        this.maxActive = maxActive;
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
}
