package io.ksync.workqueue;

import static io.ksync.testing.Waits.join;
import static io.ksync.testing.Waits.start;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;

/**
 * A bounded conservation torture test in the spirit of the kernel's locktorture: queuer threads queue, re-queue
 * (on several queues and CPUs, immediately and after delays, and with {@code mod}), a canceller cancels and
 * cancel-syncs, a flusher flushes, all on a shared set of works and delayed works. It checks, per work:
 * <ul>
 *   <li>conservation: runs = successful queueings - successful cancellations (a {@code mod} that found the work
 *   pending counts as both);</li>
 *   <li>no work ever ran on two threads at once;</li>
 *   <li>nothing ran after {@code cancelSync} returned (checked while queueing of that work is fenced off);</li>
 *   <li>every queueing is followed by a run that starts after it, unless cancelled: the kernel's promise that a
 *   {@code queue} returning false found the work pending, so it will still run.</li>
 * </ul>
 * It runs for {@code ksync.torture.seconds} (default 40) in rounds that each end quiescent (the last check can only
 * be made when queueing has stopped), and once more, briefly, with a deliberately broken work item
 * ({@link Work#clearPendingAfterRunForTesting}) to show that it catches a lost queueing.
 */
class WorkqueueTortureTest extends WorkqueueTestBase {

    private static final long SECONDS = Long.getLong("ksync.torture.seconds", 40);

    /** How long each round's free-for-all lasts; every round ends in a quiescent check. */
    private static final long ROUND_MILLIS = 200;

    /** One work under torture and its books. */
    private static final class Tracked {
        final int id;
        final ReentrantReadWriteLock fence = new ReentrantReadWriteLock();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicLong runs = new AtomicLong();
        final AtomicLong queued = new AtomicLong();
        final AtomicLong cancelled = new AtomicLong();
        final AtomicLong tickets = new AtomicLong();
        final AtomicLong covered = new AtomicLong();
        final AtomicLong excused = new AtomicLong();
        final List<String> violations;
        volatile boolean cancelSyncReturned;
        Work work;
        DelayedWork delayed;

        Tracked(int id, List<String> violations) {
            this.id = id;
            this.violations = violations;
        }

        void run() {
            if (cancelSyncReturned) {
                violations.add("work " + id + " ran after cancelSync returned");
            }
            covered.accumulateAndGet(tickets.get(), Math::max); // every queueing up to here is served by this run
            if (inside.incrementAndGet() != 1) {
                violations.add("work " + id + " ran on two threads at once");
            }
            runs.incrementAndGet();
            if ((id & 3) == 0) {
                Thread.yield();
            }
            inside.decrementAndGet();
        }

        boolean isDelayed() {
            return delayed != null;
        }
    }

    @Test
    void theTortureFindsNoViolation() {
        final List<String> violations = torture(TimeUnit.SECONDS.toMillis(SECONDS));
        assertTrue(violations.isEmpty(), violations.size() + " violation(s): "
                + violations.subList(0, Math.min(10, violations.size())));
    }

    @Test
    void theTortureCatchesAWorkWhosePendingBitIsClearedAfterItRuns() {
        Work.clearPendingAfterRunForTesting = true;
        final List<String> violations;
        try {
            violations = torture(3_000);
        } finally {
            Work.clearPendingAfterRunForTesting = false;
        }
        assertFalse(violations.isEmpty(), "the torture did not notice queueings lost by a broken work item");
        assertTrue(violations.stream().anyMatch(v -> v.contains("no run followed")), violations.toString());
    }

