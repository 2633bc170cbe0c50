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
 * Concurrent callers share grace periods.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Grace period: if a read-side section began before {@code synchronize()} was called, {@code synchronize()}
 *   returns after that section's {@code readUnlock()}, and everything the section read happens-before the return,
 *   so a writer that then reclaims an object never pulls it from under a reader. A section that begins after
 *   the call may still be running when it returns: it cannot see what was unpublished before the call.</li>
 *   <li>Progress: read-side sections never block and never fail. A thread that dies inside a read-side section
 *   would stall grace periods for ever; {@code synchronize()} detects it, reports it as an
 *   {@link IllegalStateException} naming the thread to the domain's stall handler (by default the
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
public final class Rcu {

    /*
     * Implementation notes.
     *
     * State (GracePeriods, which readers reference instead of the Rcu, so that a dropped domain is collectable
     * although pool threads keep their thread-local Reader): a 64-bit grace-period counter gpSeq (starts at 1),
     * completed (the last grace period that ended), the registry of readers. Per reader thread, a Reader record
     * (its own padded cache lines) holding nesting (the owner's alone) and snapshot: the value of gpSeq when the
     * outermost section began, or 0 outside any section.
     *
     * Read side (liburcu's urcu-mb reader, with a 64-bit counter instead of a phase bit):
     *   outermost lock:   snapshot = gpSeq (volatile load); store snapshot (release); fullFence
     *   outermost unlock: store snapshot = 0 (release)
     *   nested:           nesting++ / nesting-- only
     * The fence after the store is smp_mb(): the section's loads of protected data come after the snapshot is
     * visible. The release stores pair with the grace period's acquire fence after it read them.
     *
     * Grace period n (synchronize): under the domain's mutex, n = gpSeq + 1 by getAndAdd, then a full fence
     * (smp_mb() after the gp_seq increment: a volatile read-modify-write is not a full fence for later opaque
     * loads on every platform), then for each registered reader wait while its snapshot is neither 0 nor >= n
     * (opaque loads), then an acquire fence and completed = n.
     *
     * Why one counter step per grace period suffices (liburcu needs two phase flips because its phase is one
     * bit). A reader that loaded gpSeq = m < n before the increment but stored its snapshot after the scan passed
     * it is the store-buffering shape with fences on both sides (grace period: increment; fence; load snapshot =
     * 0. Reader: store snapshot; fence; load pointer), so the reader loads the new pointer and is safe for grace
     * period n. Its snapshot m < n + 1 is still "before" for every later grace period, which waits for it: with
     * 64 bits the comparison never aliases (a phase bit would, hence liburcu's second flip).
     *
     * Shared grace periods: a caller fences, reads gpSeq = g, and takes the mutex; if completed > g by then,
     * grace period g + 1 or later began after its read (its increment is coherence-after the read) and ended, and
     * with the fences of the caller (before its read) and of that grace period (after its increment) its scan
     * covers the caller's unpublishing: the caller returns without a grace period of its own.
     *
     * Waiting for a reader: spin a little (expedited: longer), then yield, then park for growing times up to 1 ms
     * (there is no wake-up from readUnlock, so the read side stays two stores and a fence). In the yield and park
     * phases it checks that the reader's thread is alive; a dead thread's snapshot is read again after
     * isAlive() returned false (JLS 17.4.4: the thread's last actions happen-before), and only a section still
     * open then is reported. A caller's interrupt is cleared while it parks (park would return at once) and set
     * again on return.
     *
     * Registry: a CopyOnWriteArrayList, read lock-free by scans. Readers of dead threads are removed in one pass
     * after a scan, and on registration whenever the registry has doubled since the last pruning.
     */

    /** How long a grace period waits between looks at a reader that is still in its section, at most. */
    private static final long MAX_PARK_NANOS = 1_000_000L;
    private static final int SPIN_ROUNDS = 64;
    private static final int EXPEDITED_SPIN_ROUNDS = 4_096;
    private static final int YIELD_ROUNDS = 16;

    private static final Rcu SHARED = new Rcu("shared");

