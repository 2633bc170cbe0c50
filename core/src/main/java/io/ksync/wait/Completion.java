package io.ksync.wait;

import io.ksync.internal.PermitQueue;
import io.ksync.internal.Timeouts;
import io.ksync.internal.Waiter;
import java.util.concurrent.TimeUnit;

/**
 * A completion: the kernel's {@code struct completion} ({@code init_completion}, {@code complete},
 * {@code complete_all}, {@code wait_for_completion}, {@code wait_for_completion_interruptible},
 * {@code wait_for_completion_timeout}, {@code wait_for_completion_interruptible_timeout},
 * {@code try_wait_for_completion}, {@code completion_done}, {@code reinit_completion}).
 *
 * <p>One thread waits for another to finish something. A completion counts: each {@link #complete()} lets
 * exactly one wait return (now, or the next one that comes), handed to the longest waiter first;
 * {@link #completeAll()} lets every current and future wait return until {@link #reinit()}. Unlike
 * {@link java.util.concurrent.CountDownLatch} it is reusable ({@link #reinit()}), and unlike a bare
 * {@link WaitQueue} it remembers a completion that came before the wait.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Memory effects: actions before {@code complete()} or {@code completeAll()} happen-before the return of
 *   every wait that it lets through.</li>
 *   <li>Waiters park with {@link java.util.concurrent.locks.LockSupport} (virtual threads unmount); the sleep
 *   hooks of {@link Blocking} are told before and after each sleep.</li>
 *   <li>{@link #complete()} saturates at 2<sup>31</sup> - 2 unconsumed completions, as the kernel's
 *   {@code done} counter saturates below {@code UINT_MAX}; further calls are ignored.</li>
 *   <li>The kernel's killable waits have no JVM counterpart (no fatal signal): use the interruptible ones.</li>
 * </ul>
 *
 * <pre>{@code
 * Completion firmwareLoaded = new Completion();
 * loader.submit(() -> { load(); firmwareLoaded.completeAll(); });   // complete_all(&fw_done)
 * if (firmwareLoaded.waitForCompletionTimeout(5, TimeUnit.SECONDS) == 0) {
 *     throw new TimeoutException("firmware");                          // wait_for_completion_timeout(...) == 0
 * }
 * }</pre>
 */
public final class Completion {

    /*
     * Implementation notes. A completion is a counting semaphore that starts at zero ("done"), whose
     * completeAll() sets a sticky count that no wait consumes: the kernel's done counter with UINT_MAX, over
     * the same PermitQueue as io.ksync.lock.Semaphore. complete() hands its unit to the oldest waiter directly,
     * so a waiter woken by complete() never finds the unit stolen by a tryWaitForCompletion() that came later.
     * Ordering: see PermitQueue (volatile CAS on the count, release grant read with acquire).
     */

    private final PermitQueue done = new PermitQueue(0, PermitQueue.ALL - 1, true);

    /** Creates a completion that is not done ({@code init_completion}, {@code DECLARE_COMPLETION}). */
    public Completion() {
    }

    /** Lets one wait return: the longest-waiting thread now, or the next wait to come ({@code complete}). */
    public void complete() {
        done.tryRelease(); // false only at saturation, which the class documents as ignored
    }

    /**
     * Lets every current and future wait return until {@link #reinit()} ({@code complete_all}).
     */
    public void completeAll() {
        done.releaseAll();
    }

    /** Waits until completed ({@code wait_for_completion}); not interruptible (the status is kept). */
    public void waitForCompletion() {
        done.acquire(this, false, false, 0L);
    }

    /**
     * Waits until completed or interrupted ({@code wait_for_completion_interruptible}, whose
     * {@code -ERESTARTSYS} is the exception).
     *
     * @throws InterruptedException if interrupted on entry or while waiting; status cleared. A completion
     *                              handed over at the moment of the interrupt is consumed, this returns normally
     *                              and the status is set.
     */
    public void waitForCompletionInterruptible() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before waiting for " + this);
        }
        if (done.acquire(this, true, false, 0L) == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while waiting for " + this);
        }
    }

    /**
     * Waits until completed or the timeout elapses ({@code wait_for_completion_timeout}); not interruptible.
     *
     * @return 0 if the timeout elapsed, else the nanoseconds left (at least 1), as the kernel returns jiffies
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public long waitForCompletionTimeout(long timeout, TimeUnit unit) {
        long nanos = Timeouts.toNanos("Completion.waitForCompletionTimeout", timeout, unit);
        return timedWait(nanos, false);
    }

    /**
     * Waits until completed, the timeout elapses or the thread is interrupted
     * ({@code wait_for_completion_interruptible_timeout}).
     *
     * @return 0 if the timeout elapsed, else the nanoseconds left (at least 1)
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws InterruptedException     if interrupted on entry or while waiting; status cleared
     */
    public long waitForCompletionInterruptibleTimeout(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = Timeouts.toNanos("Completion.waitForCompletionInterruptibleTimeout", timeout, unit);
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before waiting for " + this);
        }
        long left = timedWait(nanos, true);
        if (left == Waiter.INTERRUPTED) {
            throw new InterruptedException("interrupted while waiting for " + this);
        }
        return left;
    }

    /**
     * Consumes a completion if one is available, without waiting ({@code try_wait_for_completion}).
     *
     * @return whether a completion was consumed (or the completion is done for all)
     */
    public boolean tryWaitForCompletion() {
        return done.tryAcquire();
    }

    /**
     * Whether a wait would return without sleeping now: a completion is pending or {@link #completeAll()} was
     * called ({@code completion_done}). A snapshot.
     */
    public boolean isDone() {
        return done.count() > 0;
    }

    /** Number of threads waiting now (a snapshot for monitoring; briefly takes the queue's guard). */
    public int getQueueLength() {
        return done.queueLength();
    }

    /**
     * Makes the completion not done again ({@code reinit_completion}): pending completions and a
     * {@link #completeAll()} are forgotten. As in the kernel, call it only when no thread can still be relying
     * on the old state (typically before re-arming the work that completes it); threads already waiting keep
     * waiting.
     */
    public void reinit() {
        done.reset();
    }

    @Override
    public String toString() {
        int count = done.count();
        return super.toString() + (count == PermitQueue.ALL ? "[done for all]"
                : count > 0 ? "[done x" + count + "]" : "[not done]");
    }

    private long timedWait(long nanos, boolean interruptible) {
        final long deadline = System.nanoTime() + nanos;
        if (done.tryAcquire()) {
            return Math.max(nanos, 1L);
        }
        if (nanos == 0L) {
            return 0L;
        }
        int outcome = done.acquire(this, interruptible, true, deadline);
        if (outcome == Waiter.GRANTED) {
            return Math.max(deadline - System.nanoTime(), 1L);
        }
        return outcome == Waiter.INTERRUPTED ? Waiter.INTERRUPTED : 0L;
    }
}
