package io.ksync.softirq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Cold fields of one CPU of a {@link Softirq}: written once at construction. */
abstract class SoftirqCpuColdFields {
    final Softirq softirq;
    final int cpu;
    /** Runs of each vector on this CPU (the kernel's {@code kstat_softirqs}); written by the ksoftirqd thread. */
    final long[] runs = new long[Softirq.Vector.COUNT];
    /** The ksoftirqd thread; set before it starts. */
    Thread thread;

    SoftirqCpuColdFields(Softirq softirq, int cpu) {
        this.softirq = softirq;
        this.cpu = cpu;
    }
}

/** Padding between the cold fields and the word every raiser writes. */
abstract class SoftirqCpuPadBefore extends SoftirqCpuColdFields {
    long p00, p01, p02, p03, p04, p05, p06, p07;
    long p10, p11, p12, p13, p14, p15, p16, p17;

    SoftirqCpuPadBefore(Softirq softirq, int cpu) {
        super(softirq, cpu);
    }
}

/** The shared hot fields: written by raisers (pending, the tasklet lists) and by the ksoftirqd thread. */
abstract class SoftirqCpuHotFields extends SoftirqCpuPadBefore {
    /** Bit v set: vector v is pending on this CPU; {@link SoftirqCpu#EXITED} once the thread has ended. */
    volatile int pending;
    /** Written by the ksoftirqd thread around its park; read by raisers (the Dekker pair with pending). */
    volatile boolean sleeping;
    /** Head of the llist of tasklets scheduled with {@link Tasklet#hiSchedule()} (HI vector). */
    volatile Tasklet hiTasklets;
    /** Head of the llist of tasklets scheduled with {@link Tasklet#schedule()} (TASKLET vector). */
    volatile Tasklet tasklets;

    SoftirqCpuHotFields(Softirq softirq, int cpu) {
        super(softirq, cpu);
    }
}

/** Padding after the hot fields, against the next object on the heap. */
abstract class SoftirqCpuPadAfter extends SoftirqCpuHotFields {
    long q00, q01, q02, q03, q04, q05, q06, q07;
    long q10, q11, q12, q13, q14, q15, q16, q17;

    SoftirqCpuPadAfter(Softirq softirq, int cpu) {
        super(softirq, cpu);
    }
}

/**
 * One CPU of a {@link Softirq}: its pending mask ({@code local_softirq_pending()}), its ksoftirqd thread, its
 * two tasklet lists ({@code tasklet_vec}, {@code tasklet_hi_vec}) and its run counters.
 *
 * <p>Not API; see {@link Softirq} for the protocol.
 */
final class SoftirqCpu extends SoftirqCpuPadAfter {

    /*
     * Implementation notes.
     *
     * pending is a bit mask, one bit per vector, set by raisers with getAndBitwiseOr (a full-fence RMW) and
     * taken whole by the thread with getAndSet(0). The EXITED bit (31) is set by the thread, by a CAS from 0,
     * when it ends: a raiser whose OR returns a word with EXITED knows the thread is gone and fails loudly
     * rather than leave work nobody will run.
     *
     * Sleeping and waking (the Dekker pair): the thread writes sleeping = true (volatile) and then re-reads
     * pending before it parks; a raiser ORs pending (volatile RMW) and then reads sleeping. Both sides are
     * sequentially consistent accesses, so at least one sees the other: either the thread's re-read sees the
     * bit, or the raiser sees sleeping and unparks. Only the raiser that turns pending from 0 to non-zero needs
     * to look: a later raiser finds the bits of an earlier one that will do it (or that the thread has not yet
     * taken, in which case the thread is awake).
     *
     * Tasklet lists are the kernel's llist: a lock-free stack (push by CAS on the head), emptied whole by the
     * thread with getAndSet(null) and reversed, so tasklets run in scheduling order within a batch. A tasklet
     * is on at most one list at a time (its SCHED bit owns the push; see Tasklet), so the intrusive next field
     * is never shared between two lists.
     */

    static final int EXITED = 1 << 31;

    /**
     * The CPU whose ksoftirqd thread the current thread is (set by the thread when it starts serving), so that
     * {@code this_cpu} of a handler or tasklet is the CPU it serves whatever processor the OS runs it on.
     */
    static final ThreadLocal<SoftirqCpu> SERVING = new ThreadLocal<>();

    SoftirqCpu(Softirq softirq, int cpu) {
        super(softirq, cpu);
    }

    /**
     * Marks {@code mask} pending and wakes the thread if it sleeps.
     *
     * @return false if the thread has ended (the bits are set in a dead word: nobody will run them)
     */
    boolean raise(int mask) {
        // full fence (volatile RMW): pairs with the thread's sleeping write + pending re-read
        final int previous = (int) PENDING.getAndBitwiseOr(this, mask);
        if ((previous & EXITED) != 0) {
            return false;
        }
        if (previous == 0 && sleeping) {
            java.util.concurrent.locks.LockSupport.unpark(thread);
        }
        return true;
    }

    /** Takes every pending bit (thread only). */
    int takePending() {
        return (int) PENDING.getAndSet(this, 0);
    }

    /** Marks the thread ended if nothing is pending (thread only); false if something was raised meanwhile. */
    boolean tryExit() {
        return PENDING.compareAndSet(this, 0, EXITED);
    }

    /** Pushes a tasklet on one of the lists ({@code llist_add}); the caller owns the tasklet's SCHED bit. */
    void push(Tasklet tasklet, boolean hi) {
        final VarHandle head = hi ? HI_TASKLETS : TASKLETS;
        Tasklet first;
        do {
            first = (Tasklet) head.getVolatile(this);
            tasklet.next = first; // plain: published by the CAS below (release semantics of a volatile CAS)
        } while (!head.compareAndSet(this, first, tasklet));
    }

    /** Takes a whole list, oldest first ({@code llist_del_all} + {@code llist_reverse_order}); thread only. */
    Tasklet takeAll(boolean hi) {
        Tasklet list = (Tasklet) (hi ? HI_TASKLETS : TASKLETS).getAndSet(this, null);
        Tasklet reversed = null;
        while (list != null) {
            final Tasklet next = list.next;
            list.next = reversed;
            reversed = list;
            list = next;
        }
        return reversed;
    }

    /** Counts one run of {@code vector} (thread only; opaque so that readers on other threads see whole values). */
    void countRun(int vector) {
        RUNS.setOpaque(runs, vector, (long) RUNS.getOpaque(runs, vector) + 1);
    }

    long runs(int vector) {
        return (long) RUNS.getOpaque(runs, vector);
    }

    // VarHandle mechanics
    private static final VarHandle PENDING;
    private static final VarHandle HI_TASKLETS;
    private static final VarHandle TASKLETS;
    private static final VarHandle RUNS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            PENDING = lookup.findVarHandle(SoftirqCpuHotFields.class, "pending", int.class);
            HI_TASKLETS = lookup.findVarHandle(SoftirqCpuHotFields.class, "hiTasklets", Tasklet.class);
            TASKLETS = lookup.findVarHandle(SoftirqCpuHotFields.class, "tasklets", Tasklet.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
