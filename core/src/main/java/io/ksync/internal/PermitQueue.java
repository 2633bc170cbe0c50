package io.ksync.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * A count of permits with a strict FIFO of sleepers to which released permits are handed directly: the
 * algorithm of the kernel's {@code kernel/locking/semaphore.c} ({@code down}, {@code up}, {@code __up}) and of
 * {@code kernel/sched/completion.c}, shared by {@code io.ksync.lock.Semaphore} and
 * {@code io.ksync.wait.Completion}.
 *
 * <h2>State</h2>
 * <pre>
 *   | WAITERS (1) | count (31) |
 * </pre>
 * Invariant (kept under the list guard): {@code WAITERS} is set if and only if the list is non-empty, and then
 * the count is 0, because a release with a sleeper queued hands its permit to the oldest sleeper instead of
 * counting it. So the lock-free fast paths are exact:
 * <ul>
 *   <li>acquire: compare-and-set {@code count -> count - 1} while the word is positive (count &gt; 0, which
 *   implies no waiters);</li>
 *   <li>release: compare-and-set {@code count -> count + 1} while the word is non-negative (no waiters);</li>
 * </ul>
 * and everything else happens under the guard, where a release either grants the oldest sleeper or, with
 * nobody queued, counts. A new acquirer can never take a permit that a queued sleeper is owed: strict FIFO, as
 * the kernel's semaphore.
 *
 * <p>A <em>sticky</em> queue (a completion) has one more state: count {@link #ALL}, set by {@link #releaseAll()},
 * which every acquisition passes without consuming ({@code complete_all}).
 *
 * <h2>Ordering</h2>
 * Every state change is a volatile compare-and-set, and a grant is a release store read with acquire by the
 * sleeper, so whatever a releaser wrote before {@code release()} happens-before the return of the
 * {@code acquire} that consumed its permit (fast or slow).
 */
public final class PermitQueue {

    /** Set while sleepers are queued. */
    private static final int WAITERS = 0x8000_0000;
    /** The count bits. */
    private static final int COUNT = 0x7fff_ffff;
    /** The sticky "done for all" count of a completion. */
    public static final int ALL = COUNT;
    /** Polls of the grant before parking: a permit released within a microsecond or two is not worth a park. */
    private static final int SPINS_BEFORE_PARK = 32;

    private volatile int state;
    private final WaitList waiters = new WaitList();
    /** Highest count {@link #tryRelease()} reaches. */
    private final int maxCount;
    /** Whether {@link #ALL} is passed without consuming. */
    private final boolean sticky;

    /**
     * @param initial  initial count, 0..maxCount
     * @param maxCount bound on the count ({@code ALL - 1} at most for a sticky queue)
     * @param sticky   whether {@link #releaseAll()} makes every later acquisition succeed (a completion)
     */
    public PermitQueue(int initial, int maxCount, boolean sticky) {
        this.maxCount = maxCount;
        this.sticky = sticky;
        STATE.setRelease(this, initial); // release: with the final fields, safe to publish by a data race
    }

    /** The count now (0 while sleepers are queued; {@link #ALL} after {@link #releaseAll()} of a sticky queue). */
    public int count() {
        return (int) STATE.getVolatile(this) & COUNT;
    }

    /** Whether sleepers are queued now. */
    public boolean hasWaiters() {
        return (int) STATE.getVolatile(this) < 0;
    }

    /** Number of queued sleepers (takes the guard; monitoring only). */
    public int queueLength() {
        return waiters.sizeLocked();
    }

    /** Takes a permit if one is available now ({@code down_trylock}); never sleeps. */
    public boolean tryAcquire() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (s <= 0) { // count 0, or WAITERS (and then the count is 0 too)
                return false;
            }
            if (sticky && s == ALL) {
                return true;
            }
            if (STATE.compareAndSet(this, s, s - 1)) { // volatile: acquires what the releaser published
                return true;
            }
        }
    }

    /**
     * Takes a permit, sleeping in FIFO order until one is handed over.
     *
     * @return {@link Waiter#GRANTED}, {@link Waiter#TIMED_OUT} or {@link Waiter#INTERRUPTED} (interrupt
     *         status cleared). A permit granted while the caller was giving up is kept (returns GRANTED, and an
     *         interrupt that arrived meanwhile is restored).
     */
    public int acquire(Object blocker, boolean interruptible, boolean timed, long deadline) {
        if (tryAcquire()) {
            return Waiter.GRANTED;
        }
        Waiter waiter = Waiter.acquire(0);
        try {
            waiters.lock();
            try {
                for (;;) {
                    int s = (int) STATE.getVolatile(this);
                    if (s > 0) { // a permit came back while we took the guard; no sleepers, so it is ours
                        if ((sticky && s == ALL) || STATE.compareAndSet(this, s, s - 1)) {
                            return Waiter.GRANTED;
                        }
                        continue;
                    }
                    if (s < 0 || STATE.compareAndSet(this, s, s | WAITERS)) {
                        break; // from here on every release takes the guard and sees us
                    }
                }
                waiters.addLast(waiter);
            } finally {
                waiters.unlock();
            }
            int outcome = waiter.await(blocker, interruptible, timed, deadline, SPINS_BEFORE_PARK);
            if (outcome == Waiter.GRANTED) {
                return outcome;
            }
            waiters.lock();
            try {
                if (waiter.status() == Waiter.GRANTED) { // the grant raced with the timeout or interrupt
                    if (outcome == Waiter.INTERRUPTED) {
                        waiter.swallowInterrupt(); // restored by release(): we return the permit's success
                    }
                    return Waiter.GRANTED;
                }
                waiters.remove(waiter);
                if (waiters.isEmpty()) {
                    STATE.getAndBitwiseAnd(this, ~WAITERS);
                }
            } finally {
                waiters.unlock();
            }
            return outcome;
        } finally {
            waiter.release();
        }
    }

    /**
     * Returns a permit: to the oldest sleeper if there is one, else to the count.
     *
     * @return {@code false} if nobody sleeps and the count is already at its bound (nothing changed)
     */
    public boolean tryRelease() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (s < 0) {
                return releaseToSleeper();
            }
            if (s >= maxCount) {
                return false; // at the bound, or ALL (sticky): nothing to add
            }
            if (STATE.compareAndSet(this, s, s + 1)) { // volatile: publishes the releaser's writes
                return true;
            }
        }
    }

    private boolean releaseToSleeper() {
        Thread wake = null;
        waiters.lock();
        try {
            Waiter first = waiters.first();
            if (first == null) { // the sleepers left (timed out) between our read and the guard: count it
                int s = (int) STATE.getVolatile(this);
                if (s >= maxCount) {
                    return false;
                }
                STATE.getAndAdd(this, 1);
                return true;
            }
            waiters.remove(first);
            if (waiters.isEmpty()) {
                STATE.getAndBitwiseAnd(this, ~WAITERS);
            }
            first.grant();
            wake = first.thread();
        } finally {
            waiters.unlock();
        }
        LockSupport.unpark(wake); // outside the guard: the sleeper does not collide with us on it
        return true;
    }

    /** Sets the sticky count {@link #ALL} and grants every sleeper ({@code complete_all}). */
    public void releaseAll() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (s < 0) {
                break;
            }
            if (STATE.compareAndSet(this, s, ALL)) {
                return;
            }
        }
        waiters.lock();
        try {
            // ALL before the grants (complete_all sets done before it wakes anyone): a woken waiter that asks
            // isDone() right after its wait returned must see it. Nobody queues meanwhile: new acquirers see ALL
            // and pass, and the queued ones are only touched under the guard we hold.
            STATE.setVolatile(this, ALL);
            for (Waiter w = waiters.first(); w != null; w = waiters.first()) {
                waiters.remove(w);
                w.grant();
                LockSupport.unpark(w.thread()); // under the guard: the entry may be reused once we drop it
            }
        } finally {
            waiters.unlock();
        }
    }

    /** Sets the count to 0, leaving queued sleepers queued ({@code reinit_completion}). */
    public void reset() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (STATE.compareAndSet(this, s, s & WAITERS)) {
                return;
            }
        }
    }

    // VarHandle mechanics
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PermitQueue.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
