package io.ksync.rcu;

import io.ksync.lock.Mutex;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A domain's grace-period machinery, shared by the three flavours: the grace-period counters, the registry of
 * reader records, the scan that waits for them, stall detection and reporting, and the callback queue. Records
 * and the callback thread point here, never to the public domain object, whose thread-local their records are
 * the values of: a domain nobody references can be collected although pool threads keep their records.
 *
 * <p>Implementation notes.
 *
 * <p>Counters: {@code gpSeq}, the number of the latest grace period begun (starts at 1; for SRCU, flipped),
 * {@code startedSeq} (SRCU only: begun, before the flip), and {@code completed}, the latest one ended. Each grows
 * by one per grace period, under {@code gpMutex}; readers and pollers read them.
 *
 * <p>A grace period (synchronize): the caller fences, reads the count of grace periods begun, {@code g} (gpSeq,
 * or startedSeq for SRCU), and takes the mutex; if {@code completed > g} by then, a grace period that began after
 * its read (its increment is coherence-after the read) has ended, and with the caller's fence before its read and
 * that grace period's fence after its increment, its scans covered everything the caller unpublished: the caller
 * shares it and returns. Polled cookies are the same {@code g + 1}. Otherwise it runs one:
 * epoch flavours (Rcu, QsbrRcu) increment {@code gpSeq} to {@code n}, fence (smp_mb() after the increment: a
 * volatile read-modify-write is not a full fence for later opaque loads everywhere), and wait until no record
 * holds up {@code n}; SRCU increments startedSeq and fences, waits for the counter index the flip is about to
 * activate (readers that loaded the index before the previous flip and incremented after it), then flips
 * (increments gpSeq), fences and waits for the index that was active. Then an acquire fence (the readers'
 * sections, seen ended through opaque loads, before our return) and {@code completed = n} (volatile).
 *
 * <p>Waiting for a record: spin (expedited: longer), yield, then park for growing times up to 1 ms (the read side
 * never wakes anybody, so it stays a few stores and a fence). Past the spin phase the owner's liveness is
 * checked; a dead owner's record is read again after isAlive() returned false (JLS 17.4.4: the thread's last
 * actions happen-before), and only a section still open then is reported and treated as ended. A record of the
 * scanning thread itself (a callback that left its section open: other callers are refused before) is reported
 * and treated as ended at once. A live reader that holds a grace period up for the stall timeout is reported
 * (again at twice, four times... the timeout) from a reporter thread, and waited for. Scan results (dead
 * records, abandoned ones, the caller's cleared interrupt) are per call, in a Scan object. A caller's interrupt
 * is cleared while it parks and set again on return.
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
    private static final int INTERRUPTED = 2;

    final String name;
    private final Thread.UncaughtExceptionHandler errorHandler;
    /** SRCU: records are held up by a counter index, and a grace period waits for both indices. */
    private final boolean indexed;
    /**
     * The stall timeout: how long a throttled call() waits at the callback limit (unless strict), and, for Rcu
     * and QsbrRcu, how long a grace period waits for one live reader before it reports a stall.
     */
    final long stallTimeoutNanos;
    /**
     * How long a grace period waits for one live reader before it reports a stall (and goes on waiting):
     * the stall timeout, except for an Srcu whose options did not set one, whose readers may block at will:
     * Long.MAX_VALUE, never.
     */
    private final long stallWarningNanos;
    private final Mutex gpMutex = new Mutex();
    final List<GracePeriodRecord> readers = new CopyOnWriteArrayList<>();
    final RcuCallbacks callbacks;
    /** Registry size after the last pruning; a heuristic, so a racy update only moves the next pruning. */
    private int prunedAtSize = 1;
    volatile long gpSeq = 1L;
    /** SRCU: the latest grace period begun (before its flip); equal to gpSeq outside grace periods. */
    volatile long startedSeq = 1L;
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
        this.stallTimeoutNanos = options.stallTimeoutNanos;
        this.stallWarningNanos = indexed && !options.stallTimeoutSet ? Long.MAX_VALUE : options.stallTimeoutNanos;
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

    /** The wait before a stall warning (Long.MAX_VALUE: none); for tests. */
    long stallWarningNanos() {
        return stallWarningNanos;
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

    /**
     * A cookie for {@link #isCompleted(long)}: the number of the first grace period that begins after this call.
     * A grace period begins with the increment of {@code startedSeq} under the mutex (for epoch flavours that is
     * gpSeq's increment; SRCU's grace period begins before its flip, with its first scan, so it counts starts
     * apart from flips: else a caller that read gpSeq during a first scan would share a grace period whose scan
     * ran before its call, the reason classic SRCU waited for two counter advances).
     */
    long cookie() {
        VarHandle.fullFence(); // the caller's unpublishing before its look at the counter, as in synchronize()
        return (indexed ? startedSeq : gpSeq) + 1;
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
        final Scan scan;
        gpMutex.lock();
        try {
            if (completed >= cookie) {
                return; // a grace period that began after we entered has ended
            }
            scan = new Scan(spinRounds);
            final long gracePeriod;
            if (indexed) {
                gracePeriod = (long) STARTED_SEQ.getAndAdd(this, 1L) + 1;
                VarHandle.fullFence(); // started before the first scan's loads
                if (!brokenForTesting) {
                    awaitAll((gpSeq + 1) & 1, scan); // stragglers on the index the flip activates
                }
                advance(); // the flip: gpSeq = gracePeriod (both count grace periods, under the mutex)
                if (!brokenForTesting) {
                    awaitAll((gracePeriod - 1) & 1, scan); // the index that was active
                }
            } else {
                gracePeriod = advance();
                if (!brokenForTesting) {
                    awaitAll(gracePeriod, scan);
                }
            }
            if ((scan.flags & DEAD) != 0) {
                pruneDeadReaders();
            }
            VarHandle.acquireFence(); // the readers' sections (their loads) before our return
            COMPLETED.setVolatile(this, gracePeriod);
        } finally {
            gpMutex.unlock();
        }
        if ((scan.flags & INTERRUPTED) != 0) {
            Thread.currentThread().interrupt(); // our own interrupt, cleared to park
        }
        if (scan.abandoned != null) {
            scan.abandoned.forEach(this::reportAbandoned); // outside the mutex: the handler may use the domain
        }
    }

    private long advance() {
        final long gracePeriod = (long) GP_SEQ.getAndAdd(this, 1L) + 1;
        VarHandle.fullFence(); // smp_mb() after the increment, before the scan's loads
        return gracePeriod;
    }

    /** One grace period's scan: its caller's settings and what it found. */
    private static final class Scan {
        final int spinRounds;
        final Thread caller = Thread.currentThread();
        int flags;
        /** Records whose section was treated as ended (dead owner, or the scanning thread itself). */
        List<GracePeriodRecord> abandoned;

        Scan(int spinRounds) {
            this.spinRounds = spinRounds;
        }

        void abandon(GracePeriodRecord record) {
            record.abandon();
            if (abandoned == null) {
                abandoned = new ArrayList<>(1);
            }
            abandoned.add(record);
        }
    }

    private void awaitAll(long target, Scan scan) {
        for (GracePeriodRecord record : readers) {
            awaitRecord(record, target, scan);
        }
    }

    /** Waits until the record no longer holds up {@code target}; notes DEAD and INTERRUPTED in the scan. */
    private void awaitRecord(GracePeriodRecord record, long target, Scan scan) {
        if (!record.holdsUp(target)) {
            if (!record.owner.isAlive() && !record.holdsUpAnything()) {
                scan.flags |= DEAD; // a dead thread outside any section: prune its record
            }
            return;
        }
        if (record.owner == scan.caller) {
            // the scanning thread holds up its own grace period: a callback that left its section open (callers
            // outside callbacks are refused before they get here); waiting would never end
            scan.abandon(record);
            return;
        }
        long parkNanos = 1_000L;
        long waitingSince = 0;
        long nextWarning = stallWarningNanos;
        for (int round = 1; record.holdsUp(target); round++) {
            if (round < scan.spinRounds) {
                Thread.onSpinWait();
                continue;
            }
            if (!record.owner.isAlive()) {
                // JLS 17.4.4: the thread's last actions happen-before isAlive() returning false; look again
                scan.flags |= DEAD;
                if (record.holdsUp(target)) {
                    scan.abandon(record);
                }
                return;
            }
            if (round < scan.spinRounds + YIELD_ROUNDS) {
                Thread.yield();
                continue;
            }
            if (Thread.interrupted()) {
                scan.flags |= INTERRUPTED; // park would return at once: a busy loop
            }
            final long now = System.nanoTime();
            if (waitingSince == 0) {
                waitingSince = now;
            } else if (now - waitingSince >= nextWarning) {
                reportLiveStall(record, now - waitingSince); // the wait goes on
                nextWarning = nextWarning < Long.MAX_VALUE / 2 ? 2 * nextWarning : Long.MAX_VALUE;
            }
            LockSupport.parkNanos(this, parkNanos);
            parkNanos = Math.min(parkNanos * 2, MAX_PARK_NANOS);
        }
    }

    private void reportAbandoned(GracePeriodRecord record) {
        if (record.owner.isAlive()) {
            report(record.owner, new IllegalStateException("thread " + record.owner.getName()
                    + " ran a grace period of RCU domain " + name + " while inside one of its read-side sections ("
                    + record.sectionState() + "), from a callback that did not end its section: the section is "
                    + "treated as ended; " + record.exitAdvice()));
        } else {
            // a terminated thread has dropped its own handler: the grace period's caller reports it
            report(record.owner, new IllegalStateException("thread " + record.owner.getName()
                    + " died inside a read-side section of RCU domain " + name + " (" + record.sectionState()
                    + "): its section is treated as ended; " + record.exitAdvice()));
        }
    }

    /**
     * The RCU CPU stall warning: a live reader has held up a grace period for the stall timeout (then again at
     * twice, four times... the timeout). Reported from a new daemon thread, to the handler the grace period's caller
     * would use: this thread holds the grace-period mutex, and a handler that waits for a grace period must not
     * deadlock.
     */
    private void reportLiveStall(GracePeriodRecord record, long waitedNanos) {
        final IllegalStateException stall = new IllegalStateException("RCU domain " + name + ": a grace period has"
                + " waited " + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms for thread " + record.owner.getName()
                + " (" + record.sectionState() + "); it goes on waiting. A read-side section that does not end (a "
                + "missing unlock, a QSBR thread that neither reports quiescent states nor goes offline) stalls every "
                + "grace period and callback of the domain. The stack trace is the reader's.");
        stall.setStackTrace(record.owner.getStackTrace());
        final Thread.UncaughtExceptionHandler handler = handler();
        try {
            final Thread reporter = new Thread(null, () -> report(handler, record.owner, stall),
                    "rcu-stall-report/" + name, 0, false);
            reporter.setDaemon(true);
            reporter.start();
        } catch (Throwable noThread) {
            report(handler, record.owner, stall); // better here than not at all
        }
    }

    /**
     * Reports a failure to the domain's error handler, or by default to the calling thread's handler; a failing
     * handler is ignored, so the caller (a grace period, the callback thread) goes on.
     */
    void report(Thread subject, Throwable failure) {
        report(handler(), subject, failure);
    }

    private Thread.UncaughtExceptionHandler handler() {
        return errorHandler != null ? errorHandler : Thread.currentThread().getUncaughtExceptionHandler();
    }

    private static void report(Thread.UncaughtExceptionHandler handler, Thread subject, Throwable failure) {
        try {
            handler.uncaughtException(subject, failure);
        } catch (Throwable ignored) {
            // the handler failed too: the grace period or the callback batch goes on regardless
        }
    }

    private static final VarHandle GP_SEQ;
    private static final VarHandle STARTED_SEQ;
    private static final VarHandle COMPLETED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            GP_SEQ = lookup.findVarHandle(GracePeriodState.class, "gpSeq", long.class);
            STARTED_SEQ = lookup.findVarHandle(GracePeriodState.class, "startedSeq", long.class);
            COMPLETED = lookup.findVarHandle(GracePeriodState.class, "completed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
