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
    // bytes, not longs: HotSpot puts a subclass's int or reference field in any 4-byte hole of the layout
    // above (after the header, or after a field), ahead of long padding; bytes leave no hole to fill
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
    byte p064, p065, p066, p067, p068, p069, p070, p071, p072, p073, p074, p075, p076, p077, p078, p079;
    byte p080, p081, p082, p083, p084, p085, p086, p087, p088, p089, p090, p091, p092, p093, p094, p095;
    byte p096, p097, p098, p099, p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111;
    byte p112, p113, p114, p115, p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127;

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
    /** Head of the llist of {@link Tasklet#hiSchedule()} tasklets (HI vector); CLOSED_LIST once the thread ends. */
    volatile Tasklet hiTasklets;
    /** Head of the llist of {@link Tasklet#schedule()} tasklets (TASKLET vector); CLOSED_LIST once the thread ends. */
    volatile Tasklet tasklets;

    SoftirqCpuHotFields(Softirq softirq, int cpu) {
        super(softirq, cpu);
    }
}

/** Padding after the hot fields, against the next object on the heap. */
abstract class SoftirqCpuPadAfter extends SoftirqCpuHotFields {
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;
    byte q064, q065, q066, q067, q068, q069, q070, q071, q072, q073, q074, q075, q076, q077, q078, q079;
    byte q080, q081, q082, q083, q084, q085, q086, q087, q088, q089, q090, q091, q092, q093, q094, q095;
    byte q096, q097, q098, q099, q100, q101, q102, q103, q104, q105, q106, q107, q108, q109, q110, q111;
    byte q112, q113, q114, q115, q116, q117, q118, q119, q120, q121, q122, q123, q124, q125, q126, q127;

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
     *
     * Ending (closed instance only). The thread ends in tryExit, which closes both lists and then the pending
     * word, each by a CAS from empty:
     *
     *   (tasklets, hiTasklets, pending):  (null, null, 0) -> (CLOSED, null, 0) -> (CLOSED, CLOSED, 0)
     *                                     -> (CLOSED, CLOSED, EXITED)
     *
     * If a CAS fails, something arrived: the thread reopens the lists it closed (a plain volatile store: only it
     * writes CLOSED_LIST, and no push succeeds on it) and serves what arrived. A push CASes the head from a
     * value that is not CLOSED_LIST, so nothing lands on a list after its final close. A push that landed before
     * it: that close was a CAS from null, so in the head's modification order a takeAll (getAndSet(null), thread
     * only) lies between the push and the close, and the first such take returned the tasklet, which the thread
     * then ran, deferred or parked (runScheduled handles a whole batch) before it could reach tryExit again.
     * Hence:
     *   - a push that succeeded is never stranded, and its pusher may ignore its raise's result: EXITED then
     *     means only that the thread took the tasklet and then ended;
     *   - a push that failed leaves the pusher owning SCHED and the tasklet, on no list (Tasklet moves it to a
     *     live CPU, refuses it, or drops it with SCHED cleared and the waiters woken);
     *   - a thread's own lists and pending word are closed only inside its own tryExit, when it runs nothing:
     *     pushes and raises of a handler or tasklet on its own CPU always succeed.
     * Each step of the argument is about one word's modification order, which every VarHandle RMW respects;
     * no cross-word ordering is needed.
     */

    static final int EXITED = 1 << 31;

    /** The head of a list closed by tryExit: pushes onto it fail (see the notes). Never run, never linked. */
    static final Tasklet CLOSED_LIST = Tasklet.listMarker();

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

    /**
     * Ends this CPU if nothing is pending and both tasklet lists are empty (thread only): closes the lists, then
     * marks pending EXITED (see the notes).
     *
     * @return false if something was raised or pushed meanwhile (everything is reopened: serve it and retry)
     */
    boolean tryExit() {
        if (!TASKLETS.compareAndSet(this, null, CLOSED_LIST)) {
            return false;
        }
        if (!HI_TASKLETS.compareAndSet(this, null, CLOSED_LIST)) {
            TASKLETS.setVolatile(this, null);
            return false;
        }
        if (!PENDING.compareAndSet(this, 0, EXITED)) {
            HI_TASKLETS.setVolatile(this, null);
            TASKLETS.setVolatile(this, null);
            return false;
        }
        return true;
    }

    /** Whether a tasklet is on one of the lists (thread only, outside tryExit: the lists are open). */
    boolean hasTasklets() {
        return tasklets != null || hiTasklets != null;
    }

    /**
     * Pushes a tasklet on one of the lists ({@code llist_add}); the caller owns the tasklet's SCHED bit.
     *
     * @return false if the list is closed (the thread ends or has ended): the tasklet is on no list, and the
     *         caller still owns its SCHED bit
     */
    boolean push(Tasklet tasklet, boolean hi) {
        final VarHandle head = hi ? HI_TASKLETS : TASKLETS;
        Tasklet first;
        do {
            first = (Tasklet) head.getVolatile(this);
            if (first == CLOSED_LIST) {
                return false;
            }
            tasklet.next = first; // plain: published by the CAS below (release semantics of a volatile CAS)
        } while (!head.compareAndSet(this, first, tasklet));
        return true;
    }

    /**
     * Takes a whole list, oldest first ({@code llist_del_all} + {@code llist_reverse_order}); thread only, outside
     * tryExit (so the list is open: this never takes CLOSED_LIST).
     */
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
