package io.ksync.rcu;

import io.ksync.wait.Completion;
import io.ksync.wait.WaitQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A domain's deferred callbacks ({@code call_rcu}, {@code kfree_rcu}, {@code rcu_barrier}) and requested grace
 * periods ({@code start_poll_synchronize_rcu}): a multi-producer queue drained by one callback thread that waits
 * a grace period per batch and then runs the batch in queueing order.
 *
 * <p>Implementation notes.
 *
 * <p>Queue: JCTools' {@code MpscUnboundedAtomicArrayQueue} (no {@code Unsafe}, so no warning on newer JDKs),
 * in chunks of {@value #CHUNK} slots: {@code call} is a CAS on the producer index and a release store of the
 * element, and allocates one chunk per {@value #CHUNK} callbacks, amortised. Its FIFO order is consistent with
 * every producer's program order, so callbacks run in order per calling thread.
 *
 * <p>Batches: the thread drains up to {@value #MAX_BATCH} callbacks into a reused array, then runs one grace
 * period and the batch. The grace period began after the drain, which saw every drained callback's enqueue, which
 * came after its caller unpublished what the callback reclaims: so it covers them all. Callbacks that arrive while
 * a batch waits form the next batch; the grace period is the batching delay, as in the kernel.
 *
 * <p>Pending count, without a shared counter on the call path: {@code queue.size() + inFlight}. The thread stores
 * {@code inFlight = n + 1} (release) only once {@code peek()} has shown element {@code n + 1} (so the count never
 * includes a callback that is not there), and before it polls that element, whose consumer-index store (release)
 * comes after: a thread that sees the element gone from the queue (acquire load of the consumer index) sees it
 * counted in {@code inFlight}. After the batch ran, {@code inFlight = 0} (volatile). So {@link #isIdle()}, read by
 * {@code barrier()} as the consumer index, the producer index and then {@code inFlight}, is true only if every
 * callback queued before it has run, and those runs happen-before its return. A barrier's marker lowers
 * {@code inFlight} to the callbacks after it in its batch before it completes the barrier (everything before it
 * has run): otherwise the marker itself stayed counted until the end of the batch, and {@code pendingCallbacks()}
 * read 1 for a moment after {@code barrier()} returned.
 *
 * <p>Back-pressure: when the pending count reaches half the limit the thread runs expedited grace periods (it
 * scans the readers without sleeping between looks for longer; epoch-based readers cannot be made to pass a
 * quiescent state as the kernel's IPIs make CPUs do, so expediting shortens only the writer's side); at the limit
 * a caller that may block (not in a read-side section of the domain, not the callback thread) sleeps on
 * {@code throttle} until the count is below the limit, for at most the stall timeout unless the limit is strict;
 * the thread wakes sleepers after every batch. Callers that pass the check together may overshoot the limit by
 * their number.
 *
 * <p>Thread life: started on first use; after {@code keepAlive} idle it stores {@code EXITING}, looks at the queue
 * again, and stores {@code RUNNING} and goes on if it finds work, else {@code NONE} and leaves. A caller enqueues (a
 * CAS on the producer index), then reads the state: both sides write then read volatile variables
 * (store-buffering), so either the thread sees the work or the caller sees {@code EXITING} or {@code NONE}; a
 * caller that sees {@code EXITING} spins until the thread has decided (a peek and a store), and one that sees
 * {@code NONE} starts a new thread. Only a thread that owns the consumer side looks at the queue with
 * {@code peek()} (a single-consumer operation; the next thread starts only after {@code NONE}): when an offer links
 * a new chunk, its CAS leaves the producer index odd until a later lazy store, which {@code isEmpty()} reads as
 * empty, while {@code peek()} sees the index moved and waits for the element. The {@code sleeping} flag and its
 * unpark work the same way. The thread clears its interrupt status before parking (an interrupt would make every
 * park return at once) and marks itself in a thread-local, so that no callback thread of any domain is made to
 * wait for callbacks.
 *
 * <p>Failures: callbacks' exceptions are reported; an Error in a grace period is reported and the grace period
 * retried, with the batch kept in hand (never run early, never lost); any other failure of the thread is reported
 * and a new thread takes over.
 */
final class RcuCallbacks {

    private static final int CHUNK = 1024;
    private static final long THROTTLE_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Set on callback threads: the RcuCallbacks they run. */
    private static final ThreadLocal<RcuCallbacks> RUNNING_CALLBACKS = new ThreadLocal<>();
    private static final int MAX_BATCH = 16 * 1024;
    private static final int NONE = 0;
    private static final int RUNNING = 1;
    /** The thread is deciding whether to leave; it still owns the consumer side. */
    private static final int EXITING = 2;

    private final GracePeriodState state;
    private final MpscUnboundedAtomicArrayQueue<Object> queue = new MpscUnboundedAtomicArrayQueue<>(CHUNK);
    private final WaitQueue throttle = new WaitQueue();
    private final long limit;
    /** Callers at the limit wait until below it, not at most the stall timeout (Options.strictCallbackLimit). */
    private final boolean strictLimit;
    private final long keepAliveNanos;
    private final ThreadFactory threadFactory;
    private volatile Thread thread;
    private volatile int threadState;
    private volatile boolean sleeping;
    private volatile long inFlight;
    /** The grace-period count when a throttled caller last gave up waiting (-1: never); see awaitBelowLimit. */
    private volatile long gaveUpAtCompleted = -1;
    /** The latest grace period asked for by startPoll(); the thread runs grace periods until it has completed. */
    private volatile long requestedGracePeriod;
    /** Batches run behind an expedited grace period; written by the callback thread only (opaque), for tests. */
    private long expeditedBatches;

    RcuCallbacks(GracePeriodState state, RcuDomain.Options options) {
        this.state = state;
        this.limit = options.callbackLimit;
        this.strictLimit = options.strictCallbackLimit;
        this.keepAliveNanos = options.keepAliveNanos;
        this.threadFactory = options.threadFactory != null ? options.threadFactory : r -> {
            // no inherited thread-locals (a caller's MDC or tracing context), the system's group, normal priority
            final Thread t = new Thread(null, r, "rcu-callbacks/" + state.name, 0, false);
            t.setDaemon(true);
            t.setPriority(Thread.NORM_PRIORITY);
            return t;
        };
    }

    /** Queues a callback (a Runnable, an AutoCloseable or a {@link Close}) without back-pressure. */
    void enqueue(Object callback) {
        queue.offer(callback);
        wake();
    }

    /** Whether a caller should wait before queueing more. */
    boolean overLimit() {
        return pending() >= limit;
    }

    /**
     * Sleeps until the pending count is below the limit (uninterruptibly; the interrupt status is kept). Not
     * strict: for at most the stall timeout, then reports and returns, so a caller that holds something the
     * domain's readers wait for is slowed down, not deadlocked; until the next grace period completes after such a
     * give-up, callers do not wait at all (one report and one timeout per stall, not one per call). Strict: as long
     * as it takes, with one report after the stall timeout.
     */
    void awaitBelowLimit() {
        if (!strictLimit && gaveUpAtCompleted == state.completed) {
            return; // stalled since the last give-up: no grace period has completed
        }
        final long deadline = System.nanoTime() + state.stallTimeoutNanos;
        final BooleanSupplier belowLimit = () -> pending() < limit;
        boolean reportedStrictWait = false;
        while (!belowLimit.getAsBoolean()) {
            wake(); // again each time: a thread factory that failed once is retried
            final long left = deadline - System.nanoTime();
            if (left <= 0 && strictLimit) {
                if (!reportedStrictWait) {
                    reportedStrictWait = true;
                    reportLimitWait("strict limit", "goes on waiting: are grace periods stalled by a reader, or"
                            + " does the caller hold something a reader waits for (then it never ends)?");
                }
            } else if (left <= 0) {
                final long completed = state.completed;
                if (gaveUpAtCompleted != completed) {
                    gaveUpAtCompleted = completed;
                    reportLimitWait("limit", "goes on over the limit, as do the calls after it until a grace"
                            + " period completes: are grace periods stalled by a reader, or does the caller hold"
                            + " something a reader waits for?");
                }
                return;
            }
            throttle.waitEventTimeout(belowLimit, left > 0 ? Math.min(left, THROTTLE_SLICE_NANOS)
                    : THROTTLE_SLICE_NANOS, TimeUnit.NANOSECONDS);
            if (!strictLimit && gaveUpAtCompleted == state.completed) {
                return; // another caller gave up meanwhile
            }
        }
    }

    /** Reports, to the caller's handler, that a throttled caller has waited the stall timeout at the limit. */
    private void reportLimitWait(String limitKind, String whatNext) {
        state.report(Thread.currentThread(), new IllegalStateException("a call() or retire() on RCU domain "
                + state.name + " waited " + TimeUnit.NANOSECONDS.toMillis(state.stallTimeoutNanos) + " ms for its "
                + pending() + " pending callbacks to drain below the " + limitKind + " of " + limit + " and "
                + whatNext));
    }

    /** Batches run behind an expedited grace period so far; for tests. */
    long expeditedBatches() {
        return (long) EXPEDITED_BATCHES.getOpaque(this);
    }

    long pending() {
        return queue.size() + inFlight;
    }

    /** Whether every callback queued before the call has run (see the class notes). */
    boolean isIdle() {
        return queue.isEmpty() && inFlight == 0;
    }

    /** Whether the calling thread is the callback thread of any domain (which must never wait for callbacks). */
    static boolean isAnyCallbackThread() {
        return RUNNING_CALLBACKS.get() != null;
    }

    /** Makes the callback thread run grace periods until {@code cookie} has completed. */
    void requestGracePeriod(long cookie) {
        long requested;
        while ((requested = requestedGracePeriod) < cookie) {
            if (REQUESTED.compareAndSet(this, requested, cookie)) {
                break;
            }
        }
        wake(); // also when another request covered ours: its wake-up may have failed to start the thread
    }

    /**
     * For the callback thread only, while it owns the consumer side (RUNNING or EXITING). peek(), not isEmpty():
     * while a producer links a new chunk its producer index is odd, which isEmpty() reads as empty; peek() sees the
     * index moved and waits for the element.
     */
    private boolean hasWork() {
        return queue.peek() != null || requestedGracePeriod > state.completed;
    }

    private void wake() {
        int current = threadState;
        while (current == EXITING) {
            Thread.onSpinWait(); // the thread is deciding whether to leave: a peek and a store
            current = threadState;
        }
        if (current == NONE) {
            start();
        } else if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    private void start() {
        if (!THREAD_STATE.compareAndSet(this, NONE, RUNNING)) {
            wake(); // another caller started it, or it is leaving: look again
            return;
        }
        try {
            final Thread t = threadFactory.newThread(this::runCallbacks);
            if (t == null) {
                throw new IllegalStateException("the thread factory returned null");
            }
            thread = t;
            t.start();
        } catch (Throwable failure) {
            THREAD_STATE.setVolatile(this, NONE);
            state.report(Thread.currentThread(), new IllegalStateException("RCU domain " + state.name
                    + " could not start its callback thread; queued callbacks stay queued and the next call()"
                    + " or barrier() tries again", failure));
        }
    }

    private void runCallbacks() {
        RUNNING_CALLBACKS.set(this);
        try {
            drainAndRun();
        } catch (Throwable failure) { // not from a callback or a grace period (both are caught): a VM error
            state.report(Thread.currentThread(), new IllegalStateException("the callback thread of RCU domain "
                    + state.name + " failed; a new one takes over", failure));
            IN_FLIGHT.setVolatile(this, 0L);
            THREAD_STATE.setVolatile(this, NONE);
            wake();
        } finally {
            RUNNING_CALLBACKS.remove();
        }
    }

    private void drainAndRun() {
        Object[] batch = new Object[64];
        for (;;) {
            int n = 0;
            for (;;) {
                if (n == batch.length) {
                    if (n >= MAX_BATCH) {
                        break;
                    }
                    try {
                        batch = Arrays.copyOf(batch, n * 2);
                    } catch (OutOfMemoryError tight) {
                        break; // run what is in hand: the rest waits in the queue
                    }
                }
                if (queue.peek() == null) { // waits out a producer between its index and its element
                    break; // nothing more: inFlight stays n, so pending() never counts a callback that is not there
                }
                IN_FLIGHT.setRelease(this, n + 1L); // counted before it leaves the queue (see the notes)
                final Object callback = queue.poll(); // non-null: peek() saw it, and this is the only consumer
                if (callback == null) {
                    IN_FLIGHT.setRelease(this, (long) n);
                    break;
                }
                batch[n++] = callback;
            }
            if (n > 0) {
                runBatch(batch, n);
            } else if (requestedGracePeriod > state.completed) {
                awaitGracePeriod(GracePeriodState.SPIN_ROUNDS);
            } else if (!idle()) {
                return;
            }
        }
    }

    /** One grace period, then the batch in order; never throws (callbacks' failures are reported). */
    private void runBatch(Object[] batch, int n) {
        final boolean expedite = pending() >= limit / 2 || throttle.hasSleepers();
        if (expedite) {
            EXPEDITED_BATCHES.setOpaque(this, expeditedBatches + 1); // only this thread writes it
        }
        awaitGracePeriod(expedite ? GracePeriodState.EXPEDITED_SPIN_ROUNDS : GracePeriodState.SPIN_ROUNDS);
        for (int i = 0; i < n; i++) {
            final Object callback = batch[i];
            batch[i] = null;
            if (callback instanceof BarrierMarker) {
                // every callback before it has run: uncount it and them before the barrier returns, so that
                // pendingCallbacks() right after barrier() counts only what was queued after it (release: their
                // runs happen-before a reader of the count that sees it drop, as inFlight = 0 below)
                IN_FLIGHT.setRelease(this, (long) (n - i - 1));
                ((BarrierMarker) callback).done.complete();
                continue;
            }
            invoke(callback);
        }
        IN_FLIGHT.setVolatile(this, 0L);
        if (throttle.hasSleepers()) {
            throttle.wakeUpAll();
        }
    }

    /**
     * A grace period for the batch in hand; an Error in it (an OutOfMemoryError, say) is reported and the grace
     * period tried again after a pause, so the batch is neither lost nor run early.
     */
    private void awaitGracePeriod(int spinRounds) {
        long pauseNanos = TimeUnit.MILLISECONDS.toNanos(1);
        for (;;) {
            try {
                state.synchronize(spinRounds);
                return;
            } catch (Throwable failure) {
                state.report(Thread.currentThread(), failure);
                Thread.interrupted();
                LockSupport.parkNanos(this, pauseNanos);
                pauseNanos = Math.min(pauseNanos * 2, TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
    }

    /**
     * Sleeps until there is work; returns false when the thread should end: idle for keepAlive, and no work seen
     * while it still owned the consumer side (EXITING; see the class notes).
     */
    private boolean idle() {
        final long deadline = System.nanoTime() + keepAliveNanos;
        for (;;) {
            SLEEPING.setVolatile(this, true);
            if (hasWork()) {
                SLEEPING.setVolatile(this, false);
                return true;
            }
            Thread.interrupted(); // an interrupt (a callback restoring one, say) would make park return at once
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                SLEEPING.setVolatile(this, false);
                break;
            }
            LockSupport.parkNanos(this, left);
            SLEEPING.setVolatile(this, false);
        }
        THREAD_STATE.setVolatile(this, EXITING);
        if (hasWork()) {
            THREAD_STATE.setVolatile(this, RUNNING);
            return true;
        }
        THREAD_STATE.setVolatile(this, NONE);
        return false;
    }

    private void invoke(Object callback) {
        try {
            if (callback instanceof Close) {
                ((Close) callback).resource.close();
            } else if (callback instanceof Runnable) {
                ((Runnable) callback).run();
            } else {
                ((AutoCloseable) callback).close();
            }
        } catch (Throwable failure) {
            state.report(Thread.currentThread(), failure);
        }
    }

    /** barrier()'s callback: completes its Completion once every callback queued before it has run. */
    static final class BarrierMarker {
        final Completion done = new Completion();
    }

    /** A retired resource that is also a Runnable: closed, not run. */
    static final class Close {
        final AutoCloseable resource;

        Close(AutoCloseable resource) {
            this.resource = resource;
        }
    }

    private static final VarHandle THREAD_STATE;
    private static final VarHandle SLEEPING;
    private static final VarHandle IN_FLIGHT;
    private static final VarHandle REQUESTED;
    private static final VarHandle EXPEDITED_BATCHES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            THREAD_STATE = lookup.findVarHandle(RcuCallbacks.class, "threadState", int.class);
            SLEEPING = lookup.findVarHandle(RcuCallbacks.class, "sleeping", boolean.class);
            IN_FLIGHT = lookup.findVarHandle(RcuCallbacks.class, "inFlight", long.class);
            REQUESTED = lookup.findVarHandle(RcuCallbacks.class, "requestedGracePeriod", long.class);
            EXPEDITED_BATCHES = lookup.findVarHandle(RcuCallbacks.class, "expeditedBatches", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
