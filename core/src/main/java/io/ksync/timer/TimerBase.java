package io.ksync.timer;

import io.ksync.lock.QueuedSpinLock;
import io.ksync.wait.WaitQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One CPU's timer base ({@code struct timer_base}): a wheel, the lock that guards it and every queued timer's
 * links, and the thread that sleeps until the next expiry and runs the callbacks ({@code run_timer_softirq}).
 */
final class TimerBase implements Runnable {

    /*
     * Implementation notes.
     *
     * Guarded by lock: the wheel and, for each timer whose base is this one, its links, bucket and expiry; the
     * timer's flags; sleepTick; passRequested; passesStarted. Timer.base changes only under the lock of the base
     * it names (see Timer), so lockBase() finds the right lock with one re-check.
     *
     * The thread's loop, a pass: under the lock, read the clock, advance the wheel, and for each due timer mark
     * it running (Timer.runningOn, set under the lock as the kernel sets base->running_timer), drop the lock, run
     * the callback, retake the lock, clear the mark and wake deleteSync() waiters. Then record the pass complete
     * and sleep until the wheel's next expiry (NOHZ: nothing wakes the thread while no timer is due; with no
     * timer it parks without deadline).
     *
     * No lost wake-up for an earlier timer: the thread records the tick it will sleep until (sleepTick) under the
     * lock before unlocking and parking; an arming thread compares its bucket's tick with sleepTick under the same
     * lock and, if earlier, lowers sleepTick and unparks the thread after unlocking. An unpark that comes before
     * the park makes the park return at once. The wheel's clock does not move while the thread sleeps (only this
     * thread advances it), so ticks compare directly.
     */

    private static final long AWAKE = -1L;

    final TimerService service;
    final int index;
    final QueuedSpinLock lock = new QueuedSpinLock();
    final HierarchicalWheel wheel;
    /** deleteSync() waits here for a callback of this base to end. */
    final WaitQueue callbackDone = new WaitQueue();
    /** awaitDue() waits here for passes to complete. */
    private final WaitQueue passDone = new WaitQueue();
    private final int maxPending;
    Thread thread;

    /** The tick the thread sleeps until, HierarchicalWheel.NO_EXPIRY for no deadline, AWAKE while it runs. */
    private long sleepTick = AWAKE;
    /** awaitDue() asked for one more pass before the thread sleeps. */
    private boolean passRequested;
    /** Passes begun; a pass reads the clock after incrementing it. */
    private long passesStarted;
    /** Passes finished; written with setRelease, read by awaitDue with getAcquire. */
    private long passesCompleted;
    /** The thread has left its loop (close(), or a failure of the base itself): no pass will come. */
    private volatile boolean exited;

    TimerBase(TimerService service, int index, long startNanos, long tickNanos, int depth, int maxPending) {
        this.service = service;
        this.index = index;
        this.wheel = new HierarchicalWheel(startNanos, tickNanos, depth);
        this.maxPending = maxPending;
    }

    // ---------------------------------------------------------------------------------------------------
    // Called under the lock by Timer

    /**
     * Queues an idle timer; throws before changing anything if the service is closed (checked under the lock,
     * which close() takes after setting the flag, so no timer is queued after close() cleared the base) or the
     * base is full.
     *
     * @param now the clock's time if the caller has read it, else {@link Timer#NOW_UNKNOWN}
     * @return whether the base's thread must be woken (after unlocking)
     */
    boolean enqueueLocked(Timer timer, long expires, long now) {
        if (service.isClosed()) {
            throw service.closedException();
        }
        if (wheel.size() >= maxPending) {
            throw new IllegalStateException("timer base " + index + " already holds " + wheel.size()
                    + " pending timers, the bound set by TimerService.Builder.maxPendingPerBase: delete timers "
                    + "that are no longer needed, or raise the bound");
        }
        forwardClockLocked(expires, now);
        return wakeNeeded(wheel.add(timer, expires));
    }

    /** Moves a queued timer to a new expiry; see enqueueLocked. */
    boolean moveLocked(Timer timer, long expires, long now) {
        forwardClockLocked(expires, now);
        return wakeNeeded(wheel.move(timer, expires));
    }

