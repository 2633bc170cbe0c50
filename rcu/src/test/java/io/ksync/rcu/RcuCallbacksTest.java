package io.ksync.rcu;

import static io.ksync.rcu.RcuTesting.assertMessage;
import static io.ksync.rcu.RcuTesting.await;
import static io.ksync.rcu.RcuTesting.awaitCondition;
import static io.ksync.rcu.RcuTesting.awaitParkedOrWaiting;
import static io.ksync.rcu.RcuTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** call_rcu, kfree_rcu, rcu_barrier, polled grace periods and callback back-pressure, on an {@link Rcu} domain. */
class RcuCallbacksTest {

    /** Collects failures reported by a domain and the threads it created. */
    private static final class Recorder implements Thread.UncaughtExceptionHandler {
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();

        @Override
        public void uncaughtException(Thread thread, Throwable failure) {
            failures.add(failure);
        }

        RcuDomain.Options options() {
            return RcuDomain.options().errorHandler(this).threadFactory(r -> {
                Thread t = new Thread(r, "callbacks-" + threads.size());
                t.setDaemon(true);
                threads.add(t);
                return t;
            });
        }
    }

    @Test
    void aCallbackRunsOnTheCallbackThreadAfterAGracePeriod() throws InterruptedException {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("call", recorder.options());
        AtomicBoolean ran = new AtomicBoolean();
        AtomicBoolean ranWhileHeld = new AtomicBoolean();
        RcuTesting.SectionHolder reader = new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock,
                () -> ranWhileHeld.set(ran.get())).start();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        long before = rcu.completedGracePeriods();

        rcu.call(() -> {
            ranOn.add(Thread.currentThread());
            ran.set(true);
        });
        awaitCondition(() -> recorder.threads.size() == 1, "no callback thread");
        awaitParkedOrWaiting(recorder.threads.get(0)); // its grace period waits for the reader
        reader.leave();
        rcu.barrier();

