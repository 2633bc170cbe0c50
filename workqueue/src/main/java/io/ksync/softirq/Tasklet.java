package io.ksync.softirq;

import io.ksync.percpu.Cpus;
import io.ksync.wait.WaitVar;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A deferred function serialised with itself, run by a {@link Softirq}'s ksoftirqd threads: the kernel's
 * {@code struct tasklet_struct} with {@code tasklet_setup}, {@code DECLARE_TASKLET_DISABLED},
 * {@code tasklet_schedule}, {@code tasklet_hi_schedule}, {@code tasklet_disable}, {@code tasklet_disable_nosync},
 * {@code tasklet_enable} and {@code tasklet_kill} ({@code include/linux/interrupt.h}, {@code kernel/softirq.c}).
 *
 * <h2>The rules (seed 004, "Tasklets")</h2>
 * <ol>
 *   <li>After {@link #schedule()} the tasklet runs at least once. Scheduling a tasklet that is scheduled and has
 *   not yet started does nothing and returns false: it runs once for all those calls.</li>
 *   <li>A tasklet scheduled while it runs (from another thread, or from its own callback) runs once more after
 *   the current run.</li>
 *   <li>It never runs on two threads at once: strictly serialised with itself, not with other tasklets.</li>
 *   <li>It runs on the ksoftirqd thread of the CPU that scheduled it ({@link Cpus#current()}; from a handler or
 *   tasklet of its softirq, the CPU that thread serves), when that thread is free; {@link #hiSchedule()} queues
 *   it for the {@code HI} vector, which runs before every other vector of a pass.</li>
 *   <li>{@link #disable()} stops it from starting and waits for a running instance to return;
 *   {@link #disableNoSync()} does not wait; {@link #enable()} undoes one disable (it is a count: {@code n}
 *   disables need {@code n} enables). A tasklet scheduled while disabled stays scheduled and runs once it is
 *   enabled.</li>
 *   <li>{@link #kill()} waits until the tasklet is neither scheduled nor running; schedules during the call do
 *   not take. On a tasklet that is disabled and scheduled the kernel locks up (it can never run); here
 *   {@code kill()} throws {@link IllegalStateException} instead.</li>
 * </ol>
 * The callback must not block for long (it holds its CPU's softirq thread: nothing else of that CPU runs
 * meanwhile); a callback that throws is reported to the softirq's handler and the thread goes on.
 * {@link #disable()} and {@link #kill()} from the tasklet's own callback would wait for themselves and throw
 * {@link IllegalStateException}. {@code kill()} of a scheduled tasklet from any handler or tasklet of the same
 * softirq throws too: the run it would wait for may need the calling thread (the kernel forbids
 * {@code tasklet_kill} in interrupt context). {@code disable()} waits only for a run in progress, which is on
 * another thread, so it may be called from a handler or another tasklet.
 *
 * <p>When the softirq {@linkplain Softirq#close() closes}, a tasklet scheduled before still runs (on the runner's
 * CPU if the CPU it was left to has ended meanwhile), and {@code close()} waits for it. {@link #schedule()}
 * from a thread that is not one of the softirq's throws; one that races with {@code close()} either runs or
 * throws (a racing call that returns false may have joined one that threw). A tasklet that was scheduled while
 * disabled and is enabled once its CPU's thread has ended can no longer run: {@link #enable()} drops that run
 * and leaves the tasklet unscheduled. No tasklet is ever left scheduled where nothing will run it, so
 * {@link #kill()} returns.
 *
 * <p>Scheduling allocates nothing (after a thread's first call): the tasklet is its own list node. Memory
 * effects: actions before a {@code schedule()} that returns true, or that returns false because the tasklet was
 * scheduled and not yet started, happen-before the start of the run it leads to; the actions of a run
 * happen-before {@code disable()} or {@code kill()} returns after waiting for it.
 *
 * <pre>{@code
 * Tasklet rxDone = new Tasklet(softirq, () -> completeReceivedPackets());
 * rxDone.schedule();            // from the interrupt-like fast path: cheap, coalesced
 * ...
 * rxDone.kill();                // teardown: neither scheduled nor running afterwards
 * }</pre>
 */
public final class Tasklet {

    /*
     * Implementation notes.
     *
     * State word (int): | WAITING | PARKED | DEFERRED | RUN | SCHED |
     *                        16        8        4        2     1
     *   SCHED     TASKLET_STATE_SCHED: scheduled and not yet started. Its owner (whoever set it) is the only one
     *             who may put the tasklet on a list, so the intrusive `next` belongs to one list at a time.
     *   RUN       TASKLET_STATE_RUN: a thread holds the tasklet to run it (tasklet_trylock).
     *   DEFERRED  a softirq thread took the tasklet from its list while it was running elsewhere; instead of
     *             re-queueing and spinning as the kernel does, it leaves it to the runner, which pushes it back on
     *             that CPU (deferCpu) when it unlocks.
     *   PARKED    a softirq thread took it from its list while it was disabled; instead of re-queueing it
     *             forever as the kernel does, it leaves it off every list; enable() to 0 pushes it back.
     *   WAITING   a thread sleeps in WaitVar on this tasklet (disable, kill): whoever clears SCHED or RUN, or
     *             disables, clears WAITING and wakes it; the waiter re-sets it while its condition is false.
     *
     * Transitions (each a CAS or an atomic RMW of the state word):
     *   schedule:       SCHED=0              -> SCHED, then push on a CPU list and raise          (returns true)
     *                                           list closed: SCHED -> 0, waiters woken                (throws)
     *                   SCHED=1              -> SCHED (an RMW all the same: it publishes)          (returns false)
     *   softirq pops:   SCHED                -> SCHED|RUN          (trylock; RUN already set -> SCHED|RUN|DEFERRED)
     *     count != 0:   SCHED|RUN            -> SCHED|PARKED       (drop RUN; then re-check count, see below)
     *     count == 0:   SCHED|RUN            -> RUN                (clear SCHED, then the callback runs)
     *   unlock:         RUN[|DEFERRED]       -> 0 [-> SCHED: push on deferCpu and raise; deferCpu's list
     *                                           closed: push on the runner's own CPU, whose list is open]
     *   enable to 0:    SCHED|PARKED         -> SCHED, then push on the calling CPU's list and raise;
     *                                           list closed: SCHED -> 0 (the run is dropped, waiters woken)
     *   kill:           SCHED=0 -> SCHED (held, so schedules fail), wait RUN=0, then -> 0
     *                   SCHED=1: wait until 0, except from a ksoftirqd thread of this softirq (throws): SCHED
     *                   clears only when a ksoftirqd thread takes it, and which one is not known for sure while
     *                   it waits (a deferral, an enable or a new schedule can move it to the caller's CPU).
     *                   Waiting for RUN=0 is safe from anywhere: RUN is held by a thread running the callback,
     *                   which is not the caller (that case throws) and needs nothing from it.
     *
     * The disable/run race is the kernel's Dekker pair: disable() increments count (volatile RMW) then reads RUN;
     * the softirq thread sets RUN (volatile CAS) then reads count. One of them sees the other: either disable()
     * waits for the run, or the thread sees the count and backs off. enable() and PARKED form the same pair:
     * enable() decrements count then tries to clear PARKED; the thread sets PARKED then re-reads count and, if
     * it is 0, tries to clear PARKED itself: exactly one of them wins the CAS and re-queues the tasklet.
     *
     * Closing (see SoftirqCpu's notes): a push fails only on a list whose thread ends, and then the pusher still
     * owns SCHED and the tasklet, which is on no list. A ksoftirqd thread's own list is never closed while it
     * runs code, so the runner re-queues there; any other pusher finds a closed list only once the softirq is
     * closed, and refuses the run (clearing SCHED and waking the waiters, so no kill() waits for it). A push that
     * succeeded is never stranded, so the result of the raise after it does not matter.
     *
     * Waiting uses the shared WaitVar table with the WAITING bit as the "has waiters" hint: the waiter's
     * condition (evaluated after it is queued) sets WAITING by CAS and then reads the state; a waker's
     * transition is a CAS on the same word. In that word's total order either the waker's CAS comes after
     * WAITING was set (it sees the bit and wakes the queued waiter) or before (the waiter's read sees the new
     * state). So a run costs nothing for waiters when nobody waits.
     */

    static final int SCHED = 1;
    static final int RUN = 2;
    static final int DEFERRED = 4;
    static final int PARKED = 8;
    static final int WAITING = 16;

    private final Softirq softirq;
    private final Runnable callback;

    /** The state word; see the notes. */
    private volatile int state;
    /** The disable count ({@code tasklet_struct.count}); 0 is enabled. */
    private volatile int disableCount;
    /** Next on a CPU list; written by the SCHED owner before the push's CAS, read by the thread after taking. */
    Tasklet next;
    /** Whether the current (or last) scheduling was on the HI list; written by the SCHED owner before the push. */
    private boolean hi;
    /** The CPU whose thread deferred the tasklet; written before the DEFERRED CAS, read after the unlock RMW. */
    private int deferCpu;
    /** The thread running the callback, or null; only compared with the current thread (see isRunningOnCaller). */
    private volatile Thread runner;

    /**
     * Creates an enabled, idle tasklet run by the {@linkplain Softirq#system() system} softirq
     * ({@code tasklet_setup}).
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public Tasklet(Runnable callback) {
        this(Softirq.system(), callback);
    }

    /**
     * Creates an enabled, idle tasklet run by {@code softirq}'s threads ({@code tasklet_setup}).
     *
     * @throws NullPointerException if an argument is null
     */
    public Tasklet(Softirq softirq, Runnable callback) {
        this.softirq = Objects.requireNonNull(softirq, "softirq");
        this.callback = Objects.requireNonNull(callback, "callback");
    }

    /** The marker that closes a CPU's tasklet list (SoftirqCpu.CLOSED_LIST); never scheduled or run. */
    private Tasklet() {
        this.softirq = null;
        this.callback = null;
    }

    static Tasklet listMarker() {
        return new Tasklet();
    }

    /**
     * Creates a disabled tasklet ({@code DECLARE_TASKLET_DISABLED}): it may be scheduled, and runs after one
     * {@link #enable()}.
     */
    public static Tasklet createDisabled(Softirq softirq, Runnable callback) {
        final Tasklet tasklet = new Tasklet(softirq, callback);
        tasklet.disableCount = 1;
        return tasklet;
    }

    /**
     * Schedules the tasklet on the calling CPU's softirq thread ({@code tasklet_schedule}, the {@code TASKLET}
     * vector). Allocation-free.
     *
     * @return true if this call scheduled it; false if it was already scheduled and not yet started (it will run
     *         once for both), or {@link #kill()} holds it
     * @throws IllegalStateException if the softirq is closed and the caller is not one of its ksoftirqd threads
     */
    public boolean schedule() {
        return schedule(false);
    }

    /**
     * As {@link #schedule()} on the {@code HI} vector ({@code tasklet_hi_schedule}): runs before every other
     * vector of its CPU's next pass.
     */
    public boolean hiSchedule() {
        return schedule(true);
    }

    /**
     * Stops the tasklet from starting and waits until a running instance has returned
     * ({@code tasklet_disable}). A scheduled tasklet stays scheduled and runs after the matching
     * {@link #enable()}. Uninterruptible, as the kernel's.
     *
     * @throws IllegalStateException if called from the tasklet's own callback (it would wait for itself; use
     *                               {@link #disableNoSync()}), or the count would overflow
     */
    public void disable() {
        if (runner == Thread.currentThread()) {
            throw new IllegalStateException("disable() called from the tasklet's own callback would wait for itself:"
                    + " use disableNoSync()");
        }
        disableNoSync();
        awaitState(() -> (state & RUN) == 0);
    }

    /**
     * Stops the tasklet from starting, without waiting for a running instance ({@code tasklet_disable_nosync}).
     *
     * @throws IllegalStateException if the disable count would overflow
     */
    public void disableNoSync() {
        int count;
        do {
            count = disableCount;
            if (count == Integer.MAX_VALUE) {
                throw new IllegalStateException("tasklet disabled " + count + " times: its count would overflow");
            }
        } while (!DISABLE_COUNT.compareAndSet(this, count, count + 1)); // full fence: the Dekker pair with RUN
        wakeWaiters(); // kill() waiting for SCHED to clear must learn that it never will
    }

    /**
     * Undoes one {@link #disable()} or {@link #disableNoSync()} ({@code tasklet_enable}). When the count drops to
     * zero, a tasklet that was scheduled meanwhile is queued on the calling CPU and runs; if the softirq is closed
     * and that CPU's thread has ended, the run is dropped instead and the tasklet is left unscheduled.
     *
     * @throws IllegalStateException if the tasklet is not disabled (an enable without its disable)
     */
    public void enable() {
        int count;
        do {
            count = disableCount;
            if (count == 0) {
                throw new IllegalStateException("enable() of a tasklet that is not disabled: every enable() must "
                        + "match a disable() or disableNoSync()");
            }
        } while (!DISABLE_COUNT.compareAndSet(this, count, count - 1)); // full fence: the Dekker pair with PARKED
        if (count == 1 && tryClearParked() && !tryQueueOn(softirq.localCpu())) {
            // closed, and that CPU's thread has ended: nothing can run it any more (a ksoftirqd caller's own list
            // is open): drop the run rather than leave SCHED set for ever
            clearBits(SCHED);
        }
    }

    /**
     * Waits until the tasklet is neither scheduled nor running ({@code tasklet_kill}): a scheduled tasklet runs
     * first; schedules made while this call holds the tasklet return false. Afterwards the tasklet may be
     * scheduled again. Uninterruptible, as the kernel's.
     *
     * @throws IllegalStateException if the tasklet is disabled and scheduled (it could never run, and the kernel
     *                               locks up here: {@link #enable()} it first), or called from its own callback,
     *                               or called from a handler or tasklet of its softirq while it is scheduled (the
     *                               run it would wait for may need the calling thread)
     */
    public void kill() {
        if (runner == Thread.currentThread()) {
            throw new IllegalStateException("kill() called from the tasklet's own callback would wait for itself: "
                    + "kill() it from process context once the callback has returned");
        }
        for (;;) {
            final int s = state;
            if ((s & SCHED) == 0) {
                if (STATE.compareAndSet(this, s, s | SCHED)) {
                    break; // we hold SCHED: nobody can schedule it now
                }
                continue;
            }
            if (disableCount != 0) {
                throw new IllegalStateException("kill() of a disabled, scheduled tasklet would wait for ever (it "
                        + "cannot run until enabled; the kernel locks up here): enable() it first");
            }
            final SoftirqCpu serving = softirq.servingSlot();
            if (serving != null) {
                // the run may be due on this very thread: queued on its CPU, in the batch it is running, or
                // deferred or re-queued there while we wait; nothing else runs that CPU while this thread sleeps
                throw new IllegalStateException("kill() of a scheduled tasklet called from the ksoftirqd thread of "
                        + "cpu " + serving.cpu + " of softirq " + softirq.name() + " (a handler or tasklet) would "
                        + "wait for a run that may need this very thread: kill() it from process context (the "
                        + "thread tearing down, or a workqueue), or disableNoSync() it here");
            }
            awaitState(() -> (state & SCHED) == 0 || disableCount != 0);
        }
        awaitState(() -> (state & RUN) == 0);
        clearBits(SCHED);
    }

    /** Whether the tasklet is scheduled and has not yet started ({@code TASKLET_STATE_SCHED}); a snapshot. */
    public boolean isScheduled() {
        return (state & SCHED) != 0;
    }

    /** Whether the callback is running ({@code TASKLET_STATE_RUN}); a snapshot. */
    public boolean isRunning() {
        return (state & RUN) != 0;
    }

    /** Whether the tasklet may start: its disable count is zero; a snapshot. */
    public boolean isEnabled() {
        return disableCount == 0;
    }

    /** The softirq whose threads run this tasklet. */
    public Softirq softirq() {
        return softirq;
    }

    @Override
    public String toString() {
        final int s = state;
        return "Tasklet[" + callback + ((s & SCHED) != 0 ? ", scheduled" : "") + ((s & RUN) != 0 ? ", running" : "")
                + (disableCount != 0 ? ", disabled " + disableCount : "") + "]";
    }

    // ---------------------------------------------------------------------------------------------------
    // Scheduling and running

    private boolean schedule(boolean onHi) {
        softirq.checkAccepting(); // before SCHED is taken: a refused schedule must leave the tasklet as it was
        // test_and_set_bit, a write even when SCHED is already set: the clear of SCHED before the run reads it, so
        // the caller's earlier writes happen-before that run whether this call returns true or false (a read
        // that saw SCHED and returned would publish nothing: the run it counts on could miss the caller's data)
        if (((int) STATE.getAndBitwiseOr(this, SCHED) & SCHED) != 0) {
            return false;
        }
        hi = onHi;
        if (!tryQueueOn(softirq.localCpu())) {
            // only a thread that is not one of the softirq's finds its list closed, and lists are closed only
            // after the softirq is: it closed since checkAccepting(). Refuse, leaving the tasklet as it was.
            clearBits(SCHED);
            throw softirq.closedException();
        }
        return true;
    }

    /**
     * Pushes the tasklet (whose SCHED the caller owns) on {@code cpu}'s list and raises its vector there.
     *
     * @return false if the list is closed (its thread ends): the tasklet is on no list, the caller keeps SCHED
     */
    private boolean tryQueueOn(SoftirqCpu cpu) {
        final boolean onHi = hi;
        if (!cpu.push(this, onHi)) {
            return false;
        }
        // a false return (EXITED) only means that the thread took the tasklet and then ended: see SoftirqCpu
        cpu.raise((onHi ? Softirq.Vector.HI : Softirq.Vector.TASKLET).mask());
        return true;
    }

    /** Runs the tasklets scheduled on {@code cpu}'s list ({@code tasklet_action_common}); the CPU's thread only. */
    static void runScheduled(SoftirqCpu cpu, boolean hi) {
        Tasklet tasklet = cpu.takeAll(hi);
        while (tasklet != null) {
            final Tasklet following = tasklet.next;
            tasklet.next = null;
            tasklet.runIfAllowed(cpu);
            tasklet = following;
        }
    }

    /** Runs this tasklet, taken from {@code cpu}'s list with SCHED set, or leaves it DEFERRED or PARKED. */
    private void runIfAllowed(SoftirqCpu cpu) {
        for (;;) {
            final int s = state;
            if ((s & RUN) != 0) {
                deferCpu = cpu.cpu; // plain: published by the CAS, read by the runner after its unlock RMW
                if (STATE.compareAndSet(this, s, s | DEFERRED)) {
                    return;         // the runner pushes it back on this CPU when it unlocks
                }
                continue;
            }
            if (!STATE.compareAndSet(this, s, s | RUN)) { // tasklet_trylock; full fence before reading the count
                continue;
            }
            if (disableCount != 0) {
                // disabled: back off, SCHED|RUN -> SCHED|PARKED, and leave it off every list until enable()
                int old;
                do {
                    old = state;
                } while (!STATE.compareAndSet(this, old, (old & ~(RUN | WAITING)) | PARKED));
                if ((old & WAITING) != 0) {
                    WaitVar.wakeUp(this); // a disable() that saw our RUN waits for it to clear
                }
                // PARKED is published (full fence): re-read the count, the Dekker pair with enable()
                if (disableCount == 0 && tryClearParked()) {
                    continue; // enabled meanwhile, and we won the tasklet back: try again
                }
                return;
            }
            final int old = (int) STATE.getAndBitwiseAnd(this, ~(SCHED | WAITING));
            if ((old & WAITING) != 0) {
                WaitVar.wakeUp(this); // kill() waits for SCHED to clear
            }
            run(cpu);
            return;
        }
    }

    private void run(SoftirqCpu cpu) {
        runner = Thread.currentThread();
        try {
            callback.run();
        } catch (Throwable failure) {
            softirq.report(failure);
        } finally {
            runner = null;
            unlock(cpu);
        }
    }

    /**
     * RUN[|DEFERRED] -> 0: ends a run on {@code cpu}; a deferred schedule goes back on the CPU that deferred it,
     * or on {@code cpu} if that CPU's thread has ended meanwhile (the softirq is closing).
     */
    private void unlock(SoftirqCpu cpu) {
        // release (volatile RMW): the callback's actions happen-before a disable()/kill() that sees RUN clear
        final int old = (int) STATE.getAndBitwiseAnd(this, ~(RUN | DEFERRED | WAITING));
        if ((old & WAITING) != 0) {
            WaitVar.wakeUp(this);
        }
        if ((old & DEFERRED) != 0 && !tryQueueOn(softirq.cpuFor(deferCpu))) { // still SCHED: left to us
            // the deferring CPU's thread has ended: run it here. This thread is cpu's and is running, so cpu's
            // lists are open (only this thread closes them, in tryExit): the push cannot fail
            tryQueueOn(cpu);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    /** PARKED -> 0 if set; true if this call cleared it (and so must queue the tasklet). */
    private boolean tryClearParked() {
        for (;;) {
            final int s = state;
            if ((s & PARKED) == 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s & ~PARKED)) {
                return true;
            }
        }
    }

    /** Clears {@code bits} and wakes the waiters if any. */
    private void clearBits(int bits) {
        final int old = (int) STATE.getAndBitwiseAnd(this, ~(bits | WAITING));
        if ((old & WAITING) != 0) {
            WaitVar.wakeUp(this);
        }
    }

    /** Wakes the waiters if any (their conditions may have changed). */
    private void wakeWaiters() {
        if ((state & WAITING) != 0) {
            clearBits(0);
        }
    }

    /** Sleeps in WaitVar until {@code done}; the WAITING bit is set before each check (see the notes). */
    private void awaitState(BooleanSupplier done) {
        if (done.getAsBoolean()) {
            return;
        }
        WaitVar.waitEvent(this, () -> {
            setWaiting();
            return done.getAsBoolean();
        });
    }

    private void setWaiting() {
        for (;;) {
            final int s = state;
            if ((s & WAITING) != 0 || STATE.compareAndSet(this, s, s | WAITING)) {
                return;
            }
        }
    }

    // VarHandle mechanics
    private static final VarHandle STATE;
    private static final VarHandle DISABLE_COUNT;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Tasklet.class, "state", int.class);
            DISABLE_COUNT = lookup.findVarHandle(Tasklet.class, "disableCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
