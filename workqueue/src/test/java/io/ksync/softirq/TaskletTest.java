package io.ksync.softirq;

import static io.ksync.softirq.SoftirqTesting.await;
import static io.ksync.softirq.SoftirqTesting.awaitCondition;
import static io.ksync.softirq.SoftirqTesting.awaitParked;
import static io.ksync.softirq.SoftirqTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.percpu.Cpus;
import io.ksync.softirq.SoftirqTesting.CpuBlocker;
import io.ksync.softirq.SoftirqTesting.Failures;
import io.ksync.softirq.SoftirqTesting.OnCpu;
import io.ksync.testing.Waits;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TaskletTest {

    private final Failures failures = new Failures();
    private Softirq softirq;
    private CpuBlocker blocker;

    /** A one-CPU softirq: every schedule lands on CPU 0, behind the blocker when it holds the CPU. */
    private Softirq oneCpu() {
        softirq = Softirq.builder().name("tasklets").cpus(1).uncaughtExceptionHandler(failures).build();
        blocker = new CpuBlocker(softirq);
        return softirq;
    }

    private Softirq cpus(int cpus) {
        softirq = Softirq.builder().name("tasklets").cpus(cpus).uncaughtExceptionHandler(failures).build();
        return softirq;
    }

    @AfterEach
    void closeSoftirq() {
        if (softirq != null) {
            softirq.close();
        }
        assertTrue(failures.reported.stream().allMatch(f -> "expected".equals(f.getMessage())),
                failures.reported.toString());
    }

    /** Waits until every tasklet scheduled on CPU 0 before this call has been handled (one-CPU softirq only). */
    private void drainCpu0() {
        final CountDownLatch marker = new CountDownLatch(1);
        new Tasklet(softirq, marker::countDown).schedule();
        await(marker);
    }

    @Test
    void rule1_scheduleOfAScheduledNotYetStartedTaskletReturnsFalseAndItRunsOnce() {
        oneCpu();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, runs::incrementAndGet);
        blocker.block(0);
        assertTrue(tasklet.schedule());
        assertTrue(tasklet.isScheduled());
        assertFalse(tasklet.schedule());
        assertFalse(tasklet.hiSchedule());
        blocker.release();
        drainCpu0();
        assertEquals(1, runs.get());
        assertFalse(tasklet.isScheduled());
    }

    @Test
    void rule2_aTaskletScheduledWhileItRunsRunsOnceMore() {
        cpus(2); // the second schedule may land on the other CPU: the deferral path must keep the rules too
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            if (runs.incrementAndGet() == 1) {
                running.countDown();
                await(release);
            }
        });
        tasklet.schedule();
        await(running);
        assertTrue(tasklet.isRunning());
        assertFalse(tasklet.isScheduled(), "SCHED is cleared before the callback runs");
        assertTrue(tasklet.schedule(), "a running tasklet can be scheduled again");
        assertFalse(tasklet.schedule());
        release.countDown();
        awaitCondition("the second run", () -> runs.get() == 2 && !tasklet.isRunning() && !tasklet.isScheduled());
        tasklet.kill();
        assertEquals(2, runs.get());
    }

    @Test
    void rule2_aTaskletThatSchedulesItselfRunsAgain() {
        cpus(1);
        final AtomicInteger runs = new AtomicInteger();
        final AtomicReference<Tasklet> self = new AtomicReference<>();
        self.set(new Tasklet(softirq, () -> {
            if (runs.incrementAndGet() < 5) {
                assertTrue(self.get().schedule());
            }
        }));
        self.get().schedule();
        awaitCondition("five runs", () -> runs.get() == 5);
        self.get().kill();
        assertEquals(5, runs.get());
    }

    @Test
    void rule3_aTaskletNeverRunsOnTwoThreadsAtOnce() {
        cpus(Math.max(2, Cpus.count()));
        final AtomicInteger inside = new AtomicInteger();
        final AtomicBoolean overlap = new AtomicBoolean();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            if (inside.incrementAndGet() != 1) {
                overlap.set(true);
            }
            for (int i = 0; i < 100; i++) {
                Thread.onSpinWait();
            }
            inside.decrementAndGet();
            runs.incrementAndGet();
        });
        final AtomicInteger scheduled = new AtomicInteger();
        final Thread[] schedulers = new Thread[3];
        for (int t = 0; t < schedulers.length; t++) {
            schedulers[t] = new Thread(() -> {
                for (int i = 0; i < 30_000; i++) {
                    if (i % 2 == 0 ? tasklet.schedule() : tasklet.hiSchedule()) {
                        scheduled.incrementAndGet();
                    }
                }
            });
            schedulers[t].start();
        }
        for (Thread scheduler : schedulers) {
            join(scheduler);
        }
        tasklet.kill(); // runs what is still scheduled
        assertFalse(overlap.get(), "the tasklet ran on two threads at once");
        assertTrue(runs.get() >= 1 && runs.get() <= scheduled.get(),
                "runs " + runs.get() + ", successful schedules " + scheduled.get());
    }

    @Test
    void rule4_aTaskletRunsOnTheKsoftirqdThreadOfTheSchedulingCpu() {
        cpus(Math.max(2, Cpus.count()));
        final AtomicReference<String> ranOn = new AtomicReference<>();
        final Tasklet tasklet = new Tasklet(softirq, () -> ranOn.set(Thread.currentThread().getName()));
        for (int attempt = 0; attempt < 1000; attempt++) {
            final int before = Cpus.current();
            tasklet.schedule();
            final int after = Cpus.current();
            awaitCondition("the run", () -> ranOn.get() != null);
            if (before == after) { // the thread did not migrate around the call: the run's CPU is determined
                assertEquals("ksoftirqd-tasklets/" + (before % softirq.cpus()), ranOn.get());
                return;
            }
            ranOn.set(null);
        }
        throw new AssertionError("the test thread migrated during every one of 1000 schedules");
    }

    @Test
    void rule4_aTaskletScheduledFromASoftirqHandlerRunsOnTheCpuThatHandlerServes() {
        cpus(8); // more CPUs than cores: Cpus.current() cannot pick the served CPU by chance for all eight
        final OnCpu onCpu = new OnCpu(softirq);
        for (int cpu = 0; cpu < softirq.cpus(); cpu++) {
            final AtomicInteger ranOn = new AtomicInteger(-1);
            final CountDownLatch ran = new CountDownLatch(1);
            final Tasklet tasklet = new Tasklet(softirq, () -> {
                ranOn.set(softirq.servingCpu());
                ran.countDown();
            });
            assertNull(onCpu.call(cpu, () -> assertTrue(tasklet.schedule())));
            await(ran);
            assertEquals(cpu, ranOn.get(), "tasklet_schedule in softirq context queues on this_cpu");
        }
    }

    @Test
    void rule4_hiScheduledTaskletsRunBeforeNormalOnes() {
        oneCpu();
        final List<String> order = new CopyOnWriteArrayList<>();
        final Tasklet normal = new Tasklet(softirq, () -> order.add("normal"));
        final Tasklet high = new Tasklet(softirq, () -> order.add("hi"));
        final Tasklet normal2 = new Tasklet(softirq, () -> order.add("normal2"));
        blocker.block(0);
        normal.schedule();
        high.hiSchedule();
        normal2.schedule();
        blocker.release();
        drainCpu0();
        assertEquals(List.of("hi", "normal", "normal2"), order, "HI first, then the TASKLET vector in order");
    }

    @Test
    void rule5_disableWaitsForARunningInstance() {
        cpus(1);
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean finished = new AtomicBoolean();
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            running.countDown();
            await(release);
            finished.set(true);
        });
        tasklet.schedule();
        await(running);
        final AtomicBoolean finishedWhenDisableReturned = new AtomicBoolean();
        final Thread disabler = new Thread(() -> {
            tasklet.disable();
            finishedWhenDisableReturned.set(finished.get());
        });
        disabler.start();
        awaitParked(disabler);
        release.countDown();
        join(disabler);
        assertTrue(finishedWhenDisableReturned.get(), "disable() returned while the callback still ran");
        assertFalse(tasklet.isEnabled());
        tasklet.enable();
    }

    @Test
    void rule5_disableNoSyncDoesNotWait() {
        cpus(1);
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            running.countDown();
            await(release);
        });
        tasklet.schedule();
        await(running);
        tasklet.disableNoSync();
        assertTrue(tasklet.isRunning());
        release.countDown();
        tasklet.disable(); // now waits for the run to end
        assertFalse(tasklet.isRunning());
        tasklet.enable();
        tasklet.enable();
        assertTrue(tasklet.isEnabled());
    }

    @Test
    void rule5_aDisabledScheduledTaskletRunsOnceEnabledAndEnableIsACount() {
        oneCpu();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, runs::incrementAndGet);
        tasklet.disable();
        tasklet.disableNoSync();
        assertTrue(tasklet.schedule());
        drainCpu0();
        assertEquals(0, runs.get(), "a disabled tasklet must not run");
        assertTrue(tasklet.isScheduled(), "it stays scheduled while disabled");
        tasklet.enable();
        drainCpu0();
        assertEquals(0, runs.get(), "two disables need two enables");
        tasklet.enable();
        awaitCondition("the run after the last enable", () -> runs.get() == 1);
        drainCpu0();
        assertEquals(1, runs.get());
        assertFalse(tasklet.isScheduled());
    }

    @Test
    void rule5_aTaskletCreatedDisabledRunsAfterOneEnable() {
        oneCpu();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = Tasklet.createDisabled(softirq, runs::incrementAndGet);
        assertFalse(tasklet.isEnabled());
        tasklet.hiSchedule();
        drainCpu0();
        assertEquals(0, runs.get());
        tasklet.enable();
        awaitCondition("the run", () -> runs.get() == 1);
    }

    @Test
    void rule5_enableWithoutDisableThrowsAndChangesNothing() {
        oneCpu();
        final Tasklet tasklet = new Tasklet(softirq, () -> { });
        final IllegalStateException e = assertThrows(IllegalStateException.class, tasklet::enable);
        assertTrue(e.getMessage().contains("not disabled"), e.getMessage());
        assertTrue(tasklet.isEnabled());
    }

    @Test
    void rule5_disableRacingWithTheRunNeverLetsTheCallbackStartWhileDisabled() {
        cpus(2);
        final AtomicBoolean disabled = new AtomicBoolean();
        final AtomicBoolean ranWhileDisabled = new AtomicBoolean();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            if (disabled.get()) {
                ranWhileDisabled.set(true);
            }
            runs.incrementAndGet();
        });
        for (int i = 0; i < 2_000; i++) {
            tasklet.schedule();
            tasklet.disable();
            disabled.set(true);       // from here on the callback must not start
            for (int spin = 0; spin < (i & 63); spin++) {
                Thread.onSpinWait();
            }
            disabled.set(false);
            tasklet.enable();
        }
        tasklet.kill();
        assertFalse(ranWhileDisabled.get(), "the callback started after disable() returned");
        assertTrue(runs.get() > 0);
    }

    @Test
    void rule6_killWaitsUntilNeitherScheduledNorRunning() {
        cpus(1);
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            if (runs.incrementAndGet() == 1) {
                running.countDown();
                await(release);
            }
        });
        tasklet.schedule();
        await(running);
        assertTrue(tasklet.schedule()); // scheduled again while running
        final AtomicReference<String> stateAfterKill = new AtomicReference<>();
        final Thread killer = new Thread(() -> {
            tasklet.kill();
            stateAfterKill.set(tasklet.isScheduled() + "/" + tasklet.isRunning() + "/" + runs.get());
        });
        killer.start();
        awaitParked(killer);
        release.countDown();
        join(killer);
        assertEquals("false/false/2", stateAfterKill.get());
    }

    @Test
    void rule6_schedulesDuringKillDoNotTake() {
        cpus(1);
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            runs.incrementAndGet();
            running.countDown();
            await(release);
        });
        tasklet.schedule();
        await(running);
        final Thread killer = new Thread(tasklet::kill);
        killer.start();
        awaitCondition("kill() holds the tasklet", tasklet::isScheduled); // kill's SCHED, taken while it runs
        awaitParked(killer);
        assertFalse(tasklet.schedule(), "a schedule during kill() must not take");
        release.countDown();
        join(killer);
        assertFalse(tasklet.isScheduled());
        assertEquals(1, runs.get());
        assertTrue(tasklet.schedule(), "after kill() the tasklet may be scheduled again");
        awaitCondition("the new run", () -> runs.get() == 2);
    }

    @Test
    void rule6_killOfAnIdleTaskletReturnsAtOnce() {
        oneCpu();
        final Tasklet tasklet = new Tasklet(softirq, () -> { });
        tasklet.kill();
        tasklet.disable();
        tasklet.kill(); // disabled but not scheduled: nothing to wait for
        tasklet.enable();
        assertFalse(tasklet.isScheduled());
    }

    @Test
    void rule6_killOfADisabledScheduledTaskletThrowsInsteadOfLockingUp() {
        oneCpu();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, runs::incrementAndGet);
        tasklet.disable();
        tasklet.schedule();
        drainCpu0(); // now parked: scheduled, disabled, off every list
        final IllegalStateException e = assertThrows(IllegalStateException.class, tasklet::kill);
        assertTrue(e.getMessage().contains("enable() it first"), e.getMessage());
        assertTrue(tasklet.isScheduled(), "a refused kill() changes nothing");
        tasklet.enable();
        tasklet.kill();
        assertEquals(1, runs.get());
    }

    @Test
    void rule6_killWaitingForAScheduledTaskletThrowsWhenItIsDisabledMeanwhile() {
        oneCpu();
        final Tasklet tasklet = new Tasklet(softirq, () -> { });
        blocker.block(0);
        tasklet.schedule(); // queued behind the blocker: kill() has to wait for it
        final AtomicReference<Throwable> killOutcome = new AtomicReference<>();
        final Thread killer = new Thread(() -> {
            try {
                tasklet.kill();
            } catch (Throwable t) {
                killOutcome.set(t);
            }
        });
        killer.start();
        awaitParked(killer);
        tasklet.disableNoSync();
        join(killer);
        assertInstanceOf(IllegalStateException.class, killOutcome.get());
        tasklet.enable();
        blocker.release();
        tasklet.kill();
    }

    @Test
    void disableAndKillFromTheTaskletsOwnCallbackThrow() {
        oneCpu();
        final List<Throwable> outcomes = new CopyOnWriteArrayList<>();
        final CountDownLatch ran = new CountDownLatch(1);
        final AtomicReference<Tasklet> self = new AtomicReference<>();
        self.set(new Tasklet(softirq, () -> {
            for (Runnable call : new Runnable[] {() -> self.get().disable(), () -> self.get().kill()}) {
                try {
                    call.run();
                } catch (Throwable t) {
                    outcomes.add(t);
                }
            }
            self.get().disableNoSync(); // allowed: it does not wait
            self.get().enable();
            ran.countDown();
        }));
        self.get().schedule();
        await(ran);
        assertEquals(2, outcomes.size());
        assertTrue(outcomes.stream().allMatch(t -> t instanceof IllegalStateException), outcomes.toString());
    }

    @Test
    void killOfATaskletScheduledOnTheCallersCpuFromAHandlerThrowsInsteadOfWaitingForItself() {
        oneCpu();
        final OnCpu onCpu = new OnCpu(softirq);
        final CountDownLatch ran = new CountDownLatch(1);
        final Tasklet tasklet = new Tasklet(softirq, ran::countDown);
        final Throwable outcome = onCpu.call(0, () -> {
            assertTrue(tasklet.schedule()); // queued on this cpu, which cannot run it until the handler returns
            tasklet.kill();
        });
        assertInstanceOf(IllegalStateException.class, outcome);
        assertTrue(outcome.getMessage().contains("kill() it from process context"), outcome.getMessage());
        await(ran); // a refused kill() changes nothing: the tasklet still runs
        tasklet.kill();
        assertFalse(tasklet.isScheduled());
    }

    @Test
    void killFromATaskletOfOneLaterInTheSameBatchThrowsInsteadOfWaitingForItself() {
        oneCpu();
        final AtomicInteger victimRuns = new AtomicInteger();
        final Tasklet victim = new Tasklet(softirq, victimRuns::incrementAndGet);
        final AtomicReference<Throwable> outcome = new AtomicReference<>();
        final CountDownLatch killerRan = new CountDownLatch(1);
        final Tasklet killer = new Tasklet(softirq, () -> {
            try {
                victim.kill(); // taken off the list with this batch: scheduled, and only this thread can run it
            } catch (Throwable t) {
                outcome.set(t);
            }
            killerRan.countDown();
        });
        blocker.block(0);
        assertTrue(killer.schedule());
        assertTrue(victim.schedule());
        blocker.release();
        await(killerRan);
        assertInstanceOf(IllegalStateException.class, outcome.get());
        drainCpu0();
        assertEquals(1, victimRuns.get());
    }

    @Test
    void killFromAHandlerOfATaskletRunningOnAnotherCpuWaitsForTheRunAndReturns() {
        cpus(2);
        final OnCpu onCpu = new OnCpu(softirq);
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean finished = new AtomicBoolean();
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            running.countDown();
            await(release);
            finished.set(true);
        });
        assertNull(onCpu.call(1, () -> assertTrue(tasklet.schedule())));
        await(running); // on cpu 1, not scheduled any more
        final AtomicReference<Thread> cpu0 = new AtomicReference<>();
        final AtomicReference<String> outcome = new AtomicReference<>();
        final CountDownLatch killed = new CountDownLatch(1);
        onCpu.start(0, () -> {
            cpu0.set(Thread.currentThread());
            try {
                tasklet.kill();
                outcome.set("returned, finished=" + finished.get());
            } catch (Throwable t) {
                outcome.set(t.toString());
            }
            killed.countDown();
        });
        awaitCondition("cpu 0 runs the handler", () -> cpu0.get() != null);
        awaitParked(cpu0.get()); // in kill(), waiting for the run on cpu 1
        release.countDown();
        await(killed);
        assertEquals("returned, finished=true", outcome.get());
    }

    @Test
    void disableFromAHandlerOfATaskletScheduledOnTheCallersCpuReturnsAtOnce() {
        oneCpu();
        final OnCpu onCpu = new OnCpu(softirq);
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, runs::incrementAndGet);
        assertNull(onCpu.call(0, () -> {
            assertTrue(tasklet.schedule());
            tasklet.disable(); // waits only for a run in progress: there is none, whatever is scheduled
            assertEquals(0, runs.get());
            tasklet.enable();
        }));
        awaitCondition("the run after the handler", () -> runs.get() == 1);
    }

    @Test
    void aThrowingCallbackIsReportedAndTheThreadRunsTheNextTasklet() {
        oneCpu();
        final Tasklet bad = new Tasklet(softirq, () -> {
            throw new IllegalStateException("expected");
        });
        final AtomicInteger good = new AtomicInteger();
        final Tasklet next = new Tasklet(softirq, good::incrementAndGet);
        blocker.block(0);
        bad.schedule();
        next.schedule();
        blocker.release();
        drainCpu0();
        assertEquals(1, good.get());
        assertEquals(1, failures.reported.size());
        assertFalse(bad.isRunning());
        assertTrue(bad.schedule(), "a tasklet whose callback threw can be scheduled again");
        drainCpu0();
        assertEquals(2, failures.reported.size());
    }

    @Test
    void schedulingOnAClosedSoftirqThrows() {
        final Softirq closed = Softirq.builder().cpus(1).build();
        closed.close();
        final Tasklet tasklet = new Tasklet(closed, () -> { });
        assertThrows(IllegalStateException.class, tasklet::schedule);
        assertFalse(tasklet.isScheduled(), "a refused schedule must leave the tasklet as it was");
        assertThrows(IllegalStateException.class, tasklet::hiSchedule);
        tasklet.kill(); // nothing scheduled: returns at once
    }

    @Test
    void close_aDeferredRequeueOntoACpuWhoseThreadEndedRunsOnTheRunnersCpuAndKillReturns() {
        cpus(2);
        final OnCpu onCpu = new OnCpu(softirq);
        final AtomicInteger runs = new AtomicInteger();
        final List<Integer> ranOn = new CopyOnWriteArrayList<>();
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Tasklet tasklet = new Tasklet(softirq, () -> {
            ranOn.add(softirq.servingCpu());
            if (runs.incrementAndGet() == 1) {
                running.countDown();
                await(release);
            }
        });
        assertNull(onCpu.call(0, () -> assertTrue(tasklet.schedule())));
        await(running); // running on cpu 0
        final CountDownLatch cpu1TookBoth = new CountDownLatch(1);
        final Tasklet marker = new Tasklet(softirq, cpu1TookBoth::countDown);
        final AtomicReference<Thread> cpu1 = new AtomicReference<>();
        assertNull(onCpu.call(1, () -> {
            cpu1.set(Thread.currentThread());
            assertTrue(tasklet.schedule()); // queued on cpu 1 while it runs on cpu 0
            assertTrue(marker.schedule());  // behind it in the same batch
        }));
        await(cpu1TookBoth); // cpu 1 found the tasklet running on cpu 0 and left its re-queue to that runner
        assertTrue(tasklet.isScheduled());
        final Thread closer = Waits.start("closer", softirq::close);
        join(cpu1.get()); // cpu 1 has nothing left: its thread ends while cpu 0 still runs the tasklet
        release.countDown(); // the runner re-queues: onto cpu 1, whose thread has ended
        join(closer);
        assertFalse(tasklet.isScheduled(), "the re-queued tasklet was left on the list of an ended cpu");
        join(Waits.start("killer", tasklet::kill));
        assertEquals(List.of(0, 0), ranOn, "the deferred run happened on the runner's cpu before close() returned");
    }

    @Test
    void close_enableOfAParkedTaskletAfterItsCpuEndedDropsTheRunAndKillReturns() {
        oneCpu();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, runs::incrementAndGet);
        tasklet.disable();
        assertTrue(tasklet.schedule());
        drainCpu0(); // parked: scheduled, disabled, off every list
        softirq.close();
        tasklet.enable(); // nothing is left to run it
        assertTrue(tasklet.isEnabled());
        assertFalse(tasklet.isScheduled(), "a run nobody can perform must not stay scheduled");
        join(Waits.start("killer", tasklet::kill));
        assertEquals(0, runs.get());
        assertThrows(IllegalStateException.class, tasklet::schedule);
    }

    @Test
    void close_enableOfAParkedTaskletWhileItsCpuStillRunsQueuesItAndCloseWaitsForTheRun() {
        oneCpu();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, runs::incrementAndGet);
        tasklet.disable();
        assertTrue(tasklet.schedule());
        drainCpu0(); // parked
        blocker.block(0);
        final Thread closer = Waits.start("closer", softirq::close);
        awaitCondition("close() starts", softirq::isClosed);
        tasklet.enable(); // cpu 0's thread is held by the blocker, not ended: the run is queued there
        blocker.release();
        join(closer);
        assertEquals(1, runs.get(), "the run queued before the thread ended ran before close() returned");
        assertFalse(tasklet.isScheduled());
        join(Waits.start("killer", tasklet::kill));
    }

    @Test
    void close_aHandlerMayScheduleATaskletWhileTheSoftirqClosesAndCloseWaitsForIt() {
        cpus(2);
        final OnCpu onCpu = new OnCpu(softirq);
        final AtomicReference<Thread> cpu1 = new AtomicReference<>();
        assertNull(onCpu.call(1, () -> cpu1.set(Thread.currentThread())));
        final AtomicInteger ranOn = new AtomicInteger(-1);
        final Tasklet tasklet = new Tasklet(softirq, () -> ranOn.set(softirq.servingCpu()));
        final CountDownLatch inHandler = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean scheduled = new AtomicBoolean();
        onCpu.start(0, () -> {
            inHandler.countDown();
            await(release);
            scheduled.set(tasklet.schedule());
        });
        await(inHandler);
        final Thread closer = Waits.start("closer", softirq::close);
        join(cpu1.get()); // cpu 1 ended; cpu 0 is still in the handler
        release.countDown();
        join(closer);
        assertTrue(scheduled.get());
        assertEquals(0, ranOn.get(), "scheduled from cpu 0's handler, run by cpu 0 before close() returned");
        assertFalse(tasklet.isScheduled());
    }

    @Test
    void close_schedulesRacingWithCloseEitherRunOrAreRefusedAndNoTaskletStaysScheduled() {
        cpus(4);
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet[] tasklets = new Tasklet[16];
        final AtomicInteger[] chains = new AtomicInteger[tasklets.length];
        for (int i = 0; i < tasklets.length; i++) {
            final int index = i;
            chains[i] = new AtomicInteger(i % 2 == 0 ? 50 : 0); // half re-schedule themselves a bounded number of times
            tasklets[i] = new Tasklet(softirq, () -> {
                runs.incrementAndGet();
                if (chains[index].getAndDecrement() > 0 && tasklets[index].schedule()) {
                    accepted.incrementAndGet(); // accepted even while closing: a tasklet schedules on its own cpu
                }
            });
        }
        final CountDownLatch warmedUp = new CountDownLatch(2);
        final Thread[] schedulers = new Thread[2];
        for (int t = 0; t < schedulers.length; t++) {
            schedulers[t] = Waits.start("scheduler-" + t, () -> {
                for (int i = 0; ; i++) {
                    final Tasklet tasklet = tasklets[i % tasklets.length];
                    try {
                        if ((i & 1) == 0 ? tasklet.schedule() : tasklet.hiSchedule()) {
                            accepted.incrementAndGet();
                        }
                    } catch (IllegalStateException closed) {
                        return; // refused: the softirq closed
                    }
                    if (i == 2_000) {
                        warmedUp.countDown();
                    }
                }
            });
        }
        await(warmedUp);
        softirq.close();
        for (Thread scheduler : schedulers) {
            join(scheduler);
        }
        for (Tasklet tasklet : tasklets) {
            assertFalse(tasklet.isScheduled(), tasklet + " stayed scheduled after close()");
        }
        assertEquals(accepted.get(), runs.get(), "every accepted schedule ran once, and nothing else ran");
    }

    @Test
    void theDefaultSoftirqIsTheSystemOne() {
        final CountDownLatch ran = new CountDownLatch(1);
        final Tasklet tasklet = new Tasklet(ran::countDown);
        assertSame(Softirq.system(), tasklet.softirq());
        tasklet.schedule();
        await(ran);
        tasklet.kill();
    }

    @Test
    void schedulingAllocatesNothing() throws Exception {
        oneCpu();
        final AtomicInteger runs = new AtomicInteger();
        final Tasklet tasklet = new Tasklet(softirq, runs::incrementAndGet);
        final Object bean = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean").invoke(null);
        final Method allocated;
        try {
            allocated = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes");
        } catch (ClassNotFoundException e) {
            return; // this JVM cannot count allocations
        }
        // the least of several rounds, as in DelayedWorkTest: a round in which the JIT deoptimises may box in the
        // interpreter's VarHandle calls; an allocation per schedule would show in every round (20000 x 16 bytes)
        long bytes = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            final long before = (Long) allocated.invoke(bean);
            for (int i = 0; i < 20_000; i++) {
                final int target = runs.get() + 1;
                tasklet.schedule();
                while (runs.get() < target) {
                    Thread.onSpinWait();
                }
            }
            bytes = Math.min(bytes, (Long) allocated.invoke(bean) - before);
        }
        assertTrue(bytes < 1024, "20000 schedules allocated " + bytes + " bytes (least of 5 rounds)");
    }
}
