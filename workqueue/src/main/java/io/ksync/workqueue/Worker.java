package io.ksync.workqueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * A worker thread's state and loop: the kernel's {@code struct worker}, {@code worker_thread},
 * {@code process_one_work} and, for a {@code MEM_RECLAIM} queue, {@code rescuer_thread}.
 *
 * <p>Not API.
 */
final class Worker implements Runnable {

    /*
     * Implementation notes.
     *
     * flags (int, CAS; written by the worker's own thread and by the manager's watchdog):
     *   COUNTED   the worker contributes to pool.nrRunning. Whoever clears it decrements nrRunning, whoever sets
     *             it increments: the bit makes the two sides agree on who owns the unit.
     *   RELEASED  the watchdog cleared COUNTED while the worker ran a stuck work; the worker counts itself
     *             again when that work returns.
     *
     * The blocking hook (WorkerPools) calls sleeping()/woken() on the worker's own thread, nested calls counted
     * by sleepDepth (plain: own thread only). Only the outermost sleep uncounts, and only a sleep that did
     * uncount recounts on waking.
     *
     * current/currentPwq are volatile fields written with release (a volatile store costs a full fence on x86,
     * four per work for these two): read by the watchdog as a snapshot (a work it misses by a moment it sees on
     * its next pass), and by Workqueue's chained-work and flush-from-own-work checks on the worker's own thread
     * (program order). runs counts the works started
     * (setOpaque by the worker, getOpaque by the watchdog, which only needs to see it change): progress is
     * measured by counting, not by reading the clock on every work.
     */

    /** The worker running on the calling thread, or null: how the blocking hook and the queues find it. */
    static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();

    /** How long spinForWorkLocked() spins holding the pool lock before it spins without it. */
    static final long LOCKED_SPIN_NANOS = 2_000;

    private static final int COUNTED = 1;
    private static final int RELEASED = 2;

    /** The pool this worker belongs to; null for a rescuer. */
    final WorkerPool pool;
    /** The queue this worker rescues; null for a pool worker. */
    final Workqueue rescuerOf;
    final WorkerPools pools;
    final int id;
    Thread thread;

    private volatile int flags;
    private int sleepDepth;
    private boolean sleepUncounted;

    volatile Work current;
    volatile PoolWorkqueue currentPwq;
    private long runs;
    /** The watchdog's view (manager thread only): {@link #runs} when it last changed, and when that was. */
    long watchdogSeenRuns;
    long watchdogSeenAt;

    /** The instance handed to this worker's current run, copied by Work.finishRun (own thread only). */
    PoolWorkqueue nextPwq;
    int nextColor;
    long nextSeq;
    long nextQueuedNanos;

    /** An execution of this pool whose accounting waits until the worker takes the pool lock again. */
    private PoolWorkqueue deferredPwq;
    private int deferredColor;

    Worker(WorkerPool pool, int id) {
        this.pool = pool;
        this.rescuerOf = null;
        this.pools = pool.pools;
        this.id = id;
    }

    Worker(Workqueue rescuerOf) {
        this.pool = null;
        this.rescuerOf = rescuerOf;
        this.pools = rescuerOf.pools;
        this.id = 0;
    }

