package io.ksync.rcu;

import static io.ksync.rcu.RcuTesting.assertMessage;
import static io.ksync.rcu.RcuTesting.await;
import static io.ksync.rcu.RcuTesting.awaitParkedOrWaiting;
import static io.ksync.rcu.RcuTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QsbrRcuTest {

    /** A registered thread that stays online without quiescent states until told, then reports one. */
    private static Thread onlineUntil(QsbrRcu rcu, CountDownLatch online, CountDownLatch report,
                                      AtomicBoolean reported, String name) {
        Thread thread = new Thread(() -> {
            QsbrRcu.Reader reader = rcu.register();
            online.countDown();
            try {
                report.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reported.set(true);
            reader.quiescentState();
            rcu.unregister();
        }, name);
        thread.start();
        return thread;
    }

    @Test
    void synchronizeWaitsForAnOnlineThreadUntilItsQuiescentState() throws InterruptedException {
        QsbrRcu rcu = new QsbrRcu("qs");
        CountDownLatch online = new CountDownLatch(1);
        CountDownLatch report = new CountDownLatch(1);
        AtomicBoolean reported = new AtomicBoolean();
        Thread reader = onlineUntil(rcu, online, report, reported, "reader");
        await(online);
        AtomicBoolean reportedWhenReturned = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            rcu.synchronize();
            reportedWhenReturned.set(reported.get());
        }, "writer");
        writer.start();
        awaitParkedOrWaiting(writer);
        assertTrue(writer.isAlive(), "synchronize() returned while an online thread had not passed a quiescent state");

        report.countDown();
        join(writer);
        join(reader);

        assertTrue(reportedWhenReturned.get());
        assertEquals(0, rcu.registeredReaders(), "unregister() drops the record");
    }

    @Test
    void synchronizeDoesNotWaitForOfflineThreads() throws InterruptedException {
        QsbrRcu rcu = new QsbrRcu("offline");
        CountDownLatch offline = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean onlineAgain = new AtomicBoolean();
        Thread sleeper = new Thread(() -> {
            QsbrRcu.Reader reader = rcu.register();
            reader.offline();
            offline.countDown();
            try {
                done.await(); // blocks for as long as the test wants: offline, it holds nobody up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reader.online();
            onlineAgain.set(reader.isOnline());
        }, "sleeper");
        sleeper.start();
        await(offline);

        rcu.synchronize();
        rcu.synchronizeExpedited();

        assertEquals(2, rcu.completedGracePeriods());
        done.countDown();
        join(sleeper);
        assertTrue(onlineAgain.get());
    }

    @Test
    void anOnlineThreadThatSynchronizesGoesOfflineForTheWait() throws InterruptedException {
        QsbrRcu rcu = new QsbrRcu("self");
        QsbrRcu.Reader reader = rcu.register();
        try {
            assertTrue(reader.isOnline());
            rcu.synchronize(); // would wait for itself if it stayed online
            assertTrue(reader.isOnline(), "back online after the wait");
            AtomicInteger ran = new AtomicInteger();
            rcu.call(ran::incrementAndGet);
            rcu.barrier(); // the callback's grace period must not wait for the barrier's caller
            assertEquals(1, ran.get());
            assertTrue(reader.isOnline());
        } finally {
            rcu.unregister();
        }
        assertNull(rcu.reader());
    }

    @Test
    void registerIsIdempotentAndUnregisterEndsTheReader() {
        QsbrRcu rcu = new QsbrRcu("register");
        QsbrRcu.Reader reader = rcu.register();
        assertSame(reader, rcu.register());
        assertSame(reader, rcu.reader());
        assertEquals(1, rcu.registeredReaders());
        rcu.unregister();
        assertEquals(0, rcu.registeredReaders());
        assertFalse(reader.isOnline());
        IllegalStateException e = assertThrows(IllegalStateException.class, reader::online);
        assertMessage(e, "online() on a reader unregistered from QSBR domain register");
        rcu.unregister(); // not registered: nothing to do
    }

    @Test
    void misuseIsRejected() throws InterruptedException {
        QsbrRcu rcu = new QsbrRcu("misuse");
        assertMessage(assertThrows(IllegalStateException.class, rcu::quiescentState),
                "quiescentState() on thread " + Thread.currentThread().getName()
                        + ", which is not registered with QSBR domain misuse: call register() first");
        assertThrows(IllegalStateException.class, rcu::offline);
        assertThrows(IllegalStateException.class, rcu::online);
        QsbrRcu.Reader reader = rcu.register();
        try {
            assertMessage(assertThrows(IllegalStateException.class, reader::online), "online() while already online");
            rcu.offline();
            assertMessage(assertThrows(IllegalStateException.class, reader::offline),
                    "offline() while already offline");
            assertMessage(assertThrows(IllegalStateException.class, reader::quiescentState),
                    "quiescentState() while offline in QSBR domain misuse: call online() first");
            assertMessage(assertThrows(IllegalStateException.class, reader::readLock), "readLock() while offline");
            rcu.online();
            assertMessage(assertThrows(IllegalStateException.class, reader::readUnlock),
                    "QsbrRcu.Reader.readUnlock() without a matching readLock()");

            reader.readLock();
            reader.readLock();
            // refused whether or not a grace period waits for us (no grace period has begun since the last report)
            assertMessage(assertThrows(IllegalStateException.class, reader::quiescentState),
                    "quiescentState() inside readLock() (nesting 2) in QSBR domain misuse: call readUnlock() first");
            Thread gracePeriod = new Thread(rcu::synchronize, "gp");
            gracePeriod.start(); // waits for us
            awaitParkedOrWaiting(gracePeriod);
            assertThrows(IllegalStateException.class, reader::quiescentState);
            assertThrows(IllegalStateException.class, reader::offline);
            assertMessage(assertThrows(IllegalStateException.class, rcu::synchronize),
                    "synchronize() inside a read-side section of RCU domain misuse");
            assertThrows(IllegalStateException.class, rcu::unregister);
            reader.readUnlock();
            reader.readUnlock();
            reader.quiescentState();
            join(gracePeriod);

            AtomicBoolean refused = new AtomicBoolean();
            Thread other = new Thread(() -> {
                try {
                    reader.quiescentState();
                } catch (IllegalStateException e) {
                    refused.set(e.getMessage().contains("but the reader belongs to"));
                }
            }, "other");
            other.start();
            join(other);
            assertTrue(refused.get(), "a reader is its thread's alone");
        } finally {
            rcu.unregister();
        }
    }

    @Test
    void aThreadThatDiesOnlineIsReportedAndTreatedAsOffline() throws InterruptedException {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        QsbrRcu rcu = new QsbrRcu("died", RcuDomain.options().errorHandler((t, e) -> reported.add(e)));
        Thread careless = new Thread(rcu::register, "careless"); // never unregisters nor goes offline
        careless.start();
        join(careless);

        rcu.synchronize();

        assertEquals(1, reported.size());
        assertMessage(reported.get(0), "careless died inside a read-side section of RCU domain died (online");
        assertEquals(0, rcu.registeredReaders());
    }

    /** Readers check, between quiescent states, that nothing they hold was reclaimed; a writer replaces. */
    @Test
    void readersNeverSeeAReclaimedVersionBetweenQuiescentStates() throws InterruptedException {
        QsbrRcu rcu = new QsbrRcu("torture");
        final class Version {
            volatile boolean reclaimed;
        }
        RcuReference<Version> current = new RcuReference<>(new Version());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        Thread[] readers = new Thread[2];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new Thread(() -> {
                QsbrRcu.Reader reader = rcu.register();
                try {
                    while (!stop.get()) {
                        Version v = current.dereference();
                        for (int spin = 0; spin < 50; spin++) {
                            Thread.onSpinWait();
                        }
                        if (v.reclaimed) {
                            failures.incrementAndGet();
                        }
                        reads.incrementAndGet();
                        reader.quiescentState();
                    }
                } finally {
                    rcu.unregister();
                }
            }, "reader-" + i);
            readers[i].start();
        }
        for (int round = 0; round < 2_000; round++) {
            Version old = current.exchange(new Version());
            if ((round & 1) == 0) {
                rcu.synchronize();
                old.reclaimed = true;
            } else {
                rcu.call(() -> old.reclaimed = true);
            }
        }
        rcu.barrier();
        stop.set(true);
        for (Thread reader : readers) {
            join(reader);
        }

        assertEquals(0, failures.get(), "a reader saw a version reclaimed before its quiescent state");
        assertTrue(reads.get() > 0);
    }
}
