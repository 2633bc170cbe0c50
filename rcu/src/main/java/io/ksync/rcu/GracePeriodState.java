package io.ksync.rcu;

import io.ksync.lock.Mutex;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A domain's grace-period machinery, shared by the three flavours: the grace-period counters, the registry of
 * reader records, the scan that waits for them, stall detection and reporting, and the callback queue. Records
 * and the callback thread point here, never to the public domain object, whose thread-local their records are
 * the values of: a domain nobody references can be collected although pool threads keep their records.
 *
 * <p>Implementation notes.
 *
 * <p>Counters: {@code gpSeq}, the number of the latest grace period begun (starts at 1), and {@code completed},
 * the latest one ended. Both grow by one per grace period, under {@code gpMutex}; readers and pollers read them.
 *
 * <p>A grace period (synchronize): the caller fences, reads {@code gpSeq = g} and takes the mutex; if
 * {@code completed > g} by then, a grace period that began after its read (its increment is coherence-after the
 * read) has ended, and with the caller's fence before its read and that grace period's fence after its increment,
 * its scan covered everything the caller unpublished: the caller shares it and returns. Otherwise it runs one:
 * epoch flavours (Rcu, QsbrRcu) increment {@code gpSeq} to {@code n}, fence (smp_mb() after the increment: a
 * volatile read-modify-write is not a full fence for later opaque loads everywhere), and wait until no record
 * holds up {@code n}; SRCU first waits for the counter index the flip is about to activate (readers that loaded
 * the index before the previous flip and incremented after it), then increments, fences and waits for the index
 * that was active. Then an acquire fence (the readers' sections, seen ended through opaque loads, before our
 * return) and {@code completed = n} (volatile).
 *
 * <p>Waiting for a record: spin (expedited: longer), yield, then park for growing times up to 1 ms (the read side
 * never wakes anybody, so it stays a few stores and a fence). Past the spin phase the owner's liveness is
 * checked; a dead owner's record is read again after isAlive() returned false (JLS 17.4.4: the thread's last
 * actions happen-before), and only a section still open then is reported as a stall and treated as ended. A
 * caller's interrupt is cleared while it parks and set again on return.
 *
 * <p>Registry: a CopyOnWriteArrayList read lock-free by scans. Records of dead threads are removed after a scan
 * found one, and on registration whenever the registry has doubled since the last pruning.
 */
final class GracePeriodState {

    static final int SPIN_ROUNDS = 64;
    static final int EXPEDITED_SPIN_ROUNDS = 4_096;
    private static final int YIELD_ROUNDS = 16;
    private static final long MAX_PARK_NANOS = 1_000_000L;

    private static final int DEAD = 1;
    private static final int STALLED = 2;
    private static final int INTERRUPTED = 4;

    final String name;
    private final Thread.UncaughtExceptionHandler errorHandler;
    /** SRCU: records are held up by a counter index, and a grace period waits for both indices. */
    private final boolean indexed;
    private final Mutex gpMutex = new Mutex();
    final List<GracePeriodRecord> readers = new CopyOnWriteArrayList<>();
    final RcuCallbacks callbacks;
    /** Registry size after the last pruning; a heuristic, so a racy update only moves the next pruning. */
    private int prunedAtSize = 1;
    /** Scan results, under gpMutex. */
    private int scanFlags;
    private List<GracePeriodRecord> stalled;
    volatile long gpSeq = 1L;
    volatile long completed = 1L;
    /**
     * Test-only: grace periods that wait for no reader, to show that the torture test detects a broken RCU.
     * Package-private; nothing outside the tests of this package can set it.
     */
    volatile boolean brokenForTesting;

    GracePeriodState(String name, RcuDomain.Options options, boolean indexed) {
        this.name = name;
        this.errorHandler = options.errorHandler;
        this.indexed = indexed;
        this.callbacks = new RcuCallbacks(this, options);
    }

    <R extends GracePeriodRecord> R register(R record) {
        readers.add(record);
        final int size = readers.size();
        if (size >= 2 * prunedAtSize) {
            pruneDeadReaders(); // amortised: on doubling
            prunedAtSize = Math.max(1, readers.size());
        }
        return record;
    }

    void unregister(GracePeriodRecord record) {
        readers.remove(record);
    }

    private void pruneDeadReaders() {
        readers.removeIf(r -> !r.owner.isAlive() && !r.holdsUpAnything());
    }

    IllegalStateException unbalanced(String method, String matching, Thread thread) {
        return new IllegalStateException(method + " without a matching " + matching + " in RCU domain " + name
                + " on thread " + thread.getName());
    }

