package io.ksync.timer;

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
     * Guarded by lock: the wheel, the high-resolution heap and, for each timer whose base is this one, its links,
     * bucket (heap index) and expiry; the timer's flags; the sleep state; passRequested; passesStarted. Timer.base changes only under the lock of the base
     * it names (see Timer), so lockBase() finds the right lock with one re-check.
     *
     * The thread's loop, a pass: under the lock, read the clock, run the due high-resolution timers (the hrtimer
     * tier comes first, as hard interrupts come before the timer softirq), advance the wheel, and for each due
     * timer mark it running (Timer.runningOn, set under the lock as the kernel sets base->running_timer), drop the lock, run
     * the callback, retake the lock, clear the mark and wake deleteSync() waiters. Then record the pass complete
     * and sleep until the earlier of the wheel's next bucket and the heap's earliest hard expiry (NOHZ: nothing
     * wakes the thread while no timer is due; with no timer it parks without deadline).
     *
     * No lost wake-up for an earlier timer: the thread records the time it will sleep until (sleeping,
     * sleepUntil) under the lock before unlocking and parking; an arming thread compares the time its timer is due
     * (its bucket's start, or its hard expiry) with sleepUntil under the same lock and, if earlier, lowers
     * sleepUntil and unparks the thread after unlocking. An unpark that comes before the park makes the park
     * return at once.
     */


    final TimerService service;
    final int index;
    final TimerBaseLock lock = new TimerBaseLock();
    final HierarchicalWheel wheel;
    /** deleteSync() waits here for a callback of this base to end. */
    final WaitQueue callbackDone = new WaitQueue();
    /** awaitDue() waits here for passes to complete. */
    private final WaitQueue passDone = new WaitQueue();
    private final int maxPending;
    Thread thread;

    /** The high-resolution tier. */
    final HrTimerHeap hrTimers = new HrTimerHeap();

    /** The thread is asleep (or about to park) until sleepUntil, or without deadline if sleepsForever. */
    private boolean sleeping;
    private boolean sleepsForever;
    private long sleepUntil;
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
        if (service.isClosed() || exited) {
            throw service.closedException();
        }
        checkRoomLocked();
        forwardClockLocked(expires, now);
        wheel.add(timer, expires);
        return sleeping && wakeNeeded(wheel.tickStartNanos(wheel.bucketTick(timer.bucket)));
    }

    private void checkRoomLocked() {
        final int pending = wheel.size() + hrTimers.size();
        if (pending >= maxPending) {
            throw new IllegalStateException("timer base " + index + " already holds " + pending
                    + " pending timers, the bound set by TimerService.Builder.maxPendingPerBase: delete timers "
                    + "that are no longer needed, or raise the bound");
        }
    }

    /** Queues an HrTimer whose expiries are set; see enqueueLocked. */
    boolean hrEnqueueLocked(HrTimer timer) {
        if (service.isClosed() || exited) {
            throw service.closedException();
        }
        checkRoomLocked();
        hrTimers.add(timer);
        return wakeNeeded(timer.hardExpires);
    }

    boolean hrRemoveLocked(HrTimer timer) {
        return hrTimers.remove(timer);
    }

    /** Moves a queued timer to a new expiry; see enqueueLocked. */
    boolean moveLocked(Timer timer, long expires, long now) {
        forwardClockLocked(expires, now);
        wheel.move(timer, expires);
        return sleeping && wakeNeeded(wheel.tickStartNanos(wheel.bucketTick(timer.bucket)));
    }

    /**
     * Brings the wheel's clock up to now before a delay is measured from it (forward_timer_base in __mod_timer),
     * when the thread sleeps (its clock is as old as its last pass: NOHZ) and the delay reaches beyond level 0
     * (where a clock left behind would cost granularity; level 0 places by exact tick whatever the clock). The
     * clock is read only then, and only if the caller has not read it. While the thread is awake its clock is
     * that of the current pass, older only by the callbacks run since, which delay this base's timers anyway.
     */
    private void forwardClockLocked(long expires, long now) {
        if (sleeping && wheel.beyondLevelZero(expires)) {
            wheel.forward(now != Timer.NOW_UNKNOWN ? now : service.clock.nanoTime());
        }
    }

    /** Whether the thread must be unparked (after unlocking) because something is due before its sleep ends. */
    private boolean wakeNeeded(long dueNanos) {
        if (sleeping && (sleepsForever || dueNanos - sleepUntil < 0)) { // sleeping: re-checked for hrEnqueueLocked
            sleepsForever = false;
            sleepUntil = dueNanos; // the next earlier timer need not unpark again
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
        Throwable failure = null;
        lock.lockWithoutParking();
        try {
            while (!service.isClosed()) {
                passesStarted++;
                final long now = clock.nanoTime();
                runHrTimersLocked(now);
                while (wheel.advance(now)) {
                    WheelNode node;
                    while ((node = wheel.pollExpiring()) != null) {
                        runCallbackLocked((Timer) node);
                    }
                }
                PASSES_COMPLETED.setRelease(this, passesStarted); // release: pairs with awaitDue's getAcquire
                final boolean again = passRequested;
                passRequested = false;
                final HrTimer firstHr = hrTimers.peek();
                final boolean idle = wheel.size() == 0 && firstHr == null;
                long deadline = 0L;
                if (!idle) {
                    deadline = wheel.size() == 0 ? firstHr.hardExpires : wheel.nextExpiryNanos();
                    if (firstHr != null && firstHr.hardExpires - deadline < 0) {
                        deadline = firstHr.hardExpires;
                    }
                }
                sleeping = !again;
                sleepsForever = idle;
                sleepUntil = deadline;
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
                    lock.lockWithoutParking();
                    sleeping = false;
                }
            }
        } catch (Throwable unexpected) {
            failure = unexpected; // a bug of the base itself, not a callback's: the base stops
        } finally {
            exited = true; // under the lock: arming checks it there
            lock.unlock(); // held on every way out of the loop: each sleep and callback retakes it in a finally
            passDone.wakeUpAll();
        }
        if (failure != null) {
            service.report(failure); // after unlocking: the handler may touch this base's timers
        }
    }

    /** Runs one due timer's callback with the lock dropped; the lock is held on entry and on return. */
    private void runCallbackLocked(Timer timer) {
        final Consumer<? super Timer> callback = timer.callback;
        final long expires = timer.expires; // under the lock: the arming being run
        timer.setRunningOnRelease(this); // release, under the lock: deleteSync() sees running or pending
        lock.unlock();
        final TimerExpiryEvent event = startEvent(expires, false);
        try {
            callback.accept(timer);
        } catch (Throwable failure) {
            service.report(failure);
        } finally {
            commitEvent(event, callback);
            lock.lockWithoutParking();
            timer.setRunningOnRelease(null); // under the lock, as del_timer_sync's running_timer check expects
            callbackDone.wakeUpAll();        // fences, and takes the queue's guard only if a deleteSync() sleeps
        }
    }

    /**
     * Runs, in hard-expiry order, every high-resolution timer whose soft expiry is at or before {@code now}
     * (__hrtimer_run_queues), stopping at the first that is not; timers queued during this pass (restarted or
     * started by callbacks) wait for the next pass (see HrTimerHeap). Lock held on entry and on return.
     */
    private void runHrTimersLocked(long now) {
        hrTimers.collectDue(now);
        HrTimer timer;
        while ((timer = hrTimers.pollExpiring()) != null) {
            runHrCallbackLocked(timer);
        }
    }

    private void runHrCallbackLocked(HrTimer timer) {
        final HrTimer.Callback callback = timer.callback;
        final long expires = timer.softExpires; // under the lock: the expiry it was armed for
        timer.markRunningLocked(this); // under the lock: cancel() sees it queued or running, never neither
        lock.unlock();
        final TimerExpiryEvent event = startEvent(expires, true);
        HrTimer.Restart restart = HrTimer.Restart.NORESTART;
        try {
            restart = callback.expired(timer);
            if (restart == null) {
                restart = HrTimer.Restart.NORESTART;
                service.report(new NullPointerException("an HrTimer callback returned null: return RESTART or "
                        + "NORESTART; the timer was not restarted"));
            }
        } catch (Throwable failure) {
            service.report(failure);
        } finally {
            commitEvent(event, callback);
            lock.lockWithoutParking();
            try {
                // __run_hrtimer: queue it again unless the callback queued it itself (it stays on this base while
                // running, so it is ours to queue), or the service closed meanwhile
                if (restart == HrTimer.Restart.RESTART && timer.heapIndex == -1 && !service.isClosed()) {
                    hrTimers.add(timer);
                }
            } finally {
                timer.markRunEndedLocked();
                callbackDone.wakeUpAll();
            }
        }
    }

    /**
     * The JFR expiry event of the callback about to run, begun, with its lateness; null when no recording wants
     * it (one flag check: the clock is read only for a recording). Never throws: it runs with the lock dropped
     * and the timer marked running, where only the callback may fail (a failure here is reported, the event lost).
     */
    private TimerExpiryEvent startEvent(long expires, boolean highResolution) {
        if (!TimerExpiryEvent.isTypeEnabled()) {
            return null;
        }
        try {
            final TimerExpiryEvent event = new TimerExpiryEvent();
            event.lateness = Math.max(0L, service.clock.nanoTime() - expires);
            event.base = index;
            event.highResolution = highResolution;
            event.begin();
            return event;
        } catch (Throwable failure) {
            service.report(failure);
            return null;
        }
    }

    /** Ends and commits the event if there is one; never throws (see startEvent). */
    private void commitEvent(TimerExpiryEvent event, Object callback) {
        if (event == null) {
            return;
        }
        try {
            event.end();
            if (event.shouldCommit()) {
                event.callback = callback.getClass().getName();
                event.commit();
            }
        } catch (Throwable failure) {
            service.report(failure);
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
            if (!sleeping) {
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
        return wheel.size() + hrTimers.size();
    }

    /** Dequeues every timer (they will not run); for close(). */
    void clearLocked() {
        wheel.clear();
        hrTimers.clear();
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
