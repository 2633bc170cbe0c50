package io.ksync.bench;

import io.ksync.bench.ComparisonRow.Target;
import io.ksync.bench.fifo.KfifoBenchmark;
import io.ksync.bench.fifo.RecordFifoBenchmark;
import io.ksync.bench.lock.MutexBenchmark;
import io.ksync.bench.lock.OversubscribedSpinLockBenchmark;
import io.ksync.bench.lock.RwSemaphoreBenchmark;
import io.ksync.bench.lock.SeqLockBenchmark;
import io.ksync.bench.lock.SpinLockBenchmark;
import io.ksync.bench.percpu.PerCpuCounterBenchmark;
import io.ksync.bench.percpu.PerCpuRwSemaphoreBenchmark;
import io.ksync.bench.rcu.RcuHashMapBenchmark;
import io.ksync.bench.rcu.RcuReadBenchmark;
import io.ksync.bench.rcu.RcuWriterBenchmark;
import io.ksync.bench.timer.TimerBenchmark;
import io.ksync.bench.wait.CompletionBenchmark;
import io.ksync.bench.workqueue.WorkqueueBenchmark;
import io.ksync.percpu.Cpus;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of the {@link ComparisonReport}, in the order the table shows them. To add a primitive: write its
 * JMH class (ksync and its anchors side by side) and append rows here, one per (scenario, anchor) pair; refs
 * that need the same JMH run are run once. Pin every {@code @Param} of a benchmark so that a run gives one
 * score, and name the source of every target.
 */
public final class ComparisonRows {

    private static final String ISSUE_2 = "issue 2";
    private static final String ISSUE_3 = "issue 3";
    private static final String ISSUE_4 = "issue 4";
    private static final String ISSUE_5 = "issue 5";
    private static final String ISSUE_6 = "issue 6";
    private static final String ISSUE_8 = "issue 8";

    private ComparisonRows() {
    }

    /**
     * Every row, for the machine this runs on (the oversubscribed rows use twice as many threads as cores, at
     * least 4).
     *
     * @return the rows, in table order
     */
    public static List<ComparisonRow> all() {
        final List<ComparisonRow> rows = new ArrayList<>();
        spinLocks(rows);
        oversubscribedSpinLocks(rows);
        seqLocks(rows);
        mutexes(rows);
        rwSemaphores(rows);
        completions(rows);
        perCpuCounters(rows);
        perCpuRwSemaphores(rows);
        elementFifos(rows);
        recordFifos(rows);
        timers(rows);
        rcuReads(rows);
        rcuHashMaps(rows);
        rcuWriters(rows);
        workqueues(rows);
        return rows;
    }

    /** The thread count that oversubscribes this machine: twice the cores, at least 4. */
    public static int oversubscribedThreads() {
        return Math.max(4, 2 * Cpus.count());
    }

    private static void spinLocks(List<ComparisonRow> rows) {
        final Class<?> bench = SpinLockBenchmark.class;

        final String uncontended = "uncontended lock+unlock, 1 thread";
        final BenchmarkRef ticket = BenchmarkRef.of(bench, "ticketUncontended");
        final BenchmarkRef queued = BenchmarkRef.of(bench, "queuedUncontended");
        final BenchmarkRef reentrant = BenchmarkRef.of(bench, "reentrantUncontended");
        final BenchmarkRef monitor = BenchmarkRef.of(bench, "synchronizedUncontended");
        rows.add(new ComparisonRow(uncontended, "TicketSpinLock", ticket, "ReentrantLock", reentrant,
                Target.atLeast(1, ISSUE_2)));
        rows.add(new ComparisonRow(uncontended, "QueuedSpinLock", queued, "ReentrantLock", reentrant,
                Target.atLeast(1, ISSUE_2)));
        rows.add(new ComparisonRow(uncontended, "TicketSpinLock", ticket, "synchronized", monitor, null));
        rows.add(new ComparisonRow(uncontended, "QueuedSpinLock", queued, "synchronized", monitor, null));

        for (String outsideWork : new String[] {"0", "100"}) {
            final String contended = "2 threads, one lock" + ("0".equals(outsideWork)
                    ? ", nothing between acquisitions" : ", " + outsideWork + " tokens of work between acquisitions");
            final BenchmarkRef ticketContended = BenchmarkRef.of(bench, "ticketContended")
                    .param("outsideWork", outsideWork);
            final BenchmarkRef queuedContended = BenchmarkRef.of(bench, "queuedContended")
                    .param("outsideWork", outsideWork);
            final BenchmarkRef reentrantContended = BenchmarkRef.of(bench, "reentrantContended")
                    .param("outsideWork", outsideWork);
            rows.add(new ComparisonRow(contended, "QueuedSpinLock", queuedContended, "ReentrantLock",
                    reentrantContended, Target.atLeast(1, ISSUE_2)));
            rows.add(new ComparisonRow(contended, "TicketSpinLock", ticketContended, "ReentrantLock",
                    reentrantContended, null));
            if ("0".equals(outsideWork)) {
                final BenchmarkRef monitorContended = BenchmarkRef.of(bench, "synchronizedContended")
                        .param("outsideWork", outsideWork);
                rows.add(new ComparisonRow(contended, "QueuedSpinLock", queuedContended, "synchronized",
                        monitorContended, null));
                rows.add(new ComparisonRow(contended, "TicketSpinLock", ticketContended, "synchronized",
                        monitorContended, null));
            }
        }
    }

