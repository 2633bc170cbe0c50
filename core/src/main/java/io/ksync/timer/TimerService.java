package io.ksync.timer;

import io.ksync.percpu.Cpus;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The timer bases that run {@link Timer}s and {@link HrTimer}s: per CPU ({@link Cpus}), a {@link TimerWheel}-style
 * wheel and a high-resolution queue, with a daemon thread that sleeps until the next expiry of either and runs the
 * callbacks due then: the kernel's per-CPU {@code struct timer_base} and {@code hrtimer_cpu_base}, with
 * {@code run_timer_softirq}, {@code hrtimer_interrupt} and NOHZ.
 *
 * <ul>
 *   <li>NOHZ: a base's thread wakes only when a timer is due. With no timer it parks without a deadline;
 *   arming a timer earlier than the one it sleeps for wakes it.</li>
 *   <li>A timer is armed on the calling CPU's base ({@code add_timer}, {@code mod_timer}) or on a given one
 *   ({@code add_timer_on}), see {@link Timer}.</li>
 *   <li>Callbacks run on the bases' threads, never on the thread that arms the timer: a thread holding a lock
 *   may arm a timer whose callback takes the same lock (the deadlock of a timer callback run in a signal handler
 *   cannot happen). Within a base they run one at a time, those due in one pass in expiry order; a slow
 *   callback delays only its own base.</li>
 *   <li>A callback that throws is reported to the service's {@link Thread.UncaughtExceptionHandler} (by default
 *   the base thread's own handler) and the base goes on.</li>
 *   <li>Each base may bound its pending timers ({@link Builder#maxPendingPerBase}); arming beyond the bound
 *   throws {@link IllegalStateException} and changes nothing.</li>
 *   <li>The clock is pluggable: a {@link ManualTimerClock} makes the service run in virtual time for tests, with
 *   {@link #awaitDue()} to wait until every timer due at the current time has run.</li>
 *   <li>JFR: each callback run is the event {@code io.ksync.timer.Expiry}, with its base, its lateness on the
 *   service clock and, as the event's duration, its run time (the kernel's timer_expire_entry/exit tracepoints).
 *   Off by default; then it costs a flag check per callback.</li>
 * </ul>
 *
 * <pre>{@code
 * try (TimerService timers = TimerService.builder().name("net").build()) {
 *     Timer retransmit = new Timer(timers, t -> resend());
 *     retransmit.mod(timers.nanoTime() + rtoNanos);    // arm, or re-arm: O(1), no allocation
 *     ...
 *     retransmit.deleteSync();                          // before freeing what the callback uses
 * }
 * }</pre>
 */
public final class TimerService implements AutoCloseable {

    /*
     * Implementation notes. The bases are independent: each has its own lock, wheel and thread (TimerBase). The
     * service holds only configuration and the closed flag (volatile: read by the bases' loops and by arming,
     * written once by close()).
     */

    /** The default tick: the width of a level-0 bucket. */
    public static final long DEFAULT_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    final TimerClock clock;
    private final TimerBase[] bases;
    private final Thread.UncaughtExceptionHandler exceptionHandler;
    private final String name;
    private final long tickNanos;
    private final int depth;
    private volatile boolean closed;

    private TimerService(Builder builder) {
        this.clock = builder.clock;
        this.exceptionHandler = builder.exceptionHandler;
        this.name = builder.name;
        this.tickNanos = builder.tickNanos;
        this.depth = builder.depth;
        final int count = builder.bases > 0 ? builder.bases : Cpus.count();
        this.bases = new TimerBase[count];
        final long start = clock.nanoTime();
        for (int i = 0; i < count; i++) {
            bases[i] = new TimerBase(this, i, start, tickNanos, depth, builder.maxPendingPerBase);
        }
        final ThreadFactory factory = builder.threadFactory;
        for (TimerBase base : bases) {
            final Thread thread = factory == null ? new Thread(base) : factory.newThread(base);
            if (thread == null) {
                closed = true;
                throw new IllegalStateException("the ThreadFactory returned null for timer base " + base.index);
            }
            if (factory == null) {
                thread.setName("timer-" + name + "/" + base.index);
                thread.setDaemon(true);
            }
            base.thread = thread;
        }
        for (TimerBase base : bases) {
            base.thread.start();
        }
    }

    /**
     * A builder with the defaults: the system clock, a 1 ms tick, 9 levels, one base per CPU, daemon threads
     * named {@code timer-<name>/<cpu>}, no bound on pending timers.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The service's clock's time now: the time base of {@link Timer#mod(long)} and friends.
     *
     * @return nanoseconds of {@link #clock()}
     */
    public long nanoTime() {
        return clock.nanoTime();
    }

    /** The clock the service reads and sleeps on. */
    public TimerClock clock() {
        return clock;
    }

    /** The number of bases (CPUs). */
    public int bases() {
        return bases.length;
    }

    /** The width of a level-0 bucket, in nanoseconds. */
    public long tickNanos() {
        return tickNanos;
    }

    /**
     * The number of timers pending on all bases; a snapshot (it takes each base's lock in turn).
     *
     * @return the number of pending timers
     */
    public int pendingTimers() {
        int pending = 0;
        for (TimerBase base : bases) {
            base.lock.lock();
            try {
                pending += base.pendingLocked();
            } finally {
                base.lock.unlock();
            }
        }
        return pending;
    }

    /**
     * Waits until every base has run every timer due at the clock's time of this call: each base completes a
     * pass that starts after the call. Meant for tests with a {@link ManualTimerClock}: advance the clock, then
     * await. Returns early for bases whose thread has stopped ({@link #close()}).
     *
     * @throws IllegalStateException if called from a callback of this service (its own base could never start
     *                               the pass)
     */
    public void awaitDue() {
        if (isBaseThread(Thread.currentThread())) {
            throw new IllegalStateException("awaitDue() called from a timer callback of the same service: "
                    + "the base cannot start a pass while its callback waits");
        }
        final long[] targets = new long[bases.length];
        for (int i = 0; i < bases.length; i++) {
            targets[i] = bases[i].requestPass();
        }
        for (int i = 0; i < bases.length; i++) {
            bases[i].awaitPass(targets[i]);
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the bases: pending timers are dequeued without running, arming afterwards throws
     * {@link IllegalStateException}, and the call waits for running callbacks to return and the threads to end.
     * Called from a callback of this service, it does not wait (the callbacks of two bases closing the service
     * would wait for each other): the threads end after their current callback. Idempotent.
     */
    @Override
    public void close() {
        closed = true; // before the locks: an arming that takes a base's lock after clearLocked sees it
        for (TimerBase base : bases) {
            base.lock.lock();
            try {
                base.clearLocked();
            } finally {
                base.lock.unlock();
            }
            base.wake();
        }
        if (isBaseThread(Thread.currentThread())) {
            return;
        }
        boolean interrupted = false;
        for (TimerBase base : bases) {
            while (true) {
                try {
                    base.thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TimerService[" + name + ", " + bases.length + " bases, tick " + tickNanos + " ns, depth " + depth
                + (closed ? ", closed]" : "]");
    }

    // ---------------------------------------------------------------------------------------------------
    // For Timer and TimerBase

    /** The calling CPU's base (a hint: the thread may migrate right after, which costs nothing but locality). */
    TimerBase currentBase() {
        final int cpu = Cpus.current();
        final TimerBase[] bases = this.bases;
        return bases[cpu < bases.length ? cpu : cpu % bases.length];
    }

    private boolean isBaseThread(Thread thread) {
        for (TimerBase base : bases) {
            if (base.thread == thread) {
                return true;
            }
        }
        return false;
    }

    TimerBase base(int cpu) {
        if (cpu < 0 || cpu >= bases.length) {
            throw new IllegalArgumentException("cpu must be 0.." + (bases.length - 1) + " (the service's bases), was "
                    + cpu);
        }
        return bases[cpu];
    }

    IllegalStateException closedException() {
        return new IllegalStateException("the TimerService " + name + " is closed: timers cannot be armed on it");
    }

    /** Reports a callback's failure; the handler's own failure is swallowed, so the base keeps running. */
    void report(Throwable failure) {
        final Thread current = Thread.currentThread();
        try {
            final Thread.UncaughtExceptionHandler handler =
                    exceptionHandler != null ? exceptionHandler : current.getUncaughtExceptionHandler();
            handler.uncaughtException(current, failure);
        } catch (Throwable ignored) {
            // the handler failed too: nothing more can be done without stopping the base
        }
    }

    /** Configures a {@link TimerService}. */
    public static final class Builder {
        private TimerClock clock = TimerClock.system();
        private long tickNanos = DEFAULT_TICK_NANOS;
        private int depth = TimerWheel.DEFAULT_DEPTH;
        private int bases;
        private ThreadFactory threadFactory;
        private Thread.UncaughtExceptionHandler exceptionHandler;
        private int maxPendingPerBase = Integer.MAX_VALUE;
        private String name = "timers";

        private Builder() {
        }

        /**
         * The clock to read and sleep on (default {@link TimerClock#system()}).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(TimerClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The tick, the width of a level-0 bucket (default 1 ms): timers are handed out late by less than one
         * tick below 64 ticks of delay, and by less than about 1/8 of the delay beyond.
         *
         * @param tick the tick, {@code > 0}
         * @param unit its unit
         * @return this builder
         * @throws IllegalArgumentException if the tick is not positive
         */
        public Builder tick(long tick, TimeUnit unit) {
            final long nanos = unit.toNanos(tick);
            if (nanos <= 0) {
                throw new IllegalArgumentException("the timer tick must be > 0 ns, was " + tick + " " + unit);
            }
            this.tickNanos = nanos;
            return this;
        }

        /**
         * The number of wheel levels (default {@link TimerWheel#DEFAULT_DEPTH}); the range is 64 * 8^(depth-1)
         * ticks, timers beyond it wait at the top level.
         *
         * @param depth {@code 1..TimerWheel.MAX_DEPTH}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder depth(int depth) {
            if (depth < 1 || depth > TimerWheel.MAX_DEPTH) {
                throw new IllegalArgumentException("timer wheel depth must be 1.." + TimerWheel.MAX_DEPTH
                        + " levels, was " + depth);
            }
            this.depth = depth;
            return this;
        }

        /**
         * The number of bases (default {@link Cpus#count()}); CPU numbers beyond it share bases.
         *
         * @param bases {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if less than 1
         */
        public Builder bases(int bases) {
            if (bases < 1) {
                throw new IllegalArgumentException("a TimerService needs at least one base, was " + bases);
            }
            this.bases = bases;
            return this;
        }

        /**
         * The factory of the bases' threads (default: daemon threads named {@code timer-<name>/<cpu>}).
         *
         * @param threadFactory the factory
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /**
         * Where a callback's exception goes (default: the base thread's own
         * {@link Thread#getUncaughtExceptionHandler()}).
         *
         * @param handler the handler
         * @return this builder
         */
        public Builder uncaughtExceptionHandler(Thread.UncaughtExceptionHandler handler) {
            this.exceptionHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * A bound on the timers pending on each base (default none); arming beyond it throws
         * {@link IllegalStateException}.
         *
         * @param max {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if less than 1
         */
        public Builder maxPendingPerBase(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxPendingPerBase must be >= 1, was " + max);
            }
            this.maxPendingPerBase = max;
            return this;
        }

        /**
         * The name in the threads' names and in messages (default {@code timers}).
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Creates the service and starts its threads.
         *
         * @return the running service
         */
        public TimerService build() {
            return new TimerService(this);
        }
    }
}