    /**
     * Brings the wheel's clock up to now before a delay is measured from it (forward_timer_base in __mod_timer),
     * when the thread sleeps (its clock is as old as its last pass: NOHZ) and the delay reaches beyond level 0
     * (where a clock left behind would cost granularity; level 0 places by exact tick whatever the clock). The
     * clock is read only then, and only if the caller has not read it. While the thread is awake its clock is
     * that of the current pass, older only by the callbacks run since, which delay this base's timers anyway.
     */
    private void forwardClockLocked(long expires, long now) {
        if (sleepTick != AWAKE && wheel.beyondLevelZero(expires)) {
            wheel.forward(now != Timer.NOW_UNKNOWN ? now : service.clock.nanoTime());
        }
    }

    /** Whether the thread must be unparked (after unlocking) because a bucket earlier than its sleep was filled. */
    private boolean wakeNeeded(long bucketTick) {
        if (sleepTick != AWAKE && bucketTick < sleepTick) {
            sleepTick = bucketTick; // the next earlier timer need not unpark again
            return true;
        }
        return false;
    }

    void wake() {
        LockSupport.unpark(thread);
    }

    // ---------------------------------------------------------------------------------------------------
    // The base's thread

    @Override
    public void run() {
        final TimerClock clock = service.clock;
        lock.lock();
        try {
            while (!service.isClosed()) {
                passesStarted++;
                final long now = clock.nanoTime();
                while (wheel.advance(now)) {
                    WheelNode node;
                    while ((node = wheel.pollExpiring()) != null) {
                        runCallbackLocked((Timer) node);
                    }
                }
                PASSES_COMPLETED.setRelease(this, passesStarted); // release: pairs with awaitDue's getAcquire
                final boolean again = passRequested;
                passRequested = false;
                final boolean idle = wheel.size() == 0;
                final long deadline = idle ? 0L : wheel.nextExpiryNanos();
                sleepTick = again ? AWAKE : idle ? HierarchicalWheel.NO_EXPIRY : wheel.nextExpiryTick();
                lock.unlock();
                try {
                    passDone.wakeUpAll();
                    // a callback's (or anyone's) interrupt would make every park return at once: a busy loop
                    Thread.interrupted();
                    if (again || service.isClosed()) {
                        continue;
                    }
                    if (idle) {
                        clock.park();
                    } else {
                        clock.parkUntil(deadline);
                    }
                } finally {
                    lock.lock();
                    sleepTick = AWAKE;
                }
            }
        } catch (Throwable unexpected) {
            service.report(unexpected); // a bug of the base itself, not a callback's: the base stops
        } finally {
            lock.unlock(); // held on every way out of the loop: each sleep and callback retakes it in a finally
            exited = true;
            passDone.wakeUpAll();
        }
    }

    /** Runs one due timer's callback with the lock dropped; the lock is held on entry and on return. */
    private void runCallbackLocked(Timer timer) {
        final Consumer<? super Timer> callback = timer.callback;
        timer.setRunningOnRelease(this); // release, under the lock: deleteSync() sees running or pending
        lock.unlock();
        try {
            callback.accept(timer);
        } catch (Throwable failure) {
            service.report(failure);
        } finally {
            lock.lock();
            timer.setRunningOnRelease(null); // under the lock, as del_timer_sync's running_timer check expects
            callbackDone.wakeUpAll();        // fences, and takes the queue's guard only if a deleteSync() sleeps
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // TimerService

    /**
     * The number of the pass that must complete before everything due now has run: the next one to start. Asks
     * for it and wakes the thread.
     */
    long requestPass() {
        final long target;
        lock.lock();
        try {
            target = passesStarted + 1;
            if (sleepTick == AWAKE) {
                passRequested = true; // in a pass now: run another before sleeping
            }
        } finally {
            lock.unlock();
        }
        wake();
        return target;
    }

    void awaitPass(long target) {
        passDone.waitEvent(() -> (long) PASSES_COMPLETED.getAcquire(this) - target >= 0 || exited);
    }

    int pendingLocked() {
        return wheel.size();
    }

    /** Dequeues every timer (they will not run); for close(). */
    void clearLocked() {
        wheel.clear();
    }

    // VarHandle mechanics
    private static final VarHandle PASSES_COMPLETED;

    static {
        try {
            PASSES_COMPLETED = MethodHandles.lookup().findVarHandle(TimerBase.class, "passesCompleted", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