    private static void oversubscribedSpinLocks(List<ComparisonRow> rows) {
        final Class<?> bench = OversubscribedSpinLockBenchmark.class;
        final int threads = oversubscribedThreads();
        final String scenario = "oversubscribed: " + threads + " threads, one lock, " + Cpus.count() + " cores";
        // DESIGN.md 3.1 asks that a descheduled holder not cost a time slice per waiter: adaptive must beat pure
        // by far. "By far" is set at 2x here; the issue sets no number.
        final Target farAbovePure = Target.atLeast(2, "DESIGN.md 3.1, the 2x set by this report");
        final BenchmarkRef reentrant = BenchmarkRef.of(bench, "reentrant").threads(threads);
        for (String lock : new String[] {"ticket", "queued"}) {
            final String name = "ticket".equals(lock) ? "TicketSpinLock" : "QueuedSpinLock";
            final BenchmarkRef adaptive = BenchmarkRef.of(bench, lock).param("spinWait", "adaptive").threads(threads);
            final BenchmarkRef pure = BenchmarkRef.of(bench, lock).param("spinWait", "pure").threads(threads);
            rows.add(new ComparisonRow(scenario, name + " adaptive", adaptive, name + " pure", pure, farAbovePure));
            rows.add(new ComparisonRow(scenario, name + " adaptive", adaptive, "ReentrantLock", reentrant, null));
        }
    }

    private static void seqLocks(List<ComparisonRow> rows) {
        final Class<?> bench = SeqLockBenchmark.class;

        final String withWriter = "reads of 3 fields, 2 readers + 1 writer (readers' score)";
        final BenchmarkRef seqLock = BenchmarkRef.of(bench, "seqLock").metric("seqLockReader")
                .param("writerPauseMicros", "20");
        final BenchmarkRef stamped = BenchmarkRef.of(bench, "stampedOptimistic").metric("stampedOptimisticReader")
                .param("writerPauseMicros", "20");
        final BenchmarkRef readWrite = BenchmarkRef.of(bench, "readWriteLock").metric("readWriteLockReader")
                .param("writerPauseMicros", "20");
        rows.add(new ComparisonRow(withWriter, "SeqLock read", seqLock, "StampedLock optimistic read", stamped,
                Target.within(1.5, ISSUE_2)));
        rows.add(new ComparisonRow(withWriter, "SeqLock read", seqLock, "ReentrantReadWriteLock read", readWrite,
                Target.atLeast(5, ISSUE_2)));

        final String readOnly = "reads of 3 fields, 2 readers, no writer";
        final BenchmarkRef seqLockReadOnly = BenchmarkRef.of(bench, "seqLockReadOnly");
        rows.add(new ComparisonRow(readOnly, "SeqLock read", seqLockReadOnly, "StampedLock optimistic read",
                BenchmarkRef.of(bench, "stampedOptimisticReadOnly"), Target.within(1.5, ISSUE_2)));
        rows.add(new ComparisonRow(readOnly, "SeqLock read", seqLockReadOnly, "ReentrantReadWriteLock read",
                BenchmarkRef.of(bench, "readWriteLockReadOnly"), Target.atLeast(5, ISSUE_2)));
    }