    private List<String> torture(long millis) {
        pools(builder -> builder.cpuIntensiveThreshold(5, TimeUnit.MILLISECONDS));
        final Workqueue[] queues = {queue("bound"), queue("unbound", 4, Workqueue.Flag.UNBOUND),
                queue("highpri", Workqueue.Flag.HIGHPRI), queue("ordered", Workqueue.Flag.ORDERED)};
        final List<String> violations = new CopyOnWriteArrayList<>();
        final Tracked[] tracked = new Tracked[32];
        for (int i = 0; i < tracked.length; i++) {
            final Tracked t = new Tracked(i, violations);
            if (i % 4 == 3) {
                t.delayed = new DelayedWork(t::run);
            } else {
                t.work = new Work(t::run);
            }
            tracked[i] = t;
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        do {
            round(queues, tracked, violations);
        } while (System.nanoTime() - deadline < 0);
        return violations;
    }

    /**
     * One round: everything at once for {@link #ROUND_MILLIS}, then queueing only for a while, then quiescence
     * (queuers stopped, every queue drained) and the books checked. Each round's end is a chance to see a queueing
     * that no run followed: while queueing goes on, a later run serves an earlier lost queueing too.
     */
    private static void round(Workqueue[] queues, Tracked[] tracked, List<String> violations) {
        final AtomicBoolean stopQueuers = new AtomicBoolean();
        final AtomicBoolean stopOthers = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();
        for (int q = 0; q < 3; q++) {
            threads.add(start("queuer-" + q, () -> {
                final ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stopQueuers.get()) {
                    queueOne(tracked[random.nextInt(tracked.length)], queues[random.nextInt(queues.length)], random);
                }
            }));
        }
        final Thread canceller = start("canceller", () -> {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stopOthers.get()) {
                cancelOne(tracked[random.nextInt(tracked.length)], random);
            }
        });
        final Thread flusher = start("flusher", () -> {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stopOthers.get()) {
                if (random.nextInt(8) == 0) {
                    queues[random.nextInt(queues.length)].flush();
                } else {
                    final Tracked t = tracked[random.nextInt(tracked.length)];
                    if (t.isDelayed()) {
                        t.delayed.flush();
                    } else {
                        t.work.flush();
                    }
                }
            }
        });
        sleep(ROUND_MILLIS);
        stopOthers.set(true);
        join(canceller);
        joinOrDescribe(flusher, queues, tracked);
        sleep(ROUND_MILLIS / 4); // queueing only: the last queueings must each be followed by a run
        stopQueuers.set(true);
        for (Thread thread : threads) {
            join(thread);
        }
        joinOrDescribe(start("drainer", () -> {
            for (Workqueue wq : queues) {
                wq.drain(); // fires pending delayed works, runs everything queued
            }
        }), queues, tracked);
        for (Tracked t : tracked) {
            check(t, violations);
        }
    }

    /** Joins {@code thread}; if it is stuck (in a flush), fails with the queues' books and the works' states. */
    private static void joinOrDescribe(Thread thread, Workqueue[] queues, Tracked[] tracked) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(20));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        if (thread.isAlive()) {
            final StringBuilder books = new StringBuilder();
            for (Workqueue wq : queues) {
                books.append(wq.describePools()).append('\n');
            }
            for (Tracked t : tracked) {
                books.append(t.id).append(": ").append(t.isDelayed() ? t.delayed : t.work).append(" runs=")
                        .append(t.runs).append(" queued=").append(t.queued).append(" cancelled=").append(t.cancelled)
                        .append('\n');
            }
            throw new AssertionError(thread.getName() + " is stuck:\n" + books + io.ksync.testing.Waits.threadDump());
        }
    }

    private static void queueOne(Tracked t, Workqueue wq, ThreadLocalRandom random) {
        t.fence.readLock().lock();
        try {
            t.tickets.incrementAndGet(); // this queueing must be served by a run that starts after it
            if (t.isDelayed()) {
                final int choice = random.nextInt(4);
                final long delay = random.nextInt(3);
                if (choice == 0) {
                    final boolean wasPending = t.delayed.mod(wq, delay, TimeUnit.MILLISECONDS);
                    t.queued.incrementAndGet();
                    if (wasPending) {
                        t.cancelled.incrementAndGet(); // mod replaced the pending instance
                    }
                } else if (choice == 1) {
                    if (t.delayed.queueOn(random.nextInt(2), wq, delay, TimeUnit.MILLISECONDS)) {
                        t.queued.incrementAndGet();
                    }
                } else if (t.delayed.queue(wq, delay, TimeUnit.MILLISECONDS)) {
                    t.queued.incrementAndGet();
                }
            } else if (random.nextBoolean() ? wq.queue(t.work) : wq.queueOn(random.nextInt(2), t.work)) {
                t.queued.incrementAndGet();
            }
        } finally {
            t.fence.readLock().unlock();
        }
    }

    private static void cancelOne(Tracked t, ThreadLocalRandom random) {
        if (random.nextInt(4) == 0) {
            t.fence.writeLock().lock(); // no queueing of this work until we have checked
            try {
                if (t.isDelayed() ? t.delayed.cancelSync() : t.work.cancelSync()) {
                    t.cancelled.incrementAndGet();
                }
                t.excused.accumulateAndGet(t.tickets.get(), Math::max);
                t.cancelSyncReturned = true;
                final boolean busy = t.isDelayed() ? t.delayed.isBusy() : t.work.isBusy();
                if (busy) {
                    t.violations.add("work " + t.id + " pending or running right after cancelSync returned");
                }
                Thread.yield();
                t.cancelSyncReturned = false;
            } finally {
                t.fence.writeLock().unlock();
            }
        } else {
            if (t.isDelayed() ? t.delayed.cancel() : t.work.cancel()) {
                t.cancelled.incrementAndGet();
            }
            // a queueing that raced with the cancel may be dropped by it even when it found nothing pending (the
            // kernel's try_to_grab_pending holds PENDING for a moment): excuse what came before
            t.excused.accumulateAndGet(t.tickets.get(), Math::max);
        }
    }

    private static void check(Tracked t, List<String> violations) {
        final long expected = t.queued.get() - t.cancelled.get();
        if (t.runs.get() != expected) {
            violations.add("work " + t.id + ": " + t.runs.get() + " runs, but " + t.queued.get() + " queueings - "
                    + t.cancelled.get() + " cancellations = " + expected);
        }
        final long served = Math.max(t.covered.get(), t.excused.get());
        if (served < t.tickets.get()) {
            violations.add("work " + t.id + ": queueing " + t.tickets.get() + " was not cancelled and no run "
                    + "followed it (last served: " + served + ")");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
