package io.ksync.workqueue;

import static io.ksync.testing.Waits.await;
import static io.ksync.testing.Waits.awaitParked;
import static io.ksync.testing.Waits.join;
import static io.ksync.testing.Waits.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.timer.ManualTimerClock;
import io.ksync.timer.TimerService;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Delayed work ({@code delayed_work}) in virtual time: the pools' timers run on a manual clock. */
class DelayedWorkTest extends WorkqueueTestBase {

    private final ManualTimerClock clock = new ManualTimerClock(0);
    private TimerService timers;
    private Workqueue wq;

    @BeforeEach
    void setUp() {
        timers = TimerService.builder().name("test").clock(clock).bases(2).build();
        pools(builder -> builder.timers(timers));
        wq = queue("q");
    }

    @AfterEach
    void closeTimers() {
        timers.close();
    }

    /** Moves virtual time on and waits until the works it made due have run. */
    private void advance(long amount, TimeUnit unit) {
        clock.advance(amount, unit);
        timers.awaitDue();
        wq.flush();
    }

    @Test
    void queueDelayedWork_runsOnlyOnceItsDelayHasPassed() {
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork work = new DelayedWork(runs::incrementAndGet);
        assertTrue(work.queue(wq, 10, TimeUnit.SECONDS));
        assertTrue(work.isPending());
        assertTrue(work.isTimerPending());
        advance(9, TimeUnit.SECONDS);
        assertEquals(0, runs.get(), "ran before its delay");
        advance(2, TimeUnit.SECONDS);
        assertEquals(1, runs.get());
        assertFalse(work.isBusy());
    }

    @Test
    void queueDelayedWork_returnsFalseWhilePendingAndKeepsTheFirstDelay() {
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork work = new DelayedWork(runs::incrementAndGet);
        assertTrue(work.queue(wq, 10, TimeUnit.SECONDS));
        assertFalse(work.queue(wq, 1, TimeUnit.SECONDS), "already pending: nothing changes");
        advance(2, TimeUnit.SECONDS);
        assertEquals(0, runs.get(), "the second queueing must not have shortened the delay");
        advance(9, TimeUnit.SECONDS);
        assertEquals(1, runs.get());
    }

    @Test
    void queueDelayedWork_withZeroDelayQueuesAtOnce() {
        final CountDownLatch ran = new CountDownLatch(1);
        final DelayedWork work = new DelayedWork(ran::countDown);
        assertTrue(work.queue(wq, 0, TimeUnit.SECONDS));
        await(ran); // no clock movement needed
        assertFalse(work.isTimerPending());
    }

    @Test
    void queueDelayedWorkOn_runsOnThatCpusPool() {
        final AtomicReference<String> thread = new AtomicReference<>();
        final DelayedWork work = new DelayedWork(() -> thread.set(Thread.currentThread().getName()));
        work.queueOn(1, wq, 1, TimeUnit.SECONDS);
        advance(2, TimeUnit.SECONDS);
        assertTrue(thread.get().startsWith("kworker-test/1:"), thread.get());
        assertThrows(IllegalArgumentException.class, () -> work.queueOn(2, wq, 1, TimeUnit.SECONDS));
    }

    @Test
    void modDelayedWork_movesAPendingTimerAndReturnsTrue() {
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork work = new DelayedWork(runs::incrementAndGet);
        work.queue(wq, 10, TimeUnit.SECONDS);
        assertTrue(work.mod(wq, 30, TimeUnit.SECONDS), "was pending");
        advance(11, TimeUnit.SECONDS);
        assertEquals(0, runs.get(), "mod() moved the expiry later");
        advance(20, TimeUnit.SECONDS);
        assertEquals(1, runs.get());
    }

    @Test
    void modDelayedWork_queuesAnIdleWorkAndReturnsFalse() {
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork work = new DelayedWork(runs::incrementAndGet);
        assertFalse(work.mod(wq, 5, TimeUnit.SECONDS), "was idle");
        assertTrue(work.isPending());
        advance(6, TimeUnit.SECONDS);
        assertEquals(1, runs.get());
    }

    @Test
    void modDelayedWork_withZeroDelayRunsAPendingWorkNow() {
        final CountDownLatch ran = new CountDownLatch(1);
        final DelayedWork work = new DelayedWork(ran::countDown);
        work.queue(wq, 1, TimeUnit.HOURS);
        assertTrue(work.mod(wq, 0, TimeUnit.SECONDS));
        await(ran);
        assertFalse(work.isTimerPending());
    }

    @Test
    void cancelDelayedWork_stopsThePendingTimer() {
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork work = new DelayedWork(runs::incrementAndGet);
        assertFalse(work.cancel(), "idle");
        work.queue(wq, 10, TimeUnit.SECONDS);
        assertTrue(work.cancel());
        assertFalse(work.isPending());
        assertFalse(work.isTimerPending());
        advance(20, TimeUnit.SECONDS);
        assertEquals(0, runs.get());
        assertTrue(work.queue(wq, 1, TimeUnit.SECONDS), "a cancelled delayed work can be queued again");
        advance(2, TimeUnit.SECONDS);
        assertEquals(1, runs.get());
    }

    @Test
    void cancelDelayedWorkSync_waitsForARunningInstanceAndStopsAReArmedTimer() {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        final AtomicReference<DelayedWork> self = new AtomicReference<>();
        self.set(new DelayedWork(() -> {
            runs.incrementAndGet();
            entered.countDown();
            await(release);
            self.get().queue(wq, 1, TimeUnit.SECONDS); // re-arms itself
        }));
        self.get().queue(wq, 0, TimeUnit.SECONDS);
        await(entered);
        final AtomicReference<String> seen = new AtomicReference<>();
        final Thread canceller = start("canceller", () -> {
            self.get().cancelSync();
            seen.set(self.get().isBusy() + "/" + self.get().isTimerPending());
        });
        awaitParked(canceller);
        release.countDown();
        join(canceller);
        assertEquals("false/false", seen.get());
        advance(5, TimeUnit.SECONDS);
        assertEquals(1, runs.get(), "nothing ran after cancelSync returned");
    }