    private static void mutexes(List<ComparisonRow> rows) {
        final Class<?> bench = MutexBenchmark.class;

        final String uncontended = "uncontended lock+unlock, 1 thread";
        final BenchmarkRef mutex = BenchmarkRef.of(bench, "mutexUncontended");
        rows.add(new ComparisonRow(uncontended, "Mutex", mutex, "ReentrantLock",
                BenchmarkRef.of(bench, "reentrantUncontended"), Target.atLeast(1, ISSUE_3)));
        rows.add(new ComparisonRow(uncontended, "Mutex", mutex, "ReentrantLock fair",
                BenchmarkRef.of(bench, "fairReentrantUncontended"), null));
        rows.add(new ComparisonRow(uncontended, "Mutex", mutex, "synchronized",
                BenchmarkRef.of(bench, "synchronizedUncontended"), null));

        // The issue asks for contended throughput within 10% of non-fair ReentrantLock, or better.
        final Target withinTenPercent = Target.atLeast(0.9, ISSUE_3);
        for (int threads : new int[] {2, 4}) {
            final String suffix = "Contended" + threads + "Threads";
            for (String outsideWork : new String[] {"0", "100"}) {
                final String contended = threads + " threads, one lock" + oversubscribed(threads)
                        + ("0".equals(outsideWork) ? ", nothing between acquisitions"
                        : ", " + outsideWork + " tokens of work between acquisitions");
                final BenchmarkRef mutexContended = BenchmarkRef.of(bench, "mutex" + suffix)
                        .param("outsideWork", outsideWork);
                rows.add(new ComparisonRow(contended, "Mutex", mutexContended, "ReentrantLock",
                        BenchmarkRef.of(bench, "reentrant" + suffix).param("outsideWork", outsideWork),
                        withinTenPercent));
                if ("0".equals(outsideWork)) {
                    rows.add(new ComparisonRow(contended, "Mutex", mutexContended, "ReentrantLock fair",
                            BenchmarkRef.of(bench, "fairReentrant" + suffix).param("outsideWork", outsideWork),
                            null));
                    rows.add(new ComparisonRow(contended, "Mutex", mutexContended, "synchronized",
                            BenchmarkRef.of(bench, "synchronized" + suffix).param("outsideWork", outsideWork),
                            null));
                }
            }
        }
    }

    private static void rwSemaphores(List<ComparisonRow> rows) {
        final Class<?> bench = RwSemaphoreBenchmark.class;

        for (int threads : new int[] {2, 4}) {
            final String suffix = "Mixed" + threads + "Threads";
            for (String readPercent : new String[] {"90", "99"}) {
                final String mixed = "read-mostly: " + readPercent + "% reads of 3 fields, "
                        + (100 - Integer.parseInt(readPercent)) + "% writes, " + threads + " threads, one lock"
                        + oversubscribed(threads);
                rows.add(new ComparisonRow(mixed, "RwSemaphore",
                        BenchmarkRef.of(bench, "rwSemaphore" + suffix).param("readPercent", readPercent),
                        "ReentrantReadWriteLock",
                        BenchmarkRef.of(bench, "readWriteLock" + suffix).param("readPercent", readPercent),
                        Target.atLeast(1, ISSUE_3)));
            }
        }

        rows.add(new ComparisonRow("uncontended read lock+unlock (3 fields), 1 thread", "RwSemaphore read",
                BenchmarkRef.of(bench, "rwSemaphoreReadUncontended"), "ReentrantReadWriteLock read",
                BenchmarkRef.of(bench, "readWriteLockReadUncontended"), null));
    }

    private static void completions(List<ComparisonRow> rows) {
        final Class<?> bench = CompletionBenchmark.class;
        // Round trips per microsecond, read from one side of the group (the group total counts each twice).
        rows.add(new ComparisonRow("ping-pong, 2 threads: round trips (2 wake-ups each)", "Completion",
                BenchmarkRef.of(bench, "completion").metric("completionPing"), "CountDownLatch (new per round)",
                BenchmarkRef.of(bench, "countDownLatch").metric("countDownLatchPing"), null));
    }

