package io.ksync.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.percpu.Cpus;
import io.ksync.wait.WaitQueue;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;

class KthreadTest {

    /** Bound on every wait: generous, so that only a real hang fails a test. */
    private static final long TIMEOUT_SECONDS = 10;

    private ExecutorService threads;
    private final List<Kthread<?>> kthreads = new ArrayList<>();

    @BeforeEach
    void startThreads() {
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Kthread<?> kthread : kthreads) {
            try {
                kthread.stopTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (CompletionException expectedForThrowingFunctions) {
                // the test looked at it already
            }
        }
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS), "test threads did not stop");
    }

    // ------------------------------------------------------------------------------------------------------
    // Creating, starting, stopping

    @Test
    void stopReturnsTheThreadFunctionsResult() {
        int[] plain = new int[1];
        CountDownLatch running = new CountDownLatch(1);
        Kthread<Integer> kthread = track(Kthread.run("worker", self -> {
            plain[0] = 42; // a plain write: stop() returning must make it visible
            running.countDown();
            sleepUntilStopped(self);
            return 7;
        }));
        await(running);
        assertTrue(kthread.isAlive());
        assertFalse(kthread.shouldStop());
        assertTrue(kthread.toString().contains("running"), kthread.toString());

        assertEquals(7, within(kthread::stop));

        assertTrue(kthread.shouldStop());
        assertFalse(kthread.isAlive(), "the function has returned when stop() returns");
        assertEquals(42, plain[0], "the function's actions happen-before stop() returns");
        assertTrue(kthread.toString().contains("exited"), kthread.toString());
        joinThread(kthread);
    }

    @Test
    void createLeavesTheThreadAsleepUntilStart() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        Kthread<String> kthread = track(Kthread.create("sleeper", self -> {
            ran.set(true);
            running.countDown();
            sleepUntilStopped(self);
            return "ran";
        }));
        assertTrue(kthread.thread().isAlive(), "kthread_create makes the task, asleep");
        assertTrue(kthread.thread().isDaemon());
        awaitCondition("the new thread sleeps", () -> kthread.thread().getState() == Thread.State.WAITING);
        assertFalse(ran.get(), "the function must not run before wake_up_process");
        assertTrue(kthread.toString().contains("created"), kthread.toString());

        assertTrue(kthread.start());

        await(running);
        assertFalse(kthread.start(), "a second start() is only a wake-up");
        assertEquals("ran", within(kthread::stop));
    }

    @Test
    void stopOfANeverStartedThreadNeverRunsTheFunction() {
        AtomicBoolean ran = new AtomicBoolean();
        Kthread<String> kthread = track(Kthread.create("never-woken", self -> {
            ran.set(true);
            return "ran";
        }));

        assertNull(within(kthread::stop), "the kernel's -EINTR: the function never ran");

        assertFalse(kthread.isAlive());
        assertFalse(kthread.start(), "a stopped kthread cannot be started");
        kthread.wakeUp();
        joinThread(kthread);
        assertFalse(ran.get(), "the function must never run after a stop before the first wake-up");
    }

    @Test
    void aThreadWokenBeforeTheStopAlwaysRunsItsFunction() {
        for (int i = 0; i < 100; i++) {
            Kthread<String> kthread = Kthread.run("woken-" + i, self -> "ran");
            assertEquals("ran", within(kthread::stop),
                    "run() then stop() at once: the function must run even if the stop overtakes the thread");
        }
    }

    @Test
    void stopCalledTwiceReturnsTheSameResult() throws Exception {
        Object token = new Object();
        CountDownLatch release = new CountDownLatch(1);
        Kthread<Object> kthread = track(Kthread.run("twice", self -> {
            sleepUntilStopped(self);
            release.await();
            return token;
        }));
        Future<Object> first = threads.submit(kthread::stop);
        Future<Object> second = threads.submit(kthread::stop);
        awaitCondition("the stop request", kthread::shouldStop);
        release.countDown();

        assertSame(token, get(first));
        assertSame(token, get(second));
        assertSame(token, within(kthread::stop), "a stop() after the exit returns the result again");
    }

    @Test
    void stopFromTheThreadItselfThrows() {
        Kthread<String> kthread = track(Kthread.run("self-stopper", self -> {
            IllegalStateException stop = assertThrows(IllegalStateException.class, self::stop);
            assertThrows(IllegalStateException.class, () -> self.stopTimeout(1, TimeUnit.SECONDS));
            sleepUntilStopped(self);
            return stop.getMessage();
        }));
        String message = within(kthread::stop);
        assertTrue(message.contains("itself"), message);
    }

    @Test
    void stopWakesTheThreadButDoesNotInterruptIt() {
        CountDownLatch running = new CountDownLatch(1);
        Kthread<Boolean> kthread = track(Kthread.run("not-interrupted", self -> {
            running.countDown();
            sleepUntilStopped(self);
            return Thread.currentThread().isInterrupted();
        }));
        await(running);
        assertFalse(within(kthread::stop), "kthread_stop wakes the thread; it must not interrupt it");
    }

    @Test
    void stopIsNotInterruptibleAndKeepsTheInterruptStatus() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Kthread<String> kthread = track(Kthread.run("slow-to-stop", self -> {
            sleepUntilStopped(self);
            release.await();
            return "done";
        }));
        Future<String> stopper = threads.submit(() -> {
            Thread.currentThread().interrupt();
            String result = kthread.stop();
            return result + ", interrupted=" + Thread.interrupted();
        });
        awaitCondition("the stop request", kthread::shouldStop);
        release.countDown();
        assertEquals("done, interrupted=true", get(stopper));
    }

    @Test
    void stopTimeoutThrowsTimeoutExceptionAndKeepsTheStopRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Kthread<String> kthread = track(Kthread.run("late", self -> {
            sleepUntilStopped(self);
            release.await();
            return "late";
        }));

        assertThrows(TimeoutException.class, () -> kthread.stopTimeout(0, TimeUnit.SECONDS));
        assertThrows(TimeoutException.class, () -> kthread.stopTimeout(20, TimeUnit.MILLISECONDS));

        assertTrue(kthread.shouldStop(), "the request stays after a timeout");
        assertTrue(kthread.isAlive());
        release.countDown();
        assertEquals("late", kthread.stopTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void throwingFunctionIsReportedToTheHandlerAndVisibleToStop() {
        List<Thread> reportedThreads = new CopyOnWriteArrayList<>();
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        ThreadFactory factory = body -> {
            Thread thread = new Thread(body);
            thread.setUncaughtExceptionHandler((t, e) -> {
                reportedThreads.add(t);
                reported.add(e);
            });
            return thread;
        };
        IOException boom = new IOException("boom");
        Kthread<String> kthread = track(Kthread.create(factory, "thrower", self -> {
            throw boom;
        }));
        kthread.start();

        CompletionException thrown = assertThrows(CompletionException.class, () -> within(kthread::stop));

        assertSame(boom, thrown.getCause());
        assertEquals(List.of(boom), reported, "reported before stop() returns, once");
        assertEquals(List.of(kthread.thread()), reportedThreads);
        CompletionException again = assertThrows(CompletionException.class, kthread::stop);
        assertSame(boom, again.getCause(), "every stop() sees the failure");
        assertEquals(1, reported.size(), "reported once, not once per stop()");
    }

    @Test
    void aHandlerThatThrowsDoesNotHideTheFailureFromStop() {
        ThreadFactory factory = body -> {
            Thread thread = new Thread(body);
            thread.setUncaughtExceptionHandler((t, e) -> {
                throw new IllegalStateException("handler failed");
            });
            return thread;
        };
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        Kthread<String> kthread = track(Kthread.create(factory, "thrower", self -> {
            throw boom;
        }));
        kthread.start();

        CompletionException thrown = assertThrows(CompletionException.class, () -> within(kthread::stop));
        assertSame(boom, thrown.getCause());
    }

    // ------------------------------------------------------------------------------------------------------
    // Parking

    @Test
    void parkWaitsUntilTheThreadParksItself() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        boolean[] sawParkRequest = new boolean[1];
        Kthread<String> kthread = runFunction("parkee", self -> {
            gate.await(); // busy elsewhere: not looking at shouldPark()
            while (!self.shouldStop()) {
                if (self.shouldPark()) {
                    sawParkRequest[0] = true; // a plain write: park() returning must make it visible
                    self.parkMe();
                } else {
                    LockSupport.park(self);
                }
            }
            return "stopped";
        });
        AtomicReference<Thread> caller = new AtomicReference<>();
        Future<Boolean> parking = threads.submit(() -> {
            caller.set(Thread.currentThread());
            return kthread.park();
        });
        awaitCondition("park() sleeps", () -> kthread.shouldPark() && caller.get() != null
                && caller.get().getState() == Thread.State.WAITING);
        assertFalse(parking.isDone(), "park() must wait while the function has not parked");
        assertFalse(kthread.isParked());
        assertTrue(kthread.toString().contains("parking"), kthread.toString());

        gate.countDown();

        assertTrue(get(parking));
        assertTrue(kthread.isParked());
        assertTrue(sawParkRequest[0], "the function's actions before parking happen-before park() returns");
        assertTrue(kthread.toString().contains("parked"), kthread.toString());
        assertEquals("stopped", within(kthread::stop));
    }

    @Test
    void parkOfAnAlreadyParkedThreadReturnsFalse() {
        AtomicInteger parks = new AtomicInteger();
        Kthread<Integer> kthread = runFunction("parkee", parkingLoop(parks));

        assertTrue(within(kthread::park));
        assertFalse(within(kthread::park), "the kernel's -EBUSY");

        assertTrue(kthread.isParked());
        assertEquals(1, parks.get(), "the thread parked once");
        assertEquals(1, within(kthread::stop));
    }

    @Test
    void unparkResumesTheParkedThread() throws Exception {
        AtomicInteger parks = new AtomicInteger();
        AtomicInteger resumes = new AtomicInteger();
        Kthread<Integer> kthread = runFunction("parkee", self -> {
            while (!self.shouldStop()) {
                if (self.shouldPark()) {
                    parks.incrementAndGet();
                    self.parkMe();
                    resumes.incrementAndGet();
                } else {
                    LockSupport.park(self);
                }
            }
            return resumes.get();
        });
        for (int round = 1; round <= 3; round++) {
            assertTrue(within(kthread::park));
            assertTrue(kthread.isParked());
            assertEquals(round - 1, resumes.get(), "a parked thread does not go on");

            kthread.unpark();

            final int expected = round;
            awaitCondition("resume " + round, () -> resumes.get() == expected);
            assertFalse(kthread.shouldPark());
        }
        assertEquals(3, parks.get());
        assertEquals(3, within(kthread::stop));
    }

    @Test
    void unparkWithoutParkDoesNothing() {
        AtomicInteger parks = new AtomicInteger();
        Kthread<Integer> kthread = runFunction("parkee", parkingLoop(parks));
        kthread.unpark();
        assertFalse(kthread.shouldPark());
        assertEquals(0, within(kthread::stop));
    }

    @Test
    void unparkBeforeTheThreadParksReleasesAWaitingPark() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Kthread<String> kthread = runFunction("late-parkee", self -> {
            gate.await();
            sleepUntilStopped(self);
            return "done";
        });
        Future<Boolean> parking = threads.submit(kthread::park);
        awaitCondition("the park request", kthread::shouldPark);

        kthread.unpark();

        assertTrue(get(parking), "the request was this call's; an unpark withdrew it");
        assertFalse(kthread.isParked());
        gate.countDown();
        assertEquals("done", within(kthread::stop));
    }

    @Test
    void stopWakesAParkedThread() {
        AtomicInteger parks = new AtomicInteger();
        Kthread<Integer> kthread = runFunction("parkee", parkingLoop(parks));
        assertTrue(within(kthread::park));

        assertEquals(1, within(kthread::stop), "kthread_stop unparks: parkMe() returns, the function sees stop");

        assertFalse(kthread.shouldPark(), "stop() clears the park request");
        assertFalse(kthread.isParked());
    }

    @Test
    void parkBeforeStartParksTheThreadBeforeItsFunctionRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        Kthread<String> kthread = track(Kthread.createOnCpu(0, "smpboot", self -> {
            ran.set(true);
            running.countDown();
            sleepUntilStopped(self);
            return "ran";
        }));

        assertTrue(within(kthread::park), "kthread_park wakes a created thread, which parks at once");

        assertTrue(kthread.isParked());
        assertFalse(ran.get(), "the function must not run while parked");
        int last = Cpus.count() - 1;
        kthread.bind(last); // kthread_unpark re-binds a parked per-CPU thread: binding while parked is allowed
        assertEquals(last, kthread.cpu());
        kthread.unpark();
        await(running);
        assertEquals("ran", within(kthread::stop));
    }

    @Test
    void stopOfAThreadParkedBeforeItsFirstRunRunsTheFunctionWhichSeesTheStop() {
        Kthread<String> kthread = track(Kthread.create("smpboot", self -> "shouldStop=" + self.shouldStop()));
        assertTrue(within(kthread::park));

        assertEquals("shouldStop=true", within(kthread::stop),
                "as the kernel's kthread(): once woken, the function runs and must check kthread_should_stop");
    }

    @Test
    void parkFromTheThreadItselfThrows() {
        Kthread<String> kthread = track(Kthread.run("self-parker", self -> {
            IllegalStateException park = assertThrows(IllegalStateException.class, self::park);
            assertFalse(self.shouldPark(), "a refused park() must not leave a request behind");
            sleepUntilStopped(self);
            return park.getMessage();
        }));
        String message = within(kthread::stop);
        assertTrue(message.contains("itself") && message.contains("parkMe()"), message);
    }

    @Test
    void parkMeFromAnotherThreadThrows() {
        AtomicInteger parks = new AtomicInteger();
        Kthread<Integer> kthread = runFunction("parkee", parkingLoop(parks));

        IllegalStateException thrown = assertThrows(IllegalStateException.class, kthread::parkMe);

        assertTrue(thrown.getMessage().contains("park()"), thrown.getMessage());
        assertEquals(0, within(kthread::stop));
    }

    @Test
    void parkOfAStoppedOrReturnedThreadThrows() throws Exception {
        Kthread<String> returned = track(Kthread.run("quick", self -> "quick"));
        awaitCondition("the function's return", () -> !returned.isAlive());
        assertThrows(IllegalStateException.class, returned::park, "the kernel's -ENOSYS");
        assertEquals("quick", within(returned::stop));

        Kthread<String> stopped = track(Kthread.run("stopped", self -> {
            sleepUntilStopped(self);
            return "stopped";
        }));
        assertEquals("stopped", within(stopped::stop));
        assertThrows(IllegalStateException.class, stopped::park);
    }

    @Test
    void parkThrowsWhenTheFunctionReturnsInsteadOfParking() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Kthread<String> kthread = runFunction("ignores-park", self -> {
            release.await();
            return "ignored the park";
        });
        Future<Boolean> parking = threads.submit(kthread::park);
        awaitCondition("the park request", kthread::shouldPark);

        release.countDown();

        ExecutionException thrown = assertThrows(ExecutionException.class,
                () -> parking.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, thrown.getCause());
        assertTrue(thrown.getCause().getMessage().contains("returned"), thrown.getCause().getMessage());
        assertEquals("ignored the park", within(kthread::stop));
    }

    // ------------------------------------------------------------------------------------------------------
    // The kernel's sleep loop

    @Test
    void stopAndParkReachAFunctionSleepingInAnOpenCodedWaitQueueLoop() throws Exception {
        Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
        WaitQueue moreWork = new WaitQueue();
        Kthread<Integer> flusher = track(Kthread.run("flusher", self -> {
            int done = 0;
            WaitQueue.Entry wait = new WaitQueue.Entry();
            while (!self.shouldStop()) {
                if (self.shouldPark()) {
                    self.parkMe();
                    continue;
                }
                Runnable job = pending.poll();
                if (job != null) {
                    job.run();
                    done++;
                    continue;
                }
                moreWork.prepareToWait(wait);
                if (pending.isEmpty() && !self.shouldStop() && !self.shouldPark()) {
                    wait.sleep();
                }
                moreWork.finishWait(wait);
            }
            return done;
        }));
        CountDownLatch jobs = new CountDownLatch(2);
        pending.add(jobs::countDown);
        moreWork.wakeUp();
        awaitCondition("the first job", () -> jobs.getCount() == 1);
        awaitCondition("the flusher sleeps", () -> flusher.thread().getState() == Thread.State.WAITING);

        assertTrue(within(flusher::park), "park() must wake the function out of its sleep");
        pending.add(jobs::countDown);
        moreWork.wakeUp();
        assertEquals(1, jobs.getCount(), "a parked flusher runs no job");
        flusher.unpark();
        await(jobs);
        awaitCondition("the flusher sleeps", () -> flusher.thread().getState() == Thread.State.WAITING);

        assertEquals(2, within(flusher::stop), "stop() must wake the function out of its sleep");
    }

    // ------------------------------------------------------------------------------------------------------
    // Names, CPUs, factories, current()

    @Test
    void createOnCpuNamesTheThreadNameSlashCpu() {
        int last = Cpus.count() - 1;
        Kthread<String> kthread = track(Kthread.createOnCpu(last, "ksoftirqd", self -> "done"));

        assertEquals("ksoftirqd/" + last, kthread.name());
        assertEquals("ksoftirqd/" + last, kthread.thread().getName());
        assertEquals(last, kthread.cpu());
        assertTrue(kthread.thread().isDaemon());
        assertTrue(kthread.toString().contains("ksoftirqd/" + last + ", cpu " + last), kthread.toString());

        Kthread<String> unbound = track(Kthread.create("kworker", self -> "done"));
        assertEquals(-1, unbound.cpu());
        assertEquals("kworker", unbound.thread().getName());
    }

    @Test
    void bindIsAllowedBeforeTheFirstWakeUpOnly() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        Kthread<String> kthread = track(Kthread.create("bound", self -> {
            running.countDown();
            sleepUntilStopped(self);
            return "done";
        }));
        kthread.bind(0);
        assertEquals(0, kthread.cpu());
        kthread.start();
        await(running);

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> kthread.bind(0));

        assertTrue(thrown.getMessage().contains("before start()"), thrown.getMessage());
        assertEquals("done", within(kthread::stop));
    }

    @Test
    void theFactoryMakesTheThreadWhichIsRenamedAndMadeADaemon() {
        List<Thread> made = new CopyOnWriteArrayList<>();
        ThreadFactory factory = body -> {
            Thread thread = new Thread(body, "factory-name");
            thread.setDaemon(false);
            made.add(thread);
            return thread;
        };
        Kthread<String> kthread = track(Kthread.createOnCpu(factory, 0, "kblockd", self -> "done"));

        assertEquals(List.of(kthread.thread()), made);
        assertEquals("kblockd/0", kthread.thread().getName());
        assertTrue(kthread.thread().isDaemon());
        kthread.start();
        assertEquals("done", within(kthread::stop));
    }

    @Test
    void currentIsTheKthreadOfTheCallingThread() {
        Kthread<Boolean> kthread = track(Kthread.run("current", self -> Kthread.current() == self));
        assertTrue(within(kthread::stop));

        IllegalStateException thrown = assertThrows(IllegalStateException.class, Kthread::current);
        assertTrue(thrown.getMessage().contains("not a kthread"), thrown.getMessage());
    }

    @Test
    void badArgumentsAreRejectedWithMessagesThatSayWhatWasWrong() {
        Kthread.ThreadFunction<String> function = self -> "done";
        int count = Cpus.count();

        assertThrows(NullPointerException.class, () -> Kthread.create(null, function));
        assertThrows(NullPointerException.class, () -> Kthread.create("x", null));
        assertThrows(NullPointerException.class, () -> Kthread.create(null, "x", function));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Kthread.create("", function))
                .getMessage().contains("blank"));
        assertThrows(IllegalArgumentException.class, () -> Kthread.run("   ", function));
        String range = "[0, " + count + ")";
        String low = assertThrows(IllegalArgumentException.class,
                () -> Kthread.createOnCpu(-1, "x", function)).getMessage();
        assertTrue(low.contains(range) && low.contains("-1"), low);
        String high = assertThrows(IllegalArgumentException.class,
                () -> Kthread.createOnCpu(count, "x", function)).getMessage();
        assertTrue(high.contains(range) && high.contains("was " + count), high);

        assertTrue(assertThrows(IllegalStateException.class,
                () -> Kthread.create(body -> null, "x", function)).getMessage().contains("returned null"));
        Thread started = new Thread(() -> { });
        started.start();
        assertThrows(IllegalArgumentException.class, () -> Kthread.create(body -> started, "x", function));

        Kthread<String> kthread = track(Kthread.create("x", function));
        assertThrows(IllegalArgumentException.class, () -> kthread.bind(-1));
        assertThrows(IllegalArgumentException.class, () -> kthread.bind(count));
        assertThrows(IllegalArgumentException.class, () -> kthread.stopTimeout(-1, TimeUnit.SECONDS));
        assertFalse(kthread.shouldStop(), "a rejected stopTimeout() must not request the stop");
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers

    /** Sleeps until stopped, as a kthread with nothing to do does; stop()'s wake-up makes the park return. */
    private static void sleepUntilStopped(Kthread<?> self) {
        while (!self.shouldStop()) {
            LockSupport.park(self);
        }
    }

    /** A function that parks whenever asked until stopped, counting its parks, and returns the count. */
    private static Kthread.ThreadFunction<Integer> parkingLoop(AtomicInteger parks) {
        return self -> {
            while (!self.shouldStop()) {
                if (self.shouldPark()) {
                    parks.incrementAndGet();
                    self.parkMe();
                } else {
                    LockSupport.park(self);
                }
            }
            return parks.get();
        };
    }

    /**
     * {@link Kthread#run}, then waits until the function has begun: a park() that comes earlier parks the thread
     * before its function runs (kthread()'s __kthread_parkme), which the tests of the function's parking avoid.
     */
    private <T> Kthread<T> runFunction(String name, Kthread.ThreadFunction<T> function) {
        CountDownLatch begun = new CountDownLatch(1);
        Kthread<T> kthread = track(Kthread.run(name, self -> {
            begun.countDown();
            return function.run(self);
        }));
        await(begun);
        return kthread;
    }

    private <T> Kthread<T> track(Kthread<T> kthread) {
        kthreads.add(kthread);
        return kthread;
    }

    private static <T> T within(ThrowingSupplier<T> action) {
        return assertTimeoutPreemptively(Duration.ofSeconds(TIMEOUT_SECONDS), action);
    }

    private static void joinThread(Kthread<?> kthread) {
        within(() -> {
            kthread.thread().join();
            return null;
        });
        assertFalse(kthread.thread().isAlive());
    }

    private static void await(CountDownLatch latch) {
        boolean done = within(() -> latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertTrue(done, "timed out waiting for a latch");
    }

    private static <T> T get(Future<T> future) throws Exception {
        return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Waits, by polling, until {@code condition} holds; fails after the bound. */
    private static void awaitCondition(String what, BooleanSupplier condition) throws TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("timed out waiting until " + what);
            }
            Thread.yield();
        }
    }
}
