package io.ksync.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Sleepable RCU ({@code srcu_read_lock}, {@code srcu_read_unlock}, {@code synchronize_srcu},
 * {@code synchronize_srcu_expedited}, {@code call_srcu}, {@code srcu_barrier}, {@code srcu_read_lock_held}):
 * read-side sections that may block (wait on a {@code Completion}, sleep, do I/O), with grace periods private
 * to each instance, so a reader that blocks for long delays only the writers of its own {@code Srcu}.
 *
 * <p>{@link #readLock()} returns an index that the matching {@link #readUnlock(int)} must be given. Sections
 * nest. The writer side ({@code synchronize}, {@code call}, {@code retire}, {@code barrier}, polled grace
 * periods) is {@link RcuDomain}'s.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Grace period: {@link #synchronize()} returns after every read-side section of this instance that began
 *   before the call has ended; sections of other instances (and of {@link Rcu} domains) are never waited for.</li>
 *   <li>Progress: readers never wait. A thread that dies inside a section is detected, reported to the domain's
 *   error handler as an {@link IllegalStateException}, and its sections are treated as ended.</li>
 *   <li>Stalls: a reader may block inside its section for as long as it likes, so a grace period that waits long
 *   for one is not reported, unless the options set a {@linkplain RcuDomain.Options#stallTimeout stall timeout}
 *   (then as {@link Rcu} reports it).</li>
 *   <li>Misuse: {@code synchronize()} or {@code barrier()} inside a section of the same instance throws
 *   {@link IllegalStateException} (the kernel's lockdep splat: it would wait for itself); an index other than 0 or
 *   1 is an {@link IllegalArgumentException}; {@code readUnlock(idx)} with no open section for that index on the
 *   calling thread throws {@link IllegalStateException}. A section is unlocked by the thread that locked it (there
 *   is no {@code srcu_down_read}/{@code srcu_up_read} pair for sections that cross threads). Two open sections on
 *   different indices unlocked with their indices swapped cannot be detected: each index has a count.</li>
 * </ul>
 *
 * <pre>{@code
 * Srcu srcu = new Srcu("notifiers");
 * int idx = srcu.readLock();
 * try {
 *     for (Notifier n : chain.dereference()) {
 *         n.notify(event);                  // may block
 *     }
 * } finally {
 *     srcu.readUnlock(idx);
 * }
 * }</pre>
 */
public final class Srcu extends RcuDomain {

    /*
     * Implementation notes (the classic two-index SRCU, with per-thread counters instead of per-CPU ones: the
     * counters are then written by their owner alone, with plain increments and release stores instead of atomics).
     *
     * Per thread, a padded record with count0 and count1: the open sections that took index 0 or 1. The active
     * index is gpSeq & 1.
     *   readLock:        idx = gpSeq & 1 (volatile load); store count[idx] + 1 (release); fullFence; return idx
     *   readUnlock(idx): store count[idx] - 1 (release: the section's loads before "ended")
     * Grace period n (GracePeriodState, indexed): wait until no record has count[n & 1] != 0 (stragglers that
     * loaded the index before the previous flip and incremented after it: they use the index this flip activates),
     * gpSeq = n (the flip), fullFence, wait until no record has count[(n - 1) & 1] != 0. A reader that loads the
     * old index but increments after the second scan passed it is the store-buffering shape with fences on both
     * sides: it reads what the writer published. It is waited for by the next grace period's first scan: that is
     * why the first scan exists.
     */

    private final ThreadLocal<Reader> local = new ThreadLocal<>();

    /**
     * Creates an instance with default {@linkplain RcuDomain.Options options}.
     *
     * @param name a name for messages and the callback thread
     */
    public Srcu(String name) {
        this(name, options());
    }

    /**
     * Creates an instance.
     *
     * @param name    a name for messages and the callback thread
     * @param options error handler, callback limit, callback thread; copied
     */
    public Srcu(String name, Options options) {
        super(name, options, true);
    }

    /**
     * Enters a read-side section ({@code srcu_read_lock}); nestable. The calling thread is registered with this
     * instance on its first section.
     *
     * @return the index to pass to {@link #readUnlock(int)}: 0 or 1
     */
    public int readLock() {
        Reader reader = local.get();
        if (reader == null) {
            reader = state.register(new Reader(state, Thread.currentThread()));
            local.set(reader);
        }
        return reader.lock();
    }

    /**
     * Leaves a read-side section ({@code srcu_read_unlock}).
     *
     * @param idx what the matching {@link #readLock()} returned
     * @throws IllegalArgumentException if {@code idx} is neither 0 nor 1
     * @throws IllegalStateException    if the calling thread has no open section that took {@code idx}
     */
    public void readUnlock(int idx) {
        if (idx != 0 && idx != 1) {
            throw new IllegalArgumentException("readUnlock(" + idx + "): the index must be what readLock() returned,"
                    + " 0 or 1");
        }
        final Reader reader = local.get();
        if (reader == null) {
            throw state.unbalanced("readUnlock(" + idx + ")", "readLock()", Thread.currentThread());
        }
        reader.unlock(idx);
    }

    /**
     * Drops the calling thread's counters from this instance, for a pooled thread that is done with it; a later
     * section registers it again. Records of threads that end are dropped without this. Does nothing if the thread
     * is not registered.
     *
     * @throws IllegalStateException if the thread is inside a read-side section of this instance
     */
    public void unregister() {
        final Reader reader = local.get();
        if (reader == null) {
            return;
        }
        if (reader.holdsUpAnything()) {
            throw new IllegalStateException("unregister() inside a read-side section of SRCU instance " + state.name
                    + " (" + reader.sectionState() + "): call it after readUnlock()");
        }
        state.unregister(reader);
        local.remove();
    }

    /**
     * Whether the calling thread is inside a read-side section of this instance ({@code srcu_read_lock_held}).
     *
     * @return whether it has an open section
     */
    public boolean isReadLocked() {
        final Reader reader = local.get();
        return reader != null && reader.holdsUpAnything();
    }

    @Override
    public boolean isReadSectionHeld() {
        return isReadLocked();
    }

    @Override
    boolean inReadSection() {
        return isReadLocked();
    }

    /** A thread's counters in one {@link Srcu} instance. */
    static final class Reader extends SrcuReaderFields {

        Reader(GracePeriodState domain, Thread owner) {
            super(domain, owner);
        }

        int lock() {
            final int idx = (int) (domain.gpSeq & 1);
            if (idx == 0) {
                COUNT0.setRelease(this, (long) COUNT0.get(this) + 1);
            } else {
                COUNT1.setRelease(this, (long) COUNT1.get(this) + 1);
            }
            VarHandle.fullFence(); // smp_mb(): the count visible before any protected load
            return idx;
        }

        void unlock(int idx) {
            // a constant VarHandle per branch: one chosen at run time would not be inlined
            final long open = idx == 0 ? (long) COUNT0.get(this) : (long) COUNT1.get(this);
            if (open == 0) {
                throw domain.unbalanced("Srcu.readUnlock(" + idx + ")", "readLock() that returned " + idx, owner);
            }
            if (idx == 0) {
                COUNT0.setRelease(this, open - 1); // release: the section's loads before "ended"
            } else {
                COUNT1.setRelease(this, open - 1);
            }
        }

        @Override
        boolean holdsUp(long idx) {
            return (idx == 0 ? (long) COUNT0.getOpaque(this) : (long) COUNT1.getOpaque(this)) != 0;
        }

        @Override
        boolean holdsUpAnything() {
            return (long) COUNT0.getOpaque(this) != 0 || (long) COUNT1.getOpaque(this) != 0;
        }

        @Override
        void abandon() {
            COUNT0.setRelease(this, 0L);
            COUNT1.setRelease(this, 0L);
        }

        @Override
        String sectionState() {
            return "open sections " + (long) COUNT0.getOpaque(this) + " on index 0, " + (long) COUNT1.getOpaque(this)
                    + " on index 1";
        }
    }

    private static final VarHandle COUNT0;
    private static final VarHandle COUNT1;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            COUNT0 = lookup.findVarHandle(SrcuReaderFields.class, "count0", long.class);
            COUNT1 = lookup.findVarHandle(SrcuReaderFields.class, "count1", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

/** An SRCU reader's counters, then padding after them. */
abstract class SrcuReaderFields extends GracePeriodRecord {
    /** Open sections that took index 0 / 1; written by the owner, read by grace periods. */
    volatile long count0;
    volatile long count1;
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;

    SrcuReaderFields(GracePeriodState domain, Thread owner) {
        super(domain, owner);
    }
}