    private static void perCpuCounters(List<ComparisonRow> rows) {
        final Class<?> bench = PerCpuCounterBenchmark.class;
        for (int threads : new int[] {1, 2, 4}) {
            final String scenario = "counter increment, " + threads + (threads == 1 ? " thread" : " threads")
                    + ", one counter" + oversubscribed(threads);
            final BenchmarkRef percpu = BenchmarkRef.of(bench, "percpuAdd").param("batch", "0").threads(threads);
            rows.add(new ComparisonRow(scenario, "PerCpuCounter.add", percpu, "LongAdder.increment",
                    BenchmarkRef.of(bench, "longAdderAdd").param("batch", "0").threads(threads),
                    threads == 1 ? null : Target.atLeast(1, ISSUE_4)));
            rows.add(new ComparisonRow(scenario, "PerCpuCounter.add", percpu, "AtomicLong.incrementAndGet",
                    BenchmarkRef.of(bench, "atomicLongAdd").param("batch", "0").threads(threads), null));
        }
        final String read = "counter read after 4 threads updated it, 1 thread";
        final BenchmarkRef adderSum = BenchmarkRef.of(bench, "longAdderSum").param("batch", "0");
        rows.add(new ComparisonRow(read, "PerCpuCounter.read (approximate)",
                BenchmarkRef.of(bench, "percpuRead").param("batch", "0"), "LongAdder.sum", adderSum, null));
        rows.add(new ComparisonRow(read, "PerCpuCounter.sum (exact)",
                BenchmarkRef.of(bench, "percpuSum").param("batch", "0"), "LongAdder.sum", adderSum, null));
    }

    private static void perCpuRwSemaphores(List<ComparisonRow> rows) {
        final Class<?> bench = PerCpuRwSemaphoreBenchmark.class;
        for (int threads : new int[] {1, 2}) {
            final String scenario = "read lock+unlock, no writer, " + threads + (threads == 1 ? " thread" : " threads");
            final BenchmarkRef percpu = BenchmarkRef.of(bench, "percpuRead").threads(threads);
            rows.add(new ComparisonRow(scenario, "PerCpuRwSemaphore read", percpu, "ReentrantReadWriteLock read",
                    BenchmarkRef.of(bench, "reentrantReadWriteRead").threads(threads), null));
            rows.add(new ComparisonRow(scenario, "PerCpuRwSemaphore read", percpu, "StampedLock readLock",
                    BenchmarkRef.of(bench, "stampedRead").threads(threads), null));
        }
    }

    private static void elementFifos(List<ComparisonRow> rows) {
        final Class<?> bench = KfifoBenchmark.class;
        final BenchmarkRef spscSingle = BenchmarkRef.of(bench, "spsc").metric("spscPoll");
        final String single = "SPSC elements, 1 producer + 1 consumer, one at a time (consumer's score)";
        final BenchmarkRef kfifoSingle = BenchmarkRef.of(bench, "kfifo").metric("kfifoGet");
        rows.add(new ComparisonRow(single, "Kfifo put/get", kfifoSingle, "SpscArrayQueue offer/poll", spscSingle,
                Target.atLeast(1, ISSUE_4)));
        rows.add(new ComparisonRow(single, "Kfifo put/get", kfifoSingle, "ArrayBlockingQueue offer/poll",
                BenchmarkRef.of(bench, "blocking").metric("blockingPoll"), null));
        final String batched = "SPSC elements, 1 producer + 1 consumer, 32 per call (consumer's elements/us)";
        final BenchmarkRef kfifoBatch = BenchmarkRef.of(bench, "kfifoBatch").metric("kfifoOut");
        rows.add(new ComparisonRow(batched, "Kfifo in/out of 32", kfifoBatch,
                "SpscArrayQueue offer/poll (one at a time)", spscSingle, Target.atLeast(2, ISSUE_4)));
        rows.add(new ComparisonRow(batched, "Kfifo in/out of 32", kfifoBatch, "SpscArrayQueue fill/drain of 32",
                BenchmarkRef.of(bench, "spscBatch").metric("spscDrain"), null));
        // The ceiling of the batched score: one thread doing both sides' work; two cores can at best split it, so
        // the two-thread batched score is at most twice this (with no cache line moving between the cores).
        rows.add(new ComparisonRow("one thread alone, both sides: in/out of 32 (x2 bounds the 2-thread batched "
                + "score)", "Kfifo in/out of 32, alone", BenchmarkRef.of(bench, "kfifoBatchAlone"),
                "SpscArrayQueue offer/poll (2 threads)", spscSingle, null));
        rows.add(new ComparisonRow("one thread alone, both sides: in/out of 32 (x2 bounds the 2-thread batched "
                + "score)", "Kfifo in/out of 32, alone", BenchmarkRef.of(bench, "kfifoBatchAlone"),
                "SpscArrayQueue offer/poll x32, alone", BenchmarkRef.of(bench, "spscAlone"), null));
    }

