package io.ksync.workqueue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fields of a {@link WorkerPool} fixed at construction, which every queueing reads (a lock-free queueing on a
 * bound pool reads {@code managed}, {@code incoming} and {@code nrRunning} and nothing else of the pool).
 */
abstract class WorkerPoolFixedFields extends LinePadding {
    final WorkerPools pools;
    /** The CPU of a bound pool, or -1. */
    final int cpu;
    final boolean highPri;
    /** Whether the pool is concurrency-managed (bound). */
    final boolean managed;
    final String name;

    final ReentrantLock lock = new ReentrantLock();
    final WorkList worklist = new WorkList();
    /** Works queued without the lock on a bound pool, to be linked by the next holder of the lock. */
    final IncomingWorks incoming = new IncomingWorks();
    /** Idle workers, most recently idle first (the kernel's idle_list). */
    final ArrayDeque<Worker> idle = new ArrayDeque<>();
    final List<Worker> workers = new ArrayList<>();
    /** The pool workqueues that queue on this pool, for mayday. */
    final List<PoolWorkqueue> pwqs = new ArrayList<>();
    /** Workers counted for concurrency; see WorkerPool's notes. */
    final AtomicInteger nrRunning = new AtomicInteger();

    WorkerPoolFixedFields(WorkerPools pools, int cpu, boolean highPri) {
        this.pools = pools;
        this.cpu = cpu;
        this.highPri = highPri;
        this.managed = cpu >= 0;
        this.name = (cpu >= 0 ? Integer.toString(cpu) : "u") + (highPri ? "H" : "");
    }
}

/**
 * Padding between the fixed fields and the counters the running worker writes on every work ({@code executed},
 * {@code nrBusy}): without it a queuer's read of a fixed field and the worker's next counter update would take
 * the line from each other once per work (false sharing).
 */
abstract class WorkerPoolPadAfterFixed extends WorkerPoolFixedFields {
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;
    byte q064, q065, q066, q067, q068, q069, q070, q071, q072, q073, q074, q075, q076, q077, q078, q079;
    byte q080, q081, q082, q083, q084, q085, q086, q087, q088, q089, q090, q091, q092, q093, q094, q095;
    byte q096, q097, q098, q099, q100, q101, q102, q103, q104, q105, q106, q107, q108, q109, q110, q111;
    byte q112, q113, q114, q115, q116, q117, q118, q119, q120, q121, q122, q123, q124, q125, q126, q127;

    WorkerPoolPadAfterFixed(WorkerPools pools, int cpu, boolean highPri) {
        super(pools, cpu, highPri);
    }
}

/**
 * A pool of worker threads sharing one worklist: the kernel's {@code struct worker_pool}. Bound pools (one
 * normal and one high-priority per CPU) are concurrency-managed: they keep one worker running while they have
 * work, waking or creating another when it sleeps in a ksync primitive or {@code Blocking.run}. Unbound pools
 * are not: every queued work wakes a worker, up to the queues' {@code maxActive}.
 *
 * <p>Not API. Everything but {@link #nrRunning} and the watchdog's fields is guarded by {@link #lock}, a
 * {@link ReentrantLock} rather than a ksync lock: the pool's own lock must not call the blocking hooks that
 * call back into the pool.
 */
final class WorkerPool extends WorkerPoolPadAfterFixed {

