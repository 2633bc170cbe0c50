package io.ksync.rcu;

import io.ksync.lock.Mutex;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * An RCU domain with epoch-based readers: the kernel's {@code rcu_read_lock}, {@code rcu_read_unlock},
 * {@code synchronize_rcu}, {@code synchronize_rcu_expedited} and {@code rcu_register_thread} (liburcu), for code
 * that publishes new versions of shared data and must know when no reader can still see an old one.
 *
 * <p>Readers bracket every access to RCU-protected data with {@link #readLock()} and {@link #readUnlock()}
 * (nestable), or, faster, with the {@link Reader} handle that {@link #reader()} registers for the calling thread.
 * A read-side section writes only the reader's own record (no line shared with other readers) and never waits.
 * Writers publish a new version (an {@link RcuReference}), then call {@link #synchronize()}: it returns only after
 * every read-side section that began before the call has ended, so the old version can then be reclaimed,
 * closed, or reused. Concurrent callers share grace periods.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Grace period: if a read-side section began before {@code synchronize()} was called, {@code synchronize()}
 *   returns after that section's {@code readUnlock()}; and everything the section read happens-before the return,
 *   so a writer that then reclaims an object never pulls it from under a reader. A section that begins after
 *   the call may still be running when it returns: it cannot see what was unpublished before the call.</li>
 *   <li>Progress: read-side sections never block and never fail. A thread that dies inside a read-side section
 *   would stall grace periods for ever; {@code synchronize()} detects it, reports it to the domain's
 *   {@link Thread.UncaughtExceptionHandler} (by default the calling thread's) as an {@link IllegalStateException}
 *   naming the thread, and treats the section as ended.</li>
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
public final class Rcu {

    /*
     * Implementation notes.
     *
     * State. A 64-bit grace-period counter `gpSeq` (starts at 1), and per reader thread a Reader record (its own
     * padded cache lines) holding `nesting` (written and read only by its thread) and `snapshot`: the value of
     * gpSeq when the outermost section began, or 0 outside any section. `completed` is the number of the last
     * grace period that ended.
     *
     * Read side (liburcu's urcu-mb reader, with a 64-bit counter instead of a phase bit):
     *   outermost lock:   snapshot = gpSeq (opaque load); store snapshot (opaque); fullFence
     *   outermost unlock: store snapshot = 0 (release)
     *   nested:           nesting++ / nesting-- only
     * The fence after the store is smp_mb(): the section's loads of protected data come after the snapshot is
     * visible. The release store at unlock orders the section's loads before "ended".
     *
     * Grace period n (synchronize): under the domain's mutex, n = ++gpSeq (a volatile write: a full fence, so the
     * updater's unpublishing stores come before it, and before the loads below), then for each registered reader
     * wait while its snapshot is neither 0 nor >= n (opaque loads, then an acquire fence): those readers began
     * before grace period n. Then completed = n.
     *
     * Why one counter step per grace period suffices (liburcu needs two phase flips because its phase is one
     * bit). A reader that loaded gpSeq = m < n before the increment but stored its snapshot after the scan passed
     * it: this is the store-buffering shape with fences on both sides (writer: unpublish; fence; load snapshot
     * = 0. Reader: store snapshot; fence; load pointer), so the reader loads the new pointer and is safe for
     * grace period n. Its snapshot m < n + 1 is still "before" for every later grace period, which waits for it:
     * with 64 bits the comparison never aliases (a phase bit would, hence liburcu's second flip).
     *
     * Shared grace periods: a caller that entered when gpSeq was g (read after a full fence) needs any grace
     * period numbered > g to complete. It takes the mutex; if completed > g meanwhile (another caller's grace period began after it
     * entered and ended), it returns without a grace period of its own.
     *
     * Waiting for a reader: spin a little (expedited: longer), then yield, then park for growing times up to 1 ms
     * (a reader that holds a section open for long is the kernel's stall case; there is no wake-up from
     * readUnlock, so the read side stays a single store). Each round checks that the reader's thread is alive.
     */

    /** How long a grace period waits between looks at a reader that is still in its section, at most. */
    private static final long MAX_PARK_NANOS = 1_000_000L;
    private static final int SPIN_ROUNDS = 64;
    private static final int EXPEDITED_SPIN_ROUNDS = 4_096;

    private static final Rcu SHARED = new Rcu("shared");

    private final String name;
    private final Thread.UncaughtExceptionHandler stallHandler;
    private final Mutex gpMutex = new Mutex();
    private final List<Reader> readers = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Reader> local = ThreadLocal.withInitial(this::register);
    private volatile long gpSeq = 1L;
    private volatile long completed = 1L;

    /**
     * Creates a domain whose stall reports (a reader thread that died in its section) go to the calling thread's
     * {@link Thread.UncaughtExceptionHandler}.
     *
     * @param name a name for messages
     */
    public Rcu(String name) {
        this(name, null);
    }

    /**
     * Creates a domain.
     *
     * @param name         a name for messages
     * @param stallHandler where a reader thread that died inside its section is reported, or null for the
     *                     reporting thread's own handler
     */
    public Rcu(String name, Thread.UncaughtExceptionHandler stallHandler) {
        this.name = Objects.requireNonNull(name, "name");
        this.stallHandler = stallHandler;
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
        local.get().lock();
    }

    /**
     * Leaves a read-side section ({@code rcu_read_unlock}).
     *
     * @throws IllegalStateException if the calling thread is not in a read-side section of this domain
     */
    public void readUnlock() {
        local.get().unlock();
    }

    /**
     * The calling thread's reader handle, registered with this domain on first use ({@code rcu_register_thread}).
     * Its {@link Reader#lock()} and {@link Reader#unlock()} need no thread-local look-up; it belongs to this
     * thread and refuses to be used from another.
     *
     * @return the calling thread's reader
     */
    public Reader reader() {
        return local.get();
    }

    /**
     * Whether the calling thread is inside a read-side section of this domain ({@code rcu_read_lock_held}).
     *
     * @return whether the nesting depth is above zero
     */
    public boolean isReadLocked() {
        return local.get().nesting > 0;
    }

    /**
     * Waits for a grace period ({@code synchronize_rcu}): returns after every read-side section that began before
     * the call has ended. Concurrent callers share grace periods. Waits uninterruptibly (the interrupt status is
     * kept); a reader that holds its section open delays the return for as long.
     *
     * @throws IllegalStateException if the calling thread is inside a read-side section of this domain
     */
    public void synchronize() {
        synchronize(SPIN_ROUNDS);
    }

    /**
     * {@link #synchronize()} that spins longer before it yields or parks ({@code synchronize_rcu_expedited}): a
     * shorter grace period when readers' sections are short, for more CPU.
     *
     * @throws IllegalStateException if the calling thread is inside a read-side section of this domain
     */
    public void synchronizeExpedited() {
        synchronize(EXPEDITED_SPIN_ROUNDS);
    }

    /**
     * The number of the last grace period that ended; grows by one per grace period.
     *
     * @return a grace-period count
     */
    public long completedGracePeriods() {
        return completed - 1;
    }

    /** The number of reader threads registered now (dead ones are dropped by the next grace period). */
    public int registeredReaders() {
        return readers.size();
    }

    @Override
    public String toString() {
        return "Rcu[" + name + ", " + readers.size() + " readers, " + completedGracePeriods() + " grace periods]";
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    private Reader register() {
        final Reader reader = new Reader(this, Thread.currentThread());
        readers.add(reader);
        return reader;
    }

    private void synchronize(int spinRounds) {
        final Reader self = local.get();
        if (self.nesting > 0) {
            throw new IllegalStateException("synchronize() inside a read-side section of RCU domain " + name
                    + " would wait for itself: call it after readUnlock(), or defer the work with a callback");
        }
        // fence: the caller's unpublishing before the look at gpSeq, so a grace period numbered above `entered`
        // (begun after it, its increment coherence-after our load) also covers the caller's stores
        VarHandle.fullFence();
        final long entered = gpSeq;
        List<Reader> stalled = null;
        gpMutex.lock();
        try {
            if (completed > entered) {
                return; // another caller's grace period began after we entered and has ended
            }
            final long gracePeriod = (long) GP_SEQ.getAndAdd(this, 1L) + 1; // full fence: unpublishing first
            for (Reader reader : readers) {
                if (!awaitReader(reader, gracePeriod, spinRounds)) {
                    if (stalled == null) {
                        stalled = new ArrayList<>(1);
                    }
                    stalled.add(reader);
                }
            }
            VarHandle.acquireFence(); // the readers' sections (their loads) before our return
            COMPLETED.setVolatile(this, gracePeriod);
        } finally {
            gpMutex.unlock();
        }
        if (stalled != null) {
            stalled.forEach(this::reportStall); // outside the mutex: the handler may use the domain
        }
    }

    /**
     * Waits until the reader is outside any section that began before grace period {@code gracePeriod}.
     *
     * @return false if its thread died inside such a section (the section is then treated as ended)
     */
    private boolean awaitReader(Reader reader, long gracePeriod, int spinRounds) {
        long parkNanos = 1_000L;
        for (int round = 0; ; round++) {
            final long snapshot = reader.snapshotOpaque();
            if (snapshot == 0 || snapshot >= gracePeriod) {
                if (snapshot == 0 && !reader.owner.isAlive()) {
                    readers.remove(reader); // a dead thread outside any section: forget it
                }
                return true;
            }
            if (!reader.owner.isAlive()) {
                // JLS 17.4.4: its last actions happen-before isAlive() returning false; the section never ends
                reader.abandon();
                readers.remove(reader);
                return false;
            }
            if (round < spinRounds) {
                Thread.onSpinWait();
            } else if (round < spinRounds + 16) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(this, parkNanos);
                parkNanos = Math.min(parkNanos * 2, MAX_PARK_NANOS);
            }
        }
    }

    private void reportStall(Reader reader) {
        final IllegalStateException stall = new IllegalStateException("thread " + reader.owner.getName()
                + " died inside a read-side section of RCU domain " + name + " (nesting " + reader.nesting
                + "): its section is treated as ended; every readLock() needs a readUnlock() in a finally block");
        final Thread current = Thread.currentThread();
        try {
            final Thread.UncaughtExceptionHandler handler =
                    stallHandler != null ? stallHandler : current.getUncaughtExceptionHandler();
            handler.uncaughtException(current, stall);
        } catch (Throwable ignored) {
            // the handler failed: the grace period goes on regardless
        }
    }

    /**
     * A thread's registered reader of one {@link Rcu} domain ({@code rcu_register_thread}): {@link #lock()} and
     * {@link #unlock()} are {@code rcu_read_lock} and {@code rcu_read_unlock} without a thread-local look-up. It
     * belongs to the thread that obtained it from {@link Rcu#reader()}.
     */
    public static final class Reader extends ReaderFields {

        Reader(Rcu domain, Thread owner) {
            super(domain, owner);
        }

        /**
         * Enters a read-side section; nestable.
         *
         * @throws IllegalStateException if called from a thread other than the reader's owner
         */
        public void lock() {
            if (Thread.currentThread() != owner) {
                throw notOwner("lock()");
            }
            if (nesting++ == 0) {
                SNAPSHOT.setOpaque(this, domain.gpSeq); // the grace period this section began in
                VarHandle.fullFence();                  // smp_mb(): visible before any protected load
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
                throw new IllegalStateException("readUnlock() without a matching readLock() in RCU domain "
                        + domain.name + " on thread " + owner.getName());
            }
            if (--nesting == 0) {
                SNAPSHOT.setRelease(this, 0L); // release: the section's loads before "ended"
            }
        }

        /** Whether the owner is inside a read-side section; for its own thread. */
        public boolean isLocked() {
            return nesting > 0;
        }

        /** The domain this reader belongs to. */
        public Rcu domain() {
            return domain;
        }

        long snapshotOpaque() {
            return (long) SNAPSHOT.getOpaque(this);
        }

        /** A dead owner's section, treated as ended. */
        void abandon() {
            SNAPSHOT.setRelease(this, 0L);
        }

        private IllegalStateException notOwner(String method) {
            return new IllegalStateException("Rcu.Reader." + method + " called from thread "
                    + Thread.currentThread().getName() + ", but the reader belongs to " + owner.getName()
                    + ": each thread gets its own from Rcu.reader()");
        }

        @Override
        public String toString() {
            return "Rcu.Reader[" + owner.getName() + ", nesting " + nesting + "]";
        }
    }

    // VarHandle mechanics
    private static final VarHandle GP_SEQ;
    private static final VarHandle COMPLETED;
    static final VarHandle SNAPSHOT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            GP_SEQ = lookup.findVarHandle(Rcu.class, "gpSeq", long.class);
            COMPLETED = lookup.findVarHandle(Rcu.class, "completed", long.class);
            SNAPSHOT = lookup.findVarHandle(ReaderFields.class, "snapshot", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

/** A reader's fields between pads: the owner writes them, grace periods read snapshot. */
abstract class ReaderPadBefore {
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

abstract class ReaderFields extends ReaderPadBefore {
    final Rcu domain;
    final Thread owner;
    /** Section depth; only the owner reads and writes it. */
    int nesting;
    /** gpSeq when the outermost section began, 0 outside sections; written by the owner, read by grace periods. */
    volatile long snapshot;
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;

    ReaderFields(Rcu domain, Thread owner) {
        this.domain = domain;
        this.owner = owner;
    }
}
