package io.ksync.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An RCU domain with epoch-based readers: the kernel's {@code rcu_read_lock}, {@code rcu_read_unlock},
 * {@code synchronize_rcu}, {@code synchronize_rcu_expedited}, {@code rcu_read_lock_held} and liburcu's
 * {@code rcu_register_thread}, for code that publishes new versions of shared data and must know when no reader
 * can still see an old one.
 *
 * <p>Readers bracket every access to RCU-protected data with {@link #readLock()} and {@link #readUnlock()}
 * (nestable), or, faster, with the {@link Reader} handle that {@link #reader()} registers for the calling thread.
 * A read-side section writes only the reader's own record (no line shared with other readers) and never waits;
 * the one exception is a thread's first section in a domain, which registers the thread. Writers publish a new
 * version (an {@link RcuReference}), then call {@link #synchronize()}: it returns only after every read-side
 * section that began before the call has ended, so the old version can then be reclaimed, closed, or reused.
 * Concurrent callers share grace periods. The writer side ({@code call}, {@code retire}, {@code barrier}, polled
 * grace periods) is {@link RcuDomain}'s.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Grace period: if a read-side section began before {@code synchronize()} was called, {@code synchronize()}
 *   returns after that section's {@code readUnlock()}, and everything the section read happens-before the return,
 *   so a writer that then reclaims an object never pulls it from under a reader. A section that begins after
 *   the call may still be running when it returns: it cannot see what was unpublished before the call.</li>
 *   <li>Progress: read-side sections never block and never fail. A thread that dies inside a read-side section
 *   would stall grace periods for ever; {@code synchronize()} detects it, reports it as an
 *   {@link IllegalStateException} naming the thread to the domain's error handler (by default the
 *   {@link Thread.UncaughtExceptionHandler} of the thread running the grace period, called with the dead thread),
 *   and treats the section as ended.</li>
 *   <li>Misuse: {@code synchronize()} inside a read-side section of the same domain would wait for itself and
 *   throws {@link IllegalStateException}; {@code readUnlock()} without a matching {@code readLock()} throws
 *   {@link IllegalStateException}; a {@link Reader} used by a thread other than its owner throws
 *   {@link IllegalStateException}.</li>
 * </ul>
 *
 * <pre>{@code
 * static final Rcu RCU = Rcu.shared();
 * final RcuReference<Config> config = new RcuReference<>(initial);
 *
 * // readers, on any thread
 * RCU.readLock();
 * try {
 *     use(config.dereference());
 * } finally {
 *     RCU.readUnlock();
 * }
 *
 * // the writer
 * Config old = config.exchange(updated);   // rcu_replace_pointer
 * RCU.synchronize();                       // no reader still holds `old`
 * old.close();
 * }</pre>
 */
public final class Rcu extends RcuDomain {

    /*
     * Implementation notes.
     *
     * Grace periods, the registry, stall detection and callbacks: GracePeriodState (which readers reference instead
     * of the Rcu, so that a dropped domain is collectable although pool threads keep their thread-local Reader).
     * Per reader thread, a Reader record (its own padded cache lines) holding nesting (the owner's alone) and
     * snapshot: the value of gpSeq when the outermost section began, or 0 outside any section. A record holds up
     * grace period n while its snapshot is neither 0 nor >= n.
     *
     * Read side (liburcu's urcu-mb reader, with a 64-bit counter instead of a phase bit):
     *   outermost lock:   snapshot = gpSeq (volatile load); store snapshot (release); fullFence
     *   outermost unlock: store snapshot = 0 (release)
     *   nested:           nesting++ / nesting-- only
     * The fence after the store is smp_mb(): the section's loads of protected data come after the snapshot is
     * visible. The release stores pair with the grace period's acquire fence after it read them.
     *
     * Why one counter step per grace period suffices (liburcu needs two phase flips because its phase is one
     * bit). A reader that loaded gpSeq = m < n before the increment but stored its snapshot after the scan passed
     * it is the store-buffering shape with fences on both sides (grace period: increment; fence; load snapshot =
     * 0. Reader: store snapshot; fence; load pointer), so the reader loads the new pointer and is safe for grace
     * period n. Its snapshot m < n + 1 is still "before" for every later grace period, which waits for it: with
     * 64 bits the comparison never aliases (a phase bit would, hence liburcu's second flip).
     */

    private static final Rcu SHARED = new Rcu("shared");

    private final ThreadLocal<Reader> local = new ThreadLocal<>();

    /**
     * Creates a domain with default {@linkplain RcuDomain.Options options}.
     *
     * @param name a name for messages and the callback thread
     */
    public Rcu(String name) {
        this(name, options());
    }

    /**
     * Creates a domain.
     *
     * @param name    a name for messages and the callback thread
     * @param options error handler, callback limit, callback thread; copied
     */
    public Rcu(String name, Options options) {
        super(name, options, false);
    }

    /** The default domain, shared by everything in the JVM that does not need its own. */
    public static Rcu shared() {
        return SHARED;
    }

    /**
     * Enters a read-side section ({@code rcu_read_lock}); nestable. Looks up the calling thread's {@link Reader}
     * (registering it on first use): {@link #reader()} skips the look-up.
     */
    public void readLock() {
        reader().lock();
    }

    /**
     * Leaves a read-side section ({@code rcu_read_unlock}).
     *
     * @throws IllegalStateException if the calling thread is not in a read-side section of this domain
     */
    public void readUnlock() {
        final Reader reader = local.get();
        if (reader == null) {
            throw state.unbalanced("readUnlock()", "readLock()", Thread.currentThread());
        }
        reader.unlock();
    }

    /**
     * The calling thread's reader handle, registered with this domain on first use ({@code rcu_register_thread}).
     * Its {@link Reader#lock()} and {@link Reader#unlock()} need no thread-local look-up; it belongs to this
     * thread and refuses to be used from another.
     *
     * @return the calling thread's reader
     */
    public Reader reader() {
        Reader reader = local.get();
        if (reader == null) {
            reader = state.register(new Reader(state, Thread.currentThread()));
            local.set(reader);
        }
        return reader;
    }

    /**
     * Drops the calling thread's reader record ({@code rcu_unregister_thread}), for a pooled thread that is done
     * with this domain; its {@link Reader} can no longer be used, and a later section registers it again. Records
     * of threads that end are dropped without this. Does nothing if the thread is not registered.
     *
     * @throws IllegalStateException if the thread is inside a read-side section of this domain
     */
    public void unregister() {
        final Reader reader = local.get();
        if (reader == null) {
            return;
        }
        if (reader.nesting > 0) {
            throw new IllegalStateException("unregister() inside a read-side section of RCU domain " + state.name
                    + " (nesting " + reader.nesting + "): call it after readUnlock()");
        }
        reader.retired = true;
        state.unregister(reader);
        local.remove();
    }

    /**
     * Whether the calling thread is inside a read-side section of this domain ({@code rcu_read_lock_held}).
     *
     * @return whether the nesting depth is above zero
     */
    public boolean isReadLocked() {
        final Reader reader = local.get();
        return reader != null && reader.nesting > 0;
    }

    @Override
    public boolean isReadSectionHeld() {
        return isReadLocked();
    }

    @Override
    boolean inReadSection() {
        return isReadLocked();
    }

    /**
     * A thread's registered reader of one {@link Rcu} domain ({@code rcu_register_thread}): {@link #lock()} and
     * {@link #unlock()} are {@code rcu_read_lock} and {@code rcu_read_unlock} without a thread-local look-up. It
     * belongs to the thread that obtained it from {@link Rcu#reader()}.
     */
    public static final class Reader extends ReaderFields {

        Reader(GracePeriodState domain, Thread owner) {
            super(domain, owner);
        }

        /**
         * Enters a read-side section; nestable.
         *
         * @throws IllegalStateException if called from a thread other than the reader's owner
         */
        public void lock() {
            if (Thread.currentThread() != owner || retired) {
                throw notOwner("lock()");
            }
            if (nesting++ == 0) {
                SNAPSHOT.setRelease(this, domain.gpSeq); // the grace period this section began in
                VarHandle.fullFence();                   // smp_mb(): visible before any protected load
            }
        }

        /**
         * Leaves a read-side section.
         *
         * @throws IllegalStateException if the reader is not in a section, or called from another thread
         */
        public void unlock() {
            if (Thread.currentThread() != owner) {
                throw notOwner("unlock()");
            }
            if (nesting == 0) {
                throw domain.unbalanced("Rcu.Reader.unlock()", "lock()", owner);
            }
            if (--nesting == 0) {
                SNAPSHOT.setRelease(this, 0L); // release: the section's loads before "ended"
            }
        }

        /** Whether the owner is inside a read-side section; for its own thread. */
        public boolean isLocked() {
            return nesting > 0;
        }

        @Override
        boolean holdsUp(long gracePeriod) {
            final long snapshot = (long) SNAPSHOT.getOpaque(this);
            return snapshot != 0 && snapshot < gracePeriod;
        }

        @Override
        boolean holdsUpAnything() {
            return (long) SNAPSHOT.getOpaque(this) != 0;
        }

        @Override
        void abandon() {
            nesting = 0;
            SNAPSHOT.setRelease(this, 0L);
        }

        @Override
        String sectionState() {
            return "nesting " + nesting;
        }

        private IllegalStateException notOwner(String method) {
            if (retired && Thread.currentThread() == owner) {
                return new IllegalStateException("Rcu.Reader." + method + " on a reader unregistered from RCU domain "
                        + domain.name + ": get a new one from Rcu.reader()");
            }
            return new IllegalStateException("Rcu.Reader." + method + " called from thread "
                    + Thread.currentThread().getName() + ", but the reader belongs to " + owner.getName()
                    + ": each thread gets its own from Rcu.reader()");
        }

        @Override
        public String toString() {
            return "Rcu.Reader[" + owner.getName() + ", nesting " + nesting + "]";
        }
    }

    private static final VarHandle SNAPSHOT;

    static {
        try {
            SNAPSHOT = MethodHandles.lookup().findVarHandle(ReaderFields.class, "snapshot", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

/** A reader's fields, then padding after them. */
abstract class ReaderFields extends GracePeriodRecord {
    /** Section depth; only the owner reads and writes it. */
    int nesting;
    /** Set by Rcu.unregister(); only the owner reads and writes it. */
    boolean retired;
    /** gpSeq when the outermost section began, 0 outside sections; written by the owner, read by grace periods. */
    volatile long snapshot;
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;

    ReaderFields(GracePeriodState domain, Thread owner) {
        super(domain, owner);
    }
}