    private static void recordFifos(List<ComparisonRow> rows) {
        final Class<?> bench = RecordFifoBenchmark.class;
        final String scenario = "SPSC 64-byte messages copied in and out, 1 producer + 1 consumer (consumer's score)";
        final BenchmarkRef agrona = BenchmarkRef.of(bench, "agrona").metric("agronaRead").param("storage", "heap");
        rows.add(new ComparisonRow(scenario, "RecordFifo (1-byte headers)",
                BenchmarkRef.of(bench, "records").metric("recordsOut").param("storage", "heap"),
                "Agrona OneToOneRingBuffer", agrona, Target.atLeast(1, ISSUE_4)));
        rows.add(new ComparisonRow(scenario, "ByteFifo (64 bytes per call)",
                BenchmarkRef.of(bench, "bytes").metric("bytesOut").param("storage", "heap"),
                "Agrona OneToOneRingBuffer", agrona, null));
    }

    private static void timers(List<ComparisonRow> rows) {
        final Class<?> bench = TimerBenchmark.class;
        final String cancel = "timeout pattern: arm 10 s ahead, cancel, 1 thread (clock read per arming)";
        final BenchmarkRef timer = BenchmarkRef.of(bench, "timerScheduleCancel");
        rows.add(new ComparisonRow(cancel, "Timer modAfter+delete", timer, "ScheduledThreadPoolExecutor (remove on cancel)",
                BenchmarkRef.of(bench, "stpeScheduleCancel"), Target.atLeast(10, ISSUE_5)));
        rows.add(new ComparisonRow(cancel, "Timer modAfter+delete", timer, "Netty HashedWheelTimer",
                BenchmarkRef.of(bench, "nettyScheduleCancel"), Target.atLeast(1, ISSUE_5)));
        final BenchmarkRef agrona = BenchmarkRef.of(bench, "agronaScheduleCancel");
        rows.add(new ComparisonRow(cancel, "Timer modAfter+delete", timer, "Agrona DeadlineTimerWheel (1 thread only)",
                agrona, Target.atLeast(1, ISSUE_5)));
        rows.add(new ComparisonRow(cancel, "TimerWheel (passive)", BenchmarkRef.of(bench, "timerWheelScheduleCancel"),
                "Agrona DeadlineTimerWheel", agrona, null));
        rows.add(new ComparisonRow("timeout pattern, passive wheels, clock read once per 1024 pairs",
                "TimerWheel (passive)", BenchmarkRef.of(bench, "timerWheelScheduleCancelCachedClock"),
                "Agrona DeadlineTimerWheel", BenchmarkRef.of(bench, "agronaScheduleCancelCachedClock"), null));
        final String fire = "arm 1 ms ahead and fire, 1 arming thread, at most 16384 outstanding";
        final BenchmarkRef timerFire = BenchmarkRef.of(bench, "timerScheduleFire");
        rows.add(new ComparisonRow(fire, "Timer (TimerService)", timerFire, "ScheduledThreadPoolExecutor",
                BenchmarkRef.of(bench, "stpeScheduleFire"), null));
        rows.add(new ComparisonRow(fire, "Timer (TimerService)", timerFire, "Netty HashedWheelTimer",
                BenchmarkRef.of(bench, "nettyScheduleFire"), null));
        rows.add(new ComparisonRow("arm 1 ms ahead and poll, passive wheels, 1 thread", "TimerWheel (passive)",
                BenchmarkRef.of(bench, "timerWheelScheduleFire"), "Agrona DeadlineTimerWheel",
                BenchmarkRef.of(bench, "agronaScheduleFire"), null));
    }

