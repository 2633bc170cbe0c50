package io.ksync.workqueue;

import static io.ksync.testing.Waits.await;
import static io.ksync.testing.Waits.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.Mutex;
import io.ksync.wait.Blocking;
import io.ksync.wait.Completion;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Concurrency management of bound pools (the blocking hooks), the watchdog, rescuers, worker reaping and
 * statistics. Pools have one CPU, so every work of a bound queue shares one concurrency-managed pool; unless a
 * test sets them, the watchdog thresholds are an hour, so only the blocking hooks can let a second work run.
 */
class ConcurrencyManagementTest extends WorkqueueTestBase {

    private WorkerPools oneCpu(java.util.function.Consumer<WorkerPools.Builder> more) {
        return pools(builder -> {
            builder.cpus(1);
            more.accept(builder);
        });
    }

    private WorkerPoolStats boundPool() {
        return pools.stats().get(0);
    }

    @Test
    void aBoundPoolRunsOneWorkAtATimeWhileNothingSleeps() {
        oneCpu(builder -> { });
        final Workqueue wq = queue("q");
        final WorkqueueTest.Concurrency concurrency = new WorkqueueTest.Concurrency();
        for (int i = 0; i < 2000; i++) {
            wq.queue(new Work(() -> {
                concurrency.enter();
                for (int spin = 0; spin < 100; spin++) {
                    Thread.onSpinWait();
                }
                concurrency.exit();
            }));
        }
        wq.flush();
        assertEquals(1, concurrency.max.get(), "a bound pool ran two works at once although none slept");
        assertEquals(1, boundPool().maxConcurrency());
        assertEquals(2000, boundPool().executed());
    }

    @Test
    void concurrencyManagement_aWorkBlockedOnACompletionLetsTheWorkThatCompletesItRun() {
        oneCpu(builder -> { });
        final Workqueue wq = queue("q");
        final Completion done = new Completion();
        final CountDownLatch both = new CountDownLatch(2);
        wq.queue(new Work(() -> {
            done.waitForCompletion(); // sleeps in ksync: the pool lets another worker run
            both.countDown();
        }));
        wq.queue(new Work(() -> {
            done.complete();
            both.countDown();
        }));
        await(both);
        assertTrue(boundPool().maxConcurrency() >= 2);
    }

    @Test
    void concurrencyManagement_aWorkBlockedOnAMutexLetsTheNextWorkRun() {
        oneCpu(builder -> { });
        final Workqueue wq = queue("q");
        final Mutex mutex = new Mutex();
        final CountDownLatch secondRan = new CountDownLatch(1);
        final CountDownLatch firstDone = new CountDownLatch(1);
        mutex.lock(); // held by the test thread until the second work has run
        wq.queue(new Work(() -> {
            mutex.lock();
            mutex.unlock();
            firstDone.countDown();
        }));
        wq.queue(new Work(secondRan::countDown));
        await(secondRan); // only possible if the pool ran it while the first slept in the mutex
        mutex.unlock();
        await(firstDone);
    }

