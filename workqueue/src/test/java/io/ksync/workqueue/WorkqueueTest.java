package io.ksync.workqueue;

import static io.ksync.testing.Waits.await;
import static io.ksync.testing.Waits.awaitCondition;
import static io.ksync.testing.Waits.awaitParked;
import static io.ksync.testing.Waits.join;
import static io.ksync.testing.Waits.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The rules of a workqueue ({@code workqueue_struct}), each test named after the kernel rule it checks. */
class WorkqueueTest extends WorkqueueTestBase {

    /** Tracks how many works run at once and the most seen. */
    static final class Concurrency {
        final AtomicInteger now = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();

        void enter() {
            final int current = now.incrementAndGet();
            max.accumulateAndGet(current, Math::max);
        }

        void exit() {
            now.decrementAndGet();
        }
    }

    @Test
    void orderedWorkqueue_neverOverlapsTwoWorksAndKeepsQueueingOrder() {
        final Workqueue wq = queue("ordered", Workqueue.Flag.ORDERED);
        final Concurrency concurrency = new Concurrency();
        final List<Integer> order = new CopyOnWriteArrayList<>();
        final int count = 2000;
        for (int i = 0; i < count; i++) {
            final int index = i;
            assertTrue(wq.queueOn(i & 1, new Work(() -> {
                concurrency.enter();
                order.add(index);
                if ((index & 15) == 0) {
                    Thread.yield();
                }
                concurrency.exit();
            })));
        }
        wq.flush();
        assertEquals(1, concurrency.max.get(), "an ORDERED queue ran two works at once");
        final List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add(i);
        }
        assertEquals(expected, order);
        assertEquals(1, wq.maxActive());
        assertThrows(IllegalStateException.class, () -> wq.setMaxActive(2));
        assertThrows(IllegalArgumentException.class,
                () -> Workqueue.builder("bad").flags(Workqueue.Flag.ORDERED).maxActive(2).pools(pools()).build());
    }

    @Test
    void maxActive_isNeverExceededOnAnUnboundQueue() {
        final Workqueue wq = queue("unbound", 3, Workqueue.Flag.UNBOUND);
        final Concurrency concurrency = new Concurrency();
        for (int i = 0; i < 60; i++) {
            wq.queue(new Work(() -> {
                concurrency.enter();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                concurrency.exit();
            }));
        }
        assertTrue(wq.isCongested(), "60 works with maxActive 3: the rest wait");
        wq.flush();
        assertTrue(concurrency.max.get() <= 3, "maxActive 3 exceeded: " + concurrency.max.get());
        assertTrue(concurrency.max.get() >= 2, "an unbound queue runs works in parallel up to maxActive");
        assertFalse(wq.isCongested());
    }

    @Test
    void maxActive_boundsEachCpusPoolOfABoundQueueEvenWhenWorksSleepInKsync() {
        final Workqueue wq = queue("bound", 2);
        final Concurrency[] perCpu = {new Concurrency(), new Concurrency()};
        final io.ksync.wait.Completion never = new io.ksync.wait.Completion();
        for (int i = 0; i < 40; i++) {
            final int cpu = i & 1;
            wq.queueOn(cpu, new Work(() -> {
                perCpu[cpu].enter();
                never.waitForCompletionTimeout(3, TimeUnit.MILLISECONDS); // sleeps in ksync: the pool runs another
                perCpu[cpu].exit();
            }));
        }
        wq.flush();
        for (int cpu = 0; cpu < 2; cpu++) {
            assertTrue(perCpu[cpu].max.get() <= 2, "cpu " + cpu + ": maxActive 2 exceeded: " + perCpu[cpu].max.get());
        }
    }

    @Test
    void setMaxActive_startsWaitingWorksAtOnceWhenRaised() {
        final Workqueue wq = queue("unbound", 1, Workqueue.Flag.UNBOUND);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch both = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            wq.queue(new Work(() -> {
                both.countDown();
                await(release);
            }));
        }
        awaitCondition("the second work waits for maxActive", wq::isCongested);
        wq.setMaxActive(2);
        await(both); // both run at once now
        release.countDown();
        wq.flush();
        assertThrows(IllegalArgumentException.class, () -> wq.setMaxActive(0));
        assertThrows(IllegalArgumentException.class, () -> wq.setMaxActive(100_000));
    }

    @Test
    void flushWorkqueue_waitsForWorkQueuedBeforeItAndIsNotLivelockedByNewWork() {
        final Workqueue wq = queue("q");
        final AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            wq.queue(new Work(done::incrementAndGet));
        }
        wq.flush();
        assertEquals(100, done.get(), "flush() returned before the works queued before it");
        final AtomicBoolean stop = new AtomicBoolean();
        final java.util.concurrent.Semaphore backlog = new java.util.concurrent.Semaphore(1000); // bounds memory
        final Thread[] queuers = new Thread[2];
        for (int t = 0; t < queuers.length; t++) {
            queuers[t] = start("queuer-" + t, () -> {
                while (!stop.get()) {
                    backlog.acquireUninterruptibly();
                    wq.queue(new Work(() -> {
                        done.incrementAndGet();
                        backlog.release();
                    }));
                }
            });
        }
        for (int i = 0; i < 50; i++) {
            wq.flush(); // must return although new work arrives non-stop
        }
        stop.set(true);
        for (Thread queuer : queuers) {
            join(queuer);
        }
    }

    @Test
    void flushWorkqueue_fromTwoThreadsAtOnce() {
        final Workqueue wq = queue("q");
        final AtomicInteger done = new AtomicInteger();
        final Thread[] flushers = new Thread[3];
        for (int t = 0; t < flushers.length; t++) {
            flushers[t] = start("flusher-" + t, () -> {
                for (int i = 0; i < 300; i++) {
                    final AtomicBoolean mine = new AtomicBoolean();
                    wq.queue(new Work(() -> {
                        mine.set(true);
                        done.incrementAndGet();
                    }));
                    wq.flush();
                    assertTrue(mine.get(), "flush() returned before a work queued before it had run");
                }
            });
        }
        for (Thread flusher : flushers) {
            join(flusher);
        }
        assertEquals(900, done.get());
    }

    @Test
    void flushDrainAndDestroyFromOneOfTheQueuesOwnWorksThrow() {
        final Workqueue wq = queue("q");
        final List<Throwable> outcomes = new CopyOnWriteArrayList<>();
        wq.queue(new Work(() -> {
            for (Runnable call : new Runnable[] {wq::flush, wq::drain, wq::destroy}) {
                try {
                    call.run();
                } catch (Throwable t) {
                    outcomes.add(t);
                }
            }
        }));
        wq.flush();
        assertEquals(3, outcomes.size(), outcomes.toString());
        assertTrue(outcomes.stream().allMatch(t -> t instanceof IllegalStateException), outcomes.toString());
        assertFalse(wq.isDestroyed());
    }

    @Test
    void flushOfAnotherQueueFromAWorkIsAllowed() {
        final Workqueue wq = queue("q");
        final Workqueue other = queue("other");
        final AtomicInteger done = new AtomicInteger();
        other.queue(new Work(done::incrementAndGet));
        wq.queue(new Work(other::flush));
        wq.flush();
        assertEquals(1, done.get());
    }

    @Test
    void drainWorkqueue_acceptsChainedWorkAndRefusesOtherQueueing() {
        final Workqueue wq = queue("q");
        final AtomicInteger chain = new AtomicInteger();
        final CountDownLatch draining = new CountDownLatch(1);
        final AtomicReference<Work> link = new AtomicReference<>();
        link.set(new Work(() -> {
            await(draining);
            if (chain.incrementAndGet() < 20) {
                wq.queue(link.get()); // chained: queued by the queue's own running work
            }
        }));
        wq.queue(link.get());
        final Thread drainer = start("drainer", wq::drain);
        awaitCondition("drain() starts", () -> {
            try {
                wq.queue(new Work(() -> { }));
                return false;
            } catch (IllegalStateException refused) {
                return refused.getMessage().contains("draining");
            }
        });
        draining.countDown();
        join(drainer);
        assertEquals(20, chain.get(), "drain() returns only when the chain is done");
        assertTrue(wq.queue(new Work(() -> { })), "after drain() the queue accepts work again");
        wq.flush();
    }

    @Test
    void destroyWorkqueue_drainsThenRefusesWork() {
        final Workqueue wq = Workqueue.builder("q").pools(pools()).build();
        final AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            wq.queue(new Work(done::incrementAndGet));
        }
        wq.destroy();
        assertEquals(100, done.get());
        assertTrue(wq.isDestroyed());
        final IllegalStateException refused =
                assertThrows(IllegalStateException.class, () -> wq.queue(new Work(() -> { })));
        assertTrue(refused.getMessage().contains("destroyed"), refused.getMessage());
        assertThrows(RejectedExecutionException.class, () -> wq.execute(() -> { }));
        wq.flush(); // nothing in flight: returns
        wq.destroy(); // idempotent
    }

    @Test
    void destroyWorkqueue_aSecondCallMeanwhileReturnsOnlyWhenTheQueueIsDestroyed() {
        final Workqueue wq = queue("q");
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            running.countDown();
            await(release);
        }));
        await(running);
        final Thread first = start("first-destroy", wq::destroy);
        awaitParked(first);
        final Thread second = start("second-destroy", wq::destroy);
        awaitParked(second);
        assertFalse(wq.isDestroyed());
        release.countDown();
        join(second);
        assertTrue(wq.isDestroyed(), "the second destroy() returned before the queue was destroyed");
        join(first);
    }

    @Test
    void destroyWorkqueue_letsTheQueuesOwnWorksChainWhileItDrains() {
        final Workqueue wq = queue("q");
        final AtomicInteger chain = new AtomicInteger();
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final Work[] link = new Work[1];
        link[0] = new Work(() -> {
            if (chain.incrementAndGet() == 1) {
                started.countDown();
                await(go);
            }
            if (chain.get() < 20) {
                wq.queue(link[0]); // chained: allowed while destroy() drains
            }
        });
        wq.queue(link[0]);
        await(started);
        final Thread destroyer = start("destroyer", wq::destroy);
        awaitParked(destroyer);
        go.countDown();
        join(destroyer);
        assertEquals(20, chain.get(), "destroy() returned before the chain was done, or refused a link of it");
        assertFalse(link[0].isBusy());
    }

    @Test
    void flushFromARunWhoseNextInstanceOnThatQueueWasHandedToItIsRefused() {
        pools(builder -> builder.cpus(2));
        final Workqueue first = queue("first");
        final Workqueue second = queue("second");
        final AtomicReference<Throwable> refused = new AtomicReference<>();
        final AtomicInteger runs = new AtomicInteger();
        final Work[] self = new Work[1];
        self[0] = new Work(() -> {
            if (runs.incrementAndGet() > 1) {
                return;
            }
            second.queueOn(1, self[0]); // pool 1 dequeues it and hands it to this thread, which runs it next
            awaitHandedOffBy(1);
            try {
                second.flush(); // would wait for the instance that can only run after this run returns
            } catch (IllegalStateException e) {
                refused.set(e);
            }
        });
        first.queueOn(0, self[0]);
        awaitCondition("both runs", () -> runs.get() == 2 && !self[0].isBusy());
        assertTrue(refused.get() != null, "flush() waited for itself instead of refusing");
        assertTrue(refused.get().getMessage().contains("never reentrant"), refused.get().getMessage());
    }

    @Test
    void destroyWorkqueue_withPendingDelayedWorkRunsItInsteadOfDroppingIt() {
        final Workqueue wq = Workqueue.builder("q").pools(pools()).build();
        final AtomicInteger ran = new AtomicInteger();
        final DelayedWork later = new DelayedWork(ran::incrementAndGet);
        assertTrue(later.queue(wq, 1, TimeUnit.HOURS));
        assertTrue(later.isTimerPending());
        wq.destroy();
        assertEquals(1, ran.get(), "the delayed work pending on the destroyed queue ran");
        assertFalse(later.isBusy());
        assertThrows(IllegalStateException.class, () -> later.queue(wq, 1, TimeUnit.SECONDS));
    }

    @Test
    void closingPoolsWithLiveQueuesIsRefused() {
        final WorkerPools own = WorkerPools.builder().name("own").cpus(1).build();
        final Workqueue wq = Workqueue.builder("q").pools(own).build();
        final IllegalStateException e = assertThrows(IllegalStateException.class, own::close);
        assertTrue(e.getMessage().contains("destroy()"), e.getMessage());
        wq.destroy();
        own.close();
        assertThrows(IllegalStateException.class, () -> Workqueue.builder("late").pools(own).build());
    }

    @Test
    void queueWorkOn_runsOnThatCpusPoolAndHighPriQueuesUseTheHighPriorityPools() {
        final Workqueue normal = queue("normal");
        final Workqueue high = queue("high", Workqueue.Flag.HIGHPRI);
        final Workqueue unbound = queue("unbound", Workqueue.Flag.UNBOUND);
        final List<String> names = new CopyOnWriteArrayList<>();
        final Runnable record = () -> names.add(Thread.currentThread().getName());
        normal.queueOn(1, new Work(record));
        normal.flush();
        high.queueOn(0, new Work(record));
        high.flush();
        unbound.queueOn(1, new Work(record));
        unbound.flush();
        assertTrue(names.get(0).startsWith("kworker-test/1:"), names.toString());
        assertTrue(names.get(1).startsWith("kworker-test/0:") && names.get(1).endsWith("H"), names.toString());
        assertTrue(names.get(2).startsWith("kworker-test/u:"), names.toString());
        assertThrows(IllegalArgumentException.class, () -> normal.queueOn(2, new Work(record)));
        assertThrows(IllegalArgumentException.class, () -> normal.queueOn(-1, new Work(record)));
    }

    @Test
    void executeRunsTheCommandAsAWork() {
        final Workqueue wq = queue("q");
        final CountDownLatch ran = new CountDownLatch(1);
        wq.execute(ran::countDown);
        await(ran);
        assertThrows(NullPointerException.class, () -> wq.execute(null));
    }

    @Test
    void systemQueuesAreSharedStartedOnceAndCannotBeDestroyed() {
        final Workqueue[] system = {Workqueue.system(), Workqueue.systemHighPri(), Workqueue.systemLong(),
                Workqueue.systemUnbound()};
        final CountDownLatch ran = new CountDownLatch(system.length);
        for (Workqueue wq : system) {
            assertSame(WorkerPools.system(), wq.pools());
            wq.queue(new Work(ran::countDown));
            assertThrows(IllegalStateException.class, wq::destroy);
        }
        await(ran);
        assertSame(Workqueue.system(), Workqueue.system());
        assertTrue(Workqueue.systemUnbound().flags().contains(Workqueue.Flag.UNBOUND));
        assertThrows(IllegalStateException.class, WorkerPools.system()::close);
    }

    @Test
    void builderMisuseIsRefusedWithAClearException() {
        assertThrows(IllegalArgumentException.class, () -> Workqueue.builder(""));
        assertThrows(NullPointerException.class, () -> Workqueue.builder(null));
        assertThrows(IllegalArgumentException.class, () -> Workqueue.builder("q").maxActive(0));
        final IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> Workqueue.builder("q").maxActive(Workqueue.MAX_ACTIVE + 1).pools(pools()).build());
        assertTrue(tooMany.getMessage().contains("maxActive"), tooMany.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkerPools.builder().cpus(0));
        assertThrows(IllegalArgumentException.class, () -> WorkerPools.builder().maxWorkers(0));
        assertThrows(IllegalArgumentException.class, () -> WorkerPools.builder().idleTimeout(0, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> WorkerPools.builder().name(""));
    }

    @Test
    void flushWaitsForAWorkBlockedBehindMaxActive() {
        final Workqueue wq = queue("q", 1, Workqueue.Flag.UNBOUND);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger done = new AtomicInteger();
        wq.queue(new Work(() -> await(release)));
        wq.queue(new Work(done::incrementAndGet)); // inactive: waits for maxActive
        final Thread flusher = start("flusher", wq::flush);
        awaitParked(flusher);
        assertEquals(0, done.get());
        release.countDown();
        join(flusher);
        assertEquals(1, done.get());
    }

    @Test
    void worksQueuedBehindABoundPoolsBusyWorkerCanBeCancelledCountedAndFlushed() {
        final Workqueue wq = queue("bound");
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        // holds CPU 0's running worker, which stays counted (it waits outside ksync): nothing else runs there
        wq.queueOn(0, new Work(() -> {
            entered.countDown();
            await(release);
        }));
        await(entered);
        final AtomicInteger ranA = new AtomicInteger();
        final AtomicInteger ranB = new AtomicInteger();
        final Work a = new Work(ranA::incrementAndGet);
        final Work b = new Work(ranB::incrementAndGet);
        assertTrue(wq.queueOn(0, a));
        assertTrue(wq.queueOn(0, b));
        assertFalse(wq.queueOn(0, b), "already pending");
        assertTrue(a.cancel(), "pending behind the busy worker, so cancellable");
        assertEquals(1, pools.stats().get(0).pending(), "b waits on CPU 0's pool");
        final Thread flusher = start("flusher", wq::flush);
        awaitParked(flusher);
        assertEquals(0, ranB.get());
        release.countDown();
        join(flusher);
        assertEquals(1, ranB.get());
        assertEquals(0, ranA.get(), "cancelled");
    }

    @Test
    void maxActive_anInactiveBacklogMovesUpBehindTheWorksQueuedOnThePoolBeforeIt() {
        // pwq_activate_inactive_work appends to the pool's worklist: a work of another queue, queued on the pool
        // while the backlog waited, runs before the backlog's next work, not after all of it
        final Workqueue limited = queue("limited", 1);
        final Workqueue other = queue("other");
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> order = new CopyOnWriteArrayList<>();
        final CountDownLatch allRan = new CountDownLatch(5);
        limited.queueOn(0, new Work(() -> {
            entered.countDown();
            await(release); // outside ksync: CPU 0's worker stays counted, so nothing else runs there meanwhile
            order.add("L0");
            allRan.countDown();
        }));
        await(entered);
        for (int i = 1; i <= 3; i++) {
            final String name = "L" + i;
            limited.queueOn(0, new Work(() -> {
                order.add(name);
                allRan.countDown();
            }));
        }
        assertTrue(limited.isCongested(0), "L1..L3 wait on CPU 0's inactive list (maxActive 1)");
        other.queueOn(0, new Work(() -> {
            order.add("O");
            allRan.countDown();
        }));
        release.countDown();
        await(allRan); // not flush(): a flush links the pushed works itself, which is not what is checked here
        assertEquals(List.of("L0", "O", "L1", "L2", "L3"), order);
    }
}
