package io.ksync.wait;

/**
 * An observer of threads going to sleep in ksync: the SPI of DESIGN.md 3.9. Register one with
 * {@link Blocking#addHook(BlockingHook)}.
 *
 * <p>Every sleeping primitive of ksync ({@code Mutex}, {@code Semaphore}, {@code RwSemaphore},
 * {@link WaitQueue}, {@link WaitVar}, {@link Completion} and the conditions of the locks) calls
 * {@link #beforeSleep(Object)} on the thread that is about to park and {@link #afterWake(Object)} on the same
 * thread once it runs again, in pairs. Code outside ksync declares its own blocking with
 * {@link Blocking#run}/{@link Blocking#call}, which calls the same pair around it. Calls nest when a thread
 * inside {@code Blocking.run} sleeps in a ksync primitive: an observer that counts sleeping threads should
 * count depth per thread. A thread that spins briefly and gets what it waited for without parking calls
 * neither method.
 *
 * <p>Uses: a worker pool keeps its concurrency level (a worker that sleeps lets another run, as the kernel's
 * workqueue notices {@code schedule()} of a worker); lockdep reports a sleep while a spinlock is held.
 *
 * <p>Contract for implementations: both methods run on the sleeping thread, inside the primitive, and must be
 * quick, must not block and must not use the primitive that called them. A throwable from either method is
 * reported to the thread's uncaught-exception handler and otherwise ignored, so a broken hook cannot break a
 * lock.
 */
public interface BlockingHook {

    /**
     * The current thread is about to sleep.
     *
     * @param blocker what it will sleep on (the primitive, or the {@code Blocking.run} action); never null
     */
    void beforeSleep(Object blocker);

    /**
     * The current thread runs again after sleeping on {@code blocker} (woken, timed out or interrupted).
     *
     * @param blocker the same object as in the matching {@link #beforeSleep(Object)}
     */
    void afterWake(Object blocker);
}