    @Test
    void concurrencyManagement_blockingRunDeclaresBlockingOutsideKsync() {
        oneCpu(builder -> { });
        final Workqueue wq = queue("q");
        final CountDownLatch plain = new CountDownLatch(1);
        final CountDownLatch firstDone = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            Blocking.run(() -> await(plain)); // a j.u.c latch, declared
            firstDone.countDown();
        }));
        wq.queue(new Work(plain::countDown));
        await(firstDone);
    }

    @Test
    void watchdog_aWorkSleepingOutsideKsyncIsReleasedSoTheNextWorkRuns() {
        oneCpu(builder -> builder.cpuIntensiveThreshold(20, TimeUnit.MILLISECONDS));
        final Workqueue wq = queue("q");
        final AtomicBoolean flag = new AtomicBoolean();
        final CountDownLatch firstDone = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            while (!flag.get()) { // Thread.sleep tells ksync nothing: only the watchdog can help
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            firstDone.countDown();
        }));
        wq.queue(new Work(() -> flag.set(true)));
        await(firstDone);
    }

    @Test
    void watchdog_aWorkInObjectWaitIsReleasedSoTheNextWorkRuns() {
        oneCpu(builder -> builder.cpuIntensiveThreshold(20, TimeUnit.MILLISECONDS));
        final Workqueue wq = queue("q");
        final Object monitor = new Object();
        final AtomicBoolean flag = new AtomicBoolean();
        final CountDownLatch firstDone = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            synchronized (monitor) {
                while (!flag.get()) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            firstDone.countDown();
        }));
        wq.queue(new Work(() -> {
            synchronized (monitor) {
                flag.set(true);
                monitor.notifyAll();
            }
        }));
        await(firstDone);
    }

    @Test
    void watchdog_reportsAWorkqueueLockupWithTheStuckThreadsStackAndReleasesIt() {
        oneCpu(builder -> builder.watchdogThreshold(100, TimeUnit.MILLISECONDS));
        final Workqueue wq = queue("q");
        final CountDownLatch plain = new CountDownLatch(1);
        final CountDownLatch firstDone = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            await(plain); // a j.u.c latch, not declared: the pool stalls until the watchdog acts
            firstDone.countDown();
        }));
        wq.queue(new Work(plain::countDown));
        await(firstDone);
        awaitCondition("the lockup is reported", () -> !reported.isEmpty());
        final Throwable report = reported.get(0);
        assertTrue(report.getMessage().startsWith("workqueue lockup: pool test/0"), report.getMessage());
        boolean stackOfTheStuckWork = false;
        for (StackTraceElement frame : report.getStackTrace()) {
            stackOfTheStuckWork |= frame.getClassName().startsWith(ConcurrencyManagementTest.class.getName());
        }
        assertTrue(stackOfTheStuckWork, "the report carries the stuck worker's stack");
        assertTrue(boundPool().lockups() >= 1);
        reported.clear();
    }

    @Test
    void cpuIntensiveWorksDoNotHoldBackTheirPool() {
        oneCpu(builder -> { });
        final Workqueue intensive = queue("crunch", Workqueue.Flag.CPU_INTENSIVE);
        final Workqueue normal = queue("normal");
        final AtomicBoolean flag = new AtomicBoolean();
        final CountDownLatch firstDone = new CountDownLatch(1);
        intensive.queue(new Work(() -> {
            while (!flag.get()) { // computes until the other work has run: only possible if it is not counted
                Thread.onSpinWait();
            }
            firstDone.countDown();
        }));
        normal.queue(new Work(() -> flag.set(true)));
        await(firstDone);
    }

    @Test
    void anInstanceHandedToItsRunnerDoesNotHoldBackTheRunnersPool() {
        pools(builder -> builder.cpus(2));
        final Workqueue wq = queue("q");
        final AtomicBoolean otherRan = new AtomicBoolean();
        final AtomicInteger runs = new AtomicInteger();
        final Work other = new Work(() -> otherRan.set(true));
        final Work[] self = new Work[1];
        self[0] = new Work(() -> {
            if (runs.incrementAndGet() == 1) {
                wq.queueOn(0, other);   // waits: this worker is pool 0's running one
                wq.queueOn(1, self[0]); // pool 1 dequeues it and, as it runs here, hands it to this thread
                awaitHandedOffBy(1);
            } else {
                // runs on pool 0's worker, computing (no ksync sleep) until the work waiting on pool 0 has run:
                // only possible if the handed-off run does not count as pool 0's running worker
                awaitCondition("the work waiting on the runner's pool ran", otherRan::get);
            }
        });
        wq.queueOn(0, self[0]);
        awaitCondition("both runs", () -> runs.get() == 2 && !self[0].isBusy());
        wq.flush();
        assertTrue(otherRan.get());
    }

    @Test
    void spinBeforeIdleRejectsANegativeTimeAndZeroStillRunsWork() {
        assertThrows(IllegalArgumentException.class,
                () -> WorkerPools.builder().spinBeforeIdle(-1, TimeUnit.MICROSECONDS));
        oneCpu(builder -> builder.spinBeforeIdle(0, TimeUnit.MICROSECONDS));
        final Workqueue wq = queue("q");
        final AtomicInteger done = new AtomicInteger();
        for (int round = 0; round < 50; round++) {
            wq.queue(new Work(done::incrementAndGet));
            wq.flush(); // each round the worker goes idle at once and is woken for the next
        }
        assertEquals(50, done.get());
    }

    @Test
    void memReclaim_aQueueWhosePoolsCannotCreateWorkersStillRunsAllItsWork() {
        final AtomicInteger made = new AtomicInteger();
        final ThreadFactory onlyTheRescuer = runnable -> {
            if (made.getAndIncrement() > 0) {
                throw new IllegalStateException("expected: no more threads");
            }
            final Thread thread = new Thread(runnable, "the-only-thread");
            thread.setDaemon(true);
            return thread;
        };
        oneCpu(builder -> builder.threadFactory(onlyTheRescuer));
        final Workqueue wq = queue("reclaim", Workqueue.Flag.MEM_RECLAIM);
        final AtomicInteger done = new AtomicInteger();
        final List<String> threads = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 50; i++) {
            wq.queue(new Work(() -> {
                threads.add(Thread.currentThread().getName());
                done.incrementAndGet();
            }));
        }
        wq.flush();
        assertEquals(50, done.get());
        assertTrue(threads.stream().allMatch("the-only-thread"::equals), "the rescuer ran them: " + threads);
        awaitCondition("the creation failure is reported", () -> !reported.isEmpty());
        assertTrue(reported.get(0).getMessage().contains("cannot create a worker"), reported.get(0).getMessage());
        reported.clear();
    }

    @Test
    void memReclaim_theRescuerRunsWorkWhenTheThreadCapIsReached() {
        oneCpu(builder -> builder.maxWorkers(1));
        final Workqueue wq = queue("reclaim", Workqueue.Flag.MEM_RECLAIM);
        final Completion done = new Completion();
        final CountDownLatch both = new CountDownLatch(2);
        wq.queue(new Work(() -> {
            done.waitForCompletion(); // the only worker sleeps; the pool may not create another
            both.countDown();
        }));
        wq.queue(new Work(() -> {
            done.complete();
            both.countDown();
        }));
        await(both);
        assertEquals(1, pools.workerThreads());
        awaitCondition("the cap is reported", () -> !reported.isEmpty());
        assertTrue(reported.get(0).getCause().getMessage().contains("thread cap"), reported.get(0).toString());
        reported.clear();
    }

    @Test
    void idleWorkersBeyondTheSparesAreReapedAfterTheIdleTimeout() {
        pools(builder -> builder.idleTimeout(50, TimeUnit.MILLISECONDS));
        final Workqueue wq = queue("unbound", Workqueue.Flag.UNBOUND);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch started = new CountDownLatch(8);
        for (int i = 0; i < 8; i++) {
            wq.queue(new Work(() -> {
                started.countDown();
                await(release); // an unbound pool starts every work: eight workers
            }));
        }
        await(started);
        final WorkerPoolStats busy = pools.stats().get(4);
        assertEquals("u", busy.pool());
        assertTrue(busy.workers() >= 8, busy.toString());
        assertEquals(8, busy.maxConcurrency());
        release.countDown();
        wq.flush();
        awaitCondition("surplus idle workers leave", () -> pools.stats().get(4).workers() <= 2);
    }

    @Test
    void statsDescribeEveryPool() {
        pools(builder -> { });
        final Workqueue wq = queue("q");
        wq.queueOn(1, new Work(() -> { }));
        wq.flush();
        final List<WorkerPoolStats> stats = pools.stats();
        assertEquals(6, stats.size(), "two CPUs x (normal, high) + two unbound");
        assertEquals("1", stats.get(2).pool());
        assertEquals(1, stats.get(2).cpu());
        assertFalse(stats.get(2).highPriority());
        assertEquals(1, stats.get(2).executed());
        assertTrue(stats.get(2).workers() >= 1);
        assertEquals("1H", stats.get(3).pool());
        assertEquals(-1, stats.get(5).cpu());
        assertTrue(pools.toString().contains("test"));
    }
}
