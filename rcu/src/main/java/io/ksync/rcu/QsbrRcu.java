package io.ksync.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Quiescent-state-based RCU (liburcu's {@code urcu-qsbr}: {@code rcu_register_thread},
 * {@code rcu_quiescent_state}, {@code rcu_thread_offline}, {@code rcu_thread_online},
 * {@code rcu_unregister_thread}): reads cost nothing at all, because a registered thread is by definition inside
 * a read-side section whenever it is online, except at the points where it reports a quiescent state.
 *
 * <p>For event loops and worker threads that process units of work: {@link #register()} the thread once, read
 * RCU-protected data freely, call {@link Reader#quiescentState()} between units of work (where the thread holds
 * no reference to protected data), and go {@link Reader#offline()} around anything that blocks for long (an
 * offline thread holds up no grace period and must not read protected data). A grace period waits only for
 * threads that are online and have not passed a quiescent state since it began. Threads that never registered
 * must not read data protected by this domain.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Grace period: {@link #synchronize()} returns after every online registered thread has reported a quiescent
 *   state, gone offline or unregistered since the call began; everything those threads read before doing so
 *   happens-before the return. A registered, online thread that calls {@code synchronize()} or {@code barrier()}
 *   is taken offline for the wait and back online after it (as liburcu does): it must not hold references to
 *   protected data across the call. An online thread is never made to wait in {@code call()} or {@code retire()}
 *   (liburcu's {@code call_rcu} never blocks): it may exceed the callback limit.</li>
 *   <li>Progress: an online thread that never reports a quiescent state stalls grace periods for as long; that is
 *   the contract of this flavour. A registered thread that dies online is detected, reported as an
 *   {@link IllegalStateException} to the domain's error handler, and treated as offline.</li>
 *   <li>Misuse: each {@link Reader} belongs to its thread; {@code quiescentState()} while offline, {@code online()}
 *   while online, {@code offline()} while offline, and quiescent states or going offline inside an explicit
 *   {@link Reader#readLock()} throw {@link IllegalStateException}. The optional {@code readLock()} /
 *   {@code readUnlock()} pair only marks a stretch where quiescent states are forbidden, and lets
 *   {@code synchronize()} refuse to run inside it.</li>
 * </ul>
 *
 * <pre>{@code
 * QsbrRcu rcu = new QsbrRcu("event-loop");
 * // on each event-loop thread
 * QsbrRcu.Reader reader = rcu.register();
 * try {
 *     while (running) {
 *         Event e = poll();                    // offline around a long blocking poll, if any
 *         handle(e, routes.dereference());     // reads: no cost
 *         reader.quiescentState();             // between units of work
 *     }
 * } finally {
 *     rcu.unregister();
 * }
 * }</pre>
 */
public final class QsbrRcu extends RcuDomain {

    /*
     * Implementation notes.
     *
     * Per registered thread, a padded Reader record with ctr: 0 while offline, otherwise the value of gpSeq at the
     * thread's last quiescent state (or going online). It holds up grace period n while ctr is neither 0 nor >= n:
     * the same test, scan and stall handling as Rcu's snapshot (GracePeriodState).
     *
     *   quiescentState: gp = gpSeq (volatile load); if ctr == gp return (no grace period began since our last
     *                   report: nobody waits for us); else store ctr = gp (release: the reads before it come
     *                   before the report)
     *   offline:        store ctr = 0 (release)
     *   online:         store ctr = gpSeq (release); fullFence
     * The fence after a quiescent state's store is needed although the thread loaded gpSeq >= n, which would give
     * the writer that incremented gpSeq to n a happens-before edge to the reads after the report: a writer that
     * shares grace period n (it read gpSeq = n - 1 and found n completed) is ordered before the increment only by
     * coherence, and without the fence the reader's later load may still see the version that writer unpublished
     * (the read-write-causality shape; forbidden on multi-copy-atomic x86 and ARMv8, allowed by the JMM and POWER).
     * The fence is on the slow path only: once per grace period and thread.
     * So a read costs nothing, and a quiescent state one load and a compare when no grace period began since the
     * last, and a store and a fence when one did.
     */

    private final ThreadLocal<Reader> local = new ThreadLocal<>();

    /**
     * Creates a domain with default {@linkplain RcuDomain.Options options}.
     *
     * @param name a name for messages and the callback thread
     */
    public QsbrRcu(String name) {
        this(name, options());
    }

    /**
     * Creates a domain.
     *
     * @param name    a name for messages and the callback thread
     * @param options error handler, callback limit, callback thread; copied
     */
    public QsbrRcu(String name, Options options) {
        super(name, options, false);
    }

    /**
     * Registers the calling thread, online ({@code rcu_register_thread}), or returns its reader if it is already
     * registered.
     *
     * @return the calling thread's reader
     */
    public Reader register() {
        Reader reader = local.get();
        if (reader == null) {
            reader = state.register(new Reader(state, Thread.currentThread()));
            reader.goOnline(); // after the registration: its fence orders both before the thread's reads
            local.set(reader);
        }
        return reader;
    }

    /**
     * Unregisters the calling thread ({@code rcu_unregister_thread}): it goes offline and its record is dropped;
     * its {@link Reader} can no longer be used. Does nothing if the thread is not registered.
     *
     * @throws IllegalStateException if the thread is inside {@link Reader#readLock()}
     */
    public void unregister() {
        final Reader reader = local.get();
        if (reader == null) {
            return;
        }
        reader.checkNoSection("unregister()");
        if (reader.isOnline()) {
            reader.offline();
        }
        reader.registered = false;
        state.unregister(reader);
        local.remove();
    }

    /**
     * The calling thread's reader, or null if it is not registered.
     *
     * @return the reader or null
     */
    public Reader reader() {
        return local.get();
    }

    /**
     * {@link Reader#quiescentState()} for the calling thread, with a thread-local look-up.
     *
     * @throws IllegalStateException if the thread is not registered, or offline
     */
    public void quiescentState() {
        registered("quiescentState()").quiescentState();
    }

    /**
     * {@link Reader#offline()} for the calling thread.
     *
     * @throws IllegalStateException if the thread is not registered, or offline already
     */
    public void offline() {
        registered("offline()").offline();
    }

    /**
     * {@link Reader#online()} for the calling thread.
     *
     * @throws IllegalStateException if the thread is not registered, or online already
     */
    public void online() {
        registered("online()").online();
    }

    private Reader registered(String method) {
        final Reader reader = local.get();
        if (reader == null) {
            throw new IllegalStateException(method + " on thread " + Thread.currentThread().getName()
                    + ", which is not registered with QSBR domain " + state.name + ": call register() first");
        }
        return reader;
    }

    @Override
    public boolean isReadSectionHeld() {
        final Reader reader = local.get();
        return reader != null && reader.isOnline();
    }

    @Override
    boolean inReadSection() {
        final Reader reader = local.get();
        return reader != null && reader.nesting > 0;
    }

    @Override
    Object enterBlocking() {
        final Reader reader = local.get();
        if (reader != null && reader.isOnline()) {
            reader.offline();
            return reader;
        }
        return null;
    }

    @Override
    void exitBlocking(Object token) {
        if (token != null) {
            ((Reader) token).online();
        }
    }

    /**
     * A registered thread's record in a {@link QsbrRcu} domain, used by that thread only.
     */
    public static final class Reader extends QsbrReaderFields {

        Reader(GracePeriodState domain, Thread owner) {
            super(domain, owner);
        }

        /**
         * Reports a quiescent state ({@code rcu_quiescent_state}): the thread holds no reference to data protected
         * by the domain obtained before this call. Costs one load unless a grace period waits for this thread.
         *
         * @throws IllegalStateException if offline, inside {@link #readLock()}, or called from another thread
         */
        public void quiescentState() {
            checkOwner("quiescentState()");
            checkNoSection("quiescentState()");
            final long gracePeriod = domain.gpSeq; // volatile load: acquire
            final long ctr = (long) CTR.get(this); // our own field: a plain load
            if (ctr == gracePeriod) {
                return; // no grace period began since our last report
            }
            if (ctr == 0) {
                throw new IllegalStateException("quiescentState() while offline in QSBR domain " + domain.name
                        + ": call online() first");
            }
            CTR.setRelease(this, gracePeriod); // release: the reads before the report come before it
            VarHandle.fullFence();             // smp_mb(): the report before the reads after it (see the notes)
        }

        /**
         * Goes offline ({@code rcu_thread_offline}), before blocking: grace periods stop waiting for this thread,
         * which must not read protected data until {@link #online()}.
         *
         * @throws IllegalStateException if already offline, inside {@link #readLock()}, or from another thread
         */
        public void offline() {
            checkOwner("offline()");
            if ((long) CTR.get(this) == 0) {
                throw new IllegalStateException("offline() while already offline in QSBR domain " + domain.name);
            }
            checkNoSection("offline()");
            CTR.setRelease(this, 0L); // release: the reads before it come before "offline"
        }

        /**
         * Comes back online ({@code rcu_thread_online}) after {@link #offline()}; the thread may read again.
         *
         * @throws IllegalStateException if already online, unregistered, or called from another thread
         */
        public void online() {
            checkOwner("online()");
            if (!registered) {
                throw new IllegalStateException("online() on a reader unregistered from QSBR domain " + domain.name
                        + ": call register() again for a new one");
            }
            if ((long) CTR.get(this) != 0) {
                throw new IllegalStateException("online() while already online in QSBR domain " + domain.name);
            }
            goOnline();
        }

        void goOnline() {
            CTR.setRelease(this, domain.gpSeq);
            VarHandle.fullFence(); // smp_mb(): online before the reads that follow
        }

        /** Whether the thread is online (registered and not offline). */
        public boolean isOnline() {
            return (long) CTR.getOpaque(this) != 0;
        }

        /**
         * Marks the start of a stretch in which quiescent states, going offline and {@code synchronize()} are
         * refused ({@code rcu_read_lock}, a no-op for reading in this flavour); nestable.
         *
         * @throws IllegalStateException if offline or called from another thread
         */
        public void readLock() {
            checkOwner("readLock()");
            if ((long) CTR.get(this) == 0) {
                throw new IllegalStateException("readLock() while offline in QSBR domain " + domain.name
                        + ": an offline thread must not read protected data; call online() first");
            }
            nesting++;
        }

        /**
         * Ends a {@link #readLock()} stretch.
         *
         * @throws IllegalStateException without a matching readLock(), or from another thread
         */
        public void readUnlock() {
            checkOwner("readUnlock()");
            if (nesting == 0) {
                throw domain.unbalanced("QsbrRcu.Reader.readUnlock()", "readLock()", owner);
            }
            nesting--;
        }

        void checkNoSection(String method) {
            if (nesting > 0) {
                throw new IllegalStateException(method + " inside readLock() (nesting " + nesting
                        + ") in QSBR domain " + domain.name + ": call readUnlock() first");
            }
        }

        private void checkOwner(String method) {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("QsbrRcu.Reader." + method + " called from thread "
                        + Thread.currentThread().getName() + ", but the reader belongs to " + owner.getName()
                        + ": each thread registers its own");
            }
        }

        @Override
        boolean holdsUp(long gracePeriod) {
            final long ctr = (long) CTR.getOpaque(this);
            return ctr != 0 && ctr < gracePeriod;
        }

        @Override
        boolean holdsUpAnything() {
            return (long) CTR.getOpaque(this) != 0;
        }

        @Override
        void abandon() {
            nesting = 0;
            CTR.setRelease(this, 0L); // offline: a callback thread left so must call online() to read again
        }

        @Override
        String sectionState() {
            return "online, readLock nesting " + nesting;
        }

        @Override
        String exitAdvice() {
            return "a registered thread goes offline() or unregister()s before it blocks for long or ends";
        }

        @Override
        public String toString() {
            return "QsbrRcu.Reader[" + owner.getName() + (isOnline() ? ", online" : ", offline") + "]";
        }
    }

    private static final VarHandle CTR;

    static {
        try {
            CTR = MethodHandles.lookup().findVarHandle(QsbrReaderFields.class, "ctr", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

/** A QSBR reader's fields, then padding after them. */
abstract class QsbrReaderFields extends GracePeriodRecord {
    /** 0 offline, else gpSeq at the last quiescent state; written by the owner, read by grace periods. */
    volatile long ctr;
    /** readLock() depth; the owner's alone. */
    int nesting;
    /** False once unregistered; the owner's alone. */
    boolean registered = true;
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;

    QsbrReaderFields(GracePeriodState domain, Thread owner) {
        super(domain, owner);
    }
}
