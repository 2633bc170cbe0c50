package io.ksync.rcu;


import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * What every RCU flavour offers writers: grace periods ({@code synchronize_rcu}, {@code synchronize_rcu_expedited}),
 * deferred callbacks ({@code call_rcu}), deferred closing ({@code kfree_rcu} for what the garbage collector does
 * not free), {@code rcu_barrier}, and polled grace periods ({@code get_state_synchronize_rcu},
 * {@code start_poll_synchronize_rcu}, {@code poll_state_synchronize_rcu}, {@code cond_synchronize_rcu}). The
 * read side differs per flavour: {@link Rcu} (epoch-based sections), {@link QsbrRcu} (quiescent states) and
 * {@link Srcu} (sleepable, index-returning sections).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Grace period: {@link #synchronize()} returns after every read-side section that began before the call
 *   has ended, and everything those sections read happens-before the return. Concurrent callers share grace
 *   periods.</li>
 *   <li>Callbacks: a callback given to {@link #call(Runnable)} runs after a grace period that began after the
 *   call, on the domain's callback thread, which batches callbacks behind one grace period. Callbacks queued by
 *   one thread run in the order it queued them. A callback that throws is reported to the domain's error handler
 *   (by default the callback thread's {@link Thread.UncaughtExceptionHandler}) and the others still run.
 *   The thread is started on first use and ends after a while without work.</li>
 *   <li>Bounded memory: when the callbacks queued and not yet run reach half the domain's
 *   {@linkplain Options#callbackLimit(long) limit}, grace periods are expedited; at the limit, {@code call}
 *   and {@code retire} make the caller wait until the count is below it, for at most the
 *   {@linkplain Options#stallTimeout(long, TimeUnit) stall timeout} (then it reports and goes on: a caller that
 *   holds a lock a reader waits for is slowed, never deadlocked), or for as long as it takes with
 *   {@link Options#strictCallbackLimit(boolean)} (memory then stays within the limit, plus the callers below that
 *   cannot wait, at the price of that deadlock). A caller that cannot wait without deadlocking (a
 *   reader of the domain, an online QSBR thread, or the callback thread of any domain) is never made to wait; it
 *   may exceed the limit. {@code call} never waits for a grace period as such (folly's retire-inside-a-reader
 *   deadlock cannot happen) and reclamation never depends on anybody flushing (crossbeam's unbounded
 *   garbage).</li>
 *   <li>Stalls: a grace period that waits longer than the stall timeout for one live reader reports it (the
 *   kernel's RCU CPU stall warning) with the reader's stack trace, and goes on waiting. A callback that leaves a
 *   read-side section of its own domain open is reported and its section treated as ended, instead of stalling
 *   the callback thread for ever.</li>
 *   <li>{@link #barrier()} returns after every callback queued before it has run.</li>
 * </ul>
 */
public abstract sealed class RcuDomain permits Rcu, QsbrRcu, Srcu {

    /*
     * Implementation notes. The writer side lives in GracePeriodState (counters, registry, scans, stall reports;
     * its notes give the memory-ordering argument of a grace period and of sharing one) and RcuCallbacks (the
     * callback queue and thread; its notes give the wake-up, exit and pending-count arguments). This class adds
     * what depends on the flavour's read side, through three hooks: inReadSection() (waiting would wait for the
     * caller itself: refuse), isReadSectionHeld() (the caller is a reader: never throttle it) and
     * enterBlocking()/exitBlocking() (QSBR takes an online caller offline around a wait). The domain holds its
     * state; readers' records and the callback thread point to the state, never to the domain, so a domain
     * nobody references is collectable.
     */

    final GracePeriodState state;

    RcuDomain(String name, Options options, boolean indexedReaders) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(options, "options");
        this.state = new GracePeriodState(name, options.copy(), indexedReaders);
    }

    /** Settings for a new domain, all optional. */
    public static Options options() {
        return new Options();
    }

    /** The domain's name, as given to the constructor. */
    public final String name() {
        return state.name;
    }

    /**
     * Waits for a grace period ({@code synchronize_rcu}): returns after every read-side section that began
     * before the call has ended. Waits uninterruptibly (the interrupt status is kept).
     *
     * @throws IllegalStateException if the calling thread is inside a read-side section of this domain
     */
    public void synchronize() {
        waitForGracePeriod("synchronize()", GracePeriodState.SPIN_ROUNDS);
    }

    /**
     * {@link #synchronize()} that spins longer before it yields or parks ({@code synchronize_rcu_expedited}): a
     * shorter grace period when readers' sections are short, for more CPU.
     *
     * @throws IllegalStateException if the calling thread is inside a read-side section of this domain
     */
    public void synchronizeExpedited() {
        waitForGracePeriod("synchronizeExpedited()", GracePeriodState.EXPEDITED_SPIN_ROUNDS);
    }

    /**
     * Runs {@code callback} on the domain's callback thread after a grace period ({@code call_rcu}). Never waits
     * for a grace period; waits only when the domain's callback limit is reached (see the class comment).
     *
     * @param callback what to run once no reader can still see what the caller unpublished
     */
    public void call(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        throttle();
        state.callbacks.enqueue(callback);
    }

    /**
     * Closes {@code resource} on the callback thread after a grace period ({@code kfree_rcu}): for what the
     * garbage collector does not reclaim (off-heap memory, pooled buffers, file descriptors). An exception from
     * {@code close()} is reported like a callback's. Back-pressure as {@link #call(Runnable)}.
     *
     * @param resource what to close once no reader can still use it
     */
    public void retire(AutoCloseable resource) {
        Objects.requireNonNull(resource, "resource");
        throttle();
        state.callbacks.enqueue(resource instanceof Runnable ? new RcuCallbacks.Close(resource) : resource);
    }

    /**
     * Waits until every callback queued (by any thread) before the call has run ({@code rcu_barrier}): before
     * dropping what callbacks use, for instance at shutdown. Waits uninterruptibly (the interrupt status is kept).
     *
     * @throws IllegalStateException if called from a callback of any domain (it could wait for itself, as the
     *                               kernel forbids rcu_barrier() in callbacks), or inside a read-side section of
     *                               this domain (the callbacks wait for it)
     */
    public void barrier() {
        if (RcuCallbacks.isAnyCallbackThread()) {
            throw new IllegalStateException("barrier() called from an RCU callback, on RCU domain " + state.name
                    + ": it could wait for itself (or for a domain waiting for it); call it from another thread");
        }
        checkOutsideReadSection("barrier()");
        if (state.callbacks.isIdle()) {
            return;
        }
        final RcuCallbacks.BarrierMarker marker = new RcuCallbacks.BarrierMarker();
        state.callbacks.enqueue(marker);
        final Object blocking = enterBlocking();
        try {
            marker.done.waitForCompletion();
        } finally {
            exitBlocking(blocking);
        }
    }

    /**
     * A cookie for {@link #poll(long)} ({@code get_state_synchronize_rcu}): it completes once a full grace period
     * has passed since this call. Starts no grace period.
     *
     * @return the cookie
     */
    public long getState() {
        return state.cookie();
    }

    /**
     * {@link #getState()}, and makes sure a grace period that completes the cookie will run, on the callback
     * thread ({@code start_poll_synchronize_rcu}).
     *
     * @return the cookie
     */
    public long startPoll() {
        final long cookie = state.cookie();
        state.callbacks.requestGracePeriod(cookie);
        return cookie;
    }

    /**
     * Whether a full grace period has passed since the cookie was taken ({@code poll_state_synchronize_rcu}); if
     * so, what the caller unpublished before taking it is no longer seen by any reader, and the readers' sections
     * happen-before this return.
     *
     * @param cookie from {@link #getState()} or {@link #startPoll()}
     * @return whether the grace period has completed
     */
    public boolean poll(long cookie) {
        return state.isCompleted(cookie);
    }

    /**
     * Waits for a grace period only if the cookie's has not completed yet ({@code cond_synchronize_rcu}).
     *
     * @param cookie from {@link #getState()} or {@link #startPoll()}
     * @throws IllegalStateException if it must wait and the calling thread is inside a read-side section
     */
    public void condSynchronize(long cookie) {
        if (!state.isCompleted(cookie)) {
            synchronize();
        }
    }

    /** The number of grace periods that have ended; grows by one per grace period. */
    public long completedGracePeriods() {
        return state.completed - 1;
    }

    /** The number of callbacks queued or running and not yet finished (a snapshot, for monitoring). */
    public long pendingCallbacks() {
        return state.callbacks.pending();
    }

    /**
     * The number of reader records registered now. Records of dead threads are dropped after the next grace
     * period that scans them, and when registrations have doubled the registry.
     */
    public int registeredReaders() {
        return state.readers.size();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + state.name + ", " + state.readers.size() + " readers, "
                + completedGracePeriods() + " grace periods, " + pendingCallbacks() + " callbacks pending]";
    }

    /**
     * Whether the calling thread may dereference data protected by this domain now ({@code rcu_read_lock_held},
     * {@code srcu_read_lock_held}): inside a read-side section for {@link Rcu} and {@link Srcu}, registered and
     * online for {@link QsbrRcu}. For checks such as {@link RcuReference#dereferenceCheck(RcuDomain, boolean)}; it
     * costs a thread-local look-up.
     *
     * @return whether the calling thread is a reader of this domain now
     */
    public abstract boolean isReadSectionHeld();

    // -------------------------------------------------------------------------------------------------------
    // The flavour's read side, as the writer-side operations need it

    /** Whether the calling thread is inside a read-side section of this domain that a wait would deadlock on. */
    abstract boolean inReadSection();

    /**
     * Prepares the calling thread to block in a grace-period wait (QSBR: an online thread goes offline).
     *
     * @return what {@link #exitBlocking(Object)} needs, or null
     */
    Object enterBlocking() {
        return null;
    }

    /** Undoes {@link #enterBlocking()}. */
    void exitBlocking(Object token) {
    }

    private void checkOutsideReadSection(String method) {
        if (inReadSection()) {
            throw new IllegalStateException(method + " inside a read-side section of RCU domain " + state.name
                    + " would wait for itself: call it after the section ends");
        }
    }

    private void waitForGracePeriod(String method, int spinRounds) {
        checkOutsideReadSection(method);
        final Object blocking = enterBlocking();
        try {
            state.synchronize(spinRounds);
        } finally {
            exitBlocking(blocking);
        }
    }

    /**
     * Back-pressure: at the limit, a caller that can wait without deadlocking waits (for at most the stall
     * timeout). Never: a reader of this domain (its grace periods wait for it; for QSBR, an online thread, which
     * liburcu never blocks in call_rcu), or a callback thread of any domain (callbacks wait for it).
     */
    private void throttle() {
        final RcuCallbacks callbacks = state.callbacks;
        if (callbacks.overLimit() && !RcuCallbacks.isAnyCallbackThread() && !isReadSectionHeld()) {
            callbacks.awaitBelowLimit();
        }
    }

    /** Settings for a new domain; each setter returns this. */
    public static final class Options {
        /** The default bound on callbacks queued and not yet run. */
        public static final long DEFAULT_CALLBACK_LIMIT = 1L << 18;
        /** The default stall timeout. */
        public static final long DEFAULT_STALL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
        /** The default time the callback thread stays alive without work. */
        public static final long DEFAULT_KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(5);

        Thread.UncaughtExceptionHandler errorHandler;
        long callbackLimit = DEFAULT_CALLBACK_LIMIT;
        long keepAliveNanos = DEFAULT_KEEP_ALIVE_NANOS;
        long stallTimeoutNanos = DEFAULT_STALL_TIMEOUT_NANOS;
        /** Whether stallTimeout() was called (an Srcu reports stalls only then). */
        boolean stallTimeoutSet;
        boolean strictCallbackLimit;
        ThreadFactory threadFactory;

        Options() {
        }

        /**
         * Where failures go: callbacks that throw (with the callback thread) and reader threads that died inside a
         * section (with the dead thread). Default: the {@link Thread.UncaughtExceptionHandler} of the thread that
         * finds the failure (the callback thread, or the thread running the grace period).
         *
         * @param handler the handler, or null for the default
         * @return these options
         */
        public Options errorHandler(Thread.UncaughtExceptionHandler handler) {
            this.errorHandler = handler;
            return this;
        }

        /**
         * The bound on callbacks queued and not yet run (default {@value #DEFAULT_CALLBACK_LIMIT}): grace periods
         * are expedited from half of it, and callers wait at it.
         *
         * @param limit {@code >= 2}
         * @return these options
         * @throws IllegalArgumentException if below 2
         */
        public Options callbackLimit(long limit) {
            if (limit < 2) {
                throw new IllegalArgumentException("callbackLimit must be >= 2, was " + limit);
            }
            this.callbackLimit = limit;
            return this;
        }

        /**
         * How long the callback thread stays alive without work (default 5 s); a later callback starts a new one.
         *
         * @param time  {@code > 0}
         * @param unit  its unit
         * @return these options
         * @throws IllegalArgumentException if not positive
         */
        public Options callbackThreadKeepAlive(long time, TimeUnit unit) {
            if (time <= 0) {
                throw new IllegalArgumentException("callbackThreadKeepAlive must be > 0, was " + time + " " + unit);
            }
            this.keepAliveNanos = unit.toNanos(time);
            return this;
        }

        /**
         * Whether a caller at the {@linkplain #callbackLimit(long) callback limit} waits until the count is below
         * it however long that takes ({@code true}), instead of for at most the {@linkplain #stallTimeout stall
         * timeout}, after which it reports and goes on over the limit ({@code false}, the default). Strict: the
         * memory held by queued callbacks stays within the limit plus the callers that are never made to wait
         * (readers of the domain, online QSBR threads, callback threads); a caller that holds something a stalled
         * reader waits for then deadlocks, and one report (after the stall timeout) says so.
         *
         * @param strict whether the limit is a hard bound for the callers that may wait
         * @return these options
         */
        public Options strictCallbackLimit(boolean strict) {
            this.strictCallbackLimit = strict;
            return this;
        }

        /**
         * How long a grace period waits for one live reader before it reports a stall ({@code rcu_cpu_stall_timeout},
         * default 10 s): an {@link IllegalStateException} carrying the reader's stack trace, to the error handler,
         * then again at twice, four times... the timeout while the same reader holds the same grace period up; the
         * wait goes on. An {@link Srcu}, whose readers may block for as long as they like, reports stalls only if
         * this was set. Also the longest a {@code call()} waits at the callback limit before it reports and goes on
         * over the limit (unless the limit is {@linkplain #strictCallbackLimit strict}).
         *
         * @param time {@code > 0}
         * @param unit its unit
         * @return these options
         * @throws IllegalArgumentException if not positive
         */
        public Options stallTimeout(long time, TimeUnit unit) {
            if (time <= 0) {
                throw new IllegalArgumentException("stallTimeout must be > 0, was " + time + " " + unit);
            }
            this.stallTimeoutNanos = unit.toNanos(time);
            this.stallTimeoutSet = true;
            return this;
        }

        /**
         * The factory of the callback thread (default: a daemon thread named {@code rcu-callbacks/<name>}). If it
         * throws or returns null, the failure is reported and the callbacks stay queued for the next attempt.
         *
         * @param factory the factory, or null for the default
         * @return these options
         */
        public Options threadFactory(ThreadFactory factory) {
            this.threadFactory = factory;
            return this;
        }

        Options copy() {
            final Options copy = new Options();
            copy.errorHandler = errorHandler;
            copy.callbackLimit = callbackLimit;
            copy.keepAliveNanos = keepAliveNanos;
            copy.stallTimeoutNanos = stallTimeoutNanos;
            copy.stallTimeoutSet = stallTimeoutSet;
            copy.strictCallbackLimit = strictCallbackLimit;
            copy.threadFactory = threadFactory;
            return copy;
        }
    }
}
