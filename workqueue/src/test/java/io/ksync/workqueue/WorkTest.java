package io.ksync.workqueue;

import static io.ksync.testing.Waits.await;
import static io.ksync.testing.Waits.awaitCondition;
import static io.ksync.testing.Waits.awaitParked;
import static io.ksync.testing.Waits.join;
import static io.ksync.testing.Waits.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The rules of a work item ({@code work_struct}), each test named after the kernel rule it checks. */
class WorkTest extends WorkqueueTestBase {

    /** A work that holds its worker until released, counting its runs. */
    static final class Gate {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Work work = new Work(() -> {
            runs.incrementAndGet();
            entered.countDown();
            await(release);
        });
    }

    @Test
    void queueWork_returnsFalseWhilePendingAndTheWorkRunsOnce() {
        final Workqueue wq = queue("ordered", Workqueue.Flag.ORDERED);
        final Gate gate = new Gate();
        final AtomicInteger runs = new AtomicInteger();
        final Work work = new Work(runs::incrementAndGet);
        wq.queue(gate.work);
        await(gate.entered); // the ordered queue is busy: the next work stays pending
        assertTrue(wq.queue(work));
        assertTrue(work.isPending());
        assertFalse(wq.queue(work));
        assertFalse(wq.queueOn(1, work));
        gate.release.countDown();
        wq.flush();
        assertEquals(1, runs.get());
        assertFalse(work.isBusy());
    }

    @Test
    void workIsNonReentrant_queuedAgainWhileRunningOnAnotherQueueItRunsAfterwardsNotAlongside() {
        final Workqueue first = queue("first", Workqueue.Flag.UNBOUND);
        final Workqueue second = queue("second");
        final AtomicInteger inside = new AtomicInteger();
        final AtomicBoolean overlap = new AtomicBoolean();
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Work work = new Work(() -> {
            if (inside.incrementAndGet() != 1) {
                overlap.set(true);
            }
            if (runs.incrementAndGet() == 1) {
                entered.countDown();
                await(release);
            }
            inside.decrementAndGet();
        });
        first.queue(work);
        await(entered);
        assertTrue(work.isRunning());
        assertFalse(work.isPending(), "PENDING is cleared before the function runs");
        assertTrue(second.queueOn(0, work), "a running work can be queued again, on another queue");
        awaitCondition("the second queue's worker hands the instance over", () -> !second.isCongested(0)
                && pools.stats().get(0).pending() == 0);
        assertEquals(1, runs.get(), "the second instance must wait for the first");
        release.countDown();
        awaitCondition("the second run", () -> runs.get() == 2 && !work.isBusy());
        assertFalse(overlap.get(), "the work ran on two threads at once");
    }

    @Test
    void workIsNonReentrant_underManyQueuersOnManyQueues() {
        final Workqueue[] queues = {queue("a"), queue("b", Workqueue.Flag.UNBOUND), queue("c", Workqueue.Flag.HIGHPRI)};
        final AtomicInteger inside = new AtomicInteger();
        final AtomicBoolean overlap = new AtomicBoolean();
        final AtomicInteger runs = new AtomicInteger();
        final Work work = new Work(() -> {
            if (inside.incrementAndGet() != 1) {
                overlap.set(true);
            }
            for (int i = 0; i < 200; i++) {
                Thread.onSpinWait();
            }
            inside.decrementAndGet();
            runs.incrementAndGet();
        });
        final AtomicInteger queued = new AtomicInteger();
        final Thread[] queuers = new Thread[3];
        for (int t = 0; t < queuers.length; t++) {
            final int seed = t;
            queuers[t] = start("queuer-" + t, () -> {
                for (int i = 0; i < 20_000; i++) {
                    final Workqueue wq = queues[(i + seed) % queues.length];
                    if ((i & 1) == 0 ? wq.queue(work) : wq.queueOn((i >> 1) & 1, work)) {
                        queued.incrementAndGet();
                    }
                }
            });
        }
        for (Thread queuer : queuers) {
            join(queuer);
        }
        work.flush();
        awaitCondition("every run ends", () -> !work.isBusy());
        assertFalse(overlap.get(), "the work ran on two threads at once");
        assertEquals(queued.get(), runs.get(), "one run per successful queueing");
    }