    /*
     * Implementation notes (kernel/workqueue.c, "concurrency management").
     *
     * nrRunning counts the workers of a bound pool that are awake and working: a worker counts itself when it
     * leaves the idle list and uncounts itself when it goes back, when it sleeps in a ksync primitive (the
     * blocking hook, wq_worker_sleeping), while it runs a CPU_INTENSIVE work, and when the watchdog releases it
     * (a work stuck outside ksync). It is an atomic, not guarded by the lock, because the hook runs on the path
     * to sleep; the decisions that follow from it take the lock:
     *
     *   needMoreWorker  = worklist not empty && nrRunning == 0      (wake an idle worker, or create one)
     *   keepWorking     = worklist not empty && nrRunning <= 1      (a worker goes on with the next item)
     *   mayStartWorking = an idle worker remains                     (else ask the manager for a spare)
     *
     * For unbound pools nrRunning stays 0, so every queued work wakes a worker and a worker that takes a work
     * wakes the next idle one while work remains: the chain that runs unbound work in parallel.
     *
     * Bound pools take queueings without the lock: Workqueue pushes the work on `incoming` (IncomingWorks), and
     * whoever holds the lock and is about to look at the worklist or a pwq's counters first drains it
     * (drainIncomingLocked), linking the works on their pwqs in queueing order. So do cancellers
     * (tryUnlinkPending), flushes, the idle check of drain/destroy, stats and mayday. The running worker is the
     * exception: it goes on with linked works without draining, and drains when its worklist runs empty (pushed
     * works are newer than every linked one, so they would only queue behind), or when a pwq's inactive backlog
     * is about to move up (activeDoneLocked: the pushed works were queued before it moves). The pusher that finds
     * the stack empty makes sure somebody will drain it: if it then reads nrRunning > 0, the running worker
     * drains before it goes idle (it uncounts itself, an atomic, before it drains for its idle check; the push is
     * a CAS before the pusher's read of nrRunning: one of the two sees the other); otherwise the pusher takes the
     * lock, drains, and the linking kicks the pool.
     *
     * Worker creation is the manager's (WorkerPools' daemon): the pool asks once (wantWorker) and the manager
     * creates the thread outside every pool lock; if it cannot (the ThreadFactory throws or returns null, the
     * thread cap is reached), it retries and sends the pool's MEM_RECLAIM queues' rescuers to run their works
     * (mayday).
     */

    /** Pauses a thread spins for {@link #lock} before it queues on it (1-3 us). */
    private static final int LOCK_SPINS = 64;

    /** The watchdog's view (manager thread only): {@link #executed} when it last changed, and when that was. */
    long watchdogSeenExecuted;
    long watchdogSeenAt = System.nanoTime();

    boolean wantWorker;
    int nextWorkerId;
    int nrBusy;
    int maxBusySeen;
    long executed;
    long lockups;

    WorkerPool(WorkerPools pools, int cpu, boolean highPri) {
        super(pools, cpu, highPri);
    }

    /**
     * Takes {@link #lock} on the hot paths (queueing, and a worker going back for its next work), spinning a
     * little before it queues: every critical section under the lock is a few dozen instructions, where a waiter
     * that parks pays a wake-up (8 us median on the development machine) for a lock that was free again within
     * a fraction of a microsecond. {@code isLocked()} is a volatile read of the lock's state: the spin reads,
     * and only tries the CAS when the lock looks free.
     */
    void lockSpinning() {
        final ReentrantLock lock = this.lock;
        if (lock.tryLock()) {
            return;
        }
        for (int i = 0; i < LOCK_SPINS; i++) {
            Thread.onSpinWait();
            if (!lock.isLocked() && lock.tryLock()) {
                return;
            }
        }
        lock.lock();
    }

    /**
     * Links the works queued without the lock on their pwqs, oldest first ({@code insert_work} for each); every
     * holder of the lock calls it before it looks at the worklist or a pwq of this pool.
     */
    void drainIncomingLocked() {
        Work stack = incoming.takeAll();
        if (stack == null) {
            return;
        }
        Work oldestFirst = null;
        while (stack != null) { // reverse the stack: pushed newest first
            final Work next = stack.next;
            stack.next = oldestFirst;
            oldestFirst = stack;
            stack = next;
        }
        while (oldestFirst != null) {
            final Work next = oldestFirst.next;
            oldestFirst.next = null;
            oldestFirst.pwq.insertLocked(oldestFirst); // pwq: written by the pusher, published by its CAS
            oldestFirst = next;
        }
    }

    /** Whether works wait, linked or pushed; a snapshot without the lock, for spinning and handed-off runs. */
    boolean hasWorkOpaque() {
        return !worklist.isEmptyOpaque() || !incoming.isEmptyOpaque();
    }

