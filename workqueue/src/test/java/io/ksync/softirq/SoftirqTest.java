package io.ksync.softirq;

import static io.ksync.softirq.SoftirqTesting.await;
import static io.ksync.softirq.SoftirqTesting.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.softirq.Softirq.Vector;
import io.ksync.softirq.SoftirqTesting.CpuBlocker;
import io.ksync.softirq.SoftirqTesting.Failures;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SoftirqTest {

    private final Failures failures = new Failures();
    private Softirq softirq;

    private Softirq build(int cpus) {
        softirq = Softirq.builder().name("test").cpus(cpus).uncaughtExceptionHandler(failures).build();
        return softirq;
    }

    @AfterEach
    void closeSoftirq() {
        if (softirq != null) {
            softirq.close();
        }
    }

    @Test
    void raiseOnRunsTheHandlerOnThatCpusKsoftirqdThread() {
        build(2);
        final AtomicReference<String> thread = new AtomicReference<>();
        final AtomicInteger servedCpu = new AtomicInteger(-1);
        final CountDownLatch ran = new CountDownLatch(1);
        softirq.open(Vector.NET_RX, cpu -> {
            thread.set(Thread.currentThread().getName());
            servedCpu.set(softirq.servingCpu());
            assertEquals(1, cpu);
            ran.countDown();
        });
        softirq.raiseOn(1, Vector.NET_RX);
        await(ran);
        assertEquals("ksoftirqd-test/1", thread.get());
        assertEquals(1, servedCpu.get());
        assertEquals(-1, softirq.servingCpu(), "the test thread is not a ksoftirqd thread");
        awaitCondition("the run is counted", () -> softirq.runs(Vector.NET_RX, 1) == 1);
        assertEquals(0, softirq.runs(Vector.NET_RX, 0));
        assertEquals(1, softirq.runs(Vector.NET_RX));
    }

    @Test
    void raiseRunsTheHandlerOnSomeCpu() {
        build(Math.max(2, io.ksync.percpu.Cpus.count()));
        final CountDownLatch ran = new CountDownLatch(1);
        softirq.open(Vector.BLOCK, cpu -> ran.countDown());
        softirq.raise(Vector.BLOCK);
        await(ran);
    }

    @Test
    void raiseFromAHandlerRaisesOnTheCpuThatHandlerServes() {
        build(8); // more CPUs than cores: Cpus.current() cannot pick the served CPU by chance for all eight
        final SoftirqTesting.OnCpu onCpu = new SoftirqTesting.OnCpu(softirq);
        final AtomicInteger ranOn = new AtomicInteger(-1);
        final AtomicReference<CountDownLatch> ran = new AtomicReference<>();
        softirq.open(Vector.BLOCK, cpu -> {
            ranOn.set(cpu);
            ran.get().countDown();
        });
        for (int cpu = 0; cpu < softirq.cpus(); cpu++) {
            ran.set(new CountDownLatch(1));
            assertEquals(null, onCpu.call(cpu, () -> softirq.raise(Vector.BLOCK)));
            await(ran.get());
            assertEquals(cpu, ranOn.get(), "raise_softirq in softirq context raises on this_cpu");
        }
    }

    @Test
    void pendingVectorsRunHighestPriorityFirstInAPass() {
        build(1);
        final CpuBlocker blocker = new CpuBlocker(softirq);
        final List<Vector> order = new CopyOnWriteArrayList<>();
        final CountDownLatch all = new CountDownLatch(4);
        for (Vector vector : new Vector[] {Vector.NET_RX, Vector.BLOCK, Vector.SCHED, Vector.RCU}) {
            softirq.open(vector, cpu -> {
                order.add(vector);
                all.countDown();
            });
        }
        blocker.block(0);
        softirq.raiseOn(0, Vector.RCU);
        softirq.raiseOn(0, Vector.SCHED);
        softirq.raiseOn(0, Vector.BLOCK);
        softirq.raiseOn(0, Vector.NET_RX);
        assertTrue(softirq.isPending(0, Vector.RCU));
        blocker.release();
        await(all);
        assertEquals(List.of(Vector.NET_RX, Vector.BLOCK, Vector.SCHED, Vector.RCU), order);
    }

    @Test
    void raisesOfAPendingVectorAreCoalescedIntoOneRun() {
        build(1);
        final CpuBlocker blocker = new CpuBlocker(softirq);
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch marker = new CountDownLatch(1);
        softirq.open(Vector.NET_TX, cpu -> runs.incrementAndGet());
        softirq.open(Vector.RCU, cpu -> marker.countDown());
        blocker.block(0);
        for (int i = 0; i < 100; i++) {
            softirq.raiseOn(0, Vector.NET_TX);
        }
        softirq.raiseOn(0, Vector.RCU); // lower priority than NET_TX: runs after it in the same pass
        blocker.release();
        await(marker);
        assertEquals(1, runs.get());
    }

    @Test
    void aHandlerIsNeverPreemptedByAnotherSoftirqOnItsCpu() throws Exception {
        build(2);
        final AtomicInteger[] inside = {new AtomicInteger(), new AtomicInteger()};
        final AtomicBoolean overlap = new AtomicBoolean();
        final AtomicInteger runs = new AtomicInteger();
        final Softirq.Handler handler = cpu -> {
            if (inside[cpu].incrementAndGet() != 1) {
                overlap.set(true);
            }
            for (int i = 0; i < 50; i++) {
                Thread.onSpinWait();
            }
            inside[cpu].decrementAndGet();
            runs.incrementAndGet();
        };
        softirq.open(Vector.NET_TX, handler);
        softirq.open(Vector.NET_RX, handler);
        softirq.open(Vector.BLOCK, handler);
        final Vector[] vectors = {Vector.NET_TX, Vector.NET_RX, Vector.BLOCK};
        final Thread[] raisers = new Thread[3];
        for (int t = 0; t < raisers.length; t++) {
            final int seed = t;
            raisers[t] = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    softirq.raiseOn((i + seed) & 1, vectors[(i + seed) % 3]);
                }
            });
            raisers[t].start();
        }
        for (Thread raiser : raisers) {
            SoftirqTesting.join(raiser);
        }
        softirq.close(); // runs everything still pending
        assertFalse(overlap.get(), "two softirq handlers ran at once on one CPU");
        assertTrue(runs.get() > 0);
    }

    @Test
    void theSameHandlerMayRunOnTwoCpusAtOnce() {
        build(2);
        final CountDownLatch both = new CountDownLatch(2);
        final AtomicInteger met = new AtomicInteger();
        softirq.open(Vector.NET_RX, cpu -> {
            both.countDown();
            try {
                if (both.await(SoftirqTesting.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    met.incrementAndGet(); // only possible if the other CPU runs the handler at the same time
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        softirq.raiseOn(0, Vector.NET_RX);
        softirq.raiseOn(1, Vector.NET_RX);
        awaitCondition("both runs end", () -> softirq.runs(Vector.NET_RX) == 2 && met.get() == 2);
    }

    @Test
    void aThrowingHandlerIsReportedAndTheThreadGoesOn() {
        build(1);
        final CountDownLatch after = new CountDownLatch(1);
        softirq.open(Vector.NET_TX, cpu -> {
            throw new IllegalStateException("boom");
        });
        softirq.open(Vector.NET_RX, cpu -> after.countDown());
        softirq.raiseOn(0, Vector.NET_TX);
        softirq.raiseOn(0, Vector.NET_RX);
        await(after);
        awaitCondition("the failure is reported", () -> failures.reported.size() == 1);
        assertEquals("boom", failures.reported.get(0).getMessage());
        final CountDownLatch again = new CountDownLatch(1);
        softirq.open(Vector.BLOCK, cpu -> again.countDown());
        softirq.raiseOn(0, Vector.BLOCK);
        await(again);
    }

    @Test
    void aVectorThatReRaisesItselfDoesNotStarveTheOthers() {
        softirq = Softirq.builder().name("test").cpus(1).maxRestarts(2).uncaughtExceptionHandler(failures).build();
        final AtomicBoolean keepGoing = new AtomicBoolean(true);
        final AtomicInteger spins = new AtomicInteger();
        softirq.open(Vector.SCHED, cpu -> {
            spins.incrementAndGet();
            if (keepGoing.get()) {
                softirq.raiseOn(cpu, Vector.SCHED);
            }
        });
        final CountDownLatch other = new CountDownLatch(1);
        softirq.open(Vector.RCU, cpu -> other.countDown());
        softirq.raiseOn(0, Vector.SCHED);
        awaitCondition("the self-raising vector runs many passes", () -> spins.get() > 100);
        softirq.raiseOn(0, Vector.RCU);
        await(other);
        keepGoing.set(false);
    }

    @Test
    void openTwiceThrowsAndKeepsTheFirstHandler() {
        build(1);
        final CountDownLatch first = new CountDownLatch(1);
        softirq.open(Vector.NET_RX, cpu -> first.countDown());
        assertThrows(IllegalStateException.class, () -> softirq.open(Vector.NET_RX, cpu -> { }));
        softirq.raiseOn(0, Vector.NET_RX);
        await(first);
    }

    @Test
    void theTaskletVectorsCannotBeOpened() {
        build(1);
        assertThrows(IllegalArgumentException.class, () -> softirq.open(Vector.HI, cpu -> { }));
        assertThrows(IllegalArgumentException.class, () -> softirq.open(Vector.TASKLET, cpu -> { }));
    }

    @Test
    void misuseIsRefusedWithAClearException() {
        build(2);
        final IllegalStateException noHandler =
                assertThrows(IllegalStateException.class, () -> softirq.raise(Vector.HRTIMER));
        assertTrue(noHandler.getMessage().contains("open(HRTIMER"), noHandler.getMessage());
        softirq.open(Vector.HRTIMER, cpu -> { });
        assertThrows(IllegalArgumentException.class, () -> softirq.raiseOn(2, Vector.HRTIMER));
        assertThrows(IllegalArgumentException.class, () -> softirq.raiseOn(-1, Vector.HRTIMER));
        assertThrows(IllegalArgumentException.class, () -> softirq.runs(Vector.HRTIMER, 2));
        assertThrows(NullPointerException.class, () -> softirq.open(null, cpu -> { }));
        assertThrows(NullPointerException.class, () -> softirq.open(Vector.RCU, null));
        assertThrows(IllegalArgumentException.class, () -> Softirq.builder().cpus(0));
        assertThrows(IllegalArgumentException.class, () -> Softirq.builder().maxRestarts(0));
        assertThrows(IllegalArgumentException.class, () -> Softirq.builder().maxPassTime(0, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> Softirq.builder().name(""));
    }

    @Test
    void closeRunsWhatIsPendingThenRefusesRaises() {
        build(1);
        final CpuBlocker blocker = new CpuBlocker(softirq);
        final AtomicInteger runs = new AtomicInteger();
        softirq.open(Vector.NET_RX, cpu -> runs.incrementAndGet());
        blocker.block(0);
        softirq.raiseOn(0, Vector.NET_RX);
        final Thread closer = new Thread(softirq::close);
        closer.start();
        SoftirqTesting.awaitCondition("close() starts", softirq::isClosed);
        assertThrows(IllegalStateException.class, () -> softirq.raiseOn(0, Vector.NET_RX));
        blocker.release();
        SoftirqTesting.join(closer);
        assertEquals(1, runs.get(), "what was raised before close() ran");
        assertThrows(IllegalStateException.class, () -> softirq.raiseOn(0, Vector.NET_RX));
        assertThrows(IllegalStateException.class, () -> softirq.open(Vector.RCU, cpu -> { }));
        softirq.close(); // idempotent
    }

    @Test
    void aHandlerMayRaiseWhileTheInstanceClosesAndCloseWaitsForIt() {
        build(1);
        final CpuBlocker blocker = new CpuBlocker(softirq);
        final AtomicInteger chained = new AtomicInteger();
        softirq.open(Vector.NET_RX, cpu -> softirq.raiseOn(cpu, Vector.RCU));
        softirq.open(Vector.RCU, cpu -> chained.incrementAndGet());
        blocker.block(0);
        softirq.raiseOn(0, Vector.NET_RX);
        final Thread closer = new Thread(softirq::close);
        closer.start();
        SoftirqTesting.awaitCondition("close() starts", softirq::isClosed);
        blocker.release();
        SoftirqTesting.join(closer);
        assertEquals(1, chained.get());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void aRaiseFromAHandlerOnACpuWhoseThreadEndedIsRefusedAndLeavesNothingPending() {
        build(2);
        final SoftirqTesting.OnCpu onCpu = new SoftirqTesting.OnCpu(softirq);
        softirq.open(Vector.BLOCK, cpu -> { });
        final AtomicReference<Thread> cpu1 = new AtomicReference<>();
        assertEquals(null, onCpu.call(1, () -> cpu1.set(Thread.currentThread())));
        final CountDownLatch inHandler = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Throwable> outcome = new AtomicReference<>();
        onCpu.start(0, () -> {
            inHandler.countDown();
            await(release);
            try {
                softirq.raiseOn(1, Vector.BLOCK);
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        await(inHandler);
        final Thread closer = io.ksync.testing.Waits.start("closer", softirq::close);
        SoftirqTesting.join(cpu1.get()); // cpu 1 ended; cpu 0 is still in the handler
        release.countDown();
        SoftirqTesting.join(closer);
        assertTrue(outcome.get() instanceof IllegalStateException, String.valueOf(outcome.get()));
        assertFalse(softirq.isPending(1, Vector.BLOCK), "an ended cpu has nothing pending");
    }

    @Test
    void closeFromAHandlerDoesNotWaitForItself() {
        build(1);
        final CountDownLatch closed = new CountDownLatch(1);
        softirq.open(Vector.NET_RX, cpu -> {
            softirq.close();
            closed.countDown();
        });
        softirq.raiseOn(0, Vector.NET_RX);
        await(closed);
        softirq.close();
    }

    @Test
    void theSystemInstanceIsSharedAndCannotBeClosed() {
        final Softirq system = Softirq.system();
        assertSame(system, Softirq.system());
        assertEquals(io.ksync.percpu.Cpus.count(), system.cpus());
        assertThrows(IllegalStateException.class, system::close);
    }

    @Test
    void theThreadFactoryMakesTheThreads() {
        final AtomicInteger made = new AtomicInteger();
        softirq = Softirq.builder().cpus(2).threadFactory(runnable -> {
            final Thread thread = new Thread(runnable, "custom-" + made.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        }).build();
        final AtomicReference<String> name = new AtomicReference<>();
        final CountDownLatch ran = new CountDownLatch(1);
        softirq.open(Vector.BLOCK, cpu -> {
            name.set(Thread.currentThread().getName());
            ran.countDown();
        });
        softirq.raiseOn(1, Vector.BLOCK);
        await(ran);
        assertEquals(2, made.get());
        assertEquals("custom-1", name.get());
    }

    @Test
    void aThreadFactoryThatReturnsNullIsRefusedWithItsContract() {
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Softirq.builder().name("nulls").cpus(2).threadFactory(r -> null).build());
        assertTrue(e.getMessage().contains("returned null for cpu 0"), e.getMessage());
        assertTrue(e.getMessage().contains("must return a new, unstarted thread"), e.getMessage());
    }

    @Test
    void aThreadFactoryThatReturnsAStartedThreadIsRefusedAndNoThreadIsLeftServing() {
        final List<Thread> made = new CopyOnWriteArrayList<>();
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Softirq.builder().name("eager").cpus(2).threadFactory(runnable -> {
                    final Thread thread = new Thread(runnable, "eager-" + made.size());
                    thread.setDaemon(true);
                    thread.start(); // breaks the contract: the thread already runs the ksoftirqd loop
                    made.add(thread);
                    return thread;
                }).build());
        assertTrue(e.getMessage().contains("already started"), e.getMessage());
        assertTrue(e.getMessage().contains("must return a new, unstarted thread"), e.getMessage());
        assertEquals(1, made.size(), "the first bad thread is refused before the factory is asked again");
        SoftirqTesting.join(made.get(0)); // the loop it runs sees the failed instance closed and ends
    }

    @Test
    void aThreadFactoryThatReturnsTheSameThreadTwiceIsRefused() {
        final AtomicReference<Thread> only = new AtomicReference<>();
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Softirq.builder().name("shared").cpus(2).threadFactory(runnable -> {
                    if (only.get() == null) {
                        only.set(new Thread(runnable, "only"));
                    }
                    return only.get();
                }).build());
        assertTrue(e.getMessage().contains("for both cpu 0 and cpu 1"), e.getMessage());
        assertEquals(Thread.State.NEW, only.get().getState(), "nothing is started when the factory is refused");
    }

    @Test
    void anInterruptedKsoftirqdThreadKeepsServing() {
        build(1);
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final CountDownLatch first = new CountDownLatch(1);
        final CountDownLatch second = new CountDownLatch(2);
        softirq.open(Vector.NET_RX, cpu -> {
            thread.set(Thread.currentThread());
            first.countDown();
            second.countDown();
        });
        softirq.raiseOn(0, Vector.NET_RX);
        await(first);
        thread.get().interrupt();
        SoftirqTesting.awaitParked(thread.get());
        softirq.raiseOn(0, Vector.NET_RX);
        await(second);
    }
}