    @Test
    void cancelWork_takesAPendingInstanceOffItsQueueAndSaysSo() {
        final Workqueue wq = queue("ordered", Workqueue.Flag.ORDERED);
        final Gate gate = new Gate();
        final AtomicInteger runs = new AtomicInteger();
        final Work work = new Work(runs::incrementAndGet);
        wq.queue(gate.work);
        await(gate.entered);
        wq.queue(work);
        assertTrue(work.cancel());
        assertFalse(work.isPending());
        assertFalse(work.cancel(), "nothing pending any more");
        gate.release.countDown();
        wq.flush();
        assertEquals(0, runs.get());
        assertTrue(wq.queue(work), "a cancelled work can be queued again");
        wq.flush();
        assertEquals(1, runs.get());
    }

    @Test
    void cancelWork_doesNotWaitForARunningInstance() {
        final Workqueue wq = queue("q");
        final Gate gate = new Gate();
        wq.queue(gate.work);
        await(gate.entered);
        assertFalse(gate.work.cancel(), "running, not pending");
        assertTrue(gate.work.isRunning());
        gate.release.countDown();
        wq.flush();
    }

    @Test
    void cancelWorkSync_waitsForTheRunningInstance() {
        final Workqueue wq = queue("q");
        final AtomicBoolean finished = new AtomicBoolean();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Work work = new Work(() -> {
            entered.countDown();
            await(release);
            finished.set(true);
        });
        wq.queue(work);
        await(entered);
        final AtomicReference<String> seen = new AtomicReference<>();
        final Thread canceller = start("canceller", () -> {
            final boolean wasPending = work.cancelSync();
            seen.set(wasPending + "/" + finished.get() + "/" + work.isBusy());
        });
        awaitParked(canceller);
        release.countDown();
        join(canceller);
        assertEquals("false/true/false", seen.get());
    }

    @Test
    void cancelWorkSync_beatsASelfRequeueingWork_1000Rounds() {
        final Workqueue wq = queue("q");
        final AtomicInteger runs = new AtomicInteger();
        final AtomicBoolean cancelled = new AtomicBoolean();
        final AtomicBoolean ranAfterCancel = new AtomicBoolean();
        final AtomicReference<Work> self = new AtomicReference<>();
        self.set(new Work(() -> {
            if (cancelled.get()) {
                ranAfterCancel.set(true);
            }
            runs.incrementAndGet();
            wq.queue(self.get()); // re-queue: the classic reason cancel_work_sync exists
        }));
        final Work work = self.get();
        for (int round = 0; round < 1000; round++) {
            cancelled.set(false);
            final int before = runs.get();
            wq.queue(work);
            while (runs.get() - before < 1 + (round & 3)) {
                Thread.onSpinWait();
            }
            work.cancelSync();
            cancelled.set(true);
            assertFalse(work.isPending(), "round " + round + ": still pending after cancelSync");
            assertFalse(work.isRunning(), "round " + round + ": still running after cancelSync");
        }
        final int after = runs.get();
        wq.flush();
        assertEquals(after, runs.get(), "the work ran after cancelSync returned");
        assertFalse(ranAfterCancel.get(), "the work ran after cancelSync returned");
    }

    @Test
    void cancelWorkSync_fromTwoThreadsAtOnceBothReturnWithTheWorkIdle() {
        final Workqueue wq = queue("q", Workqueue.Flag.UNBOUND);
        final Gate gate = new Gate();
        wq.queue(gate.work);
        await(gate.entered);
        final Workqueue other = queue("other", Workqueue.Flag.ORDERED);
        final Gate blocker = new Gate();
        other.queue(blocker.work);
        await(blocker.entered);
        other.queue(gate.work); // pending again while it runs, behind the blocker
        final List<Boolean> outcomes = new CopyOnWriteArrayList<>();
        final Thread a = start("cancel-a", () -> outcomes.add(gate.work.cancelSync()));
        final Thread b = start("cancel-b", () -> outcomes.add(gate.work.cancelSync()));
        awaitParked(a);
        awaitParked(b);
        gate.release.countDown();
        join(a);
        join(b);
        blocker.release.countDown();
        assertFalse(gate.work.isBusy());
        assertEquals(1, outcomes.stream().filter(Boolean::booleanValue).count(), outcomes.toString());
        other.flush();
        assertEquals(1, gate.runs.get(), "the pending instance was cancelled");
    }

    @Test
    void flushWork_waitsForTheLastQueuedInstanceAndSaysWhetherItWaited() {
        final Workqueue wq = queue("ordered", Workqueue.Flag.ORDERED);
        final Gate gate = new Gate();
        final AtomicInteger runs = new AtomicInteger();
        final Work work = new Work(runs::incrementAndGet);
        assertFalse(work.flush(), "idle: nothing to wait for");
        wq.queue(gate.work);
        await(gate.entered);
        wq.queue(work);
        final AtomicReference<String> seen = new AtomicReference<>();
        final Thread flusher = start("flusher", () -> seen.set(work.flush() + "/" + runs.get()));
        awaitParked(flusher);
        gate.release.countDown();
        join(flusher);
        assertEquals("true/1", seen.get());
        assertFalse(work.flush());
    }

