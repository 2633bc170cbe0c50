package io.ksync.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.timer.HrTimer.Mode;
import io.ksync.timer.HrTimer.Restart;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HrTimer} in virtual time: nanosecond expiries, restart and forward, slack, cancel. */
class HrTimerTest {

    private static final long US = 1_000L;
    private static final long WAIT_SECONDS = 30;

    private ManualTimerClock clock;
    private TimerService service;
    private final List<Throwable> reported = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        clock = new ManualTimerClock(-5_000 * US); // crosses zero: times compare by difference
        service = TimerService.builder().clock(clock).bases(1).name("hr")
                .uncaughtExceptionHandler((thread, failure) -> reported.add(failure)).build();
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private long now() {
        return clock.nanoTime();
    }

    private void advanceNanos(long nanos) {
        clock.advance(nanos, TimeUnit.NANOSECONDS);
        service.awaitDue();
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        assertTrue(latch.await(WAIT_SECONDS, TimeUnit.SECONDS), "timed out waiting");
    }

    @Test
    void runsAtItsExpiryToTheNanosecond() {
        List<Long> ranAt = new CopyOnWriteArrayList<>();
        HrTimer timer = new HrTimer(service, t -> {
            ranAt.add(clock.nanoTime());
            return Restart.NORESTART;
        });
        long expires = now() + 1_234_567;
        timer.start(expires, Mode.ABS);
        assertTrue(timer.isQueued());
        assertTrue(timer.isActive());

        advanceNanos(1_234_566);
        assertEquals(List.of(), ranAt);
        advanceNanos(1);

        assertEquals(List.of(expires), ranAt);
        assertFalse(timer.isActive());
    }

    @Test
    void relativeStartCountsFromNow() {
        AtomicInteger runs = new AtomicInteger();
        HrTimer timer = new HrTimer(service, t -> {
            runs.incrementAndGet();
            return Restart.NORESTART;
        });
        advanceNanos(777);
        timer.start(500 * US, Mode.REL);
        assertEquals(500 * US, timer.remaining());

        advanceNanos(200 * US);
        assertEquals(300 * US, timer.remaining());
        advanceNanos(300 * US);
        assertEquals(1, runs.get());
    }

    @Test
    void dueTimersRunInExpiryOrderWithTiesInStartOrder() {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        long base = now() + 1_000 * US;
        long[] expiries = {base + 30, base + 10, base + 20, base + 10, base};
        String[] names = {"30", "10", "20", "10bis", "0"};
        for (int i = 0; i < names.length; i++) {
            final String name = names[i];
            new HrTimer(service, t -> {
                order.add(name);
                return Restart.NORESTART;
            }).start(expiries[i], Mode.ABS);
        }

        advanceNanos(2_000 * US);

        assertEquals(List.of("0", "10", "10bis", "20", "30"), order);
    }

    @Test
    void restartWithForwardIsDriftFreeAndCountsOverruns() {
        final long period = 250 * US;
        long start = now();
        List<Long> expiries = new CopyOnWriteArrayList<>();
        List<Long> overruns = new CopyOnWriteArrayList<>();
        HrTimer periodic = new HrTimer(service, t -> {
            expiries.add(t.expires());
            overruns.add(t.forwardNow(period));
            return Restart.RESTART;
        });
        periodic.start(start + period, Mode.ABS);

        for (int i = 0; i < 4; i++) {
            advanceNanos(period);
        }
        advanceNanos(3 * period + period / 2); // the base was away for 3.5 periods

        assertEquals(List.of(start + period, start + 2 * period, start + 3 * period, start + 4 * period,
                start + 5 * period), expiries);
        assertEquals(List.of(1L, 1L, 1L, 1L, 3L), overruns, "the last run forwards past 3 missed periods");
        assertEquals(start + 8 * period, periodic.expires(), "always a whole number of periods from the start");
        assertTrue(periodic.isQueued());
        assertTrue(periodic.cancel());
        assertFalse(periodic.isActive());
    }

