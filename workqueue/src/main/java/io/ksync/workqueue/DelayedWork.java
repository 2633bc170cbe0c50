package io.ksync.workqueue;

import io.ksync.timer.Timer;
import io.ksync.timer.TimerService;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A work queued after a delay: the kernel's {@code struct delayed_work} with {@code INIT_DELAYED_WORK},
 * {@code queue_delayed_work}, {@code queue_delayed_work_on}, {@code mod_delayed_work},
 * {@code cancel_delayed_work}, {@code cancel_delayed_work_sync} and {@code flush_delayed_work}. The delay runs on
 * a {@link Timer} of core's timer wheel (the queue's {@link WorkerPools} own one {@link TimerService}); when it
 * expires the work is queued as {@link Workqueue#queue} would.
 *
 * <p>The rules of {@link Work} apply to the whole: the work is pending from the queueing until it starts,
 * whether its timer is armed or it waits on a worklist; queueing a pending delayed work returns false and
 * changes nothing (use {@link #mod} to change the delay); it is never reentrant.
 *
 * <ul>
 *   <li>{@link #mod} ({@code mod_delayed_work}) re-arms a pending work to the new delay, or queues an idle one;
 *   it returns true if the work was pending. A delay of zero queues it at once.</li>
 *   <li>{@link #cancel()} stops the timer or takes the work off its worklist; {@link #cancelSync()} also waits for
 *   a running instance; {@link #flush()} fires a pending timer now, then waits for the run.</li>
 *   <li>Delays are at least what was asked and late by at most the wheel's granularity (see
 *   {@link io.ksync.timer.TimerWheel}). All delayed works are non-deferrable: an expiring timer wakes its base
 *   even if nothing else is due ({@code INIT_DEFERRABLE_WORK} has no separate flavour here; the wheel's NOHZ
 *   sleep makes an idle base cost nothing until the next expiry anyway).</li>
 *   <li>{@link Workqueue#drain()} and {@link Workqueue#destroy()} queue the delayed works pending on the queue at
 *   once, so that destroying a queue never drops one.</li>
 * </ul>
 *
 * <p>Queueing, re-arming and cancelling allocate nothing once the work has been queued on a queue of the same
 * {@link WorkerPools} before.
 *
 * <pre>{@code
 * DelayedWork poll = new DelayedWork(this::pollHardware);
 * poll.queue(wq, 100, TimeUnit.MILLISECONDS);      // and the function re-queues itself for periodic polling
 * ...
 * poll.cancelSync();                                // neither armed, pending nor running afterwards
 * }</pre>
 */
public final class DelayedWork {

    /*
     * Implementation notes. PENDING of the inner Work covers the timer: the owner of PENDING arms the timer, and
     * whoever deletes it while it is pending (Timer.delete() returning true) takes the instance over: a canceller
     * (Work.grab), flush() (which queues it at once), or the timer's own expiry (which queues it). wq and cpu are
     * written by the owner before arming (published by the timer base's lock) and read after a successful delete
     * or in the callback. `timer` is volatile: read by cancellers on any thread; it is replaced only by the owner,
     * while idle, when the work moves to queues of another WorkerPools.
     *
     * timerArmings and timerLandings count the instances handed to the timer and those that left it (linked on
     * their queue, or cancelled with the timer), so that drain() sees an instance in flight also in the window
     * where its timer has expired (no longer pending) and the callback has not linked it yet. Both are monotonic:
     * an armings increment precedes Timer.add, a landing follows the link, so that an instance is counted by the
     * timer or by its pwq's inserted/left at every instant (Workqueue.isIdle's argument). Armings has one writer at
     * a time (the owner of PENDING; ownership passes with happens-before); a landing may come from the timer's
     * thread after the link, when the next owner may already be landing the next instance: an atomic add.
     */

    /**
     * Test only: run by the timer's callback after the timer has expired and before the instance is linked (the
     * window in which drain() must still count it). Plain static: set before the timer is armed, reset after.
     */
    static Runnable beforeExpiredLinkForTesting;

    private final Work work;
    private volatile Timer timer;
    private volatile Workqueue wq;
    private volatile int cpu;
    /** The queue this work last registered with for drain(); owner of PENDING only. */
    private Workqueue registeredOn;
    /** Instances handed to the timer; written by the owner of PENDING (see the notes). */
    private volatile long timerArmings;
    /** Instances that left the timer, linked or cancelled; atomic adds (see the notes). */
    private volatile long timerLandings;

    /**
     * Creates an idle delayed work ({@code INIT_DELAYED_WORK}).
     *
     * @throws NullPointerException if {@code function} is null
     */
    public DelayedWork(Runnable function) {
        this.work = new Work(function, this);
    }

    /**
     * Queues the work on {@code wq} after {@code delay} ({@code queue_delayed_work}), on the pool of the CPU whose
     * timer base fires it; a delay of 0 queues it at once.
     *
     * @return false if it was already pending (nothing changes)
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException    if {@code wq} refuses work (destroyed, or draining)
     */
    public boolean queue(Workqueue wq, long delay, TimeUnit unit) {
        return queue(-1, wq, delay, unit);
    }

    /**
     * As {@link #queue(Workqueue, long, TimeUnit)} on {@code cpu}'s pool ({@code queue_delayed_work_on}).
     *
     * @throws IllegalArgumentException if {@code cpu} is not a CPU of the queue's pools, or {@code delay} is
     *                                  negative
     */
    public boolean queueOn(int cpu, Workqueue wq, long delay, TimeUnit unit) {
        Objects.requireNonNull(wq, "wq").checkCpu(cpu);
        return queue(cpu, wq, delay, unit);
    }

    /**
     * Re-arms a pending work to {@code delay} from now, or queues an idle one ({@code mod_delayed_work}); a delay
     * of zero queues it at once whatever its state. If a {@link #cancelSync()} is in progress, nothing happens.
     *
     * @return true if the work was pending (and is now re-armed), false if it was idle (and is now queued) or a
     *         cancellation is in progress
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException    if {@code wq} refuses work
     */
    public boolean mod(Workqueue wq, long delay, TimeUnit unit) {
        return mod(-1, wq, delay, unit);
    }

    /** As {@link #mod(Workqueue, long, TimeUnit)} on {@code cpu}'s pool ({@code mod_delayed_work_on}). */
    public boolean modOn(int cpu, Workqueue wq, long delay, TimeUnit unit) {
        Objects.requireNonNull(wq, "wq").checkCpu(cpu);
        return mod(cpu, wq, delay, unit);
    }

    /**
     * Stops a pending timer, or takes a queued instance off its worklist ({@code cancel_delayed_work}); does not
     * wait for a running instance.
     *
     * @return true if the work was pending and will not run for that queueing
     */
    public boolean cancel() {
        return work.cancel();
    }

    /**
     * Cancels and waits until no instance runs ({@code cancel_delayed_work_sync}): on return the work is neither
     * armed, pending nor running, even if it re-queues itself.
     *
     * @return true if the work was pending
     * @throws IllegalStateException if called from the work's own function
     */
    public boolean cancelSync() {
        return work.cancelSync();
    }

    /**
     * Fires a pending timer now, then waits for the last queued instance to finish ({@code flush_delayed_work}).
     *
     * @return true if it waited, false if the work was idle
     * @throws IllegalStateException if called from the work's own function
     */
    public boolean flush() {
        return work.flush();
    }

    /** Whether the work is armed or queued and has not started; a snapshot. */
    public boolean isPending() {
        return work.isPending();
    }

    /** Whether the function is running now; a snapshot. */
    public boolean isRunning() {
        return work.isRunning();
    }

    /** Whether the work is pending or running; a snapshot. */
    public boolean isBusy() {
        return work.isBusy();
    }

    /** Whether the timer is armed now (the work waits for its delay); a snapshot. */
    public boolean isTimerPending() {
        final Timer current = timer;
        return current != null && current.isPending();
    }

    @Override
    public String toString() {
        return "DelayedWork[" + work.function + (isTimerPending() ? ", timer armed" : "")
                + (work.isPending() ? ", pending" : "") + (work.isRunning() ? ", running" : "") + "]";
    }

    // ---------------------------------------------------------------------------------------------------
    // For Work and Workqueue

    /**
     * Deletes a pending timer for a canceller; true if it was pending (the caller now owns the pending instance,
     * which is cancelled).
     */
    boolean cancelTimer() {
        if (tryDeleteTimer()) {
            landed();
            return true;
        }
        return false;
    }

    /**
     * flush_delayed_work's first half: a pending timer is deleted and the work queued at once; true if it was
     * (the caller then waits for an instance that was pending when it was called).
     */
    boolean fireTimerNow() {
        if (tryDeleteTimer()) {
            linkFiredInstance();
            return true;
        }
        return false;
    }

    /** As {@link #fireTimerNow()} if the pending timer targets {@code queue} (for drain). */
    void fireTimerNowIfOn(Workqueue queue) {
        if (wq == queue) {
            fireTimerNow();
        }
    }

    /**
     * The queue of the latest instance handed to the timer. drain's scan reads it before the counters: it is
     * written before the armings increment and changes only after the instance has landed.
     */
    Workqueue timerQueue() {
        return wq;
    }

    /** Instances handed to the timer so far. */
    long timerArmings() {
        return timerArmings;
    }

    /** Instances that left the timer so far: linked on their queue or cancelled. */
    long timerLandings() {
        return timerLandings;
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    /** Deletes a pending timer; true if it was pending (the caller now owns the pending instance). */
    private boolean tryDeleteTimer() {
        final Timer current = timer;
        return current != null && current.delete();
    }

    private boolean queue(int cpu, Workqueue wq, long delay, TimeUnit unit) {
        Objects.requireNonNull(wq, "wq");
        final long nanos = delayNanos(delay, unit);
        wq.checkAccepting();
        if (!work.tryClaimPending()) {
            return false;
        }
        work.beginInstance();
        arm(cpu, wq, nanos);
        return true;
    }

    private boolean mod(int cpu, Workqueue wq, long delay, TimeUnit unit) {
        Objects.requireNonNull(wq, "wq");
        final long nanos = delayNanos(delay, unit);
        wq.checkAccepting();
        final int outcome = work.grab(false);
        if (outcome == Work.OTHER_CANCELING) {
            return false;
        }
        work.beginInstance();
        arm(cpu, wq, nanos);
        return outcome == Work.GRABBED_PENDING;
    }

    /** Arms the timer for the pending instance the caller owns, or queues it at once for a zero delay. */
    private void arm(int cpu, Workqueue wq, long nanos) {
        if (nanos == 0) {
            wq.insert(cpu, work);
            return;
        }
        this.wq = wq;
        this.cpu = cpu;
        if (registeredOn != wq) {
            wq.registerDelayed(this);
            registeredOn = wq;
        }
        boolean counted = false;
        try {
            final TimerService service = wq.pools.timers();
            Timer current = timer;
            if (current == null || current.service() != service) {
                current = new Timer(service, t -> expired());
                timer = current;
            }
            // volatile write (single writer: the owner), before the instance can expire: drain's scan counts it
            // from here until the landing that follows its link
            timerArmings = timerArmings + 1;
            counted = true;
            current.add(service.nanoTime() + nanos);
        } catch (RuntimeException | Error e) { // refused (pools or service closed, full): do not leak PENDING
            if (counted) {
                landed(); // never armed
            }
            work.abandonInstance(work.queueSeq());
            throw e;
        }
    }

    /** The timer's callback ({@code delayed_work_timer_fn}): the pending instance goes on its queue. */
    private void expired() {
        final Runnable testHook = beforeExpiredLinkForTesting;
        if (testHook != null) {
            testHook.run();
        }
        linkFiredInstance();
    }

    /** The instance whose timer fired (or was fired early) goes on its queue; then it has landed. */
    private void linkFiredInstance() {
        try {
            wq.insertAccepted(cpu, work);
        } finally {
            landed(); // even if linking failed (a bug): drain() must not wait for ever
        }
    }

    /** An instance left the timer (after its link, if it was linked). */
    private void landed() {
        final long before = (long) TIMER_LANDINGS.getAndAdd(this, 1L); // typed: an exact invocation, no adaptation
        assert before >= 0;
    }

    private static long delayNanos(long delay, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        if (delay < 0) {
            throw new IllegalArgumentException("delay must be >= 0, was " + delay + " " + unit);
        }
        return unit.toNanos(delay);
    }

    // VarHandle mechanics
    private static final VarHandle TIMER_LANDINGS;

    static {
        try {
            TIMER_LANDINGS = MethodHandles.lookup().findVarHandle(DelayedWork.class, "timerLandings", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
