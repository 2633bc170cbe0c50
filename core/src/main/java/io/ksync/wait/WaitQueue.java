package io.ksync.wait;

import io.ksync.internal.SleepHooks;
import io.ksync.internal.Timeouts;
import io.ksync.internal.WaitList;
import io.ksync.internal.Waiter;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A wait queue: the kernel's {@code wait_queue_head_t} with {@code wait_event}, {@code wait_event_interruptible},
 * {@code wait_event_timeout}, {@code wait_event_interruptible_timeout}, the exclusive forms
 * ({@code wait_event_exclusive}, {@code wait_event_interruptible_exclusive}), {@code wake_up},
 * {@code wake_up_nr}, {@code wake_up_all} and {@code wq_has_sleeper}.
 *
 * <p>A thread waits until a condition (a {@link BooleanSupplier} over the caller's own state) becomes true;
 * whoever makes it true calls a {@code wakeUp} method. Guarantees:
 * <ul>
 *   <li>The condition is evaluated before sleeping and again after every wake-up; a wait returns only when it
 *   has seen the condition true (or timed out, or was interrupted). Wake-ups are hints, never promises.</li>
 *   <li>No lost wake-up: a condition made true before a {@code wakeUp} call is seen by every waiter that was
 *   not yet asleep, and every waiter already asleep is woken. The waker's state change and its
 *   {@code wakeUp} need no lock of their own (the queue fences both sides, as {@code set_current_state} and
 *   {@code wq_has_sleeper} do), but the state the condition reads must be published by the waker with at least
 *   a plain write before {@code wakeUp}, and read by the condition (a volatile or plain read of a field written
 *   before the wake-up is seen, because {@code wakeUp} and the waiter's re-check are fenced).</li>
 *   <li>Non-exclusive waiters are all woken by every wake-up. Exclusive waiters queue at the tail and are
 *   counted: {@link #wakeUp()} wakes every non-exclusive waiter and one exclusive waiter, {@link #wakeUpNr(int)}
 *   n of them, {@link #wakeUpAll()} all. An exclusive waiter that is woken but gives up (timeout or interrupt)
 *   passes its wake-up on to the next exclusive waiter, so a wake-up meant for one is not lost.</li>
 *   <li>Sleepers park with {@link LockSupport}: a virtual thread unmounts. The sleep hooks of {@link Blocking}
 *   are told before and after each sleep.</li>
 *   <li>The condition runs on the waiting thread, outside any lock of the queue; it may be called several
 *   times and should be cheap and free of side effects.</li>
 * </ul>
 * Interruption: the {@code ...Interruptible...} methods throw {@link InterruptedException} (the kernel's
 * {@code -ERESTARTSYS}); as in the kernel, the condition is checked first, so a wait whose condition is already
 * true returns normally even if the thread is interrupted. The other methods keep waiting and set the interrupt
 * status again on return.
 *
 * <pre>{@code
 * volatile boolean dataReady;
 * final WaitQueue readers = new WaitQueue();
 *
 * // consumer                                  // producer
 * readers.waitEvent(() -> dataReady);          dataReady = true;
 * consume();                                   readers.wakeUpAll();
 * }</pre>
 *
 * @see WaitVar for the keyed form ({@code wait_var_event}, {@code wake_up_var})
 */
public final class WaitQueue {

    /*
     * Implementation notes.
     *
     * The queue is a WaitList (a small guard lock plus a FIFO of per-thread Waiter entries). A wait is the
     * kernel's ___wait_event loop:
     *
     *   prepare_to_wait:  under the guard, queue the entry if it is not queued and set it WAITING
     *                     (non-exclusive entries at the head, exclusive at the tail, as add_wait_queue and
     *                     add_wait_queue_exclusive), then a full fence (set_current_state's smp_mb)
     *   if (condition) break
     *   schedule:         park until the entry is woken (or timeout/interrupt)
     *   finish_wait:      under the guard, dequeue the entry if a waker has not already done so
     *
     * A wake-up is, under the guard, the kernel's __wake_up_common with autoremove_wake_function: walk from the
     * head, dequeue and mark each entry WOKEN and unpark its thread, counting exclusive entries, stopping after
     * nr of them. It unparks under the guard, as the kernel calls try_to_wake_up under the queue lock: a woken
     * entry is reused by its thread as soon as the guard is free.
     *
     * No lost wake-up, access by access. Waiter: [W1] store entry into the list (under the guard), [F1] full
     * fence, [R1] load the condition's state. Waker: [W2] store the condition's state, [F2] full fence,
     * [R2] load the list head (firstVolatile). This is the store-buffering shape; with F1 and F2, R1 and R2 cannot
     * both miss: either the waiter sees the new state, or the waker sees the entry and, taking the guard, wakes
     * it (the entry is WAITING then, or already WOKEN by another waker, which is just as good). The waker skips
     * the guard when R2 finds the list empty (wq_has_sleeper), so wake-ups with nobody waiting cost one fence
     * and one load. Checked by stress/.../wait/WaitQueueNoLostWakeUpTest; its busted control
     * (busted/CheckThenPrepareLostWakeUpTest) reads the condition before queueing, and loses wake-ups.
     *
     * Exclusive accounting on abort: an exclusive waiter that leaves after being woken (timeout, interrupt)
     * without having consumed the wake-up (its condition false) wakes the next exclusive waiter, as the kernel's
     * prepare_to_wait_event does when it sees a signal after an exclusive wake-up.
     */

    /** Waiter kind: all woken by every wake-up. */
    static final int SHARED = 0;
    /** Waiter kind: counted by wake-ups. */
    private static final int EXCLUSIVE = 1;

    static final long UNTIMED = -1L;

    private final WaitList waiters = new WaitList();

    /** Creates an empty wait queue ({@code init_waitqueue_head}, {@code DECLARE_WAIT_QUEUE_HEAD}). */
    public WaitQueue() {
    }

    // ------------------------------------------------------------------------------------------------------
    // Waiting

    /** Sleeps until {@code condition} is true ({@code wait_event}); not interruptible (the status is kept). */
    public void waitEvent(BooleanSupplier condition) {
        waitCore(condition, null, SHARED, false, UNTIMED);
    }

    /**
     * Sleeps until {@code condition} is true or the thread is interrupted ({@code wait_event_interruptible}).
     *
     * @throws InterruptedException if interrupted before the condition was seen true; interrupt status cleared
     */
    public void waitEventInterruptible(BooleanSupplier condition) throws InterruptedException {
        if (waitCore(condition, null, SHARED, true, UNTIMED) == Waiter.INTERRUPTED) {
            throw interrupted();
        }
    }

    /**
     * Sleeps until {@code condition} is true or the timeout elapses ({@code wait_event_timeout}); not
     * interruptible.
     *
     * @return 0 if the timeout elapsed with the condition false; otherwise the nanoseconds left, at least 1
     *         (the kernel returns the jiffies left, at least 1, when the condition became true)
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public long waitEventTimeout(BooleanSupplier condition, long timeout, TimeUnit unit) {
        return waitCore(condition, null, SHARED, false,
                Timeouts.toNanos("WaitQueue.waitEventTimeout", timeout, unit));
    }

    /**
     * Sleeps until {@code condition} is true, the timeout elapses or the thread is interrupted
     * ({@code wait_event_interruptible_timeout}).
     *
     * @return 0 on timeout, else the nanoseconds left (at least 1)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted before the condition was seen true; status cleared
     */
    public long waitEventInterruptibleTimeout(BooleanSupplier condition, long timeout, TimeUnit unit)
            throws InterruptedException {
        long outcome = waitCore(condition, null, SHARED, true,
                Timeouts.toNanos("WaitQueue.waitEventInterruptibleTimeout", timeout, unit));
        if (outcome == Waiter.INTERRUPTED) {
            throw interrupted();
        }
        return outcome;
    }

    /**
     * As {@link #waitEvent} with an exclusive entry ({@code wait_event_exclusive}): {@link #wakeUp()} wakes
     * one exclusive waiter, so a resource freed for one wakes one (no thundering herd).
     */
    public void waitEventExclusive(BooleanSupplier condition) {
        waitCore(condition, null, EXCLUSIVE, false, UNTIMED);
    }

    /**
     * As {@link #waitEventInterruptible} with an exclusive entry ({@code wait_event_interruptible_exclusive}).
     *
     * @throws InterruptedException if interrupted before the condition was seen true; status cleared
     */
    public void waitEventInterruptibleExclusive(BooleanSupplier condition) throws InterruptedException {
        if (waitCore(condition, null, EXCLUSIVE, true, UNTIMED) == Waiter.INTERRUPTED) {
            throw interrupted();
        }
    }

    /**
     * As {@link #waitEventTimeout} with an exclusive entry.
     *
     * @return 0 on timeout, else the nanoseconds left (at least 1)
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public long waitEventExclusiveTimeout(BooleanSupplier condition, long timeout, TimeUnit unit) {
        return waitCore(condition, null, EXCLUSIVE, false,
                Timeouts.toNanos("WaitQueue.waitEventExclusiveTimeout", timeout, unit));
    }

    /**
     * As {@link #waitEventInterruptibleTimeout} with an exclusive entry.
     *
     * @return 0 on timeout, else the nanoseconds left (at least 1)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted before the condition was seen true; status cleared
     */
    public long waitEventInterruptibleExclusiveTimeout(BooleanSupplier condition, long timeout, TimeUnit unit)
            throws InterruptedException {
        long outcome = waitCore(condition, null, EXCLUSIVE, true,
                Timeouts.toNanos("WaitQueue.waitEventInterruptibleExclusiveTimeout", timeout, unit));
        if (outcome == Waiter.INTERRUPTED) {
            throw interrupted();
        }
        return outcome;
    }

    // ------------------------------------------------------------------------------------------------------
    // Waking

    /** Wakes every non-exclusive waiter and one exclusive waiter ({@code wake_up}). */
    public void wakeUp() {
        wake(1, null);
    }

    /**
     * Wakes every non-exclusive waiter and up to {@code nr} exclusive waiters ({@code wake_up_nr}).
     *
     * @throws IllegalArgumentException if {@code nr} is less than 1 (use {@link #wakeUpAll()} for all)
     */
    public void wakeUpNr(int nr) {
        if (nr < 1) {
            throw new IllegalArgumentException("WaitQueue.wakeUpNr: nr must be >= 1, was " + nr
                    + "; use wakeUpAll() to wake every waiter");
        }
        wake(nr, null);
    }

    /** Wakes every waiter, exclusive or not ({@code wake_up_all}). */
    public void wakeUpAll() {
        wake(Integer.MAX_VALUE, null);
    }

    /**
     * Whether any thread sleeps (or is about to) on this queue ({@code wq_has_sleeper}, with its full fence):
     * after a state change, {@code false} means no waiter can miss the change.
     */
    public boolean hasSleepers() {
        VarHandle.fullFence(); // pairs with the waiter's fence after queueing (see the class notes)
        return waiters.firstVolatile() != null;
    }

    /** Number of threads queued now (a snapshot for monitoring; briefly takes the guard). */
    public int getQueueLength() {
        return waiters.sizeLocked();
    }

    // ------------------------------------------------------------------------------------------------------
    // The kernel's open-coded wait loop: prepare_to_wait / schedule / finish_wait

    /**
     * An entry for an open-coded wait loop ({@code DEFINE_WAIT}, {@code struct wait_queue_entry}), for waits
     * that {@code waitEvent} cannot express (a lock dropped around the sleep, several queues at once):
     * <pre>{@code
     * WaitQueue.Entry entry = new WaitQueue.Entry();
     * try {
     *     for (;;) {
     *         queue.prepareToWait(entry);     // queue, then fence: a wake-up from now on is not lost
     *         if (condition()) break;
     *         entry.sleep();                  // schedule(): returns when woken, interrupted or spuriously
     *         if (Thread.interrupted()) throw new InterruptedException();
     *     }
     * } finally {
     *     queue.finishWait(entry);            // leave the queue if no wake-up removed us
     * }
     * }</pre>
     * An entry is used by one thread at a time (the one that last called {@code prepareToWait}) and is on at
     * most one queue at a time. A wake-up removes the entry from its queue and marks it woken
     * ({@code autoremove_wake_function}); the next {@code prepareToWait} queues it again.
     */
    public static final class Entry {
        private final Waiter waiter = Waiter.detached();
        /** The queue the entry is on or was last prepared on; written by the owning thread. */
        private WaitQueue queue;

        /** Creates an entry that is on no queue. */
        public Entry() {
        }

        /**
         * Whether a wake-up has reached this entry since its last {@code prepareToWait}; with acquire ordering,
         * so the waker's writes before its {@code wakeUp} are visible once this returns true.
         */
        public boolean isWoken() {
            return waiter.status() != Waiter.WAITING;
        }

        /**
         * Parks until a wake-up reaches the entry, the thread is interrupted (the status stays set), or
         * spuriously ({@code schedule()}): callers re-check their condition in a loop. Returns at once if the
         * entry is already woken. Tells the {@link Blocking} hooks before and after parking.
         *
         * @throws IllegalStateException if the entry was never prepared on a queue
         */
        public void sleep() {
            sleepCore(0L);
        }

        /**
         * As {@link #sleep()} for at most {@code timeout} ({@code schedule_timeout}).
         *
         * @return the nanoseconds left of the timeout, 0 if it elapsed
         * @throws IllegalArgumentException if {@code timeout} is negative
         * @throws IllegalStateException    if the entry was never prepared on a queue
         */
        public long sleep(long timeout, TimeUnit unit) {
            long nanos = Timeouts.toNanos("WaitQueue.Entry.sleep", timeout, unit);
            if (nanos == 0L) {
                return 0L;
            }
            long deadline = System.nanoTime() + nanos;
            sleepCore(nanos);
            return Math.max(deadline - System.nanoTime(), 0L);
        }

        private void sleepCore(long nanos) {
            WaitQueue blocker = queue;
            if (blocker == null) {
                throw new IllegalStateException("WaitQueue.Entry.sleep() before prepareToWait(): queue the entry"
                        + " on a wait queue first, or a wake-up could never reach it");
            }
            if (isWoken() || Thread.currentThread().isInterrupted()) {
                return;
            }
            SleepHooks.beforeSleep(blocker);
            try {
                if (nanos > 0L) {
                    LockSupport.parkNanos(blocker, nanos);
                } else {
                    LockSupport.park(blocker);
                }
            } finally {
                SleepHooks.afterWake(blocker);
            }
        }
    }

    /**
     * Queues {@code entry} (non-exclusive, at the head) unless a previous prepare left it queued, marks it not
     * woken, and issues a full fence, so that the caller's next check of its condition cannot miss a state
     * change whose {@code wakeUp} did not see the entry ({@code prepare_to_wait}).
     *
     * @throws IllegalStateException if the entry is queued on another wait queue
     */
    public void prepareToWait(Entry entry) {
        prepareEntry(entry, SHARED);
    }

    /**
     * As {@link #prepareToWait} with an exclusive entry at the tail, counted by {@code wakeUp}/{@code wakeUpNr}
     * ({@code prepare_to_wait_exclusive}).
     *
     * @throws IllegalStateException if the entry is queued on another wait queue
     */
    public void prepareToWaitExclusive(Entry entry) {
        prepareEntry(entry, EXCLUSIVE);
    }

    /**
     * Removes {@code entry} from this queue if a wake-up has not already removed it ({@code finish_wait}).
     * Safe to call whether or not the entry is queued.
     */
    public void finishWait(Entry entry) {
        Objects.requireNonNull(entry, "entry must not be null");
        waiters.lock();
        try {
            if (entry.queue == this) {
                waiters.remove(entry.waiter);
            }
        } finally {
            waiters.unlock();
        }
    }

    private void prepareEntry(Entry entry, int kind) {
        Objects.requireNonNull(entry, "entry must not be null");
        WaitQueue previous = entry.queue;
        if (previous != this && previous != null) {
            previous.checkNotQueuedElsewhere(entry); // its guard alone: guards never nest
        }
        entry.queue = this; // read back only by the entry's own thread (finishWait, sleep)
        prepareToWait(entry.waiter, kind);
    }

    private void checkNotQueuedElsewhere(Entry entry) {
        waiters.lock();
        try {
            if (entry.waiter.isQueued()) {
                throw new IllegalStateException("WaitQueue.Entry is still queued on another wait queue: call"
                        + " finishWait(entry) on that queue before preparing it on this one");
            }
        } finally {
            waiters.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // The loop (package-private for WaitVar and Completion)

    /**
     * The wait loop.
     *
     * @param key     the object a keyed waiter waits for ({@link WaitVar}), or null
     * @param timeout nanoseconds, or {@link #UNTIMED}
     * @return for untimed waits {@link Waiter#GRANTED} or {@link Waiter#INTERRUPTED}; for timed waits the
     *         nanoseconds left (at least 1) when the condition was seen true, 0 on timeout, or
     *         {@link Waiter#INTERRUPTED}
     */
    final long waitCore(BooleanSupplier condition, Object key, int kind, boolean interruptible, long timeout) {
        Objects.requireNonNull(condition, "condition must not be null");
        boolean timed = timeout != UNTIMED;
        if (condition.getAsBoolean()) {
            return timed ? Math.max(timeout, 1L) : Waiter.GRANTED;
        }
        if (timed && timeout == 0L) {
            return 0L;
        }
        final long deadline = timed ? System.nanoTime() + timeout : 0L;
        Waiter waiter = Waiter.acquire(kind);
        waiter.key = key;
        boolean givingUp = true; // until the condition is seen true: a condition that throws gives up too
        try {
            for (;;) {
                prepareToWait(waiter, kind);
                if (condition.getAsBoolean()) {
                    givingUp = false;
                    return satisfied(timed, deadline);
                }
                int outcome = waiter.await(this, interruptible, timed, deadline, 0);
                if (outcome == Waiter.WOKEN) {
                    continue; // re-check the condition (re-queueing first, as the loop's prepare_to_wait)
                }
                if (condition.getAsBoolean()) { // the kernel's "condition true at the timeout" rule
                    givingUp = false;
                    if (outcome == Waiter.INTERRUPTED) {
                        waiter.swallowInterrupt(); // we return normally: keep the interrupt for the caller
                    }
                    return satisfied(timed, deadline);
                }
                return outcome == Waiter.INTERRUPTED ? Waiter.INTERRUPTED : 0L;
            }
        } finally {
            // finish_wait on every way out, including a condition that throws: the entry must not stay queued
            finishWait(waiter, givingUp);
            waiter.release();
        }
    }

    /**
     * prepare_to_wait: queue the entry as {@code kind} if a waker has dequeued it (or it is new), arm it, and
     * fence (F1, see the class notes), so the caller's next read of its condition cannot miss a wake-up.
     */
    private void prepareToWait(Waiter waiter, int kind) {
        waiters.lock();
        try {
            if (!waiter.isQueued()) {
                waiter.bind(kind);
                if (kind == EXCLUSIVE) {
                    waiters.addLast(waiter);
                } else {
                    waiters.addFirst(waiter);
                }
            }
            waiter.rearm();
        } finally {
            waiters.unlock();
        }
        VarHandle.fullFence(); // F1: the entry is in the list before the condition is read
    }

    /** What a wait returns once it has seen its condition true: 1 for untimed waits, else the time left. */
    private static long satisfied(boolean timed, long deadline) {
        return timed ? Math.max(deadline - System.nanoTime(), 1L) : Waiter.GRANTED;
    }

    /** finish_wait: leave the queue; an exclusive waiter that gives up after a wake-up passes it on. */
    private void finishWait(Waiter waiter, boolean givingUp) {
        waiters.lock();
        try {
            boolean wasQueued = waiters.remove(waiter);
            if (givingUp && !wasQueued && waiter.kind == EXCLUSIVE && waiter.status() == Waiter.WOKEN) {
                wakeLocked(1, waiter.key); // a wake-up reached us as we left: it belongs to the next one
            }
        } finally {
            waiters.unlock();
        }
    }

    /**
     * Wakes non-exclusive waiters and up to {@code nr} exclusive ones; with a key, only the waiters for that
     * key.
     */
    final void wake(int nr, Object key) {
        VarHandle.fullFence(); // F2: the waker's state change is visible before we look for sleepers
        if (waiters.firstVolatile() == null) { // R2: nobody queued, so every later waiter sees the change
            return;
        }
        waiters.lock();
        try {
            wakeLocked(nr, key);
        } finally {
            waiters.unlock();
        }
    }

    private void wakeLocked(int nr, Object key) {
        int exclusiveLeft = nr;
        Waiter w = waiters.first();
        while (w != null && exclusiveLeft > 0) {
            Waiter next = waiters.next(w);
            if (key == null || w.key == key) {
                waiters.remove(w); // autoremove_wake_function
                w.wake();
                LockSupport.unpark(w.thread());
                if (w.kind == EXCLUSIVE) {
                    exclusiveLeft--;
                }
            }
            w = next;
        }
    }

    private InterruptedException interrupted() {
        return new InterruptedException("interrupted while waiting on " + this);
    }
}