    @Override
    public void run() {
        CURRENT.set(this);
        try {
            if (rescuerOf != null) {
                rescue();
            } else {
                serve();
            }
        } finally {
            CURRENT.remove();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // The pool worker's loop (worker_thread)

    private void serve() {
        final WorkerPool pool = this.pool;
        final long idleTimeout = pools.idleTimeoutNanos;
        pool.lock.lock();
        try {
            for (;;) {
                // idle (on pool.idle): sleep until the pool needs a worker
                long idleSince = System.nanoTime();
                // drains first: after this worker's uncount (the Dekker pair with a lock-free queueing, see
                // WorkerPool's notes) and after every wake-up
                while (!drainedAndNeedMoreWorkerLocked()) {
                    if (pools.isClosed() || (System.nanoTime() - idleSince >= idleTimeout
                            && pool.tooManyWorkersLocked())) {
                        retireLocked();
                        return;
                    }
                    pool.lock.unlock();
                    try {
                        Thread.interrupted(); // a stray interrupt must not turn the park into a busy loop
                        LockSupport.parkNanos(this, idleTimeout);
                    } finally {
                        pool.lock.lock();
                    }
                }
                pool.idle.remove(this);
                pools.workerBusy(); // the watchdog must look while this worker works (see WorkerPools' notes)
                if (pool.idle.isEmpty()) {
                    pool.requestWorkerLocked(); // may_start_working: keep a spare for when this one sleeps
                }
                if (pool.managed) {
                    count();
                }
                do {
                    do {
                        final Work work = pool.worklist.pollFirst();
                        final PoolWorkqueue pwq = work.pwq;
                        final int color = work.color;
                        final long seq = work.queueSeq();
                        final long queuedNanos = work.queuedNanos;
                        if (++pool.nrBusy > pool.maxBusySeen) {
                            pool.maxBusySeen = pool.nrBusy;
                        }
                        pool.executed++;
                        if (pool.needMoreWorkerLocked()) {
                            pool.wakeOrRequestLocked(); // unbound pools: the next idle worker takes the next work
                        }
                        pool.lock.unlock();
                        try {
                            process(work, pwq, color, seq, queuedNanos);
                        } catch (Throwable failure) {
                            pools.report(failure); // not the function's (runOne reports those): ours; go on
                        } finally {
                            pool.lockSpinning();
                        }
                        pool.nrBusy--;
                        if (deferredPwq != null) {
                            deferredPwq.activeDoneLocked(deferredColor);
                            deferredPwq = null;
                        }
                    } while (pool.keepWorkingLocked());
                } while (pool.managed && spinForWorkLocked());
                if (pool.managed) {
                    uncount();
                }
                pool.idle.addFirst(this);
            }
        } finally {
            pool.lock.unlock();
        }
    }

    private boolean drainedAndNeedMoreWorkerLocked() {
        pool.drainIncomingLocked();
        return pool.needMoreWorkerLocked();
    }

    /**
     * The worklist ran dry while this worker was the pool's running one: rather than go idle at once, and be
     * unparked for the next work a moment later (a wake-up costs the queuer an unpark and this thread 8 us or
     * more), spin for the pools' {@linkplain WorkerPools.Builder#spinBeforeIdle spin time} while still counted
     * as running. Counted, it keeps the pool's need for a worker false, so queuers push their works without
     * waking anybody. Called and returns with the lock held; true if there is work to go on with.
     *
     * <p>It spins holding the lock for the first {@value #LOCKED_SPIN_NANOS} ns: the works it waits for arrive
     * on the lock-free incoming stack, and a worker that keeps pace with a queuer would otherwise pay a second lock
     * round trip for every work (unlock to spin, lock to drain); a queuer that keeps it busy pushes the next work
     * well within that time. Then, or as soon as a thread queues for the lock, it lets go and spins the rest of
     * the time without it: callers of {@code lock()} queue at once; callers of {@link WorkerPool#lockSpinning()}
     * (a worker finishing a work, a pusher that drains) spin against it first, then queue, and pay a wake-up.
     * Keeping the locked part short bounds what a spinner preempted by the OS can hold up to rare cases.
     */
    private boolean spinForWorkLocked() {
        final long spinNanos = pools.spinBeforeIdleNanos;
        if (spinNanos == 0 || !pool.worklist.isEmpty() || pools.isClosed()) {
            return false; // not empty: another worker runs (keepWorking said no), so this one goes idle
        }
        final long start = System.nanoTime();
        int round = 0;
        boolean locked = true;
        try {
            // locked, only a push can bring work (nobody else can link any); unlocked, so can other lock holders
            while (locked ? pool.incoming.isEmptyOpaque() : !pool.hasWorkOpaque()) {
                Thread.onSpinWait();
                boolean heldLongEnough = false;
                if ((++round & 31) == 0) {
                    final long spun = System.nanoTime() - start;
                    if (spun >= spinNanos) {
                        break;
                    }
                    heldLongEnough = spun >= LOCKED_SPIN_NANOS;
                }
                if (locked && (heldLongEnough || pool.lock.hasQueuedThreads())) {
                    pool.lock.unlock(); // spin on without it: its time is up, or somebody waits for it
                    locked = false;
                }
            }
        } finally {
            if (!locked) {
                pool.lockSpinning();
            }
        }
        return pool.keepWorkingLocked();
    }

    private void retireLocked() {
        pool.idle.remove(this);
        pool.workers.remove(this);
        pools.workerRetired();
    }

    // ---------------------------------------------------------------------------------------------------
    // The rescuer's loop (rescuer_thread)

    private void rescue() {
        final Workqueue wq = rescuerOf;
        for (;;) {
            Thread.interrupted();
            final PoolWorkqueue pwq = wq.nextMayday();
            if (pwq == null) {
                if (wq.isRescuerStopped()) {
                    return;
                }
                LockSupport.park(this);
                continue;
            }
            final WorkerPool target = pwq.pool;
            target.lock.lock();
            try {
                for (;;) {
                    target.drainIncomingLocked();
                    Work work = target.worklist.first();
                    while (work != null && work.pwq != pwq) {
                        work = work.next;
                    }
                    if (work == null) {
                        break;
                    }
                    target.worklist.remove(work);
                    final int color = work.color;
                    final long seq = work.queueSeq();
                    final long queuedNanos = work.queuedNanos;
                    target.executed++;
                    target.lock.unlock();
                    try {
                        process(work, pwq, color, seq, queuedNanos);
                    } catch (Throwable failure) {
                        pools.report(failure);
                    } finally {
                        target.lock.lock();
                    }
                }
            } finally {
                target.lock.unlock();
            }
            wq.maydayDone(pwq);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Running works (process_one_work)

    /** Runs a dequeued instance, and every instance handed to it meanwhile; does their accounting. */
    private void process(Work work, PoolWorkqueue pwq, int color, long seq, long queuedNanos) {
        if (!work.claimRun(pwq, color, seq, queuedNanos)) {
            return; // handed to the thread running it now; it stays counted active on pwq until that runs it
        }
        boolean handedOff = false;
        for (;;) {
            runOne(work, pwq, queuedNanos, handedOff);
            final boolean again = work.finishRun(seq, this);
            final PoolWorkqueue donePwq = pwq;
            final int doneColor = color;
            if (again) {
                pwq = nextPwq;
                color = nextColor;
                seq = nextSeq;
                queuedNanos = nextQueuedNanos;
            }
            if (!again && donePwq.pool == this.pool) {
                deferredPwq = donePwq; // accounted when serve() takes its pool lock again
                deferredColor = doneColor;
                return;
            }
            donePwq.pool.lockSpinning();
            try {
                donePwq.activeDoneLocked(doneColor);
            } finally {
                donePwq.pool.lock.unlock();
            }
            if (!again) {
                return;
            }
            handedOff = true;
        }
    }

    /**
     * Runs one instance. A CPU-intensive queue's work runs uncounted; so does an instance handed to this worker
     * while its own pool has works waiting: a work re-queued for ever while it runs would otherwise keep its
     * runner busy on other pools' instances, and its own pool from starting another worker.
     */
    private void runOne(Work work, PoolWorkqueue pwq, long queuedNanos, boolean handedOff) {
        final boolean intensive = pool != null && pool.managed
                && (pwq.wq.cpuIntensive || (handedOff && pool.hasWorkOpaque())) && uncountIfCounted();
        if (intensive) {
            pool.runningDropped(); // a CPU-intensive work does not hold back the pool's other works
        }
        CURRENT_WORK.setRelease(this, work);
        CURRENT_PWQ.setRelease(this, pwq);
        RUNS.setOpaque(this, runs + 1);
        final long started = queuedNanos == 0 ? 0 : System.nanoTime(); // only for the latency event
        work.setRunnerRelease(thread);
        final WorkEvent event = new WorkEvent();
        event.begin();
        try {
            work.function.run();
        } catch (Throwable failure) {
            pools.report(failure);
        } finally {
            event.end();
            if (event.shouldCommit()) {
                event.workqueue = pwq.wq.name();
                event.work = work.function.getClass().getName();
                event.pool = pwq.pool.name;
                event.latency = queuedNanos == 0 ? 0 : started - queuedNanos;
                event.commit();
            }
            work.setRunnerRelease(null);
            CURRENT_WORK.setRelease(this, (Work) null);
            CURRENT_PWQ.setRelease(this, (PoolWorkqueue) null);
            // an interrupt aimed at this work (FutureTask.cancel(true) from invokeAny, a timed invokeAll) must not
            // reach the next work this thread runs, which may belong to another queue
            Thread.interrupted();
            if (intensive) {
                count();
            } else if (pool != null) {
                recountIfReleased();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Concurrency accounting (see WorkerPool's notes)

    /** The worker's thread is about to sleep in ksync (outermost call only uncounts). */
    void sleeping() {
        if (sleepDepth++ == 0 && pool != null && uncountIfCounted()) {
            sleepUncounted = true;
            pool.runningDropped();
        }
    }

    /** The worker's thread runs again after a sleep. */
    void woken() {
        if (--sleepDepth == 0 && sleepUncounted) {
            sleepUncounted = false;
            count();
        }
    }

    /** The number of works this worker has started (any thread; opaque). */
    long runs() {
        return (long) RUNS.getOpaque(this);
    }

    /** The watchdog releases a counted worker stuck in a work; true if it did (the caller kicks the pool). */
    boolean releaseByWatchdog() {
        for (;;) {
            final int f = flags;
            if ((f & COUNTED) == 0) {
                return false;
            }
            if (FLAGS.compareAndSet(this, f, (f & ~COUNTED) | RELEASED)) {
                pool.nrRunning.decrementAndGet();
                return true;
            }
        }
    }

    private void count() {
        // the unit first, then the bit that lets the watchdog take it back: never a COUNTED worker whose unit is
        // missing (a release in between would take nrRunning below zero and hide the pool's need for a worker)
        pool.nrRunning.incrementAndGet();
        FLAGS.getAndBitwiseOr(this, COUNTED);
    }

    /** Leaves the count for good (going idle): drops COUNTED, or the watchdog's RELEASED that replaced it. */
    private void uncount() {
        final int old = (int) FLAGS.getAndBitwiseAnd(this, ~(COUNTED | RELEASED));
        if ((old & COUNTED) != 0) {
            pool.nrRunning.decrementAndGet();
        }
    }

    private boolean uncountIfCounted() {
        for (;;) {
            final int f = flags;
            if ((f & COUNTED) == 0) {
                return false;
            }
            if (FLAGS.compareAndSet(this, f, f & ~COUNTED)) {
                pool.nrRunning.decrementAndGet();
                return true;
            }
        }
    }

    private void recountIfReleased() {
        for (;;) {
            final int f = flags;
            if ((f & RELEASED) == 0) {
                return;
            }
            if (FLAGS.compareAndSet(this, f, (f & ~RELEASED) | COUNTED)) {
                pool.nrRunning.incrementAndGet();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return thread == null ? "Worker[" + id + "]" : "Worker[" + thread.getName() + "]";
    }

    // VarHandle mechanics
    private static final VarHandle FLAGS;
    private static final VarHandle RUNS;
    private static final VarHandle CURRENT_WORK;
    private static final VarHandle CURRENT_PWQ;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            FLAGS = lookup.findVarHandle(Worker.class, "flags", int.class);
            RUNS = lookup.findVarHandle(Worker.class, "runs", long.class);
            CURRENT_WORK = lookup.findVarHandle(Worker.class, "current", Work.class);
            CURRENT_PWQ = lookup.findVarHandle(Worker.class, "currentPwq", PoolWorkqueue.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