    private final GracePeriods state;
    private final ThreadLocal<Reader> local = new ThreadLocal<>();

    /**
     * Creates a domain whose stall reports (a reader thread that died in its section) go to the
     * {@link Thread.UncaughtExceptionHandler} of the thread running the grace period.
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
     * @param stallHandler where a reader thread that died inside its section is reported (with that thread), or
     *                     null for the handler of the thread running the grace period
     */
    public Rcu(String name, Thread.UncaughtExceptionHandler stallHandler) {
        this.state = new GracePeriods(Objects.requireNonNull(name, "name"), stallHandler);
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
            reader = state.register(Thread.currentThread());
            local.set(reader);
        }
        return reader;
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
     * The number of grace periods that have ended; grows by one per grace period.
     *
     * @return a grace-period count
     */
    public long completedGracePeriods() {
        return state.completed - 1;
    }

    /**
     * The number of reader records registered now. Records of dead threads are dropped after the next grace
     * period that scans them, and when registrations have doubled the registry.
     */
    public int registeredReaders() {
        return state.readers.size();
    }

    @Override
    public String toString() {
        return "Rcu[" + state.name + ", " + state.readers.size() + " readers, " + completedGracePeriods()
                + " grace periods]";
    }

    private void synchronize(int spinRounds) {
        final Reader self = local.get();
        if (self != null && self.nesting > 0) {
            throw new IllegalStateException("synchronize() inside a read-side section of RCU domain " + state.name
                    + " would wait for itself: call it after readUnlock()");
        }
        state.synchronize(spinRounds);
    }

    /**
     * A domain's grace-period machinery and registry; what readers point to (not the Rcu, whose thread-local they
     * are the values of).
     */
    static final class GracePeriods {
        final String name;
        private final Thread.UncaughtExceptionHandler stallHandler;
        private final Mutex gpMutex = new Mutex();
        final List<Reader> readers = new CopyOnWriteArrayList<>();
        /** Registry size after the last pruning; a heuristic, so a racy update only moves the next pruning. */
        private int prunedAtSize = 1;
        volatile long gpSeq = 1L;
        volatile long completed = 1L;

        GracePeriods(String name, Thread.UncaughtExceptionHandler stallHandler) {
            this.name = name;
            this.stallHandler = stallHandler;
        }

        Reader register(Thread owner) {
            final Reader reader = new Reader(this, owner);
            readers.add(reader);
            final int size = readers.size();
            if (size >= 2 * prunedAtSize) {
                readers.removeIf(r -> !r.owner.isAlive() && r.snapshotOpaque() == 0); // amortised: on doubling
                prunedAtSize = Math.max(1, readers.size());
            }
            return reader;
        }

        IllegalStateException unbalanced(String method, String matching, Thread thread) {
            return new IllegalStateException(method + " without a matching " + matching + " in RCU domain " + name
                    + " on thread " + thread.getName());
        }