    @Test
    void flushWork_returnsWhileAnotherThreadQueuesItNonStop() {
        final Workqueue wq = queue("q");
        final AtomicInteger runs = new AtomicInteger();
        final Work work = new Work(runs::incrementAndGet);
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread queuer = start("queuer", () -> {
            while (!stop.get()) {
                wq.queue(work);
            }
        });
        awaitCondition("the queuer is going", () -> runs.get() > 10);
        // A flush that reads the pending bit while the queuer is between setting it and numbering the instance
        // does not wait (a queueing concurrent with the call, see flush()'s Javadoc); when a descheduled queuer
        // often sits in that window, most flushes miss. So the test flushes until 20 have waited, bounded by a
        // count of flushes, not by time: every flush must return, and some must have waited.
        final int wanted = 20;
        final int maxFlushes = 100_000;
        int waited = 0;
        int flushes = 0;
        while (waited < wanted && flushes < maxFlushes) {
            awaitCondition("the queuer queues the work again", work::isPending);
            final int before = runs.get();
            flushes++;
            if (work.flush()) { // it waited for an instance queued before the call: that instance ran
                waited++;
                assertTrue(runs.get() > before, "flush() returned true but no run ended meanwhile");
            }
        }
        stop.set(true);
        join(queuer);
        assertEquals(wanted, waited, flushes + " flushes against a non-stop queuer found the work busy " + waited
                + " times");
    }

    @Test
    void cancelSyncAndFlushFromTheWorksOwnFunctionThrow() {
        final Workqueue wq = queue("q");
        final List<Throwable> outcomes = new CopyOnWriteArrayList<>();
        final AtomicReference<Work> self = new AtomicReference<>();
        self.set(new Work(() -> {
            for (Runnable call : new Runnable[] {() -> self.get().cancelSync(), () -> self.get().flush()}) {
                try {
                    call.run();
                } catch (Throwable t) {
                    outcomes.add(t);
                }
            }
            self.get().cancel(); // allowed: it does not wait
        }));
        wq.queue(self.get());
        wq.flush();
        assertEquals(2, outcomes.size(), outcomes.toString());
        assertTrue(outcomes.stream().allMatch(t -> t instanceof IllegalStateException), outcomes.toString());
    }

    @Test
    void aThrowingWorkIsReportedItsWorkerGoesOnAndFlushAndCancelSyncReturn() {
        final Workqueue wq = queue("q");
        final Work bad = new Work(() -> {
            throw new IllegalStateException("expected");
        });
        final AtomicInteger good = new AtomicInteger();
        final Work next = new Work(good::incrementAndGet);
        wq.queueOn(0, bad);
        wq.queueOn(0, next);
        bad.flush();
        wq.flush();
        assertEquals(1, good.get());
        awaitCondition("the failure is reported", () -> reported.size() == 1);
        wq.queueOn(0, bad);
        bad.cancelSync();
        assertFalse(bad.isBusy());
    }

    @Test
    void anInterruptLeftByAWorkDoesNotReachTheNextWorkOnTheSameWorker() {
        pools(builder -> builder.cpus(1));
        final Workqueue wq = queue("q");
        final AtomicReference<String> threads = new AtomicReference<>("");
        final AtomicBoolean nextSawInterrupt = new AtomicBoolean();
        wq.queue(new Work(() -> {
            threads.set(Thread.currentThread().getName());
            Thread.currentThread().interrupt(); // e.g. FutureTask.cancel(true) arriving as the task returns
        }));
        wq.queue(new Work(() -> {
            threads.set(threads.get() + "," + Thread.currentThread().getName());
            nextSawInterrupt.set(Thread.currentThread().isInterrupted());
        }));
        wq.flush();
        assertFalse(nextSawInterrupt.get(), "the next work inherited an interrupt (threads " + threads.get() + ")");
    }

    @Test
    void workQueueAndQueueOnUseTheSystemWorkqueue() {
        final CountDownLatch ran = new CountDownLatch(2);
        final Work work = new Work(ran::countDown);
        assertTrue(work.queue());
        work.flush();
        assertTrue(work.queueOn(0));
        await(ran);
        assertThrows(IllegalArgumentException.class, () -> work.queueOn(WorkerPools.system().cpus()));
        assertThrows(NullPointerException.class, () -> new Work(null));
    }
}