    private static void rcuReads(List<ComparisonRow> rows) {
        final Class<?> bench = RcuReadBenchmark.class;
        for (int threads : new int[] {1, 2, 4}) {
            final String scenario = "read section (2 fields of the current version), " + threads + " reader thread"
                    + (threads == 1 ? "" : "s") + " + a writer replacing every ~20 us" + oversubscribed(threads + 1);
            final BenchmarkRef registered = BenchmarkRef.of(bench, "rcuRegistered").threads(threads);
            final BenchmarkRef readWrite = BenchmarkRef.of(bench, "reentrantReadWriteRead").threads(threads);
            final BenchmarkRef threadLocal = BenchmarkRef.of(bench, "rcuThreadLocal").threads(threads);
            final BenchmarkRef stampedRead = BenchmarkRef.of(bench, "stampedRead").threads(threads);
            final BenchmarkRef stampedOptimistic = BenchmarkRef.of(bench, "stampedOptimistic").threads(threads);
            rows.add(new ComparisonRow(scenario, "Rcu.Reader lock+unlock", registered, "ReentrantReadWriteLock read",
                    readWrite, threads == 2 ? Target.atLeast(5, ISSUE_6) : null));
            rows.add(new ComparisonRow(scenario, "Rcu.Reader lock+unlock", registered, "StampedLock readLock",
                    stampedRead, null));
            rows.add(new ComparisonRow(scenario, "Rcu.Reader lock+unlock", registered, "StampedLock optimistic read",
                    stampedOptimistic, null));
            rows.add(new ComparisonRow(scenario, "Rcu readLock+readUnlock (thread-local)", threadLocal,
                    "ReentrantReadWriteLock read", readWrite, null));
            rows.add(new ComparisonRow(scenario, "Rcu readLock+readUnlock (thread-local)", threadLocal,
                    "StampedLock readLock", stampedRead, null));
            rows.add(new ComparisonRow(scenario, "Rcu readLock+readUnlock (thread-local)", threadLocal,
                    "StampedLock optimistic read", stampedOptimistic, null));
            rows.add(new ComparisonRow(scenario, "Srcu readLock+readUnlock",
                    BenchmarkRef.of(bench, "srcu").threads(threads), "ReentrantReadWriteLock read", readWrite, null));
            final BenchmarkRef plain = BenchmarkRef.of(bench, "unsynchronized").threads(threads);
            rows.add(new ComparisonRow(scenario, "QsbrRcu: 64 reads, then quiescentState",
                    BenchmarkRef.of(bench, "qsbr").threads(threads), "64 unsynchronised reads",
                    BenchmarkRef.of(bench, "unsynchronizedUnit").threads(threads), Target.within(1.2, ISSUE_6)));
            // a QSBR read is an unsynchronised one; against the locks' sections, the worst case: a quiescent
            // state reported after every read, so that one op is one read section in every row
            final BenchmarkRef qsbrEach = BenchmarkRef.of(bench, "qsbrQuiescentEachRead").threads(threads);
            rows.add(new ComparisonRow(scenario, "QsbrRcu read + quiescentState each", qsbrEach,
                    "unsynchronised read", plain, null));
            rows.add(new ComparisonRow(scenario, "QsbrRcu read + quiescentState each", qsbrEach,
                    "ReentrantReadWriteLock read", readWrite, null));
            rows.add(new ComparisonRow(scenario, "QsbrRcu read + quiescentState each", qsbrEach,
                    "StampedLock readLock", stampedRead, null));
            rows.add(new ComparisonRow(scenario, "QsbrRcu read + quiescentState each", qsbrEach,
                    "StampedLock optimistic read", stampedOptimistic, null));
        }
    }

    private static void rcuHashMaps(List<ComparisonRow> rows) {
        final Class<?> bench = RcuHashMapBenchmark.class;
        for (int threads : new int[] {1, 2}) {
            final String scenario = "get of a present key, 1024 Integer keys, no writer, " + threads + " thread"
                    + (threads == 1 ? "" : "s");
            final BenchmarkRef rcu = BenchmarkRef.of(bench, "rcuHashMapGet").param("size", "1024").threads(threads);
            rows.add(new ComparisonRow(scenario, "RcuHashMap.get", rcu, "ConcurrentHashMap.get",
                    BenchmarkRef.of(bench, "concurrentHashMapGet").param("size", "1024").threads(threads),
                    Target.within(1.3, ISSUE_6)));
            rows.add(new ComparisonRow(scenario, "RcuHashMap.get", rcu, "HashMap.get under ReentrantReadWriteLock",
                    BenchmarkRef.of(bench, "hashMapUnderReadLock").param("size", "1024").threads(threads), null));
        }
    }