        void synchronize(int spinRounds) {
            // fence: the caller's unpublishing before its look at gpSeq (see the notes on shared grace periods)
            VarHandle.fullFence();
            final long entered = gpSeq;
            List<Reader> stalled = null;
            boolean interrupted = false;
            boolean prune = false;
            gpMutex.lock();
            try {
                if (completed > entered) {
                    return; // another caller's grace period began after we entered and has ended
                }
                final long gracePeriod = (long) GP_SEQ.getAndAdd(this, 1L) + 1;
                VarHandle.fullFence(); // smp_mb() after the increment, before the scan's loads
                for (Reader reader : readers) {
                    final int outcome = awaitReader(reader, gracePeriod, spinRounds);
                    interrupted |= (outcome & INTERRUPTED) != 0;
                    prune |= (outcome & DEAD) != 0;
                    if ((outcome & STALLED) != 0) {
                        if (stalled == null) {
                            stalled = new ArrayList<>(1);
                        }
                        stalled.add(reader);
                    }
                }
                if (prune) {
                    readers.removeIf(r -> !r.owner.isAlive() && r.snapshotOpaque() == 0);
                }
                VarHandle.acquireFence(); // the readers' sections (their loads) before our return
                COMPLETED.setVolatile(this, gracePeriod);
            } finally {
                gpMutex.unlock();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (stalled != null) {
                stalled.forEach(this::reportStall); // outside the mutex: the handler may use the domain
            }
        }

        private static final int DEAD = 1;
        private static final int STALLED = 2;
        private static final int INTERRUPTED = 4;

        /**
         * Waits until the reader is outside any section that began before grace period {@code gracePeriod}.
         *
         * @return flags: DEAD (its thread is dead: prune it), STALLED (it died inside such a section, which is now
         * treated as ended), INTERRUPTED (the caller's interrupt status was cleared to park)
         */
        private int awaitReader(Reader reader, long gracePeriod, int spinRounds) {
            long parkNanos = 1_000L;
            int flags = 0;
            for (int round = 0; ; round++) {
                final long snapshot = reader.snapshotOpaque();
                if (snapshot == 0 || snapshot >= gracePeriod) {
                    if (snapshot == 0 && round == 0 && !reader.owner.isAlive()) {
                        flags |= DEAD; // a dead thread outside any section: prune its record
                    }
                    return flags;
                }
                if (round < spinRounds) {
                    Thread.onSpinWait();
                    continue;
                }
                if (!reader.owner.isAlive()) {
                    // JLS 17.4.4: the thread's last actions happen-before isAlive() returning false; look again
                    final long last = reader.snapshotOpaque();
                    if (last == 0 || last >= gracePeriod) {
                        return flags | DEAD; // it left its section before it died
                    }
                    reader.abandon();
                    return flags | DEAD | STALLED;
                }
                if (round < spinRounds + YIELD_ROUNDS) {
                    Thread.yield();
                } else {
                    if (Thread.interrupted()) {
                        flags |= INTERRUPTED; // park would return at once: a busy loop
                    }
                    LockSupport.parkNanos(this, parkNanos);
                    parkNanos = Math.min(parkNanos * 2, MAX_PARK_NANOS);
                }
            }
        }

        private void reportStall(Reader reader) {
            final IllegalStateException stall = new IllegalStateException("thread " + reader.owner.getName()
                    + " died inside a read-side section of RCU domain " + name + " (nesting " + reader.nesting
                    + "): its section is treated as ended; every readLock() needs its readUnlock() in a finally");
            try {
                // a terminated thread has dropped its own handler: the grace period's caller reports it
                final Thread.UncaughtExceptionHandler handler =
                        stallHandler != null ? stallHandler : Thread.currentThread().getUncaughtExceptionHandler();
                handler.uncaughtException(reader.owner, stall);
            } catch (RuntimeException ignored) {
                // the handler failed: the grace period has ended regardless
            }
        }
    }

    /**
     * A thread's registered reader of one {@link Rcu} domain ({@code rcu_register_thread}): {@link #lock()} and
     * {@link #unlock()} are {@code rcu_read_lock} and {@code rcu_read_unlock} without a thread-local look-up. It
     * belongs to the thread that obtained it from {@link Rcu#reader()}.
     */
    public static final class Reader extends ReaderFields {

        Reader(GracePeriods domain, Thread owner) {
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
    private static final VarHandle SNAPSHOT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            GP_SEQ = lookup.findVarHandle(GracePeriods.class, "gpSeq", long.class);
            COMPLETED = lookup.findVarHandle(GracePeriods.class, "completed", long.class);
            SNAPSHOT = lookup.findVarHandle(ReaderFields.class, "snapshot", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

/** Padding before a reader's fields: the owner writes them, grace periods read the snapshot. */
abstract class ReaderPadBefore {
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** A reader's fields, then padding after them. */
abstract class ReaderFields extends ReaderPadBefore {
    final Rcu.GracePeriods domain;
    final Thread owner;
    /** Section depth; only the owner reads and writes it. */
    int nesting;
    /** gpSeq when the outermost section began, 0 outside sections; written by the owner, read by grace periods. */
    volatile long snapshot;
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;

    ReaderFields(Rcu.GracePeriods domain, Thread owner) {
        this.domain = domain;
        this.owner = owner;
    }
}