    /** Wakes or creates a worker if the pool needs one ({@code kick_pool}). */
    void kickLocked() {
        if (needMoreWorkerLocked()) {
            wakeOrRequestLocked();
        }
    }

    boolean needMoreWorkerLocked() {
        return !worklist.isEmpty() && (!managed || nrRunning.get() <= 0); // <= : a count may dip for a moment
    }

    /**
     * Whether the running worker goes on with the next work. Drains the incoming works first when the worklist
     * is empty, and only then: the works pushed meanwhile are newer than every linked one, so they would only be
     * appended behind, and reading the incoming stack's head after every work took its line from the queuer each
     * time. So a worker that runs behind a queuer drains a batch per list, not a work per work.
     */
    boolean keepWorkingLocked() {
        if (worklist.isEmpty()) {
            drainIncomingLocked(); // (the drain a pusher that saw this worker counted relies on is the idle
                                   // loop's, after the uncount)
        }
        return !worklist.isEmpty() && (!managed || nrRunning.get() <= 1);
    }

    /** Whether idle workers are so many that one timed out may leave ({@code too_many_workers}). */
    boolean tooManyWorkersLocked() {
        final int nrIdle = idle.size();
        final int nrBusy = workers.size() - nrIdle;
        return nrIdle > 2 && (nrIdle - 2) * 4 >= nrBusy;
    }

    void wakeOrRequestLocked() {
        final Worker first = idle.peekFirst();
        if (first != null) {
            LockSupport.unpark(first.thread);
        } else {
            requestWorkerLocked();
        }
    }

    /** Asks the manager for a new worker, once until it has answered. */
    void requestWorkerLocked() {
        if (!wantWorker) {
            wantWorker = true;
            pools.requestWorker(this);
        }
    }

    /**
     * A worker has just uncounted itself (it is about to sleep, {@code wq_worker_sleeping}, or starts a
     * CPU-intensive work): if no worker is left running, the pool may need another. The check of nrRunning is
     * a hint; kickLocked() decides under the lock.
     */
    void runningDropped() {
        if (nrRunning.get() <= 0) {
            lock.lock();
            try {
                drainIncomingLocked(); // after the uncount: see the notes
                kickLocked();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Unlinks {@code work} from {@code pwq} if it is still linked there; for cancellers, which found {@code pwq}
     * without a lock. The work may meanwhile have been dequeued and linked on another pool, under that pool's lock:
     * then its fields may be read here half-updated. What makes the check safe is that a list of this pool is
     * stored in {@code onList} only under this pool's lock, so seeing one of them here means the work is linked
     * here (the dequeue's null, written under this lock, is always seen over an older value).
     */
    boolean tryUnlinkPending(Work work, PoolWorkqueue pwq) {
        lock.lock();
        try {
            drainIncomingLocked(); // it may be there, pushed and not yet linked
            final WorkList list = work.onList;
            if (work.pwq != pwq || (list != worklist && list != pwq.inactive)) {
                return false;
            }
            pwq.unlinkLocked(work);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Undoes the accounting of a handed-off instance that a canceller dropped. */
    void cancelHandedOff(PoolWorkqueue pwq, int color) {
        lock.lock();
        try {
            pwq.activeDoneLocked(color);
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code pwq} has works on this pool's worklist (for mayday). */
    boolean hasWorksOfLocked(PoolWorkqueue pwq) {
        drainIncomingLocked();
        for (Work work = worklist.first(); work != null; work = work.next) {
            if (work.pwq == pwq) {
                return true;
            }
        }
        return false;
    }

    /** A snapshot of the pool's counters. */
    WorkerPoolStats statsLocked() {
        drainIncomingLocked();
        return new WorkerPoolStats(name, cpu, highPri, workers.size(), idle.size(), nrBusy,
                managed ? nrRunning.get() : nrBusy, worklist.size(), maxBusySeen, executed, lockups);
    }

    @Override
    public String toString() {
        return "WorkerPool[" + pools.name() + "/" + name + "]";
    }
}
