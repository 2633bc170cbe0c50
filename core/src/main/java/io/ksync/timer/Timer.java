package io.ksync.timer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A one-shot timer on a {@link TimerService}'s wheels: the kernel's {@code struct timer_list} with
 * {@code add_timer}, {@code add_timer_on}, {@code mod_timer}, {@code mod_timer_pending}, {@code timer_reduce},
 * {@code del_timer} ({@code timer_delete}), {@code del_timer_sync} ({@code timer_delete_sync}),
 * {@code try_to_del_timer_sync}, {@code timer_shutdown}, {@code timer_shutdown_sync} and {@code timer_pending}.
 *
 * <p>A timer is created once and armed any number of times; arming, re-arming and deleting allocate nothing and
 * cost O(1). Expiry times are values of the service's clock ({@link TimerService#nanoTime()}), compared by
 * wrap-around difference; a time already past makes the timer due at the base's next tick. The callback runs once per arming,
 * on a base thread of the service, no earlier than the expiry and late by less than the wheel's granularity
 * (under one tick below 64 ticks of delay, under about 1/8 of the delay beyond; see {@link TimerWheel}), plus
 * however long the base is busy.
 *
 * <h2>The rules (seed 004, and the netdev thread of 2000 on handlers that run after {@code del_timer})</h2>
 * <ul>
 *   <li>{@link #add} arms an idle timer; on a pending timer it throws {@link IllegalStateException}.</li>
 *   <li>{@link #mod} is {@code delete(); expires = e; add()} done atomically: the one safe way for several
 *   unsynchronised users of a timer. Re-arming a pending timer to the expiry it already has is cheap (a check
 *   without lock), and so is moving it within its wheel bucket.</li>
 *   <li>{@link #delete} guarantees that the callback will not run for the arming it removed, but does not wait
 *   for a callback that is already running: that callback may still run after {@code delete()} returns, on
 *   another thread.</li>
 *   <li>{@link #deleteSync} also waits until the callback is not running on any thread. Callers must stop
 *   re-arming (or use {@link #shutdownSync}), must not hold a lock the callback takes, and must not call it from
 *   the callback itself ({@link IllegalStateException}: it would wait for itself).</li>
 *   <li>The callback may re-arm, delete, or drop all references to its own timer; the base does not touch the
 *   timer after the callback returns except to clear its running mark, which only the garbage collector could
 *   make unsafe, and it does not.</li>
 *   <li>After {@link #shutdown} or {@link #shutdownSync}, arming is silently ignored (the kernel's
 *   {@code timer_shutdown}: for teardown paths where the callback might re-arm).</li>
 * </ul>
 *
 * <p>Memory effects: actions before arming happen-before the callback's run for that arming; the callback's
 * actions happen-before {@link #deleteSync} (and {@link #tryDeleteSync} returning {@code >= 0}) returns. A
 * {@code mod} that takes the lockless shortcut (the timer already pending with that very expiry) changes nothing
 * and publishes nothing.
 *
 * <p>Order: a base runs the callbacks due in one pass in expiry order. Across passes the wheel's granularity
 * decides: a timer hashed into a coarse level fires at its bucket's time, which may come after a later timer
 * that sits in a finer level (see {@link TimerWheel}); neither ever fires before its expiry.
 *
 * <p>Where a timer lives: arming an idle timer puts it on the calling CPU's base ({@link #addOn}: a given one); a
 * pending timer that is modified stays on its base, and so does a timer whose callback is running.
 *
 * <pre>{@code
 * final class Connection {
 *     private final Timer idle;
 *     Connection(TimerService timers) { idle = new Timer(timers, t -> close()); }
 *     void onRead() { idle.mod(idle.service().nanoTime() + IDLE_NANOS); }   // push the deadline back
 *     void close()  { idle.shutdownSync(); ... }                            // from another thread only
 * }
 * }</pre>
 */
public final class Timer extends WheelNode {

    /*
     * Implementation notes.
     *
     * State, and who writes it:
     *   links, bucket, expires (WheelNode)  under the lock of `base`
     *   base     volatile; changes only under the lock of the base it names, and only while the timer is not
     *            queued (an idle timer moves to the arming CPU's base: re-point it, unlock, retry on the new one)
     *   runningOn  setRelease by the base thread under its lock, before and after the callback
     *   flags    (SHUTDOWN) under the lock of `base`
     *
     * lockBase() is the kernel's lock_timer_base(): read base, lock it, re-read base; equal means it is the lock
     * that guards the timer until we unlock, since base changes only under that lock.
     *
     * The lockless shortcuts are the kernel's: isPending() reads bucket with acquire (timer_pending); mod() to the
     * expiry a pending timer already has returns true after an acquire load of bucket and an opaque load of
     * expires, with no lock (it linearises at those loads; a concurrent delete or mod is ordered after it);
     * delete() of a timer that is not pending returns false without the lock.
     *
     * deleteSync() is del_timer_sync(): under the base's lock, if the callback is not running, dequeue and
     * return; else wait on the running base's callbackDone queue until runningOn changes, and retry (the
     * callback may have re-armed the timer). runningOn is per timer, not per base as running_timer is in the
     * kernel, so a timer whose callback re-arms it on another base (add_timer_on) is still waited for.
     *
     * Layout: with compressed references a Timer is 48 bytes: 12 header, bucket 4, previous 4, next 4, expires 8,
     * callback 4, base 4, runningOn 4, flags 4.
     */

    private static final int SHUTDOWN = 1;

    /** The "now" argument of arming when the caller has not read the clock (a base reads it if it needs it). */
    static final long NOW_UNKNOWN = Long.MIN_VALUE;

    private static final int MODE_ADD = 0;
    private static final int MODE_MOD = 1;
    private static final int MODE_PENDING_ONLY = 2;
    private static final int MODE_REDUCE = 3;

    final Consumer<? super Timer> callback;
    private volatile TimerBase base;
    private volatile TimerBase runningOn;
    private int flags;

    /**
     * Creates an idle timer ({@code timer_setup}).
     *
     * @param service  the service whose bases will run it
     * @param callback what to run at expiry, given this timer (so that it may re-arm it)
     */
    public Timer(TimerService service, Consumer<? super Timer> callback) {
        Objects.requireNonNull(service, "service");
        this.callback = Objects.requireNonNull(callback, "callback");
        this.base = service.currentBase();
    }

    /** The service this timer runs on. */
    public TimerService service() {
        return base.service;
    }

    /**
     * Arms an idle timer on the calling CPU's base ({@code add_timer}).
     *
     * @param expires the expiry, a time of {@link TimerService#nanoTime()}
     * @throws IllegalStateException if the timer is pending (use {@link #mod}), the service is closed, or the
     *                               base holds its maximum of pending timers
     */
    public void add(long expires) {
        modify(expires, MODE_ADD, null, NOW_UNKNOWN);
    }

    /**
     * Arms an idle timer on a given CPU's base ({@code add_timer_on}). While the timer's callback runs, the timer
     * stays on the base that runs it (so that it never runs on two threads at once), and {@code cpu} applies from
     * the next arming after the callback.
     *
     * @param cpu     the base, {@code 0 .. service().bases() - 1}
     * @param expires the expiry, a time of {@link TimerService#nanoTime()}
     * @throws IllegalArgumentException if there is no such base
     * @throws IllegalStateException    if the timer is pending, the service is closed, or the base is full
     */
    public void addOn(int cpu, long expires) {
        modify(expires, MODE_ADD, base.service.base(cpu), NOW_UNKNOWN);
    }

    /**
     * Sets the expiry, arming the timer if it is idle ({@code mod_timer}): atomically what {@code delete(); add()}
     * would do, the safe way for several unsynchronised users. O(1), no allocation.
     *
     * @param expires the expiry, a time of {@link TimerService#nanoTime()}
     * @return whether the timer was pending (and was moved); {@code false} if it was idle (and is now armed)
     * @throws IllegalStateException if the service is closed, or the timer was idle and the base is full
     */
    public boolean mod(long expires) {
        return modify(expires, MODE_MOD, null, NOW_UNKNOWN);
    }

    /**
     * {@link #mod} with a delay from the service clock's time now.
     *
     * @param delay the delay; negative means now
     * @param unit  its unit
     * @return whether the timer was pending
     * @throws IllegalStateException as {@link #mod}
     */
    public boolean modAfter(long delay, TimeUnit unit) {
        final long now = base.service.nanoTime();
        final long expires = now + Math.max(0L, Math.min(unit.toNanos(delay), Long.MAX_VALUE >>> 1));
        return modify(expires, MODE_MOD, null, now == NOW_UNKNOWN ? now + 1 : now);
    }

    /**
     * Sets the expiry of a pending timer; an idle timer stays idle ({@code mod_timer_pending}).
     *
     * @param expires the expiry
     * @return whether the timer was pending (and was moved)
     */
    public boolean modPending(long expires) {
        return modify(expires, MODE_PENDING_ONLY, null, NOW_UNKNOWN);
    }

    /**
     * Moves the expiry earlier, never later ({@code timer_reduce}): a pending timer that expires at or before
     * {@code expires} is left alone; an idle timer is armed.
     *
     * @param expires the expiry
     * @return whether the timer was pending
     * @throws IllegalStateException as {@link #mod}
     */
    public boolean reduce(long expires) {
        return modify(expires, MODE_REDUCE, null, NOW_UNKNOWN);
    }

    /**
     * Disarms the timer ({@code del_timer}, {@code timer_delete}): its callback will not run for the arming
     * removed. Does not wait for a callback already running.
     *
     * @return whether the timer was pending
     */
    public boolean delete() {
        if (!isQueuedAcquire()) {
            return false; // the kernel's lockless timer_pending() check
        }
        final TimerBase base = lockBase();
        try {
            return base.wheel.remove(this);
        } finally {
            base.lock.unlock();
        }
    }

    /**
     * Disarms the timer if its callback is not running ({@code try_to_del_timer_sync}).
     *
     * @return {@code -1} if the callback is running (nothing changed), else {@code 1} if the timer was pending,
     * {@code 0} if it was idle; when {@code >= 0}, the timer is neither pending nor running
     */
    public int tryDeleteSync() {
        final TimerBase base = lockBase();
        try {
            if (runningOn != null) {
                return -1;
            }
            return base.wheel.remove(this) ? 1 : 0;
        } finally {
            base.lock.unlock();
        }
    }

    /**
     * Disarms the timer and waits until its callback is not running on any thread ({@code del_timer_sync},
     * {@code timer_delete_sync}). If the callback re-arms the timer meanwhile, that arming is removed too. Waits
     * uninterruptibly (the interrupt status is kept).
     *
     * @return whether the timer was pending when it was removed
     * @throws IllegalStateException if called from the timer's own callback, which would wait for itself
     */
    public boolean deleteSync() {
        checkNotOwnCallback("deleteSync()");
        for (;;) {
            final int result = tryDeleteSync();
            if (result >= 0) {
                return result == 1;
            }
            awaitCallbackEnd();
        }
    }

    /**
     * Disarms the timer for good ({@code timer_shutdown}): later arming ({@link #add}, {@link #mod}, ...) is
     * silently ignored, so a callback that re-arms cannot bring it back. Does not wait for a running callback.
     *
     * @return whether the timer was pending
     */
    public boolean shutdown() {
        final TimerBase base = lockBase();
        try {
            flags |= SHUTDOWN;
            return base.wheel.remove(this);
        } finally {
            base.lock.unlock();
        }
    }

    /**
     * {@link #shutdown} and wait until the callback is not running ({@code timer_shutdown_sync}): the teardown
     * call, safe against a callback that re-arms its timer.
     *
     * @return whether the timer was pending
     * @throws IllegalStateException if called from the timer's own callback
     */
    public boolean shutdownSync() {
        checkNotOwnCallback("shutdownSync()");
        final boolean wasPending = shutdown();
        while (tryDeleteSync() < 0) {
            awaitCallbackEnd();
        }
        return wasPending;
    }

    /**
     * Whether the timer is armed and its callback not yet started ({@code timer_pending}); a lockless snapshot.
     */
    public boolean isPending() {
        return isQueuedAcquire();
    }

    /** Whether the callback is running now on some base's thread; a snapshot. */
    public boolean isRunning() {
        return runningOn != null;
    }

    /** Whether {@link #shutdown} or {@link #shutdownSync} was called. */
    public boolean isShutdown() {
        final TimerBase base = lockBase();
        try {
            return (flags & SHUTDOWN) != 0;
        } finally {
            base.lock.unlock();
        }
    }

    /** The expiry the timer was last armed with; a snapshot. */
    public long expires() {
        return expiresOpaque();
    }

    @Override
    public String toString() {
        return "Timer[" + (isPending() ? "pending, expires " + expires() : "idle") + (isRunning() ? ", running" : "")
                + "]";
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    private boolean modify(long expires, int mode, TimerBase requested, long now) {
        if (mode != MODE_ADD && isQueuedAcquire() && expiresOpaque() == expires) {
            return true; // mod_timer's lockless shortcut: already pending with this expiry
        }
        final TimerService service = base.service;
        TimerBase target = requested;
        for (;;) {
            final TimerBase base = lockBase();
            final boolean wasPending;
            final boolean wake;
            try {
                wasPending = bucket != NOT_QUEUED;
                if (wasPending) {
                    if (mode == MODE_ADD) {
                        throw new IllegalStateException("add() on a pending timer (expires " + this.expires
                                + "): use mod() to change the expiry of a timer that may be pending");
                    }
                    if (mode == MODE_REDUCE && expires - this.expires >= 0) {
                        return true;
                    }
                    wake = base.moveLocked(this, expires, now);
                } else {
                    if (mode == MODE_PENDING_ONLY || (flags & SHUTDOWN) != 0) {
                        return false;
                    }
                    if (runningOn != null) {
                        // its callback runs on this base: it stays here, so that it never runs on two bases at
                        // once and deleteSync() finds it (__mod_timer keeps a running timer on its base too)
                        target = base;
                    } else if (target == null) {
                        target = service.currentBase();
                    }
                    if (target != base) {
                        this.base = target; // idle, so it may move: re-point under the old base's lock and retry
                        continue;
                    }
                    wake = base.enqueueLocked(this, expires, now);
                }
            } finally {
                base.lock.unlock();
            }
            if (wake) {
                base.wake();
            }
            return wasPending;
        }
    }

    /** lock_timer_base(): the lock of the base that guards this timer, held on return. */
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

    private void checkNotOwnCallback(String method) {
        final TimerBase running = runningOn;
        if (running != null && running.thread == Thread.currentThread()) {
            throw new IllegalStateException(method + " called from the timer's own callback would wait for itself "
                    + "for ever: use delete() or shutdown() there");
        }
    }

    /** Sleeps until the callback that was running ends (or was not running any more). */
    private void awaitCallbackEnd() {
        final TimerBase running = runningOn;
        if (running != null) {
            running.callbackDone.waitEvent(() -> runningOn != running);
        }
    }

    /** The index of the base the timer is on now; for tests. */
    int baseIndex() {
        return base.index;
    }

    void setRunningOnRelease(TimerBase value) {
        RUNNING_ON.setRelease(this, value);
    }

    // VarHandle mechanics
    private static final VarHandle RUNNING_ON;

    static {
        try {
            RUNNING_ON = MethodHandles.lookup().findVarHandle(Timer.class, "runningOn", TimerBase.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