    @Test
    void cancelDelayedWorkSync_againstASelfRearmingWork_200Rounds() {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicBoolean cancelled = new AtomicBoolean();
        final AtomicBoolean ranAfterCancel = new AtomicBoolean();
        final AtomicReference<DelayedWork> self = new AtomicReference<>();
        self.set(new DelayedWork(() -> {
            if (cancelled.get()) {
                ranAfterCancel.set(true);
            }
            runs.incrementAndGet();
            self.get().queue(wq, (runs.get() & 1), TimeUnit.MILLISECONDS); // now, or on the next tick
        }));
        for (int round = 0; round < 200; round++) {
            cancelled.set(false);
            self.get().queue(wq, 0, TimeUnit.SECONDS);
            clock.advance(1, TimeUnit.MILLISECONDS);
            self.get().cancelSync();
            cancelled.set(true);
            assertFalse(self.get().isBusy(), "round " + round);
            assertFalse(self.get().isTimerPending(), "round " + round);
        }
        advance(1, TimeUnit.SECONDS);
        assertFalse(ranAfterCancel.get(), "the work ran after cancelSync returned");
    }

    @Test
    void flushDelayedWork_firesThePendingTimerNowAndWaitsForTheRun() {
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork work = new DelayedWork(runs::incrementAndGet);
        assertFalse(work.flush(), "idle: nothing to wait for");
        work.queue(wq, 1, TimeUnit.HOURS);
        assertTrue(work.flush());
        assertEquals(1, runs.get(), "flush() ran it without waiting for the hour");
        assertFalse(work.isBusy());
    }

    @Test
    void drainQueuesPendingDelayedWorksAtOnce() {
        final List<String> ran = new CopyOnWriteArrayList<>();
        final DelayedWork soon = new DelayedWork(() -> ran.add("soon"));
        final DelayedWork later = new DelayedWork(() -> ran.add("later"));
        soon.queue(wq, 1, TimeUnit.MINUTES);
        later.queue(wq, 1, TimeUnit.DAYS);
        wq.drain();
        assertEquals(2, ran.size(), ran.toString());
        assertFalse(soon.isBusy());
        assertFalse(later.isBusy());
    }

    @Test
    void drainWaitsForAnExpiredTimerWhoseCallbackHasNotQueuedTheWorkYet() throws InterruptedException {
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork work = new DelayedWork(runs::incrementAndGet);
        final CountDownLatch inCallback = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        DelayedWork.beforeExpiredLinkForTesting = () -> {
            inCallback.countDown();
            await(release);
        };
        try {
            assertTrue(work.queue(wq, 1, TimeUnit.SECONDS));
            clock.advance(2, TimeUnit.SECONDS);
            await(inCallback); // expired: neither in the timer nor on a worklist, yet pending
            assertFalse(work.isTimerPending());
            assertTrue(work.isPending());
            final AtomicInteger runsWhenDrainReturned = new AtomicInteger(-1);
            final Thread drainer = start("drainer", () -> {
                wq.drain();
                runsWhenDrainReturned.set(runs.get());
            });
            drainer.join(200); // a bounded look, not a timing: drain() must not return while the instance hangs
            assertEquals(-1, runsWhenDrainReturned.get(), "drain() returned while the expired instance was unlinked");
            release.countDown();
            join(drainer);
            assertEquals(1, runsWhenDrainReturned.get(), "drain() must return only after the instance has run");
        } finally {
            DelayedWork.beforeExpiredLinkForTesting = null;
            release.countDown();
        }
    }

    @Test
    void misuseIsRefusedWithAClearException() {
        final DelayedWork work = new DelayedWork(() -> { });
        assertThrows(IllegalArgumentException.class, () -> work.queue(wq, -1, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> work.mod(wq, -1, TimeUnit.SECONDS));
        assertThrows(NullPointerException.class, () -> work.queue(null, 1, TimeUnit.SECONDS));
        assertThrows(NullPointerException.class, () -> work.queue(wq, 1, null));
        assertThrows(NullPointerException.class, () -> new DelayedWork(null));
        assertFalse(work.isPending(), "refused calls change nothing");
    }

    @Test
    void reArmingAndCancellingAllocateNothing() throws Exception {
        final DelayedWork work = new DelayedWork(() -> { });
        work.queue(wq, 1, TimeUnit.HOURS); // the first queueing creates the timer and registers the work
        work.cancel();
        final Object bean = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean").invoke(null);
        final java.lang.reflect.Method allocated;
        try {
            allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        } catch (ClassNotFoundException e) {
            return;
        }
        // the least of several rounds: a round during which the JIT deoptimises runs part of the path in the
        // interpreter, whose VarHandle calls may box (about 1.5 KB seen on CI); an allocation per call would show
        // in every round, at least 20000 x 16 bytes
        long bytes = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            final long before = (Long) allocated.invoke(bean);
            for (int i = 0; i < 20_000; i++) {
                work.queue(wq, 1 + (i & 7), TimeUnit.SECONDS);
                work.mod(wq, 10, TimeUnit.SECONDS);
                work.cancel();
            }
            bytes = Math.min(bytes, (Long) allocated.invoke(bean) - before);
        }
        assertTrue(bytes < 1024, "20000 queue+mod+cancel rounds allocated " + bytes + " bytes (least of 5 rounds)");
    }
}
