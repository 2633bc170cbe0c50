package io.ksync.workqueue;

import io.ksync.lock.Mutex;
import io.ksync.wait.Completion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A concurrency-managed workqueue: the kernel's {@code struct workqueue_struct} with {@code alloc_workqueue},
 * {@code alloc_ordered_workqueue}, {@code queue_work}, {@code queue_work_on}, {@code flush_workqueue},
 * {@code drain_workqueue}, {@code destroy_workqueue}, {@code workqueue_set_max_active} and
 * {@code workqueue_congested}, and the system queues {@code system_wq}, {@code system_highpri_wq},
 * {@code system_long_wq} and {@code system_unbound_wq} ({@code include/linux/workqueue.h},
 * {@code kernel/workqueue.c}; design document section 3.12).
 *
 * <p>A queue does not own threads: it queues {@link Work} items on the shared {@link WorkerPools}. A bound
 * queue (the default) queues on the pool of the calling CPU ({@link io.ksync.percpu.Cpus#current()}), or of the
 * CPU given to {@link #queueOn}; that pool keeps one worker running while it has work, and lets another run
 * when that worker sleeps in a ksync primitive or {@link io.ksync.wait.Blocking#run}, so a bound queue gets
 * exactly the concurrency its blocking needs and no more.
 *
 * <h2>Flags</h2>
 * <ul>
 *   <li>{@link Flag#UNBOUND}: queue on the unbound pool: not concurrency-managed, every work starts at once up to
 *   {@code maxActive}. For long or CPU-heavy work that should not wait for its CPU's pool.</li>
 *   <li>{@link Flag#HIGHPRI}: queue on the high-priority pools (their threads have {@link Thread#MAX_PRIORITY}).</li>
 *   <li>{@link Flag#CPU_INTENSIVE}: a running work of this queue does not count for its pool's concurrency,
 *   so it does not hold back the pool's other works.</li>
 *   <li>{@link Flag#MEM_RECLAIM}: the queue gets a rescuer thread at creation; when a pool cannot create a
 *   worker, the rescuer runs this queue's works there, so the queue always makes progress.</li>
 *   <li>{@link Flag#ORDERED}: one work at a time, in queueing order (implies {@code UNBOUND} and a
 *   {@code maxActive} of 1, as {@code alloc_ordered_workqueue}).</li>
 * </ul>
 *
 * <h2>The rules</h2>
 * <ul>
 *   <li>{@link #queue} of a pending work returns false and changes nothing; a work is never reentrant (see
 *   {@link Work}).</li>
 *   <li>{@code maxActive} bounds the works of this queue running at once per pool: per CPU for a bound queue, in
 *   all for an unbound one; works beyond it wait, in order, and {@link #isCongested()} says so.</li>
 *   <li>{@link #flush()} waits for every work queued before the call, and only those: works queued meanwhile do
 *   not hold it back.</li>
 *   <li>{@link #drain()} flushes until the queue is empty; meanwhile only the queue's own running works may queue
 *   on it (chained work); other queueing throws {@link IllegalStateException}. Delayed works pending on the
 *   queue are queued at once (their timers fired early) so that the queue can empty.</li>
 *   <li>{@link #destroy()} drains, then refuses every queueing with {@link IllegalStateException}.</li>
 *   <li>{@link #flush()}, {@link #drain()} and {@link #destroy()} from one of the queue's own works would wait for
 *   themselves and throw {@link IllegalStateException}.</li>
 * </ul>
 *
 * <p>Memory effects: actions before a successful queueing happen-before the work's run; the actions of every work
 * that {@link #flush()} waited for happen-before it returns.
 *
 * <pre>{@code
 * Workqueue wq = Workqueue.builder("disk-io").flags(Workqueue.Flag.MEM_RECLAIM).build();
 * Work writeback = new Work(this::writeDirtyPages);
 * wq.queue(writeback);          // false if already pending: coalesced
 * ...
 * wq.destroy();                 // runs what is queued, then refuses more
 * }</pre>
 */
public final class Workqueue implements Executor {

    /*
     * Implementation notes.
     *
     * One PoolWorkqueue per pool the queue uses (one per CPU for a bound queue, one for an unbound queue). A
     * queueing claims the work's PENDING bit (Work), numbers the instance, and links it on the pwq under the
     * pool's lock; nothing is allocated.
     *
     * flush() is flush_workqueue with two colors: under the queue's flush mutex (a ksync Mutex, so that a
     * worker flushing another queue lets its pool run others), it switches every pwq to the other color and
     * waits, on a Completion, until each pwq that had instances of the old color has none (PoolWorkqueue).
     *
     * drain() counts its callers in `drainers`; a queueing reads it (volatile) and refuses unless the caller is
     * a worker running a work of this queue. A queueing that read 0 just before a drain started is simply part
     * of what the drain flushes.
     *
     * Delayed works register themselves (weakly) the first time they are queued on a queue, so that drain() can
     * find those whose timers are pending on it with no cost on the queue/cancel path beyond two counters (the
     * delayed work's timer armings and landings, which isIdle() scans with the pools' counters).
     */

    /** Creation flags ({@code WQ_*}). */
    public enum Flag {
        /** {@code WQ_UNBOUND}: run on the unbound pools, not concurrency-managed. */
        UNBOUND,
        /** {@code WQ_HIGHPRI}: run on the high-priority pools. */
        HIGHPRI,
        /** {@code WQ_CPU_INTENSIVE}: running works do not count for their pool's concurrency. */
        CPU_INTENSIVE,
        /** {@code WQ_MEM_RECLAIM}: a rescuer thread guarantees progress when no worker can be created. */
        MEM_RECLAIM,
        /** {@code __WQ_ORDERED}: one work at a time, in queueing order. */
        ORDERED
    }

    /** The default {@code maxActive} ({@code WQ_DFL_ACTIVE}). */
    public static final int DEFAULT_MAX_ACTIVE = 256;

    /** The largest {@code maxActive} of a bound queue ({@code WQ_MAX_ACTIVE}). */
    public static final int MAX_ACTIVE = 512;

    private final String name;
    final WorkerPools pools;
    private final Set<Flag> flags;
    private final boolean unbound;
    final boolean cpuIntensive;
    private final boolean ordered;
    private final boolean isSystemQueue;
    private final PoolWorkqueue[] pwqs;
    private volatile int maxActive;

    private final Mutex flushMutex = new Mutex();
    private int nextFlushColor;                        // guarded by flushMutex
    private final AtomicInteger pwqsToFlush = new AtomicInteger();
    private volatile Completion flushDone;

    private final AtomicInteger drainers = new AtomicInteger();
    private final AtomicBoolean destroying = new AtomicBoolean();
    private final Completion destroyDone = new Completion();
    private volatile boolean destroyed;
    /** Set by destroy() after its last drain: the rescuer may leave (it is needed until then). */
    private volatile boolean rescuerStopped;

    private final Worker rescuer;
    private final ConcurrentLinkedQueue<PoolWorkqueue> maydays;

    private final ReentrantLock delayedLock = new ReentrantLock();
    private final WeakHashMap<DelayedWork, Boolean> delayedWorks = new WeakHashMap<>();
    /** How many delayed works have registered; guarded by delayedLock (isIdle retries when it moves). */
    private long delayedRegistrations;

    private volatile WorkqueueExecutorService executorView;

    private Workqueue(Builder builder, boolean isSystemQueue) {
        this.name = builder.name;
        this.pools = builder.pools != null ? builder.pools : WorkerPools.system();
        this.flags = Collections.unmodifiableSet(EnumSet.copyOf(builder.flags));
        this.ordered = flags.contains(Flag.ORDERED);
        this.unbound = ordered || flags.contains(Flag.UNBOUND);
        this.cpuIntensive = flags.contains(Flag.CPU_INTENSIVE);
        this.isSystemQueue = isSystemQueue;
        final boolean highPri = flags.contains(Flag.HIGHPRI);
        final int limit = maxActiveLimit();
        if (ordered && builder.maxActive > 1) {
            throw new IllegalArgumentException("an ORDERED workqueue runs one work at a time: maxActive must be 1 "
                    + "(or left unset), was " + builder.maxActive);
        }
        if (builder.maxActive > limit) {
            throw new IllegalArgumentException("maxActive must be in [1, " + limit + "] for workqueue " + name
                    + ", was " + builder.maxActive);
        }
        this.maxActive = ordered ? 1 : builder.maxActive > 0 ? builder.maxActive : DEFAULT_MAX_ACTIVE;
        pools.workqueueCreated();
        if (unbound) {
            pwqs = new PoolWorkqueue[] {new PoolWorkqueue(this, pools.unboundPool(highPri), maxActive)};
        } else {
            pwqs = new PoolWorkqueue[pools.cpus()];
            for (int cpu = 0; cpu < pwqs.length; cpu++) {
                pwqs[cpu] = new PoolWorkqueue(this, pools.boundPool(cpu, highPri), maxActive);
            }
        }
        if (flags.contains(Flag.MEM_RECLAIM)) {
            maydays = new ConcurrentLinkedQueue<>();
            rescuer = new Worker(this);
            try {
                rescuer.thread = pools.newRescuerThread(rescuer, name);
            } catch (RuntimeException | Error e) {
                pools.workqueueDestroyed();
                throw e;
            }
        } else {
            maydays = null;
            rescuer = null;
        }
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lock.lock();
            try {
                pwq.pool.pwqs.add(pwq);
            } finally {
                pwq.pool.lock.unlock();
            }
        }
        if (rescuer != null) {
            rescuer.thread.start();
        }
    }

    /**
     * A builder for a queue named {@code name} ({@code alloc_workqueue}), bound, with the default
     * {@code maxActive}, on the {@linkplain WorkerPools#system() system pools}.
     *
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** {@code system_wq}: bound, for short works; what {@link Work#queue()} uses. */
    public static Workqueue system() {
        return SystemQueues.SYSTEM;
    }

    /** {@code system_highpri_wq}: bound, high priority. */
    public static Workqueue systemHighPri() {
        return SystemHighPri.QUEUE;
    }

    /** {@code system_long_wq}: bound, for works that may run long (flushing it may take a while). */
    public static Workqueue systemLong() {
        return SystemLong.QUEUE;
    }

    /** {@code system_unbound_wq}: unbound, not concurrency-managed; works start at once up to its maxActive. */
    public static Workqueue systemUnbound() {
        return SystemUnbound.QUEUE;
    }

    /**
     * Queues {@code work} on the calling CPU's pool ({@code queue_work}); for an unbound queue, on its pool.
     * Allocation-free.
     *
     * @return false if the work was already pending (nothing changes)
     * @throws IllegalStateException if the queue is destroyed, or draining and the caller is not one of its
     *                               own running works
     */
    public boolean queue(Work work) {
        Objects.requireNonNull(work, "work");
        checkAccepting();
        if (!work.tryClaimPending()) {
            return false;
        }
        work.beginInstance();
        insert(-1, work);
        return true;
    }

    /**
     * Queues {@code work} on {@code cpu}'s pool ({@code queue_work_on}); for an unbound queue the CPU is ignored.
     *
     * @return false if the work was already pending
     * @throws IllegalArgumentException if {@code cpu} is not in {@code [0, pools().cpus())}
     * @throws IllegalStateException    as {@link #queue}
     */
    public boolean queueOn(int cpu, Work work) {
        checkCpu(cpu);
        Objects.requireNonNull(work, "work");
        checkAccepting();
        if (!work.tryClaimPending()) {
            return false;
        }
        work.beginInstance();
        insert(cpu, work);
        return true;
    }

    /**
     * Waits until every work queued on this queue before the call has finished ({@code flush_workqueue}).
     * Works queued during the call are not waited for. Uninterruptible, as the kernel's.
     *
     * @throws IllegalStateException if called from one of this queue's own works (it would wait for itself)
     */
    public void flush() {
        checkNotWaitingForItself("flush()");
        flushMutex.lock();
        try {
            final int color = nextFlushColor;
            final Completion done = new Completion();
            flushDone = done;
            pwqsToFlush.set(1); // the flusher's own reference, dropped below
            for (PoolWorkqueue pwq : pwqs) {
                pwq.pool.lock.lock();
                try {
                    pwq.pool.drainIncomingLocked(); // works queued before the call take the color being flushed
                    if (pwq.startFlushLocked(color)) {
                        pwqsToFlush.incrementAndGet();
                    }
                } finally {
                    pwq.pool.lock.unlock();
                }
            }
            nextFlushColor = 1 - color;
            if (pwqsToFlush.decrementAndGet() != 0) {
                done.waitForCompletion();
            }
        } finally {
            flushMutex.unlock();
        }
    }

    /**
     * Flushes until the queue is empty ({@code drain_workqueue}). Meanwhile only the queue's own running works
     * may queue on it; delayed works pending on it are queued at once.
     *
     * @throws IllegalStateException if called from one of this queue's own works
     */
    public void drain() {
        checkNotWaitingForItself("drain()");
        drainers.incrementAndGet();
        try {
            drainUntilIdle();
        } finally {
            drainers.decrementAndGet();
        }
    }

    /**
     * Drains the queue, then refuses every queueing ({@code destroy_workqueue}); its rescuer, if any, ends. While
     * it drains, only the queue's own running works may queue on it (chained work), as during {@link #drain()}.
     * A second call, or one made while another thread destroys the queue, waits until the queue is destroyed.
     *
     * <p>A queueing that races with the call (it began before and links after) either links in time for the
     * drain to run it or is refused; only a delayed work whose timer was being armed at that moment may still
     * run after the call returns (on the pools, which the queue does not own): never dropped.
     *
     * @throws IllegalStateException on a system queue, or if called from one of this queue's own works
     */
    public void destroy() {
        if (isSystemQueue) {
            throw new IllegalStateException("the system workqueue " + name + " is shared and cannot be destroyed");
        }
        checkNotWaitingForItself("destroy()");
        if (!destroying.compareAndSet(false, true)) {
            destroyDone.waitForCompletion();
            return;
        }
        try {
            final WorkqueueExecutorService view = executorView;
            if (view != null) {
                view.queueDestroying();
            }
            drainers.incrementAndGet(); // refuse all but chained work from here on, as drain() does
            try {
                drainUntilIdle();
                // a queueing that passed checkAccepting() before drainers went up may link after the idle check.
                // Unbound pools: mark every pwq dead under its pool's lock, so that each insert either linked before
                // (and the second drain runs it) or sees the mark (and is refused). Bound pools, which take
                // queueings without the lock: a push is refused once it sees `destroyed` inside its pwq's gate,
                // and the wait below for the gate to empty lets the second drain find every push that missed it
                for (PoolWorkqueue pwq : pwqs) {
                    pwq.pool.lock.lock();
                    try {
                        pwq.dead = true;
                    } finally {
                        pwq.pool.lock.unlock();
                    }
                }
                destroyed = true; // volatile: queueings from now on throw at once
                for (PoolWorkqueue pwq : pwqs) {
                    pwq.awaitNoPushers(); // a lock-free queueing that missed `destroyed` has pushed
                }
                drainUntilIdle();
            } finally {
                drainers.decrementAndGet();
            }
            for (PoolWorkqueue pwq : pwqs) {
                pwq.pool.lock.lock();
                try {
                    pwq.pool.pwqs.remove(pwq); // no more mayday for this queue: its rescuer is about to leave
                } finally {
                    pwq.pool.lock.unlock();
                }
            }
            if (rescuer != null) {
                rescuerStopped = true;
                LockSupport.unpark(rescuer.thread);
                if (WorkerPools.joinUninterruptibly(rescuer.thread)) {
                    Thread.currentThread().interrupt(); // kept for the caller
                }
            }
            pools.workqueueDestroyed();
        } finally {
            destroyDone.completeAll();
            final WorkqueueExecutorService view = executorView; // volatile: pairs with asExecutorService()
            if (view != null) {
                view.queueDestroyed();
            }
        }
    }

    /**
     * Sets {@code maxActive} ({@code workqueue_set_max_active}); works waiting beyond the old limit start at once
     * if the new one allows.
     *
     * @throws IllegalArgumentException if {@code maxActive} is not in {@code [1, MAX_ACTIVE]} (unbound queues:
     *                                  {@code max(512, 4 * cpus)})
     * @throws IllegalStateException    on an {@link Flag#ORDERED} queue, whose limit is 1 by definition
     */
    public void setMaxActive(int maxActive) {
        if (ordered) {
            throw new IllegalStateException("workqueue " + name + " is ORDERED: its maxActive is 1 and cannot change");
        }
        final int limit = maxActiveLimit();
        if (maxActive < 1 || maxActive > limit) {
            throw new IllegalArgumentException("maxActive must be in [1, " + limit + "] for workqueue " + name
                    + ", was " + maxActive);
        }
        this.maxActive = maxActive;
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lock.lock();
            try {
                pwq.pool.drainIncomingLocked();
                pwq.maxActive = maxActive;
                pwq.activateLocked();
            } finally {
                pwq.pool.lock.unlock();
            }
        }
    }

    /** The current {@code maxActive}. */
    public int maxActive() {
        return maxActive;
    }

    /**
     * Whether works of this queue wait for {@code maxActive} on the calling CPU's pool
     * ({@code workqueue_congested(WORK_CPU_UNBOUND, wq)}); a snapshot.
     */
    public boolean isCongested() {
        return isCongested(pwqFor(-1));
    }

    /**
     * Whether works of this queue wait for {@code maxActive} on {@code cpu}'s pool ({@code workqueue_congested});
     * a snapshot.
     *
     * @throws IllegalArgumentException if {@code cpu} is not in {@code [0, pools().cpus())}
     */
    public boolean isCongested(int cpu) {
        checkCpu(cpu);
        return isCongested(pwqFor(cpu));
    }

    /** The queue's name. */
    public String name() {
        return name;
    }

    /** The creation flags, as given to the builder. */
    public Set<Flag> flags() {
        return flags;
    }

    /** The pools this queue runs on. */
    public WorkerPools pools() {
        return pools;
    }

    /** Whether {@link #destroy()} has completed its drain and the queue refuses work. */
    public boolean isDestroyed() {
        return destroyed;
    }

    /**
     * Runs {@code command} as a new work on this queue ({@link Executor}).
     *
     * @throws RejectedExecutionException if the queue refuses work (destroyed, or draining)
     * @throws NullPointerException       if {@code command} is null
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        try {
            queue(new Work(command));
        } catch (IllegalStateException e) {
            throw new RejectedExecutionException(e.getMessage(), e);
        }
    }

    /**
     * An {@link ExecutorService} over this queue, for code that wants one: {@code shutdown()} drains then
     * destroys the queue (in the background), {@code awaitTermination} waits for that, {@code shutdownNow()}
     * also cancels the tasks submitted through the view that have not started and returns them; running tasks
     * are not interrupted. The same view is returned by every call.
     */
    public ExecutorService asExecutorService() {
        WorkqueueExecutorService view = executorView;
        if (view == null) {
            view = new WorkqueueExecutorService(this);
            if (!EXECUTOR_VIEW.compareAndSet(this, null, view)) {
                view = executorView;
            } else if (destroying.get()) {
                // the Dekker pair with destroy(): it sets destroying then reads executorView, we published the
                // view then read destroying, so one of the two tells the view (both may: the calls are idempotent)
                view.queueDestroying();
                if (destroyDone.isDone()) {
                    view.queueDestroyed();
                }
            }
        }
        return view;
    }

    @Override
    public String toString() {
        return "Workqueue[" + name + ", " + flags + ", maxActive " + maxActive + (destroyed ? ", destroyed]" : "]");
    }

    // ---------------------------------------------------------------------------------------------------
    // For Work, DelayedWork, Worker, WorkerPools and the executor view

    boolean isSystemQueue() {
        return isSystemQueue;
    }

    /** Refuses a queueing if the queue is destroyed, or draining and the caller is not chained. */
    void checkAccepting() {
        if (destroyed) {
            throw new IllegalStateException("workqueue " + name + " is destroyed: it accepts no work");
        }
        if (drainers.get() > 0 && !isChainedCaller()) {
            throw new IllegalStateException("workqueue " + name + " is draining: only its own running works may "
                    + "queue on it (chained work); queue after drain() returns");
        }
    }

    void checkCpu(int cpu) {
        if (cpu < 0 || cpu >= pools.cpus()) {
            throw new IllegalArgumentException("cpu must be in [0, " + pools.cpus() + ") for workqueue " + name
                    + ", was " + cpu);
        }
    }

    /**
     * Links the pending instance of {@code work} (whose PENDING the caller owns) for a caller's queueing; cpu -1 is
     * the caller's. If destroy() has marked the queue dead since the caller's checkAccepting(), the instance is
     * abandoned (PENDING released) and the queueing refused.
     *
     * @throws IllegalStateException if the queue is destroyed
     */
    void insert(int cpu, Work work) {
        if (!link(cpu, work, true)) {
            work.abandonInstance(work.queueSeq());
            throw new IllegalStateException("workqueue " + name + " is destroyed: it accepts no work");
        }
    }

    /**
     * Links the pending instance of a delayed work whose timer fired (or was fired early by flush or drain):
     * an instance the queue accepted, so it is linked even if the queue was destroyed meanwhile (it runs on the
     * pools rather than being dropped).
     */
    void insertAccepted(int cpu, Work work) {
        link(cpu, work, false);
    }

    private boolean link(int cpu, Work work, boolean refuseIfDead) {
        final PoolWorkqueue pwq = pwqFor(cpu);
        work.queuedNanos = WorkEvent.isTypeEnabled() ? System.nanoTime() : 0L;
        final WorkerPool pool = pwq.pool;
        if (pool.managed) {
            return push(pool, pwq, work, refuseIfDead);
        }
        pool.lockSpinning();
        try {
            if (refuseIfDead && pwq.dead) {
                return false;
            }
            pwq.insertLocked(work);
            return true;
        } finally {
            pool.lock.unlock();
        }
    }

    /**
     * Queues on a bound pool without its lock (see {@link IncomingWorks}). Refused, for a caller's queueing, once
     * destroy() has set {@code destroyed}: inside the gate, so that destroy() waits for the pushes that missed it.
     * The pusher that finds the stack empty reads nrRunning after its push: a running worker will drain the stack
     * (when its worklist runs empty, and after it uncounts itself to go idle); if none runs, the pusher drains
     * under the lock, and the linking wakes a worker.
     */
    private boolean push(WorkerPool pool, PoolWorkqueue pwq, Work work, boolean refuseIfDead) {
        final IncomingWorks incoming = pool.incoming;
        final boolean first;
        pwq.enterPushGate(); // getAndAdd: a full fence before the read of `destroyed`
        try {
            if (refuseIfDead && destroyed) {
                return false;
            }
            work.setPwqRelease(pwq); // before the push; a canceller finds the pool to drain through it
            first = incoming.push(work);
        } finally {
            pwq.leavePushGate();
        }
        if (first && pool.nrRunning.get() <= 0) {
            pool.lockSpinning();
            try {
                pool.drainIncomingLocked();
            } finally {
                pool.lock.unlock();
            }
        }
        return true;
    }

    /** A pwq has no more instances of the color being flushed (called under its pool's lock). */
    void pwqFlushed() {
        if (pwqsToFlush.decrementAndGet() == 0) {
            flushDone.complete();
        }
    }

    boolean isRescuerStopped() {
        return rescuerStopped;
    }

    boolean hasRescuer() {
        return rescuer != null;
    }

    /** Sends the rescuer to {@code pwq}'s pool (called under that pool's lock). */
    void summonRescuer(PoolWorkqueue pwq) {
        if (!pwq.maydayQueued) {
            pwq.maydayQueued = true;
            maydays.add(pwq);
            LockSupport.unpark(rescuer.thread);
        }
    }

    PoolWorkqueue nextMayday() {
        return maydays.poll();
    }

    void maydayDone(PoolWorkqueue pwq) {
        pwq.pool.lock.lock();
        try {
            pwq.maydayQueued = false;
        } finally {
            pwq.pool.lock.unlock();
        }
    }

    /** Remembers (weakly) a delayed work queued on this queue, for drain(). */
    void registerDelayed(DelayedWork work) {
        delayedLock.lock();
        try {
            if (delayedWorks.put(work, Boolean.TRUE) == null) {
                delayedRegistrations++;
            }
        } finally {
            delayedLock.unlock();
        }
    }

    /** Whether the calling thread runs one of this queue's works now (chained work). */
    boolean isChainedCaller() {
        final Worker worker = Worker.CURRENT.get();
        if (worker == null) {
            return false;
        }
        final PoolWorkqueue running = worker.currentPwq;
        return running != null && running.wq == this;
    }

    /** flush(), drain() and destroy() from the queue's own work, or from a run its next instance waits for. */
    private void checkNotWaitingForItself(String method) {
        if (isChainedCaller()) {
            throw new IllegalStateException(method + " of workqueue " + name + " from one of its own works would "
                    + "wait for itself");
        }
        if (isHandedToCaller()) {
            throw new IllegalStateException(method + " of workqueue " + name + " from a work that is queued on it "
                    + "again would wait for itself: the new instance runs on this thread once the current run "
                    + "returns (a work is never reentrant)");
        }
    }

    /**
     * Whether the calling thread runs a work whose next instance, queued on this queue, was handed to it (it runs
     * here when the current run returns): waiting for this queue from that run would wait for itself. Only a
     * handoff that has already happened is seen; one that happens while the caller waits is not.
     */
    private boolean isHandedToCaller() {
        final Worker worker = Worker.CURRENT.get();
        if (worker == null) {
            return false;
        }
        final Work running = worker.current;
        return running != null && running.handedOffTo(this);
    }

    /** The per-pool books of this queue, for debugging a flush that does not return (tests). */
    String describePools() {
        final StringBuilder text = new StringBuilder(name).append(": pwqsToFlush=").append(pwqsToFlush.get());
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lock.lock();
            try {
                text.append("\n  ").append(pwq.pool).append(" inFlight=").append(pwq.inFlight[0]).append('/')
                        .append(pwq.inFlight[1]).append(" workColor=").append(pwq.workColor).append(" flushColor=")
                        .append(pwq.flushColor).append(" nrActive=").append(pwq.nrActive).append(" inactive=")
                        .append(pwq.inactive.size()).append(" worklist=").append(pwq.pool.worklist.size());
            } finally {
                pwq.pool.lock.unlock();
            }
        }
        return text.toString();
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    private PoolWorkqueue pwqFor(int cpu) {
        final PoolWorkqueue[] pwqs = this.pwqs;
        if (pwqs.length == 1) {
            return pwqs[0];
        }
        final int index = cpu >= 0 ? cpu : io.ksync.percpu.Cpus.current();
        return pwqs[index < pwqs.length ? index : index % pwqs.length];
    }

    private boolean isCongested(PoolWorkqueue pwq) {
        pwq.pool.lock.lock();
        try {
            pwq.pool.drainIncomingLocked();
            return !pwq.inactive.isEmpty();
        } finally {
            pwq.pool.lock.unlock();
        }
    }

    private int maxActiveLimit() {
        return unbound ? Math.max(MAX_ACTIVE, 4 * pools.cpus()) : MAX_ACTIVE;
    }

    /**
     * Whether nothing of this queue is in flight at some instant during the call: nothing linked or running on
     * its pools, no delayed work in a timer for it. Checking the pools one by one is not enough: a chained work
     * running on one pool can queue its successor on a pool already checked and then finish before its own pool
     * is checked. Nor is asking the timers whether they are pending: an expired timer is no longer pending before
     * its callback links the work. So the monotonic counters are scanned twice until the scans agree: the pools'
     * inserted and left, and each registered delayed work's timer armings and landings (an instance counts in the
     * timer from before it is armed until after it is linked, and on its pool from the link). When they agree,
     * nothing moved in between, and at any instant between the scans the queue held exactly (inserted - left)
     * instances on its pools, and in its timers the works whose armings and landings differ and whose timer queue
     * is this one (read first: it changes only after a landing, which the second scan would see). A registration
     * during the scans (it precedes a work's first arming for this queue) makes them start over.
     */
    private boolean isIdle() {
        for (;;) {
            // the count before the snapshot: a registration in between only makes the scans start over
            final long registrations = delayedRegistrations();
            final List<DelayedWork> delayed = delayedWorksSnapshot();
            final long[] first = scanCounters(delayed);
            final long[] second = scanCounters(delayed);
            if (delayedRegistrations() == registrations && Arrays.equals(first, second)) {
                if (second[0] != second[1]) {
                    return false;
                }
                for (int i = 2; i < second.length; i += 3) {
                    if (second[i + 2] != 0 && second[i] != second[i + 1]) {
                        return false; // in a timer for this queue
                    }
                }
                return true;
            }
        }
    }

    /**
     * One scan for {@link #isIdle()}: the pools' inserted and left sums, then for each delayed work its timer
     * armings, landings, and whether its timer queue is this one (1 or 0).
     */
    private long[] scanCounters(List<DelayedWork> delayed) {
        final long[] scan = new long[2 + 3 * delayed.size()];
        for (PoolWorkqueue pwq : pwqs) {
            pwq.pool.lock.lock();
            try {
                pwq.pool.drainIncomingLocked(); // pushed works count once linked
                scan[0] += pwq.inserted;
                scan[1] += pwq.left;
            } finally {
                pwq.pool.lock.unlock();
            }
        }
        int i = 2;
        for (DelayedWork work : delayed) {
            final boolean forThisQueue = work.timerQueue() == this; // first: see isIdle
            scan[i++] = work.timerArmings();
            scan[i++] = work.timerLandings();
            scan[i++] = forThisQueue ? 1 : 0;
        }
        return scan;
    }

    /** drain_workqueue's loop; the caller has counted itself in {@code drainers}. */
    private void drainUntilIdle() {
        for (int round = 0;; round++) {
            fireDelayedWorks();
            flush();
            if (isIdle()) {
                return;
            }
            Work.backOff(round); // e.g. a timer callback about to link its work
        }
    }

    private long delayedRegistrations() {
        delayedLock.lock();
        try {
            return delayedRegistrations;
        } finally {
            delayedLock.unlock();
        }
    }

    private List<DelayedWork> delayedWorksSnapshot() {
        delayedLock.lock();
        try {
            return new ArrayList<>(delayedWorks.keySet());
        } finally {
            delayedLock.unlock();
        }
    }

    private void fireDelayedWorks() {
        for (DelayedWork work : delayedWorksSnapshot()) {
            work.fireTimerNowIfOn(this);
        }
    }

    /** Configures a {@link Workqueue}. */
    public static final class Builder {
        private final String name;
        private final EnumSet<Flag> flags = EnumSet.noneOf(Flag.class);
        private int maxActive;
        private WorkerPools pools;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("a workqueue needs a non-empty name");
            }
            this.name = name;
        }

        /** Adds creation flags. */
        public Builder flags(Flag... flags) {
            for (Flag flag : flags) {
                this.flags.add(Objects.requireNonNull(flag, "flag"));
            }
            return this;
        }

        /**
         * The most works of this queue running at once per pool; default {@value #DEFAULT_MAX_ACTIVE}.
         *
         * @throws IllegalArgumentException if {@code maxActive < 1} (the upper limit is checked by build())
         */
        public Builder maxActive(int maxActive) {
            if (maxActive < 1) {
                throw new IllegalArgumentException("maxActive must be >= 1, was " + maxActive);
            }
            this.maxActive = maxActive;
            return this;
        }

        /** The pools to run on; default {@link WorkerPools#system()}. */
        public Builder pools(WorkerPools pools) {
            this.pools = Objects.requireNonNull(pools, "pools");
            return this;
        }

        /**
         * Creates the queue (and its rescuer thread, for {@code MEM_RECLAIM}).
         *
         * @throws IllegalArgumentException if maxActive is beyond the limit, or not 1 for an ORDERED queue
         * @throws IllegalStateException    if the pools are closed, or the thread factory refuses the rescuer
         */
        public Workqueue build() {
            return new Workqueue(this, false);
        }
    }

    private static final class SystemQueues {
        static final Workqueue SYSTEM = new Workqueue(new Builder("events"), true);
    }

    private static final class SystemHighPri {
        static final Workqueue QUEUE = new Workqueue(new Builder("events_highpri").flags(Flag.HIGHPRI), true);
    }

    private static final class SystemLong {
        static final Workqueue QUEUE = new Workqueue(new Builder("events_long"), true);
    }

    private static final class SystemUnbound {
        static final Workqueue QUEUE = new Workqueue(new Builder("events_unbound").flags(Flag.UNBOUND)
                .maxActive(Math.max(MAX_ACTIVE, 4 * WorkerPools.system().cpus())), true);
    }

    // VarHandle mechanics
    private static final java.lang.invoke.VarHandle EXECUTOR_VIEW;

    static {
        try {
            EXECUTOR_VIEW = java.lang.invoke.MethodHandles.lookup()
                    .findVarHandle(Workqueue.class, "executorView", WorkqueueExecutorService.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