    /** A cookie for {@link #isCompleted(long)}: the first grace period that begins after this call. */
    long cookie() {
        VarHandle.fullFence(); // the caller's unpublishing before its look at gpSeq, as in synchronize()
        return gpSeq + 1;
    }

    boolean isCompleted(long cookie) {
        return completed >= cookie;
    }

    /**
     * Waits for a grace period (see the class notes), sharing one that began after the call.
     *
     * @param spinRounds how long to spin on a record before yielding and parking
     */
    void synchronize(int spinRounds) {
        final long cookie = cookie();
        List<GracePeriodRecord> stalledNow = null;
        gpMutex.lock();
        try {
            if (completed >= cookie) {
                return; // a grace period that began after we entered has ended
            }
            scanFlags = 0;
            final long gracePeriod;
            if (brokenForTesting) {
                gracePeriod = advance();
            } else if (indexed) {
                awaitAll((gpSeq + 1) & 1, spinRounds); // stragglers on the index the flip activates
                gracePeriod = advance();
                awaitAll((gracePeriod - 1) & 1, spinRounds); // the index that was active
            } else {
                gracePeriod = advance();
                awaitAll(gracePeriod, spinRounds);
            }
            if ((scanFlags & DEAD) != 0) {
                pruneDeadReaders();
            }
            VarHandle.acquireFence(); // the readers' sections (their loads) before our return
            COMPLETED.setVolatile(this, gracePeriod);
            stalledNow = stalled;
            stalled = null;
        } finally {
            gpMutex.unlock();
            if ((scanFlags & INTERRUPTED) != 0) {
                Thread.currentThread().interrupt();
            }
        }
        if (stalledNow != null) {
            stalledNow.forEach(this::reportStall); // outside the mutex: the handler may use the domain
        }
    }

    private long advance() {
        final long gracePeriod = (long) GP_SEQ.getAndAdd(this, 1L) + 1;
        VarHandle.fullFence(); // smp_mb() after the increment, before the scan's loads
        return gracePeriod;
    }

    private void awaitAll(long target, int spinRounds) {
        for (GracePeriodRecord record : readers) {
            awaitRecord(record, target, spinRounds);
        }
    }

    /** Waits until the record no longer holds up {@code target}; records DEAD, STALLED, INTERRUPTED. */
    private void awaitRecord(GracePeriodRecord record, long target, int spinRounds) {
        long parkNanos = 1_000L;
        for (int round = 0; ; round++) {
            if (!record.holdsUp(target)) {
                if (round == 0 && !record.owner.isAlive() && !record.holdsUpAnything()) {
                    scanFlags |= DEAD; // a dead thread outside any section: prune its record
                }
                return;
            }
            if (round < spinRounds) {
                Thread.onSpinWait();
                continue;
            }
            if (!record.owner.isAlive()) {
                // JLS 17.4.4: the thread's last actions happen-before isAlive() returning false; look again
                scanFlags |= DEAD;
                if (record.holdsUp(target)) {
                    record.abandon();
                    if (stalled == null) {
                        stalled = new ArrayList<>(1);
                    }
                    stalled.add(record);
                }
                return;
            }
            if (round < spinRounds + YIELD_ROUNDS) {
                Thread.yield();
            } else {
                if (Thread.interrupted()) {
                    scanFlags |= INTERRUPTED; // park would return at once: a busy loop
                }
                LockSupport.parkNanos(this, parkNanos);
                parkNanos = Math.min(parkNanos * 2, MAX_PARK_NANOS);
            }
        }
    }

    private void reportStall(GracePeriodRecord record) {
        // a terminated thread has dropped its own handler: the grace period's caller reports it
        report(record.owner, new IllegalStateException("thread " + record.owner.getName()
                + " died inside a read-side section of RCU domain " + name + " (" + record.sectionState()
                + "): its section is treated as ended; every read-side lock needs its unlock in a finally"));
    }

    /**
     * Reports a failure to the domain's error handler, or by default to the calling thread's handler; a failing
     * handler is ignored, so the caller (a grace period, the callback thread) goes on.
     */
    void report(Thread subject, Throwable failure) {
        try {
            final Thread.UncaughtExceptionHandler handler =
                    errorHandler != null ? errorHandler : Thread.currentThread().getUncaughtExceptionHandler();
            handler.uncaughtException(subject, failure);
        } catch (Throwable ignored) {
            // the handler failed too: the grace period or the callback batch goes on regardless
        }
    }

    private static final VarHandle GP_SEQ;
    private static final VarHandle COMPLETED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            GP_SEQ = lookup.findVarHandle(GracePeriodState.class, "gpSeq", long.class);
            COMPLETED = lookup.findVarHandle(GracePeriodState.class, "completed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
