package io.ksync.timer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A high-resolution timer: the kernel's {@code struct hrtimer} with {@code hrtimer_start},
 * {@code hrtimer_start_range_ns}, {@code hrtimer_forward}, {@code hrtimer_forward_now}, {@code hrtimer_cancel},
 * {@code hrtimer_try_to_cancel}, {@code hrtimer_expires_remaining}, {@code hrtimer_is_queued} and
 * {@code hrtimer_active}, and callbacks that return {@code HRTIMER_RESTART} or {@code HRTIMER_NORESTART}.
 *
 * <p>Where a {@link Timer} trades precision for O(1) (it is hashed into a wheel bucket and may fire late by up to
 * the bucket's width), an {@code HrTimer} is kept in exact expiry order, to the nanosecond, on a separate tier of
 * the same {@link TimerService} bases: the base's thread sleeps until the earlier of its wheel's next bucket and
 * its earliest high-resolution timer, and runs a due {@code HrTimer} as soon as it wakes. Use it for the few
 * timers that must be on time (a periodic sampler, a rate limiter's refill, a deadline scheduler), and
 * {@link Timer} for the many that usually never fire (timeouts).
 *
 * <h2>The rules</h2>
 * <ul>
 *   <li>{@link #start} (re)arms the timer: a queued timer is moved. The callback runs on a base thread at or
 *   after the expiry (never before), late only by the base's wake-up latency and its other callbacks.</li>
 *   <li>{@link #startRange} gives the callback a window {@code [expires, expires + slack]}: the base may run it
 *   anywhere in it, which lets timers that expire close together share one wake-up (the kernel's soft and hard
 *   expiry).</li>
 *   <li>The callback returns {@link Restart#RESTART} to be queued again at its expiry, which it moves first with
 *   {@link #forward} (drift-free periodic timers: the expiry advances by whole intervals, and the number of
 *   intervals skipped is the overrun count), or {@link Restart#NORESTART}. A callback that throws is reported
 *   (see {@link TimerService}) and the timer is not restarted. A callback that returns {@code RESTART} without
 *   moving its expiry into the future runs again in the base's next pass.</li>
 *   <li>{@link #cancel} removes the timer and waits until its callback is not running anywhere
 *   ({@code hrtimer_cancel}); from the callback itself it throws {@link IllegalStateException} (it would wait
 *   for itself). {@link #tryCancel} does not wait.</li>
 *   <li>While the callback runs, the timer stays on the base that runs it: it never runs on two threads at
 *   once.</li>
 * </ul>
 * Memory effects are {@link Timer}'s: arming happens-before the callback's run, and the callback's actions
 * happen-before {@code cancel()} returns.
 *
 * <pre>{@code
 * final long period = TimeUnit.MICROSECONDS.toNanos(250);
 * HrTimer sampler = new HrTimer(timers, t -> {
 *     long missed = t.forwardNow(period) - 1;   // intervals skipped since the last run
 *     sample(missed);
 *     return HrTimer.Restart.RESTART;
 * });
 * sampler.start(period, HrTimer.Mode.REL);
 * ...
 * sampler.cancel();
 * }</pre>
 */
public final class HrTimer {

    /*
     * Implementation notes.
     *
     * The tier: HrTimerHeap, a binary min-heap by hard expiry (soft expiry + slack) per base, against the
     * kernel's rbtree. Both give O(log n) arming and cancelling and the earliest timer in O(1); the heap is one
     * array (no node per timer, no rebalancing) and these timers are few. A fine wheel was the alternative: O(1)
     * but with a granularity, which is what Timer already offers; exact order to the nanosecond is the point of
     * this class. The base runs, in hard-expiry order, every timer whose soft expiry has passed, and stops at the
     * first that is not yet due (__hrtimer_run_queues), so a timer with slack rides along with an earlier
     * wake-up.
     *
     * State, and who writes it (as Timer's):
     *   heapIndex, softExpires, hardExpires, sequence  under the lock of `base`; heapIndex read lockless with
     *                                                  acquire (isQueued), the expiries with opaque
     *   base       volatile, changes only under the lock of the base it names, only while the timer is not queued
     *              and not running
     *   runningOn  setRelease by the base thread under its lock, before and after the callback
     *
     * A RESTART is queued by the base under its lock after the callback, unless the callback started the timer
     * itself meanwhile (then it is queued already, as in __run_hrtimer). A pass runs only the timers that were
     * due when it began (HrTimerHeap's expiring list), so a callback that does not move its expiry runs once per
     * pass and cannot hold the base in one pass nor starve the other due timers.
     */

    /** How {@link #start}'s expiry is read ({@code HRTIMER_MODE_ABS}, {@code HRTIMER_MODE_REL}). */
    public enum Mode {
        /** An absolute time of the service's clock. */
        ABS,
        /** A delay from the service clock's time now. */
        REL
    }

    /** What a callback asks for ({@code enum hrtimer_restart}). */
    public enum Restart {
        /** Queue the timer again at its expiry ({@code HRTIMER_RESTART}), usually moved by {@link #forward}. */
        RESTART,
        /** Leave the timer idle ({@code HRTIMER_NORESTART}). */
        NORESTART
    }

    /** The function a timer runs at expiry ({@code hrtimer.function}). */
    @FunctionalInterface
    public interface Callback {
        /**
         * Runs on a base thread of the timer's service.
         *
         * @param timer the timer that expired
         * @return whether to queue it again
         */
        Restart expired(HrTimer timer);
    }

    /** Expiries are kept within this distance of the clock's time when armed (about 73 years). */
    private static final long MAX_AHEAD_NANOS = 1L << 61;
    /** The largest slack kept (about 36 years). */
    private static final long MAX_SLACK_NANOS = 1L << 60;
    /** The largest interval forward() moves by. */
    private static final long MAX_INTERVAL_NANOS = 1L << 60;

    private static final int QUEUED = 1;
    private static final int RUNNING = 2;

    final Callback callback;
    /**
     * QUEUED and RUNNING, under the base's lock, each transition one release store (QUEUED to RUNNING when a run
     * starts, RUNNING to RUNNING|QUEUED to QUEUED on a restart), so that a lockless isActive() never sees an
     * active timer idle in between (what the kernel's hrtimer_active needs a seqcount for).
     */
    private int state;
    private volatile TimerBase base;
    private volatile TimerBase runningOn;
    /** Index in the base's heap, HrTimerHeap.EXPIRING when due in the running pass, -1 when not queued. */
    int heapIndex = -1;
    /** Links in the base's expiring list. */
    HrTimer expiringPrevious;
    HrTimer expiringNext;
    long softExpires;
    long hardExpires;
    long sequence;

    /**
     * Creates an idle timer ({@code hrtimer_init}, {@code hrtimer_setup}).
     *
     * @param service  the service whose bases will run it
     * @param callback what to run at expiry
     */
    public HrTimer(TimerService service, Callback callback) {
        Objects.requireNonNull(service, "service");
        this.callback = Objects.requireNonNull(callback, "callback");
        this.base = service.currentBase();
    }

    /** The service this timer runs on. */
    public TimerService service() {
        return base.service;
    }

    /**
     * (Re)arms the timer ({@code hrtimer_start}): it runs at {@code expires}, to the nanosecond, or as soon after
     * as the base can. A queued timer is moved.
     *
     * @param expires an absolute time of {@link TimerService#nanoTime()} ({@link Mode#ABS}) or a delay in
     *                nanoseconds ({@link Mode#REL}; negative means now)
     * @param mode    how to read {@code expires}
     * @throws IllegalStateException if the service is closed, or the timer was idle and its base is full
     */
    public void start(long expires, Mode mode) {
        startRange(expires, 0L, mode);
    }

    /**
     * (Re)arms the timer with a window ({@code hrtimer_start_range_ns}): it runs at or after {@code expires} and,
     * unless the base is late, no later than {@code expires + slackNanos}; timers whose windows overlap share one
     * wake-up of the base.
     *
     * @param expires    as in {@link #start}
     * @param slackNanos how much later than {@code expires} the callback may run, {@code >= 0}
     * @param mode       how to read {@code expires}
     * @throws IllegalArgumentException if {@code slackNanos} is negative
     * @throws IllegalStateException    as {@link #start}
     */
    public void startRange(long expires, long slackNanos, Mode mode) {
        Objects.requireNonNull(mode, "mode");
        if (slackNanos < 0) {
            throw new IllegalArgumentException("slack must be >= 0 ns, was " + slackNanos);
        }
        final TimerService service = base.service;
        // every expiry within 2^61 ns of now, slack within 2^60: all keys of a heap stay inside one window of
        // less than 2^63 ns, where comparing by wrap-around difference is an order
        final long now = service.nanoTime();
        final long soft = mode == Mode.ABS ? now + Math.max(-MAX_AHEAD_NANOS, Math.min(expires - now, MAX_AHEAD_NANOS))
                : now + Math.max(0L, Math.min(expires, MAX_AHEAD_NANOS));
        final long hard = soft + Math.min(slackNanos, MAX_SLACK_NANOS);
        TimerBase target = null;
        for (;;) {
            final TimerBase base = lockBase();
            final boolean wake;
            try {
                if (heapIndex != -1) {
                    base.hrRemoveLocked(this);
                    target = base; // a queued timer is restarted where it is (it may be running there too)
                } else if (runningOn != null) {
                    target = base; // its callback runs here: it stays, so that it never runs twice at once
                } else if (target == null) {
                    target = service.currentBase();
                }
                if (target != base) {
                    this.base = target; // idle and not running, so it may move: re-point and retry there
                    continue;
                }
                setExpiresOpaque(soft, hard);
                wake = base.hrEnqueueLocked(this);
            } finally {
                base.lock.unlock();
            }
            if (wake) {
                base.wake();
            }
            return;
        }
    }

    /**
     * Moves the expiry forward by whole intervals until it is after {@code now} ({@code hrtimer_forward}): the
     * drift-free way to re-arm a periodic timer from its callback, before returning {@link Restart#RESTART}. An
     * expiry already after {@code now} is left alone. The window given by {@link #startRange} moves with it.
     *
     * @param now      a time of the service's clock
     * @param interval the period, in nanoseconds, {@code > 0}
     * @return the number of intervals the expiry moved (0 if it was already after {@code now}); more than 1 means
     * that many periods were missed
     * @throws IllegalArgumentException if {@code interval} is not positive
     * @throws IllegalStateException    if the timer is queued (forward only an expired timer, from its callback,
     *                                  or an idle one)
     */
    public long forward(long now, long interval) {
        if (interval <= 0) {
            throw new IllegalArgumentException("interval must be > 0 ns, was " + interval);
        }
        interval = Math.min(interval, MAX_INTERVAL_NANOS);
        final TimerBase base = lockBase();
        try {
            if (heapIndex != -1) {
                throw new IllegalStateException("forward() of a queued HrTimer: cancel it first, or forward it "
                        + "from its callback");
            }
            final long late = now - hardExpires; // hrtimer_forward measures from the hard expiry
            if (late < 0) {
                return 0L;
            }
            long overruns = 1;
            if (late >= interval) {
                overruns = late / interval + 1;
            }
            final long step = overruns * interval;
            setExpiresOpaque(softExpires + step, hardExpires + step);
            return overruns;
        } finally {
            base.lock.unlock();
        }
    }

    /**
     * {@link #forward} from the service clock's time now ({@code hrtimer_forward_now}).
     *
     * @param interval the period, in nanoseconds, {@code > 0}
     * @return the number of intervals the expiry moved
     * @throws IllegalArgumentException if {@code interval} is not positive
     * @throws IllegalStateException    if the timer is queued
     */
    public long forwardNow(long interval) {
        return forward(base.service.nanoTime(), interval);
    }

    /**
     * Removes the timer and waits until its callback is not running on any thread ({@code hrtimer_cancel}). A
     * callback that restarts the timer meanwhile is cancelled too. Waits uninterruptibly.
     *
     * @return whether the timer was queued when it was removed
     * @throws IllegalStateException if called from the timer's own callback
     */
    public boolean cancel() {
        final TimerBase running = runningOn;
        if (running != null && running.thread == Thread.currentThread()) {
            throw new IllegalStateException("cancel() called from the HrTimer's own callback would wait for itself "
                    + "for ever: return NORESTART instead, or use tryCancel()");
        }
        for (;;) {
            final int result = tryCancel();
            if (result >= 0) {
                return result == 1;
            }
            final TimerBase base = runningOn;
            if (base != null) {
                base.callbackDone.waitEvent(() -> runningOn != base);
            }
        }
    }

    /**
     * Removes the timer if its callback is not running ({@code hrtimer_try_to_cancel}).
     *
     * @return {@code -1} if the callback is running (nothing changed), {@code 1} if the timer was queued and is
     * removed, {@code 0} if it was idle
     */
    public int tryCancel() {
        final TimerBase base = lockBase();
        try {
            if (runningOn != null) {
                return -1;
            }
            return base.hrRemoveLocked(this) ? 1 : 0;
        } finally {
            base.lock.unlock();
        }
    }

    /**
     * The time left until the hard expiry, the expiry plus any slack ({@code hrtimer_expires_remaining}), by the
     * service's clock; negative once it has passed.
     *
     * @return nanoseconds
     */
    public long remaining() {
        return hardExpires() - base.service.nanoTime();
    }

    /** The (soft) expiry it was last armed with or forwarded to ({@code hrtimer_get_softexpires}). */
    public long expires() {
        return (long) SOFT_EXPIRES.getOpaque(this);
    }

    /** The latest time the callback should run: the expiry plus the slack ({@code hrtimer_get_expires}). */
    public long hardExpires() {
        return (long) HARD_EXPIRES.getOpaque(this);
    }

    /** Whether the timer is queued, waiting for its expiry ({@code hrtimer_is_queued}); a snapshot. */
    public boolean isQueued() {
        return (stateAcquire() & QUEUED) != 0;
    }

    /** Whether the callback is running now; a snapshot. */
    public boolean isRunning() {
        return (stateAcquire() & RUNNING) != 0;
    }

    /** Whether the timer is queued or its callback running ({@code hrtimer_active}); a snapshot. */
    public boolean isActive() {
        return stateAcquire() != 0;
    }

    @Override
    public String toString() {
        return "HrTimer[" + (isQueued() ? "queued, expires " + expires() : "idle") + (isRunning() ? ", running" : "")
                + "]";
    }

    // ---------------------------------------------------------------------------------------------------
    // For TimerBase and HrTimerHeap

    private TimerBase lockBase() {
        for (;;) {
            final TimerBase candidate = base;
            candidate.lock.lock();
            if (candidate == base) {
                return candidate;
            }
            candidate.lock.unlock();
        }
    }

    private void setExpiresOpaque(long soft, long hard) {
        SOFT_EXPIRES.setOpaque(this, soft);
        HARD_EXPIRES.setOpaque(this, hard);
    }

    void setHeapIndexRelease(int index) {
        HEAP_INDEX.setRelease(this, index);
    }

    private int stateAcquire() {
        return (int) STATE.getAcquire(this); // acquire: pairs with the base's setRelease under its lock
    }

    /** Marks the timer queued (heap add). Under the base's lock. */
    void markQueuedLocked() {
        STATE.setRelease(this, state | QUEUED);
    }

    /** Marks the timer not queued (heap removal without a run). Under the base's lock. */
    void markDequeuedLocked() {
        STATE.setRelease(this, state & ~QUEUED);
    }

    /** A run starts: QUEUED to RUNNING in one store. Under the base's lock. */
    void markRunningLocked(TimerBase on) {
        RUNNING_ON.setRelease(this, on); // before the state: cancel() finds whom to wait for
        STATE.setRelease(this, (state & ~QUEUED) | RUNNING);
    }

    /** The run ended (after any restart was queued): RUNNING cleared in one store. Under the base's lock. */
    void markRunEndedLocked() {
        STATE.setRelease(this, state & ~RUNNING);
        RUNNING_ON.setRelease(this, null);
    }

    // VarHandle mechanics
    private static final VarHandle HEAP_INDEX;
    private static final VarHandle SOFT_EXPIRES;
    private static final VarHandle HARD_EXPIRES;
    private static final VarHandle RUNNING_ON;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAP_INDEX = lookup.findVarHandle(HrTimer.class, "heapIndex", int.class);
            SOFT_EXPIRES = lookup.findVarHandle(HrTimer.class, "softExpires", long.class);
            HARD_EXPIRES = lookup.findVarHandle(HrTimer.class, "hardExpires", long.class);
            RUNNING_ON = lookup.findVarHandle(HrTimer.class, "runningOn", TimerBase.class);
            STATE = lookup.findVarHandle(HrTimer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
