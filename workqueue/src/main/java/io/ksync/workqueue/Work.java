package io.ksync.workqueue;

import io.ksync.wait.WaitVar;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A reusable unit of deferred work, run by a {@link Workqueue}'s workers: the kernel's
 * {@code struct work_struct} with {@code INIT_WORK}, {@code queue_work}, {@code schedule_work},
 * {@code schedule_work_on}, {@code cancel_work}, {@code cancel_work_sync}, {@code flush_work},
 * {@code work_pending} and {@code work_busy} ({@code include/linux/workqueue.h}, {@code kernel/workqueue.c}).
 *
 * <h2>The rules</h2>
 * <ul>
 *   <li>A work is either idle, pending (queued, not yet started), running, or running and pending again.
 *   {@link Workqueue#queue(Work)} of a pending work does nothing and returns false: it runs once for all the
 *   queueings it has not yet started for.</li>
 *   <li>It is never reentrant: the same work never runs on two threads at once, even when it is queued again
 *   while it runs, on another CPU or another queue: the new instance waits until the running one returns, then
 *   runs (on the thread that ran the first one).</li>
 *   <li>{@link #cancel()} takes a pending instance off its queue (or its timer) and returns whether there was
 *   one; it does not wait for a running instance.</li>
 *   <li>{@link #cancelSync()} also waits until no instance runs: on return the work is neither pending nor
 *   running, even if it re-queues itself (queueings during the call fail). Several threads may call it at once.</li>
 *   <li>{@link #flush()} waits until the last instance queued before the call has finished; returns whether it
 *   waited.</li>
 *   <li>{@link #cancelSync()} or {@link #flush()} from the work's own function would wait for itself and throw
 *   {@link IllegalStateException}.</li>
 *   <li>A function that throws is reported to the pools' handler (by default the worker thread's
 *   {@link Thread.UncaughtExceptionHandler}) and the worker goes on; the instance counts as finished for
 *   {@code flush} and {@code cancelSync}.</li>
 * </ul>
 *
 * <p>Queueing allocates nothing: the work is its own list node. Memory effects: actions before a queueing
 * happen-before the start of the run that serves it, whether it returned true or false (false: the pending
 * instance, which has not started, will see them), unless the instance is cancelled; the actions of a run
 * happen-before {@link #flush()} or {@link #cancelSync()} returns after waiting for it.
 *
 * <pre>{@code
 * final class Device {
 *     private final Work reset = new Work(this::resetHardware);
 *     void onError()  { wq.queue(reset); }          // from any thread, as often as it likes: coalesced
 *     void remove()   { reset.cancelSync(); ... }   // neither pending nor running afterwards
 * }
 * }</pre>
 */
public final class Work {

    /*
     * Implementation notes.
     *
     * State word (int): | WAITING | CANCELING | HANDOFF | RUNNING | PENDING |
     *                        16         8          4         2         1
     *   PENDING    WORK_STRUCT_PENDING: an instance is queued (on a worklist, an inactive list, a timer, or handed
     *              off), or a canceller holds the bit. Whoever sets it owns the instance: only the owner links the
     *              work anywhere, so the intrusive links are never shared by two lists.
     *   RUNNING    a worker runs the function (the kernel finds it in the pool's busy_hash instead).
     *   HANDOFF    a worker dequeued a pending instance while another instance was running (on any pool, of any
     *              queue). Instead of running it concurrently it leaves it to the runner, which runs it next, on
     *              the same thread: this is how reentrancy is prevented across CPUs and queues, where the kernel
     *              only routes a work back to the pool it last ran on (same queue only).
     *   CANCELING  WORK_STRUCT_CANCELING: a cancelSync() holds PENDING until the running instance returns;
     *              queueing fails meanwhile, and other cancellers wait for it.
     *   WAITING    a thread sleeps in WaitVar on this work (flush, cancelSync): whoever clears RUNNING or
     *              CANCELING, or advances doneSeq, clears WAITING and wakes it; the waiter re-sets it while its
     *              condition is false (the same protocol as Tasklet's).
     *
     * Transitions:
     *   queue:         PENDING=0          -> PENDING, queueSeq++, link on a pwq (pool lock)
     *   dequeue+claim: PENDING            -> RUNNING             (RUNNING already set: -> +HANDOFF, unlinked)
     *   finish:        RUNNING            -> 0                   (HANDOFF: -HANDOFF, read it, -PENDING, run it)
     *   grab (cancel): PENDING, linked    -> PENDING owned by the canceller (unlinked under the pool lock, or the
     *                                        timer deleted, or HANDOFF cleared by CAS); PENDING=0 -> PENDING
     *   release:       PENDING|CANCELING  -> 0
     *
     * Instances are numbered: queueSeq is incremented by the owner of PENDING before it links the work, so the
     * pending instance is always number queueSeq; doneSeq is the highest instance finished or cancelled, advanced
     * with a CAS maximum. flush() waits for doneSeq >= the queueSeq it read: a flush is not held up by instances
     * queued after it, however many (no livelock).
     *
     * The fields `prev`, `next`, `onList`, `color` and `pwq` of a linked work are guarded by the lock of
     * pwq.pool; `pwq` is volatile so that a canceller can find the pool to lock without holding any lock, and
     * re-checks under the lock that the work is still linked to that pwq.
     */

    static final int PENDING = 1;
    static final int RUNNING = 2;
    static final int HANDOFF = 4;
    static final int CANCELING = 8;
    static final int WAITING = 16;

    /** grab() outcomes. */
    static final int GRABBED_PENDING = 0;
    static final int GRABBED_IDLE = 1;
    static final int OTHER_CANCELING = 2;

    /**
     * Test only: a deliberately broken work item that clears PENDING after its run instead of before it, so that a
     * queueing during the run is lost (returns false, yet no run follows). The torture test shows it catches this.
     * Set before any work is queued and reset afterwards; plain static: read on the run path, never in production.
     */
    static boolean clearPendingAfterRunForTesting;

    final Runnable function;
    /** The delayed work this work belongs to, or null. */
    final DelayedWork delayed;

    private volatile int state;

    // Linkage of the pending instance; guarded by pwq.pool.lock while linked (see the notes).
    Work prev;
    Work next;
    WorkList onList;
    int color;
    /** The pool workqueue the pending instance is queued on; written by the PENDING owner before linking. */
    volatile PoolWorkqueue pwq;
    /** When the pending instance was queued (System.nanoTime), or 0 when the latency event is off. */
    long queuedNanos;

    /** Number of the latest instance; written only by the owner of PENDING (volatile: read by flush()). */
    private volatile long queueSeq;
    /** Highest instance finished or cancelled; advanced by CAS maximum. */
    private volatile long doneSeq;
    /**
     * The thread running the function, or null; compared with the current thread only, so a release store
     * suffices (a thread always reads its own latest write, and never another thread's write as itself).
     */
    volatile Thread runner;

    // A handed-off instance: written by the dequeuing worker before its HANDOFF CAS; read by whoever clears
    // HANDOFF, after its CAS and while PENDING is still set (the runner and a canceller alike), so that nothing can
    // overwrite them in between.
    PoolWorkqueue handoffPwq;
    int handoffColor;
    long handoffSeq;
    long handoffQueuedNanos;

    /**
     * Creates an idle work ({@code INIT_WORK}).
     *
     * @param function what to run; called on a worker thread, once per queueing that returned true
     * @throws NullPointerException if {@code function} is null
     */
    public Work(Runnable function) {
        this(function, null);
    }

    Work(Runnable function, DelayedWork delayed) {
        this.function = Objects.requireNonNull(function, "function");
        this.delayed = delayed;
    }

    /**
     * Queues the work on the {@linkplain Workqueue#system() system workqueue} ({@code schedule_work}).
     *
     * @return false if it was already pending
     */
    public boolean queue() {
        return Workqueue.system().queue(this);
    }

    /**
     * Queues the work on the {@linkplain Workqueue#system() system workqueue} for {@code cpu}
     * ({@code schedule_work_on}).
     *
     * @return false if it was already pending
     * @throws IllegalArgumentException if {@code cpu} is not a CPU of the system pools
     */
    public boolean queueOn(int cpu) {
        return Workqueue.system().queueOn(cpu, this);
    }

    /**
     * Takes a pending instance off its queue ({@code cancel_work}); does not wait for a running one, which may
     * still run after this returns.
     *
     * @return true if an instance was pending and will not run; false if none was (or a {@link #cancelSync()}
     *         in progress is taking care of it)
     */
    public boolean cancel() {
        final int outcome = grab(false);
        if (outcome == OTHER_CANCELING) {
            return false;
        }
        releasePending(0);
        return outcome == GRABBED_PENDING;
    }

    /**
     * Cancels a pending instance and waits until no instance runs ({@code cancel_work_sync}): on return the
     * work is neither pending nor running, even if it re-queues itself. Uninterruptible, as the kernel's.
     *
     * @return true if an instance was pending
     * @throws IllegalStateException if called from the work's own function (it would wait for itself)
     */
    public boolean cancelSync() {
        if (runner == Thread.currentThread()) {
            throw new IllegalStateException("cancelSync() called from the work's own function would wait for "
                    + "itself: use cancel()");
        }
        int outcome;
        while ((outcome = grab(true)) == OTHER_CANCELING) {
            awaitState(() -> (state & CANCELING) == 0);
        }
        awaitState(() -> (state & RUNNING) == 0); // the running instance, if any, returns
        releasePending(CANCELING);
        return outcome == GRABBED_PENDING;
    }

    /**
     * Waits until the last instance queued before this call has finished ({@code flush_work}). Instances queued
     * after the call are not waited for, nor is one whose {@link Workqueue#queue} runs concurrently with this call
     * and has set the pending bit but not yet numbered the instance: like the kernel's flush_work, which does not
     * wait for a queue_work that has not inserted the work yet, only a queueing that happens-before the call is
     * guaranteed to be waited for ({@link #isPending()} may already read true in that window).
     *
     * @return true if it waited for an instance, false if the work was idle
     * @throws IllegalStateException if called from the work's own function (it would wait for itself)
     */
    public boolean flush() {
        if (runner == Thread.currentThread()) {
            throw new IllegalStateException("flush() called from the work's own function would wait for itself");
        }
        // a fired timer's instance was pending at the call: it counts as waited for even if a worker has already
        // run it by the time the state is read below (it may, within nanoseconds)
        final boolean fired = delayed != null && delayed.fireTimerNow();
        if ((state & (PENDING | RUNNING)) == 0) {
            return fired;
        }
        final long target = queueSeq;
        if (doneSeq - target >= 0) {
            return fired;
        }
        awaitState(() -> doneSeq - target >= 0);
        return true;
    }

    /** Whether an instance is queued and has not started ({@code work_pending}); a snapshot. */
    public boolean isPending() {
        return (state & PENDING) != 0;
    }

    /** Whether the function is running now; a snapshot. */
    public boolean isRunning() {
        return (state & RUNNING) != 0;
    }

    /** Whether the work is pending or running ({@code work_busy} non-zero); a snapshot. */
    public boolean isBusy() {
        return (state & (PENDING | RUNNING)) != 0;
    }

    @Override
    public String toString() {
        final int s = state;
        return "Work[" + function + ((s & PENDING) != 0 ? ", pending" : "") + ((s & RUNNING) != 0 ? ", running" : "")
                + "]";
    }

    // ---------------------------------------------------------------------------------------------------
    // For Workqueue, DelayedWork and Worker

    /** PENDING=0 -> PENDING; false if it was pending (or a canceller holds it). */
    boolean tryClaimPending() {
        // test_and_set_bit, a volatile RMW even when PENDING is already set: the worker's claim (which clears
        // PENDING) reads what it wrote, so the queuer's earlier writes happen-before the run that serves this
        // queueing whether it returns true or false. A plain read that saw PENDING and returned false would
        // publish nothing (the kernel's "ghost PENDING" bug, fixed by commit 346c09f80459).
        return ((int) STATE.getAndBitwiseOr(this, PENDING) & PENDING) == 0;
    }

    /** Numbers a new instance (owner of PENDING only) and returns its number. */
    long beginInstance() {
        final long seq = queueSeq + 1;
        // release, not volatile: no load after it needs ordering (the owner's next step is a lock or the timer
        // base's CAS anyway), and a flush() that happens-after the queueing sees it; one fence less per queueing
        QUEUE_SEQ.setRelease(this, seq);
        return seq;
    }

    long queueSeq() {
        return queueSeq;
    }

    void setRunnerRelease(Thread thread) {
        RUNNER.setRelease(this, thread);
    }

    /**
     * Sets {@link #pwq} for a lock-free queueing, with release: the push's CAS that follows publishes it to the
     * pool, and a canceller that reads an older value only retries (see grab).
     */
    void setPwqRelease(PoolWorkqueue target) {
        PWQ.setRelease(this, target);
    }

    /**
     * A worker dequeued the pending instance {@code seq} (unlinked under the pool lock): PENDING -> RUNNING, or
     * hand it to the running instance.
     *
     * @return true if the caller must run it; false if it was handed off
     */
    boolean claimRun(PoolWorkqueue pwq, int color, long seq, long queuedNanos) {
        for (;;) {
            final int s = state;
            if ((s & RUNNING) != 0) {
                handoffPwq = pwq;          // plain: published by the CAS below; see the handoff fields' comment
                handoffColor = color;
                handoffSeq = seq;
                handoffQueuedNanos = queuedNanos;
                if (STATE.compareAndSet(this, s, s | HANDOFF)) {
                    return false;
                }
                continue;
            }
            // clears PENDING before the function runs, so that it may be queued again while it runs
            final int next = clearPendingAfterRunForTesting ? s | RUNNING : (s | RUNNING) & ~PENDING;
            if (STATE.compareAndSet(this, s, next)) {
                return true;
            }
        }
    }

    /**
     * The run of instance {@code seq} returned: advance doneSeq, then RUNNING -> 0, or, if an instance was handed
     * off meanwhile, keep RUNNING, clear PENDING and HANDOFF and return true: the caller runs the handed-off
     * instance next, whose pwq, color, number and queueing time this copies into {@code next}'s fields.
     */
    boolean finishRun(long seq, Worker next) {
        advanceDone(seq);
        for (;;) {
            final int s = state;
            if ((s & HANDOFF) != 0) {
                // take the handed-off instance in two steps, as a canceller does: clear HANDOFF alone (PENDING stays
                // set, so nobody can queue, hand off or overwrite the handoff fields), read the fields, and only
                // then clear PENDING (the instance starts). Reading before one combined CAS would be open to ABA:
                // cancel + queue + a new handoff can restore the very state word read, with other fields behind it.
                if (!STATE.compareAndSet(this, s, s & ~HANDOFF)) {
                    continue;
                }
                next.nextPwq = handoffPwq;
                next.nextColor = handoffColor;
                next.nextSeq = handoffSeq;
                next.nextQueuedNanos = handoffQueuedNanos;
                final int old = (int) STATE.getAndBitwiseAnd(this, ~(PENDING | WAITING));
                if ((old & WAITING) != 0) {
                    WaitVar.wakeUp(this);
                }
                return true;
            }
            // release: the run's actions happen-before a cancelSync()/flush() that sees RUNNING clear
            final int cleared = clearPendingAfterRunForTesting && (s & CANCELING) == 0 ? RUNNING | WAITING | PENDING
                    : RUNNING | WAITING;
            if (STATE.compareAndSet(this, s, s & ~cleared)) {
                if ((s & WAITING) != 0) {
                    WaitVar.wakeUp(this);
                }
                return false;
            }
        }
    }

    /**
     * Takes ownership of PENDING ({@code try_to_grab_pending}): steals a pending instance from wherever it is, or
     * sets PENDING on an idle work so that nobody can queue it. With {@code canceling}, also sets CANCELING.
     *
     * @return {@link #GRABBED_PENDING}, {@link #GRABBED_IDLE}, or {@link #OTHER_CANCELING} (nothing taken)
     */
    int grab(boolean canceling) {
        final int cancelBit = canceling ? CANCELING : 0;
        for (int round = 0;; round++) {
            final int s = state;
            if ((s & CANCELING) != 0) {
                return OTHER_CANCELING;
            }
            if ((s & PENDING) == 0) {
                if (STATE.compareAndSet(this, s, s | PENDING | cancelBit)) {
                    return GRABBED_IDLE;
                }
                continue;
            }
            if ((s & HANDOFF) != 0) {
                if (STATE.compareAndSet(this, s, (s & ~HANDOFF) | cancelBit)) {
                    // the handed-off instance was dequeued and counted active on its pwq: undo that
                    handoffPwq.pool.cancelHandedOff(handoffPwq, handoffColor);
                    advanceDone(handoffSeq);
                    return GRABBED_PENDING;
                }
                continue;
            }
            if (delayed != null && delayed.cancelTimer()) {
                return grabbedLinked(cancelBit);
            }
            final PoolWorkqueue queuedOn = pwq;
            if (queuedOn != null && queuedOn.pool.tryUnlinkPending(this, queuedOn)) {
                return grabbedLinked(cancelBit);
            }
            // transient: being queued, dequeued but not yet claimed, in a firing timer, or held by a cancel()
            backOff(round);
        }
    }

    /** The pending instance was taken off its timer or list: it is cancelled, and PENDING is the grabber's. */
    private int grabbedLinked(int cancelBit) {
        if (cancelBit != 0) {
            STATE.getAndBitwiseOr(this, cancelBit);
        }
        advanceDone(queueSeq);
        return GRABBED_PENDING;
    }

    /** Clears PENDING (and {@code extraBits}) after a grab, waking waiters. */
    void releasePending(int extraBits) {
        final int old = (int) STATE.getAndBitwiseAnd(this, ~(PENDING | WAITING | extraBits));
        if ((old & WAITING) != 0) {
            WaitVar.wakeUp(this);
        }
    }

    /** Whether an instance of {@code wq} is handed off to the running instance now (for flush's self-check). */
    boolean handedOffTo(Workqueue wq) {
        // handoffPwq is written before the HANDOFF CAS and not overwritten while HANDOFF is set: reading it after
        // seeing the bit (volatile read) gives the handed-off instance's pwq
        return (state & HANDOFF) != 0 && handoffPwq.wq == wq;
    }

    /** Releases PENDING of an instance that was numbered but never linked (queueing refused late). */
    void abandonInstance(long seq) {
        advanceDone(seq);
        releasePending(0);
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    /** doneSeq = max(doneSeq, seq), then wakes waiters if any. */
    private void advanceDone(long seq) {
        for (;;) {
            final long done = doneSeq;
            if (done - seq >= 0 || DONE_SEQ.compareAndSet(this, done, seq)) {
                break;
            }
        }
        if ((state & WAITING) != 0) {
            final int old = (int) STATE.getAndBitwiseAnd(this, ~WAITING);
            if ((old & WAITING) != 0) {
                WaitVar.wakeUp(this);
            }
        }
    }

    /** Sleeps in WaitVar until {@code done}; the WAITING bit is set before each check. */
    private void awaitState(BooleanSupplier done) {
        if (done.getAsBoolean()) {
            return;
        }
        WaitVar.waitEvent(this, () -> {
            setWaiting();
            return done.getAsBoolean();
        });
    }

    private void setWaiting() {
        for (;;) {
            final int s = state;
            if ((s & WAITING) != 0 || STATE.compareAndSet(this, s, s | WAITING)) {
                return;
            }
        }
    }

    /** Waits a little for a transient state to pass: spin, then yield, then sleep briefly. */
    static void backOff(int round) {
        if (round < 64) {
            Thread.onSpinWait();
        } else if (round < 128) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(20_000L);
        }
    }

    // VarHandle mechanics
    private static final VarHandle STATE;
    private static final VarHandle DONE_SEQ;
    private static final VarHandle QUEUE_SEQ;
    private static final VarHandle PWQ;
    private static final VarHandle RUNNER;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Work.class, "state", int.class);
            DONE_SEQ = lookup.findVarHandle(Work.class, "doneSeq", long.class);
            QUEUE_SEQ = lookup.findVarHandle(Work.class, "queueSeq", long.class);
            PWQ = lookup.findVarHandle(Work.class, "pwq", PoolWorkqueue.class);
            RUNNER = lookup.findVarHandle(Work.class, "runner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
