package io.ksync.workqueue;

import io.ksync.percpu.Cpus;
import io.ksync.wait.WaitQueue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A kernel thread: a daemon thread that runs one {@link ThreadFunction} until asked to stop, and that can be
 * parked and unparked from outside. Ports the kernel's kthread API ({@code include/linux/kthread.h},
 * {@code kernel/kthread.c}): {@code kthread_create} ({@link #create}), {@code kthread_create_on_cpu}
 * ({@link #createOnCpu}), {@code kthread_run} ({@link #run}), {@code wake_up_process} ({@link #start},
 * {@link #wakeUp}), {@code kthread_bind} ({@link #bind}), {@code kthread_stop} ({@link #stop}),
 * {@code kthread_should_stop} ({@link #shouldStop}), {@code kthread_park} ({@link #park}),
 * {@code kthread_unpark} ({@link #unpark}), {@code kthread_should_park} ({@link #shouldPark}),
 * {@code kthread_parkme} ({@link #parkMe}) and {@code current} ({@link #current()}).
 *
 * <h2>The rules</h2>
 * <ul>
 *   <li>{@link #create} makes the thread and leaves it asleep: the function does not run until {@link #start}
 *   (or {@link #wakeUp}, or {@link #park}) wakes it. {@link #run} is create and start. A created kthread must
 *   be started or stopped, as in the kernel, or its thread sleeps for the life of the JVM.</li>
 *   <li>{@link #stop} asks the function to return ({@link #shouldStop} turns true), wakes the thread, waits
 *   until the function has returned and returns its result. It does not interrupt the thread: the function
 *   must look at {@code shouldStop()}. A second {@code stop()} returns the same result at once.</li>
 *   <li>{@code stop()} of a kthread that was never woken: the function never runs and {@code stop()} returns
 *   {@code null} (the kernel's {@code -EINTR}). A kthread woken before {@code stop()} always runs its
 *   function, even if the stop comes before the thread gets to it: the rule that {@code kthread_stop}'s
 *   documentation states (the kernel's code also returns {@code -EINTR} when the stop wins that race).</li>
 *   <li>A function that throws: the throwable is reported to the thread's
 *   {@link Thread.UncaughtExceptionHandler} (by default its thread group's, which prints it; set another on
 *   {@link #thread()} before starting it, or through the {@link ThreadFactory}) before {@code stop()} can
 *   return, and every {@code stop()} then throws a {@link CompletionException} whose cause it is. The
 *   exception is unchecked because stopping is a teardown step that most callers cannot act on, and the
 *   failure has already been reported.</li>
 *   <li>{@link #park} asks the function to park ({@link #shouldPark} turns true), wakes the thread, and waits
 *   until the function has parked itself in {@link #parkMe}; {@link #unpark} lets it go on. {@code stop()}
 *   unparks a parked thread, so that its function sees {@code shouldStop()}. {@code park()} of a kthread that
 *   was never woken wakes it, and the thread parks before its function runs (the kernel's smpboot threads
 *   are created, parked, bound and then unparked this way); so does a {@code park()} that comes after
 *   {@code start()} but before the thread has begun its function.</li>
 *   <li>The calling thread must be the kthread itself for {@link #parkMe} and must not be for {@link #stop}
 *   and {@link #park} (they would wait for themselves): {@link IllegalStateException} otherwise. The kernel
 *   lets a kthread call {@code kthread_park} on itself to set the flag only; here the function simply calls
 *   {@code parkMe()} when it wants to park.</li>
 *   <li>The CPU of {@link #createOnCpu} and {@link #bind} is recorded only, as a hint for code that picks
 *   per-CPU slots ({@link #cpu()}): the JVM cannot pin a thread to a processor.</li>
 * </ul>
 *
 * <p>Waking, and what a wake-up reaches. {@code stop()}, {@code park()} and {@link #wakeUp} wake the thread as
 * {@code wake_up_process} does, with {@link LockSupport#unpark}: a function that sleeps in
 * {@link LockSupport#park} or in an open-coded {@link WaitQueue.Entry#sleep()} loop returns and re-checks (the
 * kernel's idiom, below). {@link WaitQueue#waitEvent}, a {@link io.ksync.wait.Completion} or a lock go back
 * to sleep until their own wake-up; a function that sleeps in one of those must be woken through it (make
 * its condition true, for instance with a "closing" flag, and wake that queue) before {@code stop()} or
 * {@code park()}, or they wait for as long as it sleeps.
 *
 * <p>Memory effects: actions before {@code create()} (or {@code run()}) happen-before the function's first
 * action. Actions of the function happen-before {@code stop()} returns or throws. Actions before
 * {@code stop()} or {@code park()} happen-before {@code shouldStop()} or {@code shouldPark()} returns
 * {@code true} for that request; actions of the function before it parks happen-before {@code park()}
 * returns; actions before {@code unpark()} (or {@code stop()}) happen-before {@code parkMe()} returns.
 *
 * <p>Blocking: every wait here parks with {@link LockSupport} through a {@link WaitQueue} (the sleep hooks of
 * {@link io.ksync.wait.Blocking} are told); {@code stop()} and {@code park()} are not interruptible, as
 * {@code kthread_stop} and {@code kthread_park} are not (the interrupt status is kept). {@link #stopTimeout}
 * bounds the wait for the function.
 *
 * <pre>{@code
 * Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
 * WaitQueue moreWork = new WaitQueue();                  // producers: pending.add(job); moreWork.wakeUp();
 *
 * Kthread<Integer> flusher = Kthread.run("flusher", self -> {
 *     int done = 0;
 *     WaitQueue.Entry wait = new WaitQueue.Entry();
 *     while (!self.shouldStop()) {                          // kthread_should_stop()
 *         if (self.shouldPark()) {                          // kthread_should_park()
 *             self.parkMe();                                // kthread_parkme()
 *             continue;
 *         }
 *         Runnable job = pending.poll();
 *         if (job != null) {
 *             job.run();
 *             done++;
 *             continue;
 *         }
 *         moreWork.prepareToWait(wait);                     // set_current_state(TASK_INTERRUPTIBLE)
 *         if (pending.isEmpty() && !self.shouldStop() && !self.shouldPark()) {
 *             wait.sleep();                                 // schedule(): stop() and park() wake it
 *         }
 *         moreWork.finishWait(wait);
 *     }
 *     return done;
 * });
 * ...
 * int jobsRun = flusher.stop();                             // kthread_stop(): the function's return value
 * }</pre>
 *
 * @param <T> the type of the function's result, which {@link #stop} returns
 */
public final class Kthread<T> {

    /*
     * Implementation notes.
     *
     * State word, one int, the kernel's kthread->flags plus the task states the kthread API looks at:
     *
     *   | park sequence (24) | 0 (3) | EXITED | PARKED | SHOULD_PARK | SHOULD_STOP | WOKEN |
     *     bit 8..31                        bit 4    3          2             1         0
     *
     *   WOKEN        the first wake_up_process has happened (start, wakeUp, park); set once, and only while
     *                SHOULD_STOP is clear: the function runs if and only if WOKEN is set
     *   SHOULD_STOP  KTHREAD_SHOULD_STOP; set once, by stop()
     *   SHOULD_PARK  KTHREAD_SHOULD_PARK; set by park(), cleared by unpark() and by stop()
     *   PARKED       TASK_PARKED plus the kthread->parked completion; set and cleared by the kthread only
     *   EXITED       the kthread->exited completion; set once, by the kthread, as its last state change
     *   park sequence  counts the kthread's entries into PARKED (same CAS), so that a park() that wakes late
     *                  knows the thread parked after its request even if a stop() has already let it go (the
     *                  kernel's parked completion, which park() consumes whatever happens next); it wraps,
     *                  and a park() could be fooled only by sleeping through 2^24 park/unpark cycles
     *
     * Invariants: SHOULD_STOP and SHOULD_PARK are never both set (stop() clears SHOULD_PARK in the CAS that
     * sets SHOULD_STOP, which is kthread_stop's kthread_unpark; park() refuses once SHOULD_STOP is set).
     * PARKED is set only while SHOULD_PARK is, and the kthread clears it only in a CAS that sees SHOULD_PARK
     * clear: so a park() whose CAS set SHOULD_PARK and that then sees PARKED knows the thread stays parked
     * until the next unpark(), even when it raced with an unpark() that the thread had not yet woken from (the
     * kernel's __kthread_parkme loop, which re-checks the flag before leaving TASK_PARKED). Such a thread
     * does not enter PARKED again, so park() accepts PARKED as well as a new park sequence.
     *
     * The thread body is the kernel's kthread():
     *   sleep until WOKEN or SHOULD_STOP                      (schedule() in TASK_UNINTERRUPTIBLE)
     *   if (WOKEN) { park if SHOULD_PARK; result = function(this) }            else the function never runs
     *   report a throwable; store result/failure (plain); set EXITED (volatile RMW); wake the stoppers
     * The kernel tests !KTHREAD_SHOULD_STOP where this tests WOKEN, so there a stop that overtakes the first
     * wake-up also gives -EINTR; here "woken before stopped" alone decides whether the function runs.
     *
     * Every state change is a volatile RMW (CAS or getAndBitwise*) followed, where someone may sleep on it, by
     * events.wakeUpAll(); every sleeper (the kthread before its first run and in parkMe, park() and stop()
     * callers) waits in events.waitEvent on a condition that reads the word with getAcquire. The WaitQueue's
     * fences make the pair free of lost wake-ups; acquire on the volatile RMW's release gives the
     * happens-before edges that the class Javadoc promises (result and failure are published by EXITED). None
     * of this is a hot path: a single WaitQueue for all sleepers keeps it simple, at the price of waking a
     * few threads that go back to sleep.
     *
     * wake_up_process on the function's own sleeps is LockSupport.unpark(thread): it makes a LockSupport.park
     * (and WaitQueue.Entry.sleep) return; a spare permit only makes the function's next park return at once,
     * which every correct sleep loop tolerates.
     */

    /** The first wake-up has happened: the thread may leave its initial sleep. */
    private static final int WOKEN = 1;
    /** {@code KTHREAD_SHOULD_STOP}. */
    private static final int SHOULD_STOP = 1 << 1;
    /** {@code KTHREAD_SHOULD_PARK}. */
    private static final int SHOULD_PARK = 1 << 2;
    /** The kthread sleeps in {@link #parkMe} ({@code TASK_PARKED}). */
    private static final int PARKED = 1 << 3;
    /** The function has returned (or will never run) and its outcome is published. */
    private static final int EXITED = 1 << 4;

    /** Where the park sequence starts; its unit, added, carries into the bits above the flags only. */
    private static final int PARK_SEQUENCE_SHIFT = 8;
    private static final int PARK_SEQUENCE_UNIT = 1 << PARK_SEQUENCE_SHIFT;

    /** A hint for {@link #cpu()} when the kthread is bound to no CPU. */
    private static final int NO_CPU = -1;

    private static final ThreadLocal<Kthread<?>> CURRENT = new ThreadLocal<>();

    /**
     * A kthread's function (the kernel's {@code int (*threadfn)(void *data)}).
     *
     * <p>It is given its own {@link Kthread}, as the kernel's function reaches its task through
     * {@code current}: a lambda cannot name the variable it is being assigned to, and the function needs the
     * handle for {@link Kthread#shouldStop()}, {@link Kthread#shouldPark()} and {@link Kthread#parkMe()}.
     * It returns a value because {@code kthread_stop} returns the function's return value, and it may throw
     * any exception so that it can call checked APIs; what it throws is reported and rethrown by
     * {@link Kthread#stop()}.
     *
     * @param <T> the result type
     */
    @FunctionalInterface
    public interface ThreadFunction<T> {
        /**
         * Runs the kthread's work, usually until {@code self.shouldStop()}.
         *
         * @param self the kthread running this function
         * @return the value that {@link Kthread#stop()} returns
         * @throws Exception anything; reported to the thread's handler and thrown by {@code stop()}, wrapped
         */
        T run(Kthread<T> self) throws Exception;
    }

    private final String name;
    private final ThreadFunction<T> function;
    private final Thread thread;
    /** Every sleeper of this kthread waits here: the kthread itself, park() and stop() callers. */
    private final WaitQueue events = new WaitQueue();
    /** See the implementation notes; accessed through {@link #STATE} only. */
    private int state;
    /** The bound CPU hint or {@link #NO_CPU}; written by bind() (setRelease), read by cpu() (getAcquire). */
    private int cpu;
    /** The function's result; written by the kthread before EXITED, read after an acquire of EXITED. */
    private T result;
    /** What the function threw, or null; published as {@link #result} is. */
    private Throwable failure;

    private Kthread(String name, int cpu, ThreadFunction<T> function, ThreadFactory factory) {
        this.name = name;
        this.function = function;
        this.cpu = cpu; // plain: Thread.start() publishes it to the kthread; others get it with the Kthread itself
        this.thread = newThread(factory, name, this::threadMain);
    }

    // ------------------------------------------------------------------------------------------------------
    // Creating

    /**
     * Creates a kthread whose function does not run until {@link #start()} ({@code kthread_create}). The
     * daemon thread exists when this returns ({@link #thread()} is alive), asleep.
     *
     * @param name     the thread's name, not blank ({@code namefmt} after formatting)
     * @param function what the thread runs
     * @param <T>      the function's result type
     * @return the created kthread
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws NullPointerException     if an argument is null
     */
    public static <T> Kthread<T> create(String name, ThreadFunction<T> function) {
        return newKthread(null, checkName(name), NO_CPU, function);
    }

    /**
     * As {@link #create(String, ThreadFunction)}, with the thread made by {@code factory}; the factory's
     * thread is renamed to {@code name} and made a daemon.
     *
     * @param factory  makes the (unstarted) thread, for instance to set its handler or priority
     * @param name     the thread's name, not blank
     * @param function what the thread runs
     * @param <T>      the function's result type
     * @return the created kthread
     * @throws IllegalArgumentException if {@code name} is blank, or the factory returned a started thread
     * @throws IllegalStateException    if the factory returned null (refused to make a thread)
     * @throws NullPointerException     if an argument is null
     */
    public static <T> Kthread<T> create(ThreadFactory factory, String name, ThreadFunction<T> function) {
        Objects.requireNonNull(factory, "factory must not be null");
        return newKthread(factory, checkName(name), NO_CPU, function);
    }

    /**
     * Creates a kthread and starts it ({@code kthread_run}).
     *
     * @param name     the thread's name, not blank
     * @param function what the thread runs
     * @param <T>      the function's result type
     * @return the running kthread
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws NullPointerException     if an argument is null
     */
    public static <T> Kthread<T> run(String name, ThreadFunction<T> function) {
        Kthread<T> kthread = create(name, function);
        kthread.start();
        return kthread;
    }

    /**
     * Creates a kthread bound to {@code cpu}, named {@code name/cpu} ({@code kthread_create_on_cpu}, whose
     * {@code namefmt} is {@code "name/%u"}: {@code createOnCpu(1, "ksoftirqd", fn)} makes "ksoftirqd/1"). Not
     * started; the CPU is a hint only ({@link #cpu()}).
     *
     * @param cpu      the CPU, in {@code [0, Cpus.count())}
     * @param name     the name before {@code "/cpu"}, not blank
     * @param function what the thread runs
     * @param <T>      the function's result type
     * @return the created kthread
     * @throws IllegalArgumentException if {@code cpu} is out of range or {@code name} is blank
     * @throws NullPointerException     if an argument is null
     */
    public static <T> Kthread<T> createOnCpu(int cpu, String name, ThreadFunction<T> function) {
        checkCpu("Kthread.createOnCpu", cpu);
        return newKthread(null, checkName(name) + "/" + cpu, cpu, function);
    }

    /**
     * As {@link #createOnCpu(int, String, ThreadFunction)}, with the thread made by {@code factory} (renamed
     * and made a daemon).
     *
     * @param factory  makes the (unstarted) thread
     * @param cpu      the CPU, in {@code [0, Cpus.count())}
     * @param name     the name before {@code "/cpu"}, not blank
     * @param function what the thread runs
     * @param <T>      the function's result type
     * @return the created kthread
     * @throws IllegalArgumentException if {@code cpu} is out of range, {@code name} is blank, or the factory
     *                                  returned a started thread
     * @throws IllegalStateException    if the factory returned null
     * @throws NullPointerException     if an argument is null
     */
    public static <T> Kthread<T> createOnCpu(ThreadFactory factory, int cpu, String name,
                                             ThreadFunction<T> function) {
        Objects.requireNonNull(factory, "factory must not be null");
        checkCpu("Kthread.createOnCpu", cpu);
        return newKthread(factory, checkName(name) + "/" + cpu, cpu, function);
    }

    /**
     * Returns the kthread that the calling thread runs ({@code current} in a kthread).
     *
     * @return the calling thread's kthread
     * @throws IllegalStateException if the calling thread is not a kthread
     */
    public static Kthread<?> current() {
        Kthread<?> self = CURRENT.get();
        if (self == null) {
            throw new IllegalStateException("Kthread.current() called on thread \""
                    + Thread.currentThread().getName() + "\", which is not a kthread: call it from a thread"
                    + " function (or use the Kthread that the function is given)");
        }
        return self;
    }

    // ------------------------------------------------------------------------------------------------------
    // Waking and binding

    /**
     * Wakes a created kthread so that its function runs ({@code wake_up_process} after {@code kthread_create}).
     *
     * @return {@code true} if this call woke it; {@code false} if it was already woken, or stopped
     */
    public boolean start() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & (WOKEN | SHOULD_STOP)) != 0) {
                return false; // never WOKEN after SHOULD_STOP: whether the function runs is decided here
            }
            if (STATE.compareAndSet(this, s, s | WOKEN)) { // volatile CAS: pairs with getAcquire in hasWoken()
                events.wakeUpAll();
                return true;
            }
        }
    }

    /**
     * Wakes the thread ({@code wake_up_process}): starts a created kthread, and makes a
     * {@link LockSupport#park} or {@link WaitQueue.Entry#sleep()} in the function return, so that it re-checks
     * its state. Harmless at any time, including after the function has returned.
     */
    public void wakeUp() {
        start();
        LockSupport.unpark(thread);
    }

    /**
     * Records {@code cpu} as the CPU this kthread is bound to ({@code kthread_bind}). The JVM cannot pin a
     * thread: this is the hint {@link #cpu()} returns. As in the kernel, only a kthread that has not been woken
     * yet, or that is parked, can be bound.
     *
     * @param cpu the CPU, in {@code [0, Cpus.count())}
     * @throws IllegalArgumentException if {@code cpu} is out of range
     * @throws IllegalStateException    if the kthread has been woken and is not parked
     */
    public void bind(int cpu) {
        checkCpu("Kthread.bind", cpu);
        int s = (int) STATE.getAcquire(this);
        boolean created = (s & (WOKEN | SHOULD_STOP)) == 0;
        if (!created && (s & PARKED) == 0) {
            throw new IllegalStateException("Kthread.bind(" + cpu + ") on " + this + ": kthread_bind applies only"
                    + " to a kthread that has not been woken or that is parked; bind before start(), or between"
                    + " park() and unpark()");
        }
        CPU.setRelease(this, cpu); // release: pairs with getAcquire in cpu()
    }

    // ------------------------------------------------------------------------------------------------------
    // Stopping

    /**
     * Whether {@link #stop} has been called ({@code kthread_should_stop}): the function should return. Usually
     * called by the function; any thread may ask.
     *
     * @return whether the kthread has been asked to stop
     */
    public boolean shouldStop() {
        return ((int) STATE.getAcquire(this) & SHOULD_STOP) != 0; // acquire: pairs with the CAS in requestStop()
    }

    /**
     * Stops the kthread ({@code kthread_stop}): sets {@link #shouldStop()}, unparks the thread if it is parked,
     * wakes it (without interrupting it), and waits until the function has returned. Not interruptible; the
     * interrupt status is kept. Every call returns (or throws) the same outcome; once the function has
     * returned, at once.
     *
     * @return the function's result, or {@code null} if the kthread was stopped before it was ever woken (the
     *         function never ran)
     * @throws CompletionException   if the function threw (its throwable is the cause; it was also reported
     *                               to the thread's uncaught-exception handler)
     * @throws IllegalStateException if called by the kthread itself (it would wait for its own return)
     */
    public T stop() {
        requestStop("stop()");
        events.waitEvent(this::hasExited);
        return outcome();
    }

    /**
     * As {@link #stop()}, waiting at most {@code timeout} for the function to return. On timeout the stop
     * request stays in effect: a later {@code stop()} or {@code stopTimeout} waits again.
     *
     * @param timeout the longest wait, {@code >= 0}
     * @param unit    its unit
     * @return the function's result, or {@code null} if the function never ran
     * @throws TimeoutException         if the function has not returned in time
     * @throws CompletionException      if the function threw
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if called by the kthread itself
     */
    public T stopTimeout(long timeout, TimeUnit unit) throws TimeoutException {
        Objects.requireNonNull(unit, "unit must not be null");
        if (timeout < 0) {
            throw new IllegalArgumentException("Kthread.stopTimeout: timeout must be >= 0, was " + timeout + " "
                    + unit + "; use stop() to wait without a bound");
        }
        requestStop("stopTimeout()");
        if (events.waitEventTimeout(this::hasExited, timeout, unit) == 0L) {
            throw new TimeoutException("the function of " + this + " did not return within " + timeout + " "
                    + unit + " of the stop request; it must check shouldStop() (and sleep where a wake-up"
                    + " reaches it, see the Kthread Javadoc)");
        }
        return outcome();
    }

    // ------------------------------------------------------------------------------------------------------
    // Parking

    /**
     * Whether {@link #park} has asked the kthread to park and no {@link #unpark} has followed
     * ({@code kthread_should_park}). The function should call {@link #parkMe()}. Any thread may ask.
     *
     * @return whether the kthread should park
     */
    public boolean shouldPark() {
        return ((int) STATE.getAcquire(this) & SHOULD_PARK) != 0; // acquire: pairs with the CAS in park()
    }

    /**
     * Parks the kthread ({@code kthread_park}): sets {@link #shouldPark()}, wakes the thread (starting it if it
     * was never woken), and waits until it has parked itself in {@link #parkMe()}; a thread that has not begun
     * its function yet parks before it, and runs it after {@link #unpark()}. Not interruptible. Returns also if
     * an {@link #unpark()} from another thread withdraws the request first (a race of the callers' making).
     *
     * @return {@code true} if this call asked the kthread to park; {@code false} if a park was already asked
     *         (the kernel's {@code -EBUSY}; this call still waits until the thread is parked)
     * @throws IllegalStateException if called by the kthread itself; if the kthread is stopping or its
     *                               function has returned (the kernel's {@code -ENOSYS}); or if it stops or
     *                               its function returns before it parks
     */
    public boolean park() {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("Kthread.park() called by " + this + " itself: it would wait for"
                    + " itself to park; from the function, call parkMe() (when shouldPark() is true) instead");
        }
        final boolean requested;
        final int before;
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & (SHOULD_STOP | EXITED)) != 0) {
                throw new IllegalStateException("Kthread.park() on " + this + ": a kthread that is stopping or"
                        + " whose function has returned cannot park");
            }
            if ((s & SHOULD_PARK) != 0) {
                if ((s & PARKED) != 0) {
                    return false; // acquire (the volatile load): the function's actions before parking are visible
                }
                requested = false;
                before = s;
                break;
            }
            // volatile CAS: pairs with getAcquire in shouldPark() and parkMe(); WOKEN: kthread_park wakes the task
            if (STATE.compareAndSet(this, s, s | SHOULD_PARK | WOKEN)) {
                requested = true;
                before = s;
                break;
            }
        }
        events.wakeUpAll();        // out of the initial sleep of a created kthread
        LockSupport.unpark(thread); // wake_up_process: out of the function's own sleep, to see shouldPark()
        events.waitEvent(() -> parkSettled(before));
        int s = (int) STATE.getAcquire(this); // acquire: pairs with the kthread's CAS that set PARKED
        if (!hasParkedSince(before, s) && (s & (SHOULD_STOP | EXITED)) != 0) {
            throw new IllegalStateException("Kthread.park() on " + this + ": the kthread "
                    + ((s & EXITED) != 0 ? "returned from its function" : "was stopped")
                    + " before it parked; a function asked to park must call parkMe() when shouldPark() is true");
        }
        return requested;
    }

    /**
     * Lets a parked kthread go on ({@code kthread_unpark}): clears {@link #shouldPark()} and wakes the thread
     * out of {@link #parkMe()}. Does nothing if no park was asked.
     */
    public void unpark() {
        int previous = (int) STATE.getAndBitwiseAnd(this, ~SHOULD_PARK); // volatile RMW: pairs with parkMe()'s loads
        if ((previous & SHOULD_PARK) != 0) {
            events.wakeUpAll();
        }
    }

    /**
     * Parks the calling kthread while {@link #shouldPark()} is true ({@code kthread_parkme}): tells the
     * waiting {@link #park()} that it is parked and sleeps until {@link #unpark()} or {@link #stop()}. Returns
     * at once if no park was asked. Called by the function, typically when {@code shouldPark()} is true.
     *
     * @throws IllegalStateException if the calling thread is not this kthread's
     */
    public void parkMe() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("Kthread.parkMe() called on thread \"" + Thread.currentThread().getName()
                    + "\", but only the kthread itself can park itself (" + this + "); other threads call park()");
        }
        parkSelf();
    }

    /**
     * Whether the kthread sleeps in {@link #parkMe()} now. A snapshot.
     *
     * @return whether it is parked
     */
    public boolean isParked() {
        return ((int) STATE.getAcquire(this) & PARKED) != 0;
    }

    // ------------------------------------------------------------------------------------------------------
    // Inspecting

    /**
     * Whether the kthread has not exited: {@code true} from creation until its function has returned (or,
     * stopped before it was woken, until the thread has seen the stop). {@code false} once {@link #stop()} has
     * returned.
     *
     * @return whether the kthread is alive
     */
    public boolean isAlive() {
        return !hasExited();
    }

    /**
     * The thread that runs the function (the kernel's {@code struct task_struct}): for its handler, priority
     * or interrupt status. Do not start it; {@link #start()} does.
     *
     * @return the kthread's thread
     */
    public Thread thread() {
        return thread;
    }

    /**
     * The name given at creation ({@code "name/cpu"} for {@link #createOnCpu}).
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The CPU the kthread is bound to ({@link #createOnCpu}, {@link #bind}), a hint only, or -1 if none.
     *
     * @return the bound CPU or -1
     */
    public int cpu() {
        return (int) CPU.getAcquire(this); // acquire: pairs with setRelease in bind()
    }

    @Override
    public String toString() {
        int s = (int) STATE.getAcquire(this);
        int bound = cpu();
        String phase = (s & EXITED) != 0 ? "exited"
                : (s & SHOULD_STOP) != 0 ? "stopping"
                : (s & PARKED) != 0 ? "parked"
                : (s & SHOULD_PARK) != 0 ? "parking"
                : (s & WOKEN) != 0 ? "running"
                : "created";
        return "Kthread[" + name + (bound >= 0 ? ", cpu " + bound : "") + ", " + phase + "]";
    }

    // ------------------------------------------------------------------------------------------------------
    // The thread, and helpers

    /** The kernel's kthread(): sleep until woken, park if asked, run the function, publish the outcome. */
    private void threadMain() {
        CURRENT.set(this);
        T value = null;
        Throwable thrown = null;
        try {
            events.waitEvent(this::hasWoken);
            if (((int) STATE.getAcquire(this) & WOKEN) != 0) { // woken before any stop: the function runs
                parkSelf(); // a park() before the first wake-up parks the thread before the function runs
                value = function.run(this);
            }
        } catch (Throwable t) {
            thrown = t;
        }
        try {
            if (thrown != null) {
                report(thrown); // before EXITED: stop() returns after the handler has seen it
            }
        } finally {
            result = value;   // plain: published by the volatile RMW below
            failure = thrown;
            STATE.getAndBitwiseOr(this, EXITED); // volatile RMW: pairs with getAcquire in hasExited()
            CURRENT.remove();
            events.wakeUpAll();
        }
    }

    /** __kthread_parkme: sleep while SHOULD_PARK, with PARKED set, re-checking after every wake-up. */
    private void parkSelf() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & SHOULD_PARK) == 0) {
                // leave, clearing PARKED in the CAS that saw SHOULD_PARK clear (see the implementation notes)
                if ((s & PARKED) == 0 || STATE.compareAndSet(this, s, s & ~PARKED)) {
                    return;
                }
            } else if ((s & PARKED) == 0) {
                // volatile CAS: publishes the function's actions to park(), which reads PARKED with acquire
                if (STATE.compareAndSet(this, s, (s | PARKED) + PARK_SEQUENCE_UNIT)) {
                    events.wakeUpAll(); // complete(&self->parked)
                }
            } else {
                events.waitEvent(this::parkWithdrawn); // schedule() in TASK_PARKED
            }
        }
    }

    /** Sets SHOULD_STOP and clears SHOULD_PARK in one CAS (kthread_stop's kthread_unpark), then wakes. */
    private void requestStop(String method) {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("Kthread." + method + " called by " + this + " itself: it would wait"
                    + " for its own function to return; return from the function instead");
        }
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & SHOULD_STOP) != 0
                    // volatile CAS: pairs with getAcquire in shouldStop(), hasWoken() and parkWithdrawn()
                    || STATE.compareAndSet(this, s, (s | SHOULD_STOP) & ~SHOULD_PARK)) {
                break;
            }
        }
        events.wakeUpAll();         // out of the initial sleep and out of parkMe()
        LockSupport.unpark(thread); // wake_up_process: out of the function's own sleep
    }

    /** The outcome, read after EXITED was seen with acquire. */
    private T outcome() {
        Throwable thrown = failure;
        if (thrown != null) {
            throw new CompletionException("the function of " + this + " threw " + thrown
                    + " (it was also reported to the thread's uncaught-exception handler)", thrown);
        }
        return result;
    }

    private void report(Throwable thrown) {
        try {
            thread.getUncaughtExceptionHandler().uncaughtException(thread, thrown);
        } catch (Throwable ignored) {
            // the handler failed too: stop() still sees the function's throwable
        }
    }

    private boolean hasWoken() {
        // acquire: pairs with the CAS in start(), park() or requestStop()
        return ((int) STATE.getAcquire(this) & (WOKEN | SHOULD_STOP)) != 0;
    }

    private boolean hasExited() {
        return ((int) STATE.getAcquire(this) & EXITED) != 0; // acquire: pairs with the RMW setting EXITED
    }

    private boolean parkWithdrawn() {
        return ((int) STATE.getAcquire(this) & SHOULD_PARK) == 0; // acquire: pairs with unpark(), requestStop()
    }

    /** What park() waits for: parked since {@code before}, cannot park any more, or the request was withdrawn. */
    private boolean parkSettled(int before) {
        int s = (int) STATE.getAcquire(this); // acquire: pairs with the kthread's CAS that set PARKED
        return hasParkedSince(before, s) || (s & EXITED) != 0 || (s & SHOULD_PARK) == 0;
    }

    /** Whether the state {@code now} shows the kthread parked, or parked and gone, since the state {@code before}. */
    private static boolean hasParkedSince(int before, int now) {
        return (now & PARKED) != 0 || (now >>> PARK_SEQUENCE_SHIFT) != (before >>> PARK_SEQUENCE_SHIFT);
    }

    private static <T> Kthread<T> newKthread(ThreadFactory factory, String name, int cpu,
                                             ThreadFunction<T> function) {
        Objects.requireNonNull(function, "function must not be null");
        Kthread<T> kthread = new Kthread<>(name, cpu, function, factory);
        kthread.thread.start(); // Thread.start happens-before the body: the fields above are visible to it
        return kthread;
    }

    private static Thread newThread(ThreadFactory factory, String name, Runnable body) {
        Thread made = factory == null ? new Thread(body) : factory.newThread(body);
        if (made == null) {
            throw new IllegalStateException("the ThreadFactory " + factory + " returned null (it refused to make"
                    + " a thread): kthread \"" + name + "\" was not created");
        }
        if (made.getState() != Thread.State.NEW) {
            throw new IllegalArgumentException("the ThreadFactory " + factory + " returned a thread that was"
                    + " already started (" + made + "): a ThreadFactory must return a new, unstarted thread");
        }
        made.setName(name);
        made.setDaemon(true);
        return made;
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name must not be null");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a kthread needs a name that is not blank (it is the thread's"
                    + " name, what ps shows as comm), was \"" + name + "\"");
        }
        return name;
    }

    private static void checkCpu(String method, int cpu) {
        int count = Cpus.count();
        if (cpu < 0 || cpu >= count) {
            throw new IllegalArgumentException(method + ": cpu must be in [0, Cpus.count()) = [0, " + count
                    + "), was " + cpu + "; this JVM may use " + count + " processor" + (count == 1 ? "" : "s"));
        }
    }

    // VarHandle mechanics
    private static final VarHandle STATE;
    private static final VarHandle CPU;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Kthread.class, "state", int.class);
            CPU = lookup.findVarHandle(Kthread.class, "cpu", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