    private static void rcuWriters(List<ComparisonRow> rows) {
        final Class<?> bench = RcuWriterBenchmark.class;
        final String gracePeriod = "grace period, 4 registered idle readers, 1 writer";
        final BenchmarkRef stamped = BenchmarkRef.of(bench, "stampedWriteLock");
        rows.add(new ComparisonRow(gracePeriod, "Rcu.synchronize", BenchmarkRef.of(bench, "synchronize"),
                "StampedLock writeLock+unlockWrite (no reader)", stamped, null));
        rows.add(new ComparisonRow(gracePeriod, "Rcu.synchronizeExpedited",
                BenchmarkRef.of(bench, "synchronizeExpedited"), "StampedLock writeLock+unlockWrite (no reader)",
                stamped, null));
        rows.add(new ComparisonRow("deferred no-op callbacks, 1 caller, sustained (bounded queue of 2^18)",
                "Rcu.call", BenchmarkRef.of(bench, "call"), "ThreadPoolExecutor.execute (1 thread)",
                BenchmarkRef.of(bench, "executorExecute"), null));
    }

    private static void workqueues(List<ComparisonRow> rows) {
        final Class<?> bench = WorkqueueBenchmark.class;
        final String tiny = "queue 1024 tiny items and wait for them, 1 submitting thread";
        final BenchmarkRef bound = BenchmarkRef.of(bench, "workqueueBoundTinyItems");
        rows.add(new ComparisonRow(tiny, "Workqueue (bound)", bound, "ThreadPoolExecutor (" + Cpus.count() + " threads)",
                BenchmarkRef.of(bench, "threadPoolExecutorTinyItems"), Target.atLeast(1, ISSUE_8)));
        rows.add(new ComparisonRow(tiny, "Workqueue (bound)", bound, "ForkJoinPool (" + Cpus.count() + ")",
                BenchmarkRef.of(bench, "forkJoinPoolTinyItems"), null));
        rows.add(new ComparisonRow(tiny, "Workqueue (UNBOUND)", BenchmarkRef.of(bench, "workqueueUnboundTinyItems"),
                "ThreadPoolExecutor (" + Cpus.count() + " threads)", BenchmarkRef.of(bench, "threadPoolExecutorTinyItems"),
                null));
        final String blocking = "batch of 64 items, half sleep 200 us in a Completion (one op = one batch)";
        final BenchmarkRef boundBlocking = BenchmarkRef.of(bench, "workqueueBlockingBatch");
        rows.add(new ComparisonRow(blocking, "Workqueue (bound)", boundBlocking,
                "fixed ThreadPoolExecutor (" + Cpus.count() + " threads)", BenchmarkRef.of(bench, "fixedPoolBlockingBatch"),
                Target.atLeast(2, ISSUE_8)));
        rows.add(new ComparisonRow(blocking, "Workqueue (bound)", boundBlocking, "cached thread pool",
                BenchmarkRef.of(bench, "cachedPoolBlockingBatch"), null));
        rows.add(new ComparisonRow("hand-off round trip: schedule, spin until it ran", "Tasklet.schedule",
                BenchmarkRef.of(bench, "taskletScheduleRoundTrip"), "single-thread Executor.execute",
                BenchmarkRef.of(bench, "executorExecuteRoundTrip"), null));
        rows.add(new ComparisonRow("delayed work 10 s ahead, cancelled, 1 thread", "DelayedWork queue+cancel",
                BenchmarkRef.of(bench, "delayedWorkQueueCancel"), "ScheduledThreadPoolExecutor schedule+cancel",
                BenchmarkRef.of(bench, "scheduledExecutorScheduleCancel"), Target.atLeast(10, ISSUE_8)));
    }

    /** Notes, in a scenario, that this many threads oversubscribe this machine's cores. */
    private static String oversubscribed(int threads) {
        final int cores = Cpus.count();
        return threads > cores ? " (oversubscribed: " + cores + " cores)" : "";
    }
}