    @Test
    void forwardFollowsTheKernelsArithmetic() {
        HrTimer timer = new HrTimer(service, t -> Restart.NORESTART);
        long x = now() + 1_000;
        timer.start(x, Mode.ABS);
        IllegalStateException queued = assertThrows(IllegalStateException.class, () -> timer.forward(x, 100));
        assertTrue(queued.getMessage().contains("queued"), queued.getMessage());
        assertEquals(1, timer.tryCancel());

        assertEquals(0, timer.forward(x - 1, 100), "expiry still ahead: unchanged");
        assertEquals(x, timer.expires());
        assertEquals(1, timer.forward(x, 100), "exactly at the expiry: one interval");
        assertEquals(x + 100, timer.expires());
        assertEquals(4, timer.forward(x + 100 + 350, 100), "3.5 intervals late: 4 to get past now");
        assertEquals(x + 500, timer.expires());
        assertEquals(1, timer.forward(x + 500, 100));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> timer.forward(x, 0));
        assertTrue(zero.getMessage().contains("interval must be > 0"), zero.getMessage());
    }

    @Test
    void slackLetsATimerRideAnEarlierWakeUp() {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        long t0 = now();
        HrTimer withSlack = new HrTimer(service, t -> {
            order.add("slack:" + (clock.nanoTime() - t0));
            return Restart.NORESTART;
        });
        HrTimer exact = new HrTimer(service, t -> {
            order.add("exact:" + (clock.nanoTime() - t0));
            return Restart.NORESTART;
        });
        withSlack.startRange(t0 + 100 * US, 50 * US, Mode.ABS); // anywhere in [100, 150] us
        exact.start(t0 + 120 * US, Mode.ABS);
        assertEquals(t0 + 150 * US, withSlack.hardExpires());

        clock.set(t0 + 120 * US);
        service.awaitDue();

        // both ran at the 120 us wake-up, in hard-expiry order
        assertEquals(List.of("exact:" + 120 * US, "slack:" + 120 * US), order);
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> exact.startRange(t0, -1, Mode.ABS));
        assertTrue(negative.getMessage().contains("slack must be >= 0"), negative.getMessage());
    }

    @Test
    void cancelWaitsForTheRunningCallbackAndTryCancelDoesNot() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runsStarted = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        HrTimer timer = new HrTimer(service, t -> {
            runsStarted.incrementAndGet();
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.incrementAndGet();
            return Restart.RESTART; // with the old expiry: cancel() must remove this restart too
        });
        timer.start(0, Mode.REL);
        clock.advance(1, TimeUnit.MICROSECONDS);
        await(started);

        assertEquals(-1, timer.tryCancel());
        assertTrue(timer.isRunning());
        AtomicReference<Boolean> cancelled = new AtomicReference<>();
        int[] atReturn = new int[2];
        Thread canceller = new Thread(() -> {
            cancelled.set(timer.cancel());
            atReturn[0] = runsStarted.get();
            atReturn[1] = finished.get();
        });
        canceller.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (canceller.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() - deadline < 0, "cancel() never waited");
            Thread.onSpinWait();
        }
        assertEquals(0, finished.get());
        release.countDown();
        canceller.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));

        assertFalse(canceller.isAlive());
        assertEquals(atReturn[0], atReturn[1], "cancel() returned while a run had not finished");
        assertTrue(atReturn[1] >= 1);
        assertFalse(timer.isActive());
        assertEquals(atReturn[0], runsStarted.get(), "the restart was cancelled: no run after cancel() returned");
    }

    @Test
    void cancelFromTheOwnCallbackThrows() {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        HrTimer timer = new HrTimer(service, t -> {
            try {
                t.cancel();
            } catch (Throwable e) {
                failure.set(e);
            }
            return Restart.NORESTART;
        });
        timer.start(0, Mode.REL);

        advanceNanos(1);

        assertTrue(failure.get() instanceof IllegalStateException, String.valueOf(failure.get()));
        assertTrue(failure.get().getMessage().contains("own callback"), failure.get().getMessage());
    }

    @Test
    void aCallbackMayStartItsOwnTimerInsteadOfRestarting() {
        AtomicInteger runs = new AtomicInteger();
        HrTimer timer = new HrTimer(service, t -> {
            if (runs.incrementAndGet() == 1) {
                t.start(10 * US, Mode.REL);
            }
            return Restart.NORESTART; // it stays queued: started by the callback
        });
        timer.start(0, Mode.REL);

        advanceNanos(1);
        assertEquals(1, runs.get());
        assertTrue(timer.isQueued());
        advanceNanos(10 * US);
        assertEquals(2, runs.get());
        assertFalse(timer.isQueued());
    }

    @Test
    void aRestartWithoutForwardRunsAgainInTheNextPassNotInALoop() throws InterruptedException {
        AtomicLong runs = new AtomicLong();
        CountDownLatch thrice = new CountDownLatch(3);
        HrTimer stubborn = new HrTimer(service, t -> {
            runs.incrementAndGet();
            thrice.countDown();
            return Restart.RESTART; // expiry not moved: due again at once
        });
        AtomicInteger other = new AtomicInteger();
        new HrTimer(service, t -> {
            other.incrementAndGet();
            return Restart.NORESTART;
        }).start(5 * US, Mode.REL);
        stubborn.start(1 * US, Mode.REL);

        clock.advance(10, TimeUnit.MICROSECONDS);
        await(thrice);

        assertTrue(stubborn.cancel());
        assertEquals(1, other.get(), "the other due timer was not starved by the restarting one");
    }

    @Test
    void aThrowingCallbackIsReportedAndNotRestarted() {
        HrTimer timer = new HrTimer(service, t -> {
            throw new IllegalStateException("hr failure");
        });
        timer.start(0, Mode.REL);

        advanceNanos(1);

        assertEquals(1, reported.size());
        assertEquals("hr failure", reported.get(0).getMessage());
        assertFalse(timer.isActive());

        AtomicInteger laterRuns = new AtomicInteger(); // the base goes on
        HrTimer later = new HrTimer(service, t -> {
            laterRuns.incrementAndGet();
            return Restart.NORESTART;
        });
        later.start(5 * US, Mode.REL);
        advanceNanos(5 * US);
        assertEquals(1, laterRuns.get());
        assertEquals(1, reported.size());
    }

    @Test
    void theBoundOnPendingTimersCountsHrTimersToo() {
        try (TimerService bounded = TimerService.builder().clock(clock).bases(1).maxPendingPerBase(2).build()) {
            new Timer(bounded, t -> { }).add(now() + 1_000 * US);
            HrTimer first = new HrTimer(bounded, t -> Restart.NORESTART);
            HrTimer second = new HrTimer(bounded, t -> Restart.NORESTART);
            first.start(10 * US, Mode.REL);

            IllegalStateException e = assertThrows(IllegalStateException.class, () -> second.start(10 * US, Mode.REL));
            assertTrue(e.getMessage().contains("maxPendingPerBase"), e.getMessage());
            assertFalse(second.isQueued());
            assertEquals(2, bounded.pendingTimers());
            first.start(20 * US, Mode.REL); // moving a queued timer needs no room
            assertTrue(first.isQueued());
            assertTrue(first.cancel());
            second.start(10 * US, Mode.REL); // room again
            assertTrue(second.isQueued());
        }
    }

    @Test
    void restartingAQueuedTimerMovesIt() {
        AtomicInteger runs = new AtomicInteger();
        HrTimer timer = new HrTimer(service, t -> {
            runs.incrementAndGet();
            return Restart.NORESTART;
        });
        timer.start(10 * US, Mode.REL);
        timer.start(50 * US, Mode.REL);

        advanceNanos(20 * US);
        assertEquals(0, runs.get());
        advanceNanos(30 * US);
        assertEquals(1, runs.get());
        assertEquals(0, service.pendingTimers());
    }

    @Test
    void startOnAClosedServiceThrows() {
        HrTimer timer = new HrTimer(service, t -> Restart.NORESTART);
        timer.start(1_000 * US, Mode.REL);
        service.close();

        assertFalse(timer.isQueued(), "close() dequeues");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> timer.start(0, Mode.REL));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals(0, timer.tryCancel());
    }

    /** The base sleeps until a wheel timer an hour away; an HrTimer 1 ms away must wake it (system clock). */
    @Test
    void anHrTimerWakesABaseSleepingOnTheWheel() throws InterruptedException {
        try (TimerService real = TimerService.builder().bases(1).name("hr-nohz").build()) {
            new Timer(real, t -> { }).add(real.nanoTime() + TimeUnit.HOURS.toNanos(1));
            real.awaitDue();
            CountDownLatch ran = new CountDownLatch(1);

            new HrTimer(real, t -> {
                ran.countDown();
                return Restart.NORESTART;
            }).start(TimeUnit.MILLISECONDS.toNanos(1), Mode.REL);

            await(ran);
        }
    }

    @Test
    void aTimerFarBeyondTheClockRangeNeitherBlocksOthersNorSpinsTheBase() {
        HrTimer never = new HrTimer(service, t -> Restart.NORESTART);
        // 1.5 x 2^62 ns ahead with any slack: the hard expiry would wrap into the past were it not clamped
        never.startRange(now() + (1L << 62) + (1L << 61), Long.MAX_VALUE, Mode.ABS);
        AtomicInteger runs = new AtomicInteger();
        new HrTimer(service, t -> {
            runs.incrementAndGet();
            return Restart.NORESTART;
        }).start(10 * US, Mode.REL);

        advanceNanos(10 * US);

        assertEquals(1, runs.get(), "the far timer sorted ahead of a due one");
        assertTrue(never.isQueued());
        assertTrue(never.expires() - now() > 0, "the far timer looked due");
    }

    @Test
    void aCallbackThatStartsItselfAndReturnsRestartIsQueuedOnce() {
        AtomicInteger runs = new AtomicInteger();
        HrTimer timer = new HrTimer(service, t -> {
            runs.incrementAndGet();
            t.start(10 * US, Mode.REL);
            return Restart.RESTART; // queued already: no second instance
        });
        timer.start(0, Mode.REL);

        advanceNanos(1);

        assertEquals(1, service.pendingTimers());
        assertTrue(timer.cancel());
        assertEquals(0, service.pendingTimers());
        assertEquals(1, runs.get());
    }

    @Test
    void aCallbackReturningNullIsReportedAndNotRestarted() {
        HrTimer timer = new HrTimer(service, t -> null);
        timer.start(0, Mode.REL);

        advanceNanos(1);

        assertEquals(1, reported.size());
        assertTrue(reported.get(0) instanceof NullPointerException, String.valueOf(reported.get(0)));
        assertFalse(timer.isActive());
    }

    /**
     * Two bases: threads on different CPUs restart one timer while its callback runs; the callback must never run
     * on two threads at once, and cancel() must leave it neither queued nor running.
     */
    @Test
    void restartsFromManyThreadsNeverRunTheCallbackTwiceAtOnce() throws InterruptedException {
        try (TimerService two = TimerService.builder().bases(2).name("hr2").build()) {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            AtomicInteger runs = new AtomicInteger();
            HrTimer timer = new HrTimer(two, t -> {
                if (running.incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                runs.incrementAndGet();
                for (int i = 0; i < 200; i++) {
                    Thread.onSpinWait();
                }
                running.decrementAndGet();
                return runs.get() % 3 == 0 ? Restart.RESTART : Restart.NORESTART;
            });
            Thread[] starters = new Thread[3];
            CountDownLatch go = new CountDownLatch(1);
            for (int s = 0; s < starters.length; s++) {
                starters[s] = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 20_000; i++) {
                        timer.start(i % 7 == 0 ? 0 : 20 * US, Mode.REL);
                        if (i % 11 == 0) {
                            timer.tryCancel();
                        }
                    }
                });
                starters[s].start();
            }
            go.countDown();
            for (Thread starter : starters) {
                starter.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
                assertFalse(starter.isAlive());
            }
            timer.cancel();

            assertFalse(timer.isActive());
            assertEquals(0, overlaps.get(), "the callback ran on two threads at once");
            assertTrue(runs.get() > 0);
        }
    }
}
