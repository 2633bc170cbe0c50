package io.ksync.softirq;

import io.ksync.percpu.Cpus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Software interrupts: a fixed set of {@linkplain Vector vectors}, each with one handler, raised per CPU and run
 * by that CPU's {@code ksoftirqd} thread: the kernel's {@code open_softirq}, {@code raise_softirq},
 * {@code raise_softirq_irqoff} on a given CPU, {@code __do_softirq} and {@code ksoftirqd}
 * ({@code kernel/softirq.c}, {@code include/linux/interrupt.h}).
 *
 * <h2>The rules (seed 004, "Softirqs (BH)")</h2>
 * <ul>
 *   <li>The vectors are fixed, in priority order {@code HI} (0) to {@code RCU} (9); a handler is registered once
 *   per vector with {@link #open} and cannot be replaced. {@code HI} and {@code TASKLET} belong to this
 *   instance's {@link Tasklet}s.</li>
 *   <li>{@link #raise} marks a vector pending on the calling CPU, {@link #raiseOn} on a given one. The calling
 *   CPU is {@link Cpus#current()}, except on this instance's own ksoftirqd threads (in a handler or a tasklet),
 *   where it is the thread's CPU, as {@code raise_softirq} in softirq context raises on the CPU being served.
 *   Raising a vector that is already pending on that CPU does nothing more: the handler runs once for all the
 *   raises it has not yet seen. Raising allocates nothing (after a thread's first raise or schedule, which
 *   may create its thread-local map).</li>
 *   <li>Each CPU's thread takes its whole pending mask and runs the pending vectors highest priority first, one
 *   handler at a time: a handler is never preempted by another softirq on the same CPU. Vectors raised during a
 *   pass are run by a new pass; after {@linkplain Builder#maxRestarts(int) 10 restarts} or
 *   {@linkplain Builder#maxPassTime(long, TimeUnit) 2 ms} the thread yields the processor before the next pass,
 *   as {@code __do_softirq} hands over to {@code ksoftirqd}, so a vector that re-raises itself cannot
 *   monopolise a CPU.</li>
 *   <li>The same handler may run on several CPUs at once (a vector raised on two CPUs runs on both): handlers
 *   must synchronise their shared data themselves. This is the contract that makes softirqs scale; use a
 *   {@link Tasklet} for a handler that must be serialised with itself.</li>
 *   <li>Priority orders only the vectors of one pass on one CPU: a low-priority vector raised on another CPU, or
 *   raised before a high-priority one was, may run first. A high-priority vector does not interrupt a running
 *   low-priority handler.</li>
 *   <li>A handler that throws is reported to the {@linkplain Builder#uncaughtExceptionHandler handler} (by
 *   default the thread's own {@link Thread.UncaughtExceptionHandler}) and the thread goes on.</li>
 *   <li>Handlers should be short and must not wait for another softirq of the same CPU (nothing else runs
 *   there meanwhile). Work that sleeps belongs in a workqueue.</li>
 * </ul>
 *
 * <p>Memory effects: actions of a thread before {@code raise(v)} (or {@code raiseOn(cpu, v)}) happen-before the
 * start of the run of {@code v}'s handler that takes that raise on that CPU.
 *
 * <pre>{@code
 * Softirq softirq = Softirq.builder().name("net").build();
 * softirq.open(Softirq.Vector.NET_RX, cpu -> pollRxRings(cpu));
 * ...
 * softirq.raise(Softirq.Vector.NET_RX);      // from the receive path: cheap, coalesced
 * }</pre>
 *
 * <p>{@link #system()} is the shared instance that {@link Tasklet}s use by default: one ksoftirqd thread per
 * CPU, named {@code ksoftirqd/<cpu>}, started on first use and never closed.
 */
public final class Softirq implements AutoCloseable {

    /*
     * Implementation notes.
     *
     * One SoftirqCpu per CPU holds the pending mask and the thread (see SoftirqCpu for the raise/sleep protocol
     * and the tasklet lists). The thread's loop is __do_softirq:
     *
     *   pending = takePending()                       getAndSet(0): every bit raised so far, at once
     *   repeat: run the set bits, lowest number first
     *           pending = takePending()
     *   until pending == 0 or restarts/pass time are used up -> put the bits back, Thread.yield(), next pass
     *
     * Handlers are published with setRelease in open() and read with getAcquire by raise() (to refuse a vector
     * with no handler) and by the thread; a raise that saw the handler therefore orders open() before the run.
     *
     * Closing: closed (volatile) is set, every thread is woken; a thread that finds nothing pending, no tasklet
     * on its lists and the instance closed ends with SoftirqCpu.tryExit: its tasklet lists are closed, then its
     * mask goes from 0 to EXITED (SoftirqCpu's notes show why no tasklet can be left on the list of an ended
     * thread). A raise after that finds EXITED and throws, so work is never accepted silently and then dropped.
     * A raise or schedule from a handler or tasklet of this instance goes to its own CPU (localCpu), whose thread
     * is the caller and so has not ended: it is accepted, and close() waits for it to run. A tasklet that finds
     * its CPU's list closed is handled by Tasklet: moved to the runner's CPU (a deferred re-queue), refused
     * (schedule) or dropped with SCHED cleared (enable), never left where kill() would wait for it for ever.
     */

    /** The vectors, in priority order: a lower ordinal runs first in a pass. */
    public enum Vector {
        /** High-priority tasklets ({@code HI_SOFTIRQ}); reserved for {@link Tasklet#hiSchedule()}. */
        HI,
        /** Timer wheel expiry ({@code TIMER_SOFTIRQ}). */
        TIMER,
        /** Network transmit completion ({@code NET_TX_SOFTIRQ}). */
        NET_TX,
        /** Network receive ({@code NET_RX_SOFTIRQ}). */
        NET_RX,
        /** Block-device completion ({@code BLOCK_SOFTIRQ}). */
        BLOCK,
        /** Interrupt polling ({@code IRQ_POLL_SOFTIRQ}). */
        IRQ_POLL,
        /** Normal tasklets ({@code TASKLET_SOFTIRQ}); reserved for {@link Tasklet#schedule()}. */
        TASKLET,
        /** Scheduler load balancing ({@code SCHED_SOFTIRQ}). */
        SCHED,
        /** High-resolution timers ({@code HRTIMER_SOFTIRQ}). */
        HRTIMER,
        /** RCU callbacks ({@code RCU_SOFTIRQ}). */
        RCU;

        /** Number of vectors ({@code NR_SOFTIRQS}). */
        static final int COUNT = 10;

        private static final Vector[] ALL = values();

        final int mask() {
            return 1 << ordinal();
        }
    }

    /** A vector's handler ({@code struct softirq_action}'s action). */
    @FunctionalInterface
    public interface Handler {
        /**
         * Runs the vector on {@code cpu}'s ksoftirqd thread.
         *
         * @param cpu the CPU whose raise is being served, in {@code [0, cpus())}
         */
        void handle(int cpu);
    }

    /** The default number of passes before the thread yields ({@code MAX_SOFTIRQ_RESTART}). */
    public static final int DEFAULT_MAX_RESTARTS = 10;

    /** The default time a thread serves before it yields ({@code MAX_SOFTIRQ_TIME}, 2 ms). */
    public static final long DEFAULT_MAX_PASS_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final SoftirqCpu[] cpus;
    private final Handler[] handlers = new Handler[Vector.COUNT];
    private final Thread.UncaughtExceptionHandler exceptionHandler;
    private final String name;
    private final int maxRestarts;
    private final long maxPassNanos;
    private final boolean isSystem;
    private volatile boolean closed;

    private Softirq(Builder builder, boolean isSystem) {
        this.name = builder.name;
        this.exceptionHandler = builder.exceptionHandler;
        this.maxRestarts = builder.maxRestarts;
        this.maxPassNanos = builder.maxPassNanos;
        this.isSystem = isSystem;
        final int count = builder.cpus > 0 ? builder.cpus : Cpus.count();
        this.cpus = new SoftirqCpu[count];
        for (int i = 0; i < count; i++) {
            cpus[i] = new SoftirqCpu(this, i);
        }
        final ThreadFactory factory = builder.threadFactory;
        try {
            for (SoftirqCpu cpu : cpus) {
                final Runnable loop = () -> serve(cpu);
                final Thread thread;
                if (factory == null) {
                    thread = new Thread(loop,
                            isSystem ? "ksoftirqd/" + cpu.cpu : "ksoftirqd-" + name + "/" + cpu.cpu);
                    thread.setDaemon(true);
                } else {
                    thread = factory.newThread(loop);
                }
                cpu.thread = thread; // before the check: a started one must be stopped with the others
                if (factory != null) {
                    checkFactoryThread(factory, thread, cpu.cpu);
                }
            }
            for (SoftirqCpu cpu : cpus) {
                cpu.thread.start();
            }
        } catch (RuntimeException | Error failure) {
            stopStartedThreads();
            if (failure instanceof IllegalThreadStateException) { // started behind our back after the check
                throw new IllegalStateException(factoryContractViolation(factory, "returned a thread that was "
                        + "started before the softirq started it"), failure);
            }
            throw failure;
        }
    }

    /**
     * The shared instance: one daemon ksoftirqd thread per CPU ({@link Cpus#count()}), started on first use.
     * {@link #close()} on it throws.
     */
    public static Softirq system() {
        return SystemHolder.INSTANCE;
    }

    /** A builder with the defaults: one thread per CPU, 10 restarts, 2 ms per pass, the threads' own handler. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Registers the handler of a vector ({@code open_softirq}).
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code vector} is {@code HI} or {@code TASKLET} (they run this instance's
     *                                  tasklets: use {@link Tasklet})
     * @throws IllegalStateException    if the vector already has a handler (a vector has one handler for the
     *                                  instance's life), or the instance is closed
     */
    public void open(Vector vector, Handler handler) {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(handler, "handler");
        if (vector == Vector.HI || vector == Vector.TASKLET) {
            throw new IllegalArgumentException("the " + vector + " vector runs tasklets: schedule a Tasklet on this"
                    + " Softirq instead of opening it");
        }
        checkOpen();
        // release: pairs with the getAcquire of raise() and of the thread; publishes the handler's construction
        if (!HANDLERS.compareAndSet(handlers, vector.ordinal(), null, handler)) {
            throw new IllegalStateException("the " + vector + " vector of softirq " + name + " already has a handler: "
                    + "a vector is opened once; dispatch inside the handler instead");
        }
    }

    /**
     * Marks {@code vector} pending on the calling CPU ({@code raise_softirq}); its handler runs soon on that CPU's
     * thread. The calling CPU is {@link Cpus#current()}, or the thread's own CPU when called from a handler or
     * tasklet of this instance. Allocation-free; a raise of a vector that is already pending there is coalesced
     * with it.
     *
     * @throws IllegalStateException if the vector has no handler ({@link #open} it first), or the instance is
     *                               closed (a handler of this instance may still raise while it closes)
     */
    public void raise(Vector vector) {
        checkHandler(vector);
        raiseMask(localCpu(), vector.mask());
    }

    /**
     * Marks {@code vector} pending on {@code cpu} (the kernel raises on another CPU with an IPI or
     * {@code send_remote_softirq}); its handler runs soon on that CPU's thread.
     *
     * @throws IllegalArgumentException if {@code cpu} is not in {@code [0, cpus())}
     * @throws IllegalStateException    as {@link #raise}
     */
    public void raiseOn(int cpu, Vector vector) {
        if (cpu < 0 || cpu >= cpus.length) {
            throw new IllegalArgumentException("cpu must be in [0, " + cpus.length + ") for softirq " + name + ", was "
                    + cpu);
        }
        checkHandler(vector);
        raiseMask(cpus[cpu], vector.mask());
    }

    /**
     * Whether {@code vector} is raised on {@code cpu} and its handler has not yet started for that raise
     * ({@code local_softirq_pending() & (1 << vector)}); a snapshot.
     *
     * @throws IllegalArgumentException if {@code cpu} is not in {@code [0, cpus())}
     */
    public boolean isPending(int cpu, Vector vector) {
        final int pending = cpu(cpu).pending;
        return (pending & SoftirqCpu.EXITED) == 0 && (pending & vector.mask()) != 0; // an ended CPU runs nothing
    }

    /**
     * How many times {@code vector}'s handler has run on {@code cpu} (a line of {@code /proc/softirqs}).
     *
     * @throws IllegalArgumentException if {@code cpu} is not in {@code [0, cpus())}
     */
    public long runs(Vector vector, int cpu) {
        return cpu(cpu).runs(vector.ordinal());
    }

    /** How many times {@code vector}'s handler has run, summed over the CPUs. */
    public long runs(Vector vector) {
        long total = 0;
        for (SoftirqCpu cpu : cpus) {
            total += cpu.runs(vector.ordinal());
        }
        return total;
    }

    /** The number of CPUs (ksoftirqd threads) of this instance. */
    public int cpus() {
        return cpus.length;
    }

    /**
     * The CPU whose ksoftirqd thread is the calling thread ({@code in_serving_softirq()} with
     * {@code smp_processor_id()}), or -1 if the caller is not one of this instance's threads.
     */
    public int servingCpu() {
        final SoftirqCpu serving = servingSlot();
        return serving != null ? serving.cpu : -1;
    }

    /** The instance's name (its threads are {@code ksoftirqd-<name>/<cpu>}). */
    public String name() {
        return name;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the threads after they have run everything pending: raises and tasklet schedules from other threads
     * are refused from now on ({@link IllegalStateException}); raises and schedules made by this instance's
     * handlers and tasklets on their own CPU are still run, as is a tasklet scheduled before and re-queued
     * after its CPU's thread ended (it runs on the CPU of the thread that re-queues it); a {@link #raiseOn} of a
     * CPU whose thread has ended is refused. The call returns when every thread has ended. Called from a handler
     * of this instance it does not wait (it would wait for itself). Idempotent.
     *
     * @throws IllegalStateException on the {@linkplain #system() system} instance, which lives as long as the JVM
     */
    @Override
    public void close() {
        if (isSystem) {
            throw new IllegalStateException("the system Softirq is shared and cannot be closed: build your own "
                    + "with Softirq.builder() to control its life");
        }
        closed = true; // volatile write before the unparks: a woken thread reads it
        for (SoftirqCpu cpu : cpus) {
            LockSupport.unpark(cpu.thread);
        }
        if (servingCpu() >= 0) {
            return;
        }
        boolean interrupted = false;
        for (SoftirqCpu cpu : cpus) {
            while (true) {
                try {
                    cpu.thread.join();
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
        return "Softirq[" + name + ", " + cpus.length + " cpus" + (closed ? ", closed]" : "]");
    }

    // ---------------------------------------------------------------------------------------------------
    // For Tasklet

    /** The CPU slot for a {@link Cpus#current()} value (folded into range when this instance has fewer CPUs). */
    SoftirqCpu cpuFor(int cpuHint) {
        return cpus[cpuIndex(cpuHint)];
    }

    /**
     * The calling CPU ({@code this_cpu}): the thread's own CPU if it is one of this instance's ksoftirqd threads,
     * else the slot of {@link Cpus#current()}.
     */
    SoftirqCpu localCpu() {
        final SoftirqCpu serving = servingSlot();
        return serving != null ? serving : cpus[cpuIndex(Cpus.current())];
    }

    /** The CPU whose ksoftirqd thread the caller is, or null if it is not one of this instance's threads. */
    SoftirqCpu servingSlot() {
        final SoftirqCpu serving = SoftirqCpu.SERVING.get();
        return serving != null && serving.softirq == this ? serving : null;
    }

    /** Throws if the instance is closed and the caller is not one of its threads (which may still raise). */
    void checkAccepting() {
        if (closed && servingCpu() < 0) {
            throw closedException();
        }
    }

    /** Raises {@code mask} on {@code cpu}, refusing it (and saying why) when the instance no longer runs. */
    private void raiseMask(SoftirqCpu cpu, int mask) {
        if (closed && servingCpu() < 0) {
            throw closedException();
        }
        if (!cpu.raise(mask)) {
            throw closedException();
        }
    }

    IllegalStateException closedException() {
        return new IllegalStateException("softirq " + name + " is closed: nothing can be raised or scheduled on it");
    }

    /** Reports a handler's or tasklet's failure; the reporting handler's own failure is swallowed. */
    void report(Throwable failure) {
        final Thread current = Thread.currentThread();
        try {
            final Thread.UncaughtExceptionHandler handler =
                    exceptionHandler != null ? exceptionHandler : current.getUncaughtExceptionHandler();
            handler.uncaughtException(current, failure);
        } catch (Throwable ignored) {
            // the handler failed too: nothing more can be done without stopping the CPU's thread
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // The ksoftirqd loop

    private int cpuIndex(int cpuHint) {
        final int count = cpus.length;
        return cpuHint < count ? cpuHint : cpuHint % count;
    }

    private SoftirqCpu cpu(int cpu) {
        if (cpu < 0 || cpu >= cpus.length) {
            throw new IllegalArgumentException("cpu must be in [0, " + cpus.length + ") for softirq " + name + ", was "
                    + cpu);
        }
        return cpus[cpu];
    }

    private void serve(SoftirqCpu cpu) {
        SoftirqCpu.SERVING.set(cpu);
        try {
            serveLoop(cpu);
        } finally {
            SoftirqCpu.SERVING.remove();
        }
    }

    private void serveLoop(SoftirqCpu cpu) {
        for (;;) {
            Thread.interrupted(); // an interrupt must not turn the park below into a busy loop
            int pending = cpu.takePending();
            if (pending == 0) {
                if (closed) {
                    if (cpu.hasTasklets()) {
                        // pushed but not yet raised: run them now rather than spin until the pusher's raise lands
                        Tasklet.runScheduled(cpu, true);
                        Tasklet.runScheduled(cpu, false);
                        continue;
                    }
                    if (cpu.tryExit()) {
                        return;
                    }
                    continue;
                }
                cpu.sleeping = true; // volatile: the Dekker pair with SoftirqCpu.raise (see its notes)
                if (cpu.pending == 0 && !closed) {
                    LockSupport.park(this);
                }
                cpu.sleeping = false;
                continue;
            }
            final long deadline = System.nanoTime() + maxPassNanos;
            int restarts = maxRestarts;
            for (;;) {
                runVectors(cpu, pending);
                pending = cpu.takePending();
                if (pending == 0) {
                    break;
                }
                if (--restarts <= 0 || System.nanoTime() - deadline >= 0) {
                    cpu.raise(pending); // put them back for the next pass (we are awake: no unpark)
                    Thread.yield();     // wakeup_softirqd(): let other threads have the processor first
                    break;
                }
            }
        }
    }

    private void runVectors(SoftirqCpu cpu, int pending) {
        while (pending != 0) {
            final int vector = Integer.numberOfTrailingZeros(pending);
            pending &= pending - 1;
            cpu.countRun(vector);
            if (vector == Vector.HI.ordinal() || vector == Vector.TASKLET.ordinal()) {
                Tasklet.runScheduled(cpu, vector == Vector.HI.ordinal());
                continue;
            }
            final Handler handler = (Handler) HANDLERS.getAcquire(handlers, vector); // pairs with open()
            try {
                handler.handle(cpu.cpu);
            } catch (Throwable failure) {
                report(failure);
            }
        }
    }

    /**
     * Checks a thread made by the user's factory before anything is started: {@code newThread} must return a
     * new, unstarted thread for each call (a started one may run anything, and would be started twice).
     */
    private void checkFactoryThread(ThreadFactory factory, Thread thread, int cpu) {
        if (thread == null) {
            throw new IllegalStateException(factoryContractViolation(factory, "returned null for cpu " + cpu));
        }
        if (thread.getState() != Thread.State.NEW) {
            throw new IllegalStateException(factoryContractViolation(factory, "returned thread \""
                    + thread.getName() + "\" for cpu " + cpu + " in state " + thread.getState()
                    + " (already started)"));
        }
        for (int other = 0; other < cpu; other++) {
            if (cpus[other].thread == thread) {
                throw new IllegalStateException(factoryContractViolation(factory, "returned thread \""
                        + thread.getName() + "\" for both cpu " + other + " and cpu " + cpu));
            }
        }
    }

    private String factoryContractViolation(ThreadFactory factory, String what) {
        return "the ThreadFactory " + factory + " of softirq " + name + " " + what + ": newThread(r) must return a "
                + "new, unstarted thread that runs r, one per call (the softirq starts it)";
    }

    /**
     * Construction failed: ends whatever threads run the loop already (a factory may have started one), so none
     * is left serving an instance nobody can reach. closed is written before the unparks, as in close().
     */
    private void stopStartedThreads() {
        closed = true;
        for (SoftirqCpu cpu : cpus) {
            if (cpu.thread != null) {
                LockSupport.unpark(cpu.thread);
            }
        }
    }

    private void checkHandler(Vector vector) {
        if (HANDLERS.getAcquire(handlers, vector.ordinal()) == null
                && vector != Vector.HI && vector != Vector.TASKLET) {
            throw new IllegalStateException("the " + vector + " vector of softirq " + name + " has no handler: "
                    + "open(" + vector + ", handler) before raising it");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    /** Configures a {@link Softirq}. */
    public static final class Builder {
        private int cpus;
        private ThreadFactory threadFactory;
        private Thread.UncaughtExceptionHandler exceptionHandler;
        private String name = "softirq";
        private int maxRestarts = DEFAULT_MAX_RESTARTS;
        private long maxPassNanos = DEFAULT_MAX_PASS_NANOS;

        private Builder() {
        }

        /**
         * The number of CPUs (threads); default {@link Cpus#count()}. {@link Cpus#current()} values beyond it are
         * folded into range.
         *
         * @throws IllegalArgumentException if {@code cpus < 1}
         */
        public Builder cpus(int cpus) {
            if (cpus < 1) {
                throw new IllegalArgumentException("cpus must be >= 1, was " + cpus);
            }
            this.cpus = cpus;
            return this;
        }

        /**
         * The factory of the ksoftirqd threads; default: daemon threads named {@code ksoftirqd-<name>/<cpu>}.
         * Threads from a factory keep the factory's name and daemon status. {@code newThread(r)} is called once
         * per CPU and must return a new, unstarted thread that runs {@code r}: {@link #build()} starts it, and
         * throws {@link IllegalStateException} if the factory returns null, a thread already started, or the same
         * thread twice (the threads it made are then not left running).
         */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /** Where failures of handlers and tasklets go; default: the running thread's own handler. */
        public Builder uncaughtExceptionHandler(Thread.UncaughtExceptionHandler handler) {
            this.exceptionHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * How many passes a thread runs back to back before it yields ({@code MAX_SOFTIRQ_RESTART}); default 10.
         *
         * @throws IllegalArgumentException if {@code maxRestarts < 1}
         */
        public Builder maxRestarts(int maxRestarts) {
            if (maxRestarts < 1) {
                throw new IllegalArgumentException("maxRestarts must be >= 1, was " + maxRestarts);
            }
            this.maxRestarts = maxRestarts;
            return this;
        }

        /**
         * How long a thread runs passes back to back before it yields ({@code MAX_SOFTIRQ_TIME}); default 2 ms.
         *
         * @throws IllegalArgumentException if {@code time <= 0}
         */
        public Builder maxPassTime(long time, TimeUnit unit) {
            if (time <= 0) {
                throw new IllegalArgumentException("maxPassTime must be > 0, was " + time + " " + unit);
            }
            this.maxPassNanos = unit.toNanos(time);
            return this;
        }

        /** The name in thread names and messages; default {@code softirq}. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.name = name;
            return this;
        }

        /**
         * Starts the threads and returns the instance.
         *
         * @throws IllegalStateException if the {@linkplain #threadFactory thread factory} breaks its contract
         */
        public Softirq build() {
            return new Softirq(this, false);
        }
    }

    private static final class SystemHolder {
        static final Softirq INSTANCE = new Softirq(new Builder().name("system"), true);
    }

    // VarHandle mechanics
    private static final VarHandle HANDLERS = MethodHandles.arrayElementVarHandle(Handler[].class);
}
