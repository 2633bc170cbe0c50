package io.ksync.workqueue;

import io.ksync.percpu.Cpus;
import io.ksync.timer.TimerService;
import io.ksync.wait.Blocking;
import io.ksync.wait.BlockingHook;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker pools that {@link Workqueue}s run on, and the daemon that manages them: the kernel's per-CPU
 * {@code cpu_worker_pools} (a normal and a high-priority pool per CPU), its unbound pools, worker creation and
 * reaping, mayday to rescuers, and the workqueue watchdog ({@code kernel/workqueue.c}).
 *
 * <p>Pools are shared by every queue created on the same {@code WorkerPools}, as the kernel's are shared by
 * every workqueue: a queue is a view (flags, {@code maxActive}, flush) onto shared threads. {@link #system()}
 * is the instance of the system queues and of queues built without {@link Workqueue.Builder#pools}; build your
 * own to isolate a subsystem, choose its {@link ThreadFactory}, cap its threads or tune its timeouts.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>Workers are created on demand by a manager daemon ({@code kworker-manager/<name>}): a pool asks when it
 *   has work and no idle worker, and a worker that leaves the idle list as the last idle one asks for a spare,
 *   so that a worker is ready when a running one sleeps. Idle workers beyond a few are reaped after
 *   {@linkplain Builder#idleTimeout the idle timeout} ({@code IDLE_WORKER_TIMEOUT}).</li>
 *   <li>When a worker cannot be created (the factory throws or returns null, or {@linkplain Builder#maxWorkers
 *   the thread cap} is reached), the manager retries every 10 ms and sends the rescuer of every
 *   {@link Workqueue.Flag#MEM_RECLAIM MEM_RECLAIM} queue with work in that pool to run it (mayday); the first
 *   failure of a streak is reported.</li>
 *   <li>Workers of bound pools are concurrency-managed through the {@linkplain Blocking blocking hooks}: a
 *   worker that sleeps in a ksync primitive or in {@link Blocking#run} lets another run.</li>
 *   <li>Watchdog: while workers are busy, the manager looks at each pool every few milliseconds. A bound pool
 *   with pending work whose running worker has held one work for longer than the
 *   {@linkplain Builder#cpuIntensiveThreshold CPU-intensive threshold} (10 ms, the kernel's
 *   {@code wq_cpu_intensive_thresh_us}) without the pool starting anything else gets that worker uncounted,
 *   so another runs: work that blocks outside ksync ({@code Thread.sleep}, {@code Object.wait}, plain I/O) or
 *   computes for long cannot stall its pool. A pool that starts nothing for the
 *   {@linkplain Builder#watchdogThreshold watchdog threshold} (30 s) is reported as a "workqueue lockup", with
 *   the stack of the stuck worker, to the {@linkplain Builder#uncaughtExceptionHandler handler} and as a JFR
 *   event, and all its busy workers are released.</li>
 * </ul>
 *
 * <p>Failures of work functions, and the reports above, go to the {@linkplain Builder#uncaughtExceptionHandler
 * handler}, by default the reporting thread's own {@link Thread.UncaughtExceptionHandler}.
 */
public final class WorkerPools implements AutoCloseable {

    /*
     * Implementation notes.
     *
     * The manager thread owns worker creation, mayday and the watchdog. It sleeps without a deadline when no
     * worker is busy and nothing is failing (NOHZ), and is woken by requestWorker() and by a worker that leaves
     * the idle list while it sleeps (the Dekker pair managerSleeping / the pool lock: the manager writes
     * managerSleeping, then scans the pools under their locks; a worker leaves idle under its pool's lock, then
     * reads managerSleeping). A manager that saw busy workers clears the flag again before its timed sleep: it
     * looks again within a tick anyway, and workers leaving idle must not wake it every time.
     *
     * The blocking hook is registered once per JVM: it looks up Worker.CURRENT (a ThreadLocal) and forwards to
     * the worker; threads that are not workers pay the look-up and nothing else.
     */

    /** The default idle timeout before an idle worker beyond the spares leaves ({@code IDLE_WORKER_TIMEOUT}). */
    public static final long DEFAULT_IDLE_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(5);

    /** The default time a work may hold a bound pool's only running worker before another runs (10 ms). */
    public static final long DEFAULT_CPU_INTENSIVE_THRESHOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** The default time a bound pool's running worker spins for more work before it goes idle (10 us). */
    public static final long DEFAULT_SPIN_BEFORE_IDLE_NANOS = TimeUnit.MICROSECONDS.toNanos(10);

    /** The default time without progress before a pool is reported as locked up (30 s, the kernel's). */
    public static final long DEFAULT_WATCHDOG_THRESHOLD_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final long MAYDAY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    static {
        Blocking.addHook(new BlockingHook() {
            @Override
            public void beforeSleep(Object blocker) {
                final Worker worker = Worker.CURRENT.get();
                if (worker != null) {
                    worker.sleeping();
                }
            }

            @Override
            public void afterWake(Object blocker) {
                final Worker worker = Worker.CURRENT.get();
                if (worker != null) {
                    worker.woken();
                }
            }
        });
    }

    private final String name;
    private final boolean isSystem;
    private final ThreadFactory threadFactory;
    private final Thread.UncaughtExceptionHandler exceptionHandler;
    private final int maxWorkers;
    final long idleTimeoutNanos;
    final long spinBeforeIdleNanos;
    private final long cpuIntensiveNanos;
    private final long watchdogNanos;

    private final WorkerPool[][] boundPools;
    private final WorkerPool[] unboundPools;
    private final WorkerPool[] allPools;

    private final Thread manager;
    private final ConcurrentLinkedQueue<WorkerPool> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean managerSleeping;
    private final AtomicInteger totalWorkers = new AtomicInteger();
    private final AtomicInteger liveWorkqueues = new AtomicInteger();
    private volatile boolean closed;
    private volatile TimerService timers;
    /** Whether the timer service was given to the builder (then close() leaves it open). */
    private final boolean externalTimers;
    private final ReentrantLock timersLock = new ReentrantLock();

    private WorkerPools(Builder builder, boolean isSystem) {
        this.name = builder.name;
        this.isSystem = isSystem;
        this.threadFactory = builder.threadFactory;
        this.exceptionHandler = builder.exceptionHandler;
        this.maxWorkers = builder.maxWorkers;
        this.idleTimeoutNanos = builder.idleTimeoutNanos;
        this.spinBeforeIdleNanos = builder.spinBeforeIdleNanos;
        this.cpuIntensiveNanos = builder.cpuIntensiveNanos;
        this.watchdogNanos = builder.watchdogNanos;
        this.timers = builder.timers;
        this.externalTimers = builder.timers != null;
        final int cpus = builder.cpus > 0 ? builder.cpus : Cpus.count();
        this.boundPools = new WorkerPool[cpus][2];
        final List<WorkerPool> all = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (int hi = 0; hi < 2; hi++) {
                boundPools[cpu][hi] = new WorkerPool(this, cpu, hi == 1);
                all.add(boundPools[cpu][hi]);
            }
        }
        this.unboundPools = new WorkerPool[] {new WorkerPool(this, -1, false), new WorkerPool(this, -1, true)};
        all.addAll(Arrays.asList(unboundPools));
        this.allPools = all.toArray(new WorkerPool[0]);
        this.manager = new Thread(this::manage, (isSystem ? "kworker-manager" : "kworker-manager-" + name));
        manager.setDaemon(true);
        manager.start();
    }

    /** The pools of the system queues and of queues built without a {@code pools(...)} choice. */
    public static WorkerPools system() {
        return SystemHolder.INSTANCE;
    }

    /** A builder with the defaults (see the constants). */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of CPUs (bound pool pairs). */
    public int cpus() {
        return boundPools.length;
    }

    /** The instance's name (in thread names and reports). */
    public String name() {
        return name;
    }

    /** A snapshot of every pool's counters: bound pools by CPU (normal, then high priority), then unbound. */
    public List<WorkerPoolStats> stats() {
        final List<WorkerPoolStats> stats = new ArrayList<>(allPools.length);
        for (WorkerPool pool : allPools) {
            pool.lock.lock();
            try {
                stats.add(pool.statsLocked());
            } finally {
                pool.lock.unlock();
            }
        }
        return stats;
    }

    /** The number of worker threads alive, over all pools (rescuers not included). */
    public int workerThreads() {
        return totalWorkers.get();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the manager, the workers and the delayed-work timers. Every workqueue created on this instance must
     * have been destroyed first.
     *
     * @throws IllegalStateException on the {@linkplain #system() system} instance, or while workqueues created
     *                               on this instance are alive ({@link Workqueue#destroy()} them first)
     */
    @Override
    public void close() {
        if (isSystem) {
            throw new IllegalStateException("the system WorkerPools are shared and cannot be closed");
        }
        if (liveWorkqueues.get() > 0) {
            throw new IllegalStateException(liveWorkqueues.get() + " workqueue(s) on WorkerPools " + name
                    + " are not destroyed: destroy() them before closing their pools");
        }
        if (closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(manager);
        boolean interrupted = joinUninterruptibly(manager); // first: after it, no worker is being created
        final List<Thread> threads = new ArrayList<>();
        for (WorkerPool pool : allPools) {
            pool.lock.lock();
            try {
                for (Worker worker : pool.workers) {
                    threads.add(worker.thread);
                    LockSupport.unpark(worker.thread);
                }
            } finally {
                pool.lock.unlock();
            }
        }
        for (Thread thread : threads) {
            interrupted |= joinUninterruptibly(thread);
        }
        timersLock.lock();
        try {
            if (timers != null && !externalTimers) {
                timers.close();
            }
        } finally {
            timersLock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "WorkerPools[" + name + ", " + boundPools.length + " cpus, " + totalWorkers.get() + " workers"
                + (closed ? ", closed]" : "]");
    }

    // ---------------------------------------------------------------------------------------------------
    // For Workqueue, WorkerPool and Worker

    WorkerPool boundPool(int cpu, boolean highPri) {
        return boundPools[cpu][highPri ? 1 : 0];
    }

    WorkerPool unboundPool(boolean highPri) {
        return unboundPools[highPri ? 1 : 0];
    }

    /** The timer service of delayed works queued on this instance's queues; created on first use. */
    TimerService timers() {
        TimerService service = timers;
        if (service == null) {
            timersLock.lock();
            try {
                service = timers;
                if (service == null) {
                    if (closed) {
                        throw new IllegalStateException("WorkerPools " + name + " is closed");
                    }
                    service = TimerService.builder().name("workqueue-" + name).bases(boundPools.length).build();
                    timers = service;
                }
            } finally {
                timersLock.unlock();
            }
        }
        return service;
    }

    void workqueueCreated() {
        if (closed) {
            throw new IllegalStateException("WorkerPools " + name + " is closed: no workqueue can be created on it");
        }
        liveWorkqueues.incrementAndGet();
    }

    void workqueueDestroyed() {
        liveWorkqueues.decrementAndGet();
    }

    /** A pool wants a worker (called under its lock, once until answered). */
    void requestWorker(WorkerPool pool) {
        requests.add(pool);
        LockSupport.unpark(manager);
    }

    /** A worker left the idle list: make sure the watchdog looks while it works. */
    void workerBusy() {
        if (managerSleeping) {
            LockSupport.unpark(manager);
        }
    }

    void workerRetired() {
        totalWorkers.decrementAndGet();
    }

    /** Makes a thread for a rescuer of {@code wq}; null with the failure reported if the factory refuses. */
    Thread newRescuerThread(Worker rescuer, String wqName) {
        final Thread thread = threadFactory == null ? new Thread(rescuer) : threadFactory.newThread(rescuer);
        if (thread == null) {
            throw new IllegalStateException("the ThreadFactory of WorkerPools " + name
                    + " returned null for the rescuer of workqueue " + wqName);
        }
        if (threadFactory == null) {
            thread.setName(prefix() + "/rescuer:" + wqName);
            thread.setDaemon(true);
        }
        return thread;
    }

    /** Reports a failure to the handler; the handler's own failure is swallowed so the caller goes on. */
    void report(Throwable failure) {
        final Thread current = Thread.currentThread();
        try {
            final Thread.UncaughtExceptionHandler handler =
                    exceptionHandler != null ? exceptionHandler : current.getUncaughtExceptionHandler();
            handler.uncaughtException(current, failure);
        } catch (Throwable ignored) {
            // the handler failed too: nothing more can be done without stopping the worker
        }
    }

    /** Joins {@code thread} (unless it is the caller); returns whether an interrupt was swallowed. */
    static boolean joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread != Thread.currentThread()) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    // ---------------------------------------------------------------------------------------------------
    // The manager

    private void manage() {
        final Map<WorkerPool, Long> failing = new HashMap<>(); // pool -> when to retry
        final long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(cpuIntensiveNanos, watchdogNanos) / 2);
        while (!closed) {
            WorkerPool pool;
            while ((pool = requests.poll()) != null) {
                createWorker(pool, failing);
            }
            final long now = System.nanoTime();
            for (WorkerPool retry : new ArrayList<>(failing.keySet())) {
                if (now - failing.get(retry) >= 0) {
                    createWorker(retry, failing);
                }
            }
            managerSleeping = true; // volatile: the Dekker pair with workerBusy(), through the pool locks
            final boolean busy = watchdog(now);
            if (busy) {
                managerSleeping = false; // it looks again within a tick: workers going busy need not wake it
            }
            if (closed) {
                break;
            }
            if (requests.isEmpty()) {
                if (!failing.isEmpty()) {
                    LockSupport.parkNanos(this, Math.min(tick, MAYDAY_RETRY_NANOS));
                } else if (busy) {
                    LockSupport.parkNanos(this, tick);
                } else {
                    LockSupport.park(this);
                }
            }
            managerSleeping = false;
            Thread.interrupted();
        }
    }

    private void createWorker(WorkerPool pool, Map<WorkerPool, Long> failing) {
        final int id;
        pool.lock.lock();
        try {
            if (!pool.wantWorker || closed) {
                failing.remove(pool);
                return;
            }
            id = pool.nextWorkerId++;
        } finally {
            pool.lock.unlock();
        }
        final Worker worker = new Worker(pool, id);
        Throwable failure = null;
        Thread thread = null;
        if (totalWorkers.get() >= maxWorkers) {
            failure = new IllegalStateException("the thread cap of WorkerPools " + name + " (" + maxWorkers
                    + " workers) is reached");
        } else {
            try {
                thread = threadFactory == null ? new Thread(worker) : threadFactory.newThread(worker);
                if (thread == null) {
                    failure = new IllegalStateException("the ThreadFactory returned null");
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
        if (thread != null) {
            if (threadFactory == null) {
                thread.setName(prefix() + "/" + (pool.cpu >= 0 ? pool.cpu + ":" : "u:") + id
                        + (pool.highPri ? "H" : ""));
                thread.setDaemon(true);
                if (pool.highPri) {
                    thread.setPriority(Thread.MAX_PRIORITY);
                }
            }
            worker.thread = thread;
            totalWorkers.incrementAndGet();
            pool.lock.lock();
            try {
                pool.workers.add(worker);
                pool.idle.addFirst(worker);
                pool.wantWorker = false;
            } finally {
                pool.lock.unlock();
            }
            try {
                thread.start();
            } catch (Throwable t) {
                pool.lock.lock();
                try {
                    pool.workers.remove(worker);
                    pool.idle.remove(worker);
                    pool.wantWorker = true;
                } finally {
                    pool.lock.unlock();
                }
                totalWorkers.decrementAndGet();
                failure = t;
            }
        }
        if (failure == null) {
            failing.remove(pool);
            return;
        }
        pool.lock.lock();
        try {
            pool.drainIncomingLocked();
            if (!pool.needMoreWorkerLocked()) {
                // only a spare was wanted, and nothing waits: give up until the pool really needs a worker (its
                // next kick asks again) rather than retry at 100 Hz and send rescuers where nobody starves
                pool.wantWorker = false;
                failing.remove(pool);
                return;
            }
        } finally {
            pool.lock.unlock();
        }
        if (failing.put(pool, System.nanoTime() + MAYDAY_RETRY_NANOS) == null) {
            report(new IllegalStateException("workqueue: cannot create a worker for pool " + pool.name + " of "
                    + "WorkerPools " + name + "; its works wait for a thread, and MEM_RECLAIM queues' rescuers "
                    + "run theirs", failure));
        }
        mayday(pool);
    }

    /** Sends the rescuers of the queues with works in {@code pool} ({@code send_mayday}). */
    private void mayday(WorkerPool pool) {
        pool.lock.lock();
        try {
            for (PoolWorkqueue pwq : pool.pwqs) {
                if (pwq.wq.hasRescuer() && pool.hasWorksOfLocked(pwq)) {
                    pwq.wq.summonRescuer(pwq);
                }
            }
        } finally {
            pool.lock.unlock();
        }
    }

    /** One watchdog pass over the pools; returns whether any worker is busy (so that it should look again). */
    private boolean watchdog(long now) {
        boolean busy = false;
        for (WorkerPool pool : allPools) {
            String lockup = null;
            StackTraceElement[] stuckStack = null;
            long stalled = 0;
            int pending = 0;
            pool.lock.lock();
            try {
                pool.drainIncomingLocked();
                // progress since the last look, or nothing waiting: the stall clocks restart now
                if (pool.executed != pool.watchdogSeenExecuted || pool.worklist.isEmpty()) {
                    pool.watchdogSeenExecuted = pool.executed;
                    pool.watchdogSeenAt = now;
                }
                for (Worker worker : pool.workers) {
                    final long runs = worker.runs();
                    if (runs != worker.watchdogSeenRuns || worker.current == null) {
                        worker.watchdogSeenRuns = runs;
                        worker.watchdogSeenAt = now;
                    }
                }
                if (pool.nrBusy == 0) {
                    continue;
                }
                busy = true;
                if (pool.worklist.isEmpty()) {
                    continue;
                }
                stalled = now - pool.watchdogSeenAt;
                if (stalled >= watchdogNanos) {
                    pool.lockups++;
                    pool.watchdogSeenAt = now; // report again only after another threshold
                    pending = pool.worklist.size();
                    final StringBuilder stuck = new StringBuilder();
                    for (Worker worker : pool.workers) {
                        final Work work = worker.current;
                        if (work != null) {
                            stuck.append(stuck.length() == 0 ? "" : ", ").append(work.function)
                                    .append(" on ").append(worker.thread.getName());
                            if (stuckStack == null) { // now, before the release lets the work move on
                                stuckStack = worker.thread.getStackTrace();
                            }
                            if (pool.managed) {
                                worker.releaseByWatchdog();
                            }
                        }
                    }
                    lockup = stuck.toString();
                    pool.drainIncomingLocked(); // again after the releases: a pusher that saw them counted relies on it
                    pool.kickLocked();
                } else if (pool.managed && stalled >= cpuIntensiveNanos) {
                    boolean released = false;
                    for (Worker worker : pool.workers) {
                        if (worker.current != null && now - worker.watchdogSeenAt >= cpuIntensiveNanos) {
                            released |= worker.releaseByWatchdog();
                        }
                    }
                    if (released) {
                        pool.drainIncomingLocked(); // as above
                        pool.kickLocked();
                    }
                }
            } finally {
                pool.lock.unlock();
            }
            if (lockup != null) {
                reportLockup(pool, stalled, pending, lockup, stuckStack);
            }
        }
        return busy;
    }

    private void reportLockup(WorkerPool pool, long stalled, int pending, String stuck, StackTraceElement[] stack) {
        final WorkqueueLockupEvent event = new WorkqueueLockupEvent();
        if (event.shouldCommit()) {
            event.pool = name + "/" + pool.name;
            event.stalled = stalled;
            event.pending = pending;
            event.stuck = stuck;
            event.commit();
        }
        final IllegalStateException report = new IllegalStateException("workqueue lockup: pool " + name + "/"
                + pool.name + " started nothing for " + TimeUnit.NANOSECONDS.toMillis(stalled) + " ms with "
                + pending + " work(s) pending; stuck: " + stuck + " (the stack trace is the stuck thread's)");
        if (stack != null) {
            report.setStackTrace(stack);
        }
        report(report);
    }

    private String prefix() {
        return isSystem ? "kworker" : "kworker-" + name;
    }

    /** Configures a {@link WorkerPools}. */
    public static final class Builder {
        private String name = "pools";
        private int cpus;
        private ThreadFactory threadFactory;
        private Thread.UncaughtExceptionHandler exceptionHandler;
        private int maxWorkers = Integer.MAX_VALUE;
        private long idleTimeoutNanos = DEFAULT_IDLE_TIMEOUT_NANOS;
        private long spinBeforeIdleNanos = DEFAULT_SPIN_BEFORE_IDLE_NANOS;
        private long cpuIntensiveNanos = DEFAULT_CPU_INTENSIVE_THRESHOLD_NANOS;
        private long watchdogNanos = DEFAULT_WATCHDOG_THRESHOLD_NANOS;
        private TimerService timers;

        private Builder() {
        }

        /**
         * The timer service of delayed works; default: one created on first use, named
         * {@code workqueue-<name>}, closed with the pools. A service given here is not closed by
         * {@link WorkerPools#close()} (a test may give one with a {@link io.ksync.timer.ManualTimerClock}).
         */
        public Builder timers(TimerService timers) {
            this.timers = Objects.requireNonNull(timers, "timers");
            return this;
        }

        /** The name in thread names ({@code kworker-<name>/<cpu>:<id>}) and reports; default {@code pools}. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.name = name;
            return this;
        }

        /**
         * The number of CPUs, each with a normal and a high-priority bound pool; default {@link Cpus#count()}.
         *
         * @throws IllegalArgumentException if {@code cpus < 1}
         */
        public Builder cpus(int cpus) {
            if (cpus < 1) {
                throw new IllegalArgumentException("cpus must be >= 1, was " + cpus);
            }
            this.cpus = cpus;
            return this;
        }

        /**
         * The factory of worker and rescuer threads; default: daemon threads named like the kernel's kworkers.
         * It may throw or return null to refuse a thread: the pools then work on with the threads they have,
         * and rescuers run the works of {@code MEM_RECLAIM} queues.
         */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /** Where failures of work functions and the manager's reports go; default: the thread's own handler. */
        public Builder uncaughtExceptionHandler(Thread.UncaughtExceptionHandler handler) {
            this.exceptionHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * A cap on worker threads over all pools (rescuers not included); default none.
         *
         * @throws IllegalArgumentException if {@code maxWorkers < 1}
         */
        public Builder maxWorkers(int maxWorkers) {
            if (maxWorkers < 1) {
                throw new IllegalArgumentException("maxWorkers must be >= 1, was " + maxWorkers);
            }
            this.maxWorkers = maxWorkers;
            return this;
        }

        /**
         * How long a surplus idle worker waits before it leaves; default 5 minutes.
         *
         * @throws IllegalArgumentException if {@code timeout <= 0}
         */
        public Builder idleTimeout(long timeout, TimeUnit unit) {
            this.idleTimeoutNanos = positive("idleTimeout", timeout, unit);
            return this;
        }

        /**
         * How long the running worker of a bound pool whose worklist ran dry spins, still counted as running,
         * before it goes idle; default 10 us, 0 to go idle at once (as the kernel's workers do). A work queued
         * meanwhile is taken without waking anybody: the queuer pays no unpark and the work no wake-up latency
         * (8 us median, and far more on a busy machine), which is what a stream of small works queued one by one
         * costs otherwise. The price is up to this much CPU each time a pool runs out of work.
         *
         * @throws IllegalArgumentException if {@code time < 0}
         */
        public Builder spinBeforeIdle(long time, TimeUnit unit) {
            Objects.requireNonNull(unit, "unit");
            if (time < 0) {
                throw new IllegalArgumentException("spinBeforeIdle must be >= 0, was " + time + " " + unit);
            }
            this.spinBeforeIdleNanos = unit.toNanos(time);
            return this;
        }

        /**
         * How long one work may hold a bound pool's running worker, while other works wait and the pool starts
         * nothing, before the watchdog lets another worker run; default 10 ms.
         *
         * @throws IllegalArgumentException if {@code threshold <= 0}
         */
        public Builder cpuIntensiveThreshold(long threshold, TimeUnit unit) {
            this.cpuIntensiveNanos = positive("cpuIntensiveThreshold", threshold, unit);
            return this;
        }

        /**
         * How long a pool with pending work may start nothing before it is reported as locked up; default 30 s.
         *
         * @throws IllegalArgumentException if {@code threshold <= 0}
         */
        public Builder watchdogThreshold(long threshold, TimeUnit unit) {
            this.watchdogNanos = positive("watchdogThreshold", threshold, unit);
            return this;
        }

        /** Starts the manager and returns the pools (workers are created on demand). */
        public WorkerPools build() {
            return new WorkerPools(this, false);
        }

        private static long positive(String what, long value, TimeUnit unit) {
            Objects.requireNonNull(unit, "unit");
            if (value <= 0) {
                throw new IllegalArgumentException(what + " must be > 0, was " + value + " " + unit);
            }
            return unit.toNanos(value);
        }
    }

    private static final class SystemHolder {
        static final WorkerPools INSTANCE = new WorkerPools(new Builder().name("system"), true);
    }
}