        assertFalse(ranWhileHeld.get(), "the callback ran inside a section that began before call()");
        assertTrue(ran.get());
        assertEquals(List.of(recorder.threads.get(0)), ranOn, "callbacks run on the domain's callback thread");
        assertTrue(rcu.completedGracePeriods() > before);
        assertEquals(0, rcu.pendingCallbacks());
        assertEquals(List.of(), recorder.failures);
    }

    @Test
    void callbacksRunInOrderPerCallingThread() throws InterruptedException {
        Rcu rcu = new Rcu("order");
        int perThread = 20_000;
        int[] last = {-1, -1};
        AtomicBoolean outOfOrder = new AtomicBoolean();
        Thread[] callers = new Thread[2];
        for (int t = 0; t < callers.length; t++) {
            final int caller = t;
            callers[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    final int n = i;
                    rcu.call(() -> { // callbacks run on one thread: plain fields are enough here
                        if (last[caller] != n - 1) {
                            outOfOrder.set(true);
                        }
                        last[caller] = n;
                    });
                }
            }, "caller-" + t);
            callers[t].start();
        }
        for (Thread caller : callers) {
            join(caller);
        }
        rcu.barrier();

        assertFalse(outOfOrder.get(), "a thread's callbacks ran out of order");
        assertEquals(perThread - 1, last[0]);
        assertEquals(perThread - 1, last[1]);
    }

    @Test
    void aThrowingCallbackIsReportedAndTheOthersRun() {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("throwing", recorder.options());
        AtomicInteger ran = new AtomicInteger();
        rcu.call(ran::incrementAndGet);
        rcu.call(() -> {
            throw new IllegalArgumentException("boom");
        });
        rcu.call(ran::incrementAndGet);

        rcu.barrier();

        assertEquals(2, ran.get());
        assertEquals(1, recorder.failures.size());
        assertEquals("boom", recorder.failures.get(0).getMessage());
    }

    @Test
    void retireClosesAfterAGracePeriodAndReportsCloseFailures() throws InterruptedException {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("retire", recorder.options());
        AtomicBoolean closed = new AtomicBoolean();
        AtomicBoolean closedWhileHeld = new AtomicBoolean();
        RcuTesting.SectionHolder reader = new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock,
                () -> closedWhileHeld.set(closed.get())).start();
        rcu.retire(() -> closed.set(true));
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger closes = new AtomicInteger();
        final class RunnableResource implements Runnable, AutoCloseable {
            @Override
            public void run() {
                runs.incrementAndGet();
            }

            @Override
            public void close() {
                closes.incrementAndGet();
            }
        }
        rcu.retire(new RunnableResource());
        rcu.retire(() -> {
            throw new java.io.IOException("close failed");
        });
        awaitCondition(() -> recorder.threads.size() == 1, "no callback thread");
        awaitParkedOrWaiting(recorder.threads.get(0));
        reader.leave();
        rcu.barrier();

        assertFalse(closedWhileHeld.get(), "closed inside a section that began before retire()");
        assertTrue(closed.get());
        assertEquals(0, runs.get(), "a retired resource that is also a Runnable is closed, not run");
        assertEquals(1, closes.get());
        assertEquals(1, recorder.failures.size());
        assertMessage(recorder.failures.get(0), "close failed");
    }

    @Test
    void barrierWaitsForCallbacksQueuedBeforeIt() throws InterruptedException {
        Rcu rcu = new Rcu("barrier");
        CountDownLatch callbackStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        rcu.call(() -> {
            callbackStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.set(true);
        });
        await(callbackStarted);
        AtomicBoolean finishedWhenBarrierReturned = new AtomicBoolean();
        Thread barrier = new Thread(() -> {
            rcu.barrier();
            finishedWhenBarrierReturned.set(finished.get());
        }, "barrier");
        barrier.start();
        awaitParkedOrWaiting(barrier);
        assertTrue(barrier.isAlive(), "barrier() returned while a callback queued before it was running");
        release.countDown();
        join(barrier);

        assertTrue(finishedWhenBarrierReturned.get());
    }

    @Test
    void barrierWithNothingQueuedReturnsWithoutAGracePeriod() {
        Rcu rcu = new Rcu("idle-barrier");
        long before = rcu.completedGracePeriods();
        rcu.barrier();
        assertEquals(before, rcu.completedGracePeriods());
    }

    @Test
    void barrierFromACallbackOrInsideASectionThrows() {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("barrier-misuse", recorder.options());
        rcu.call(rcu::barrier);
        rcu.barrier();
        assertEquals(1, recorder.failures.size());
        assertTrue(recorder.failures.get(0) instanceof IllegalStateException);
        assertMessage(recorder.failures.get(0), "barrier() called from an RCU callback, on RCU domain barrier-misuse");

        rcu.readLock();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, rcu::barrier);
            assertMessage(e, "barrier() inside a read-side section of RCU domain barrier-misuse");
        } finally {
            rcu.readUnlock();
        }
        Rcu other = new Rcu("other-domain");
        rcu.call(other::barrier); // from any domain's callback: refused (two domains could wait for each other)
        rcu.barrier();
        assertEquals(2, recorder.failures.size());
        assertMessage(recorder.failures.get(1), "barrier() called from an RCU callback, on RCU domain other-domain");
    }

    @Test
    void polledCookiesCompleteAfterAFullGracePeriod() throws InterruptedException {
        Rcu rcu = new Rcu("poll");
        long cookie = rcu.getState();
        assertFalse(rcu.poll(cookie), "no grace period has run since the cookie");
        rcu.synchronize();
        assertTrue(rcu.poll(cookie));
        rcu.condSynchronize(cookie); // completed: returns at once
        long before = rcu.completedGracePeriods();
        rcu.condSynchronize(cookie);
        assertEquals(before, rcu.completedGracePeriods(), "condSynchronize of a completed cookie waits for nothing");

        RcuTesting.SectionHolder reader =
                new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock, () -> { }).start();
        long started = rcu.startPoll();
        assertFalse(rcu.poll(started), "a reader that began before startPoll() still holds its section");
        reader.leave();
        awaitCondition(() -> rcu.poll(started), "startPoll() never got its grace period run");
        assertTrue(rcu.startPoll() > started, "a later cookie asks for a later grace period");
    }

    @Test
    void getStateStartsNoGracePeriod() {
        Rcu rcu = new Rcu("get-state");
        long cookie = rcu.getState();
        assertEquals(cookie, rcu.getState(), "nothing ran in between: the same cookie");
        assertFalse(rcu.poll(cookie));
        assertEquals(0, rcu.completedGracePeriods());
    }

    @Test
    void aFloodOfCallbacksMakesTheCallerWaitAtTheLimit() throws InterruptedException {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("flood", recorder.options().callbackLimit(4));
        RcuTesting.SectionHolder reader =
                new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock, () -> { }).start();
        AtomicInteger queued = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        Thread caller = new Thread(() -> {
            for (int i = 0; i < 6; i++) {
                rcu.call(ran::incrementAndGet);
                queued.incrementAndGet();
            }
        }, "caller");
        caller.start();
        awaitParkedOrWaiting(caller);
        awaitCondition(() -> queued.get() == 4, "the caller stopped before the limit");
        assertTrue(caller.isAlive());
        assertEquals(4, queued.get(), "call() went past the limit while no grace period could end");
        assertEquals(0, ran.get());

        reader.leave();
        join(caller);
        rcu.barrier();

        assertEquals(6, ran.get());
        assertEquals(List.of(), recorder.failures);
    }

    @Test
    void aCallerInsideItsSectionIsNeverMadeToWait() {
        Rcu rcu = new Rcu("flood-reader", RcuDomain.options().callbackLimit(2));
        AtomicInteger ran = new AtomicInteger();
        rcu.readLock();
        try {
            for (int i = 0; i < 10; i++) {
                rcu.call(ran::incrementAndGet); // waiting here would deadlock: the grace period waits for us
            }
        } finally {
            rcu.readUnlock();
        }
        rcu.barrier();
        assertEquals(10, ran.get());
    }

    @Test
    void theCallbackThreadEndsWhenIdleAndANewOneStartsForLaterCallbacks() throws InterruptedException {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("keep-alive",
                recorder.options().callbackThreadKeepAlive(1, TimeUnit.MILLISECONDS));
        AtomicInteger ran = new AtomicInteger();
        rcu.call(ran::incrementAndGet);
        rcu.barrier();
        awaitCondition(() -> recorder.threads.size() == 1, "no callback thread");
        join(recorder.threads.get(0));

        rcu.call(ran::incrementAndGet);
        rcu.barrier();

        assertEquals(2, ran.get());
        assertEquals(2, recorder.threads.size());
    }

    @Test
    void aThreadFactoryFailureIsReportedAndTheCallbackStaysQueued() {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        Rcu rcu = new Rcu("factory", RcuDomain.options().errorHandler((t, e) -> failures.add(e)).threadFactory(r -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("no threads today");
            }
            Thread t = new Thread(r, "callbacks");
            t.setDaemon(true);
            return t;
        }));
        AtomicInteger ran = new AtomicInteger();

        rcu.call(ran::incrementAndGet);
        assertEquals(1, failures.size());
        assertMessage(failures.get(0), "could not start its callback thread");
        assertEquals(1, rcu.pendingCallbacks());
        rcu.call(ran::incrementAndGet);
        rcu.barrier();

        assertEquals(2, ran.get(), "the callback queued while no thread could start was not lost");
    }

    @Test
    void anInterruptLeftByACallbackDoesNotKeepTheCallbackThreadBusy() throws InterruptedException {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("interrupt", recorder.options().callbackThreadKeepAlive(20, TimeUnit.MILLISECONDS));
        AtomicInteger ran = new AtomicInteger();
        rcu.call(() -> Thread.currentThread().interrupt()); // the restore-the-interrupt idiom, in a callback
        rcu.call(ran::incrementAndGet);
        rcu.barrier();
        awaitCondition(() -> recorder.threads.size() == 1, "no callback thread");
        join(recorder.threads.get(0)); // an interrupted thread whose parks return at once would never end

        rcu.call(ran::incrementAndGet);
        rcu.barrier();
        assertEquals(2, ran.get());
        assertEquals(List.of(), recorder.failures);
    }

    @Test
    void aCallbackThatLeavesItsSectionOpenIsReportedAndDoesNotStallTheDomain() {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("leaky-callback", recorder.options());
        AtomicInteger ran = new AtomicInteger();
        rcu.call(rcu::readLock); // never unlocks: the next grace period would wait for the callback thread itself
        rcu.call(ran::incrementAndGet);
        rcu.barrier();
        rcu.call(ran::incrementAndGet);
        rcu.barrier();

        assertEquals(2, ran.get());
        assertEquals(1, recorder.failures.size(), "reported once: " + recorder.failures);
        assertMessage(recorder.failures.get(0), "ran a grace period of RCU domain leaky-callback while inside one of"
                + " its read-side sections");
    }

    @Test
    void aReaderThatHoldsUpAGracePeriodPastTheStallTimeoutIsReportedWithItsStack() throws InterruptedException {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("stall-warning", recorder.options().stallTimeout(50, TimeUnit.MILLISECONDS));
        RcuTesting.SectionHolder reader =
                new RcuTesting.SectionHolder("slow-reader", rcu::readLock, rcu::readUnlock, () -> { }).start();
        Thread writer = new Thread(rcu::synchronize, "writer");
        final long started = System.nanoTime();
        writer.start();
        awaitCondition(() -> !recorder.failures.isEmpty(), "no stall warning");
        assertTrue(writer.isAlive(), "the grace period goes on waiting after the warning");
        reader.leave();
        join(writer);
        final long heldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        // warnings come at 50, 100, 200, 400... ms of the wait (the timeout, then doubling), so a test thread
        // delayed after the first one may see more, but never more than the doubling allows in the time held
        final int allowed = 1 + (int) Math.floor(Math.log(Math.max(1.0, heldMillis / 50.0)) / Math.log(2));
        assertTrue(recorder.failures.size() <= allowed, recorder.failures.size() + " warnings in " + heldMillis
                + " ms, more than the doubling schedule allows (" + allowed + "): " + recorder.failures);
        Throwable stall = recorder.failures.get(0);
        assertMessage(stall, "RCU domain stall-warning: a grace period has waited");
        assertMessage(stall, "for thread slow-reader (nesting 1); it goes on waiting");
        assertTrue(stall.getStackTrace().length > 0, "the reader's stack trace");
    }

    @Test
    void aCallerWaitsAtTheLimitForAtMostTheStallTimeout() throws InterruptedException {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("bounded-wait",
                recorder.options().callbackLimit(2).stallTimeout(100, TimeUnit.MILLISECONDS));
        RcuTesting.SectionHolder reader =
                new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock, () -> { }).start();
        AtomicInteger ran = new AtomicInteger();
        Thread caller = new Thread(() -> {
            for (int i = 0; i < 4; i++) {
                rcu.call(ran::incrementAndGet);
            }
        }, "caller");
        caller.start();
        join(caller); // no grace period can end while the reader holds its section: the caller went on

        assertEquals(0, ran.get());
        // (the stalled grace period reports its own stall warnings too, with the same timeout)
        List<Throwable> giveUps = recorder.failures.stream().filter(f -> f.getMessage().contains(
                "a call() or retire() on RCU domain bounded-wait waited")).collect(Collectors.toList());
        assertEquals(1, giveUps.size(), "one give-up, then no more waiting until a grace period completes: "
                + recorder.failures);
        reader.leave();
        rcu.barrier();
        assertEquals(4, ran.get());
    }

    @Test
    void aStrictLimitKeepsTheCallerWaitingPastTheStallTimeout() throws InterruptedException {
        Recorder recorder = new Recorder();
        Rcu rcu = new Rcu("strict", recorder.options().callbackLimit(2).strictCallbackLimit(true)
                .stallTimeout(50, TimeUnit.MILLISECONDS));
        RcuTesting.SectionHolder reader =
                new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock, () -> { }).start();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger queued = new AtomicInteger();
        Thread caller = new Thread(() -> {
            for (int i = 0; i < 4; i++) {
                rcu.call(ran::incrementAndGet);
                queued.incrementAndGet();
            }
        }, "caller");
        caller.start();
        awaitCondition(() -> recorder.failures.stream().anyMatch(f -> f.getMessage().contains("strict limit")),
                "no report of the strict wait: " + recorder.failures);

        assertTrue(caller.isAlive(), "past the stall timeout the caller still waits");
        assertEquals(2, queued.get(), "the third call waits at the limit of 2");
        assertEquals(2, rcu.pendingCallbacks());
        assertEquals(1, recorder.failures.stream().filter(f -> f.getMessage().contains("strict limit")).count(),
                "one report per wait");
        reader.leave();
        join(caller);
        rcu.barrier();
        assertEquals(4, ran.get());
    }

    /** Half the limit pending expedites grace periods; far below it they are not. */
    @Test
    void aFloodOfCallbacksExpeditesGracePeriods() throws InterruptedException {
        for (long limit : new long[] {8, RcuDomain.Options.DEFAULT_CALLBACK_LIMIT}) {
            Rcu rcu = new Rcu("expedite-" + limit, RcuDomain.options().callbackLimit(limit));
            RcuTesting.SectionHolder reader =
                    new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock, () -> { }).start();
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 5; i++) {
                rcu.call(ran::incrementAndGet); // 5 >= 8 / 2 pending while the reader holds grace periods up
            }
            reader.leave();
            rcu.barrier();

            assertEquals(5, ran.get());
            final long expedited = rcu.state.callbacks.expeditedBatches();
            if (limit == 8) {
                assertTrue(expedited >= 1, "5 of a limit of 8 pending: no expedited batch");
            } else {
                assertEquals(0, expedited, "5 pending of " + limit);
            }
        }
    }

    /** Callbacks queued while a grace period is held up run behind one or two grace periods, not one each. */
    @Test
    void callbacksQueuedMeanwhileRunAsOneBatch() throws InterruptedException {
        Rcu rcu = new Rcu("batching");
        RcuTesting.SectionHolder reader =
                new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock, () -> { }).start();
        AtomicInteger ran = new AtomicInteger();
        final long before = rcu.completedGracePeriods();
        for (int i = 0; i < 100; i++) {
            rcu.call(ran::incrementAndGet);
        }
        reader.leave();
        rcu.barrier();

        assertEquals(100, ran.get());
        final long used = rcu.completedGracePeriods() - before;
        assertTrue(used <= 3, "100 callbacks used " + used + " grace periods");
    }

    @Test
    void srcuReportsStallsOnlyWhenAStallTimeoutIsSet() {
        assertEquals(Long.MAX_VALUE, new Srcu("blocking-readers").state.stallWarningNanos(),
                "an Srcu's readers may block at will: no stall warnings by default");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), new Srcu("watched",
                RcuDomain.options().stallTimeout(250, TimeUnit.MILLISECONDS)).state.stallWarningNanos());
        assertEquals(RcuDomain.Options.DEFAULT_STALL_TIMEOUT_NANOS, new Rcu("plain").state.stallWarningNanos());
    }

    @Test
    void neitherAnOnlineQsbrThreadNorAnotherDomainsCallbackIsMadeToWait() throws InterruptedException {
        QsbrRcu qsbr = new QsbrRcu("qsbr-flood", RcuDomain.options().callbackLimit(2));
        AtomicInteger ran = new AtomicInteger();
        qsbr.register();
        try {
            for (int i = 0; i < 6; i++) {
                qsbr.call(ran::incrementAndGet); // the grace period waits for this online thread: no waiting here
            }
        } finally {
            qsbr.unregister();
        }
        qsbr.barrier();
        assertEquals(6, ran.get());

        Rcu flooded = new Rcu("flooded", RcuDomain.options().callbackLimit(2));
        Rcu caller = new Rcu("calls-from-callbacks");
        RcuTesting.SectionHolder reader =
                new RcuTesting.SectionHolder("reader", flooded::readLock, flooded::readUnlock, () -> { }).start();
        AtomicInteger queued = new AtomicInteger();
        caller.call(() -> {
            for (int i = 0; i < 6; i++) {
                flooded.call(ran::incrementAndGet);
                queued.incrementAndGet();
            }
        });
        caller.barrier(); // the callback returned: it was not made to wait on the other domain
        assertEquals(6, queued.get());
        reader.leave();
        flooded.barrier();
        assertEquals(12, ran.get());
    }

    @Test
    void aCookieTakenBeforeSynchronizeHasCompletedWhenItReturnsInEveryFlavour() {
        RcuDomain[] domains = {new Rcu("cookie"), new QsbrRcu("cookie-qsbr"), new Srcu("cookie-srcu")};
        for (RcuDomain domain : domains) {
            long cookie = domain.getState();
            assertFalse(domain.poll(cookie), domain.name());
            domain.synchronize();
            assertTrue(domain.poll(cookie), domain.name() + ": a full grace period ran after the cookie");
            long started = domain.startPoll();
            awaitCondition(() -> domain.poll(started), domain.name() + ": the polled grace period never ran");
        }
    }

    @Test
    void unregisterDropsTheRecordAndRefusesTheOldHandle() throws InterruptedException {
        Rcu rcu = new Rcu("unregister");
        Rcu.Reader reader = rcu.reader();
        reader.lock();
        assertMessage(assertThrows(IllegalStateException.class, rcu::unregister), "unregister() inside a read-side");
        reader.unlock();
        rcu.unregister();
        assertEquals(0, rcu.registeredReaders());
        assertMessage(assertThrows(IllegalStateException.class, reader::lock), "on a reader unregistered from RCU");
        rcu.readLock(); // registers again
        rcu.readUnlock();
        assertEquals(1, rcu.registeredReaders());

        Srcu srcu = new Srcu("unregister-srcu");
        int idx = srcu.readLock();
        assertThrows(IllegalStateException.class, srcu::unregister);
        srcu.readUnlock(idx);
        srcu.unregister();
        assertEquals(0, srcu.registeredReaders());
    }

    @Test
    void misuseIsRejected() {
        Rcu rcu = new Rcu("misuse");
        assertThrows(NullPointerException.class, () -> rcu.call(null));
        assertThrows(NullPointerException.class, () -> rcu.retire(null));
        IllegalArgumentException limit = assertThrows(IllegalArgumentException.class,
                () -> RcuDomain.options().callbackLimit(1));
        assertMessage(limit, "callbackLimit must be >= 2, was 1");
        IllegalArgumentException keepAlive = assertThrows(IllegalArgumentException.class,
                () -> RcuDomain.options().callbackThreadKeepAlive(0, TimeUnit.SECONDS));
        assertMessage(keepAlive, "callbackThreadKeepAlive must be > 0");
        IllegalArgumentException stall = assertThrows(IllegalArgumentException.class,
                () -> RcuDomain.options().stallTimeout(-1, TimeUnit.SECONDS));
        assertMessage(stall, "stallTimeout must be > 0, was -1 SECONDS");
        assertThrows(NullPointerException.class, () -> new Rcu("x", null));
        assertThrows(NullPointerException.class, () -> new Rcu(null));
        rcu.readLock();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> rcu.condSynchronize(
                    rcu.getState()));
            assertMessage(e, "synchronize() inside a read-side section");
        } finally {
            rcu.readUnlock();
        }
        assertEquals("misuse", rcu.name());
        assertTrue(rcu.toString().startsWith("Rcu[misuse, "), rcu.toString());
    }
}
