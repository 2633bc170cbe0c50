package io.ksync.rcu;

import static io.ksync.rcu.RcuTesting.WAIT_SECONDS;
import static io.ksync.rcu.RcuTesting.assertMessage;
import static io.ksync.rcu.RcuTesting.await;
import static io.ksync.rcu.RcuTesting.awaitParkedOrWaiting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RcuTest {

    @Test
    void readSectionsNest() {
        Rcu rcu = new Rcu("nest");
        assertFalse(rcu.isReadLocked());

        rcu.readLock();
        rcu.readLock();
        assertTrue(rcu.isReadLocked());
        rcu.readUnlock();
        assertTrue(rcu.isReadLocked());
        rcu.readUnlock();

        assertFalse(rcu.isReadLocked());
        assertSame(rcu.reader(), rcu.reader());
    }

    @Test
    void unbalancedReadUnlockThrows() {
        Rcu rcu = new Rcu("unbalanced");
        assertMessage(assertThrows(IllegalStateException.class, rcu::readUnlock), "without a matching readLock()");
        rcu.readLock();
        rcu.readUnlock();
        assertMessage(assertThrows(IllegalStateException.class, rcu::readUnlock), "without a matching");
        assertMessage(assertThrows(IllegalStateException.class, () -> rcu.reader().unlock()),
                "Rcu.Reader.unlock() without a matching lock()");
    }

    @Test
    void synchronizeInsideOwnReadSectionThrows() {
        Rcu rcu = new Rcu("self");
        rcu.readLock();
        try {
            assertMessage(assertThrows(IllegalStateException.class, rcu::synchronize), "would wait for itself");
            assertMessage(assertThrows(IllegalStateException.class, rcu::synchronizeExpedited),
                    "would wait for itself");
        } finally {
            rcu.readUnlock();
        }
        rcu.synchronize(); // fine outside
        Rcu other = new Rcu("other");
        rcu.readLock();
        try {
            other.synchronize(); // another domain's grace period does not wait for this section
        } finally {
            rcu.readUnlock();
        }
    }

    @Test
    void aReaderBelongsToItsThread() throws InterruptedException {
        Rcu rcu = new Rcu("owner");
        Rcu.Reader mine = rcu.reader();
        AtomicReferenceHolder failure = new AtomicReferenceHolder();
        Thread other = new Thread(() -> {
            try {
                mine.lock();
            } catch (Throwable e) {
                failure.value = e;
            }
        }, "intruder");
        other.start();
        other.join();

        assertTrue(failure.value instanceof IllegalStateException, String.valueOf(failure.value));
        assertMessage(failure.value, "belongs to " + Thread.currentThread().getName());
        assertFalse(mine.isLocked());
        mine.lock();
        Thread unlocker = new Thread(() -> {
            try {
                mine.unlock();
            } catch (Throwable e) {
                failure.value = e;
            }
        }, "intruder");
        unlocker.start();
        unlocker.join();
        assertMessage(failure.value, "Rcu.Reader.unlock() called from thread intruder");
        assertTrue(mine.isLocked());
        mine.unlock();
    }

    private static final class AtomicReferenceHolder {
        volatile Throwable value;
    }

    @Test
    void synchronizeWaitsForASectionThatBeganBeforeIt() throws InterruptedException {
        Rcu rcu = new Rcu("wait");
        CountDownLatch inSection = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        AtomicBoolean left = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            Rcu.Reader r = rcu.reader();
            r.lock();
            try {
                inSection.countDown();
                leave.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                left.set(true);
                r.unlock();
            }
        }, "reader");
        reader.start();
        await(inSection);
        AtomicBoolean leftWhenSynchronizeReturned = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            rcu.synchronize();
            leftWhenSynchronizeReturned.set(left.get());
        }, "writer");

        writer.start();
        awaitParkedOrWaiting(writer);
        assertTrue(writer.isAlive(), "synchronize() returned while a section that began before it was open");
        leave.countDown();
        writer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));

        assertFalse(writer.isAlive());
        assertTrue(leftWhenSynchronizeReturned.get());
        reader.join();
    }

    /**
     * A section that begins after a grace period started is not waited for by it, although its reader was
     * registered (and scanned) before.
     */
    @Test
    void aSectionThatBeginsAfterTheGracePeriodStartedDoesNotHoldItUp() throws InterruptedException {
        Rcu rcu = new Rcu("later");
        CountDownLatch earlyIn = new CountDownLatch(1);
        CountDownLatch earlyLeave = new CountDownLatch(1);
        CountDownLatch lateRegistered = new CountDownLatch(1);
        CountDownLatch lateGo = new CountDownLatch(1);
        CountDownLatch lateIn = new CountDownLatch(1);
        CountDownLatch lateLeave = new CountDownLatch(1);
        Thread early = new Thread(() -> holdSection(rcu.reader(), earlyIn, earlyLeave), "early");
        Thread late = new Thread(() -> {
            Rcu.Reader reader = rcu.reader(); // registered before the grace period: its scan sees this record
            lateRegistered.countDown();
            try {
                lateGo.await();
            } catch (InterruptedException e) {
                return;
            }
            holdSection(reader, lateIn, lateLeave);
        }, "late");
        early.start();
        late.start();
        await(earlyIn);
        await(lateRegistered);
        Thread writer = new Thread(rcu::synchronize, "writer");
        writer.start();
        awaitParkedOrWaiting(writer); // the grace period has begun and waits for `early`
        lateGo.countDown();
        await(lateIn);

        earlyLeave.countDown();
        writer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));

        assertFalse(writer.isAlive(), "the grace period waited for a section that began after it");
        lateLeave.countDown();
        late.join();
        early.join();
    }

    private static void holdSection(Rcu.Reader reader, CountDownLatch in, CountDownLatch leave) {
        reader.lock();
        try {
            in.countDown();
            leave.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            reader.unlock();
        }
    }

    @Test
    void anInterruptedCallerParksInsteadOfSpinningAndKeepsItsInterrupt() throws InterruptedException {
        Rcu rcu = new Rcu("interrupted");
        CountDownLatch in = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread reader = new Thread(() -> holdSection(rcu.reader(), in, leave), "reader");
        reader.start();
        await(in);
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            Thread.currentThread().interrupt();
            rcu.synchronize();
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        }, "writer");

        writer.start();
        awaitParkedOrWaiting(writer); // an interrupted park returns at once: a spinning writer never gets here
        leave.countDown();
        writer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));

        assertFalse(writer.isAlive());
        assertTrue(interruptedAfter.get(), "the interrupt status was lost");
        reader.join();
    }

    @Test
    void aStallGoesToTheCallersHandlerByDefaultAndDeadIdleReadersAreDropped() throws InterruptedException {
        Rcu rcu = new Rcu("default-handler");
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        List<Thread> subjects = new CopyOnWriteArrayList<>();
        Thread careless = new Thread(rcu::readLock, "careless");
        Thread tidy = new Thread(() -> {
            rcu.readLock();
            rcu.readUnlock();
        }, "tidy");
        careless.start();
        careless.join();
        tidy.start(); // after careless died: registering may prune dead records, but not one still in its section
        tidy.join();
        assertEquals(2, rcu.registeredReaders());
        Thread current = Thread.currentThread();
        Thread.UncaughtExceptionHandler saved = current.getUncaughtExceptionHandler();
        current.setUncaughtExceptionHandler((thread, failure) -> {
            subjects.add(thread);
            seen.add(failure);
        });
        try {
            rcu.synchronize();
        } finally {
            current.setUncaughtExceptionHandler(saved);
        }

        assertEquals(1, seen.size());
        assertMessage(seen.get(0), "careless died inside a read-side section");
        assertSame(careless, subjects.get(0), "the handler is told which thread died");
        assertEquals(0, rcu.registeredReaders(), "both dead threads' records are dropped");
    }

    @Test
    void aThreadThatDiesInsideItsSectionIsReportedAndDoesNotStallGracePeriods() throws InterruptedException {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Rcu rcu = new Rcu("stall", RcuDomain.options().errorHandler((thread, failure) -> reported.add(failure)));
        Thread careless = new Thread(() -> rcu.readLock(), "careless-reader"); // never unlocks
        careless.start();
        careless.join();
        assertEquals(1, rcu.registeredReaders());

        rcu.synchronize();

        assertEquals(1, reported.size());
        assertTrue(reported.get(0) instanceof IllegalStateException);
        assertMessage(reported.get(0), "careless-reader died inside a read-side section");
        rcu.synchronize();
        assertEquals(1, reported.size(), "reported once");
        assertEquals(0, rcu.registeredReaders(), "the dead reader's record is dropped; the writer never registered");
    }

    @Test
    void concurrentCallersAllReturn() throws InterruptedException {
        Rcu rcu = new Rcu("shared-gp");
        int threads = 4;
        int calls = 500;
        CountDownLatch go = new CountDownLatch(1);
        Thread[] callers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            callers[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < calls; i++) {
                    rcu.readLock();
                    rcu.readUnlock();
                    rcu.synchronize();
                }
            });
            callers[t].start();
        }
        go.countDown();
        for (Thread caller : callers) {
            caller.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            assertFalse(caller.isAlive());
        }
        assertTrue(rcu.completedGracePeriods() >= calls, "each caller's calls need grace periods begun after them");
    }

    /**
     * Concurrent callers share grace periods: eight writers that call synchronize() while one reader holds the
     * grace period in progress up all return after at most two more grace periods (the one in progress, which
     * began before some of them, and one that began after all of them), not one each.
     */
    @Test
    void writersBlockedBehindOneReaderShareTheirGracePeriods() throws InterruptedException {
        Rcu rcu = new Rcu("sharing");
        RcuTesting.SectionHolder reader =
                new RcuTesting.SectionHolder("reader", rcu::readLock, rcu::readUnlock, () -> { }).start();
        final long before = rcu.completedGracePeriods();
        Thread[] writers = new Thread[8];
        for (int i = 0; i < writers.length; i++) {
            writers[i] = new Thread(rcu::synchronize, "writer-" + i);
            writers[i].start();
        }
        for (Thread writer : writers) {
            awaitParkedOrWaiting(writer); // each is inside synchronize(), held up by the reader
        }
        assertEquals(before, rcu.completedGracePeriods(), "no grace period can end while the reader is inside");

        reader.leave();
        for (Thread writer : writers) {
            RcuTesting.join(writer);
        }

        final long used = rcu.completedGracePeriods() - before;
        assertTrue(used >= 1 && used <= 2, writers.length + " blocked writers used " + used + " grace periods");
    }

    /** A poisoned object: once reclaimed, any reader that still sees it fails. */
    private static final class Version {
        final long number;
        volatile boolean reclaimed;

        Version(long number) {
            this.number = number;
        }
    }

    /**
     * rcutorture in miniature (the full suite, every flavour and the collections, is RcuTortureTest): two writers
     * replace the version, wait for a grace period (sharing them) and poison the old one; readers inside sections
     * must never see a poisoned version, nor a version older than one they saw before in the same section.
     */
    @Test
    void readersNeverSeeAReclaimedVersion() throws InterruptedException {
        Rcu rcu = new Rcu("torture");
        RcuReference<Version> current = new RcuReference<>(new Version(0));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicInteger failures = new AtomicInteger();
        Thread[] readers = new Thread[2];
        for (int t = 0; t < readers.length; t++) {
            readers[t] = new Thread(() -> {
                Rcu.Reader reader = rcu.reader();
                while (!stop.get()) {
                    reader.lock();
                    try {
                        Version seen = current.dereference();
                        for (int spin = 0; spin < 50; spin++) {
                            Thread.onSpinWait();
                        }
                        Version again = current.dereference();
                        if (seen.reclaimed || again.reclaimed || again.number < seen.number) {
                            failures.incrementAndGet();
                        }
                    } finally {
                        reader.unlock();
                    }
                    reads.incrementAndGet();
                }
            });
            readers[t].start();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
        AtomicLong versionNumbers = new AtomicLong();
        Runnable writer = () -> {
            while (System.nanoTime() - deadline < 0) {
                // two writers: each replacement one CAS from the version it read, so numbers grow in publication
                // order; their grace periods are often shared
                Version old;
                do {
                    old = current.access();
                } while (!current.compareAndSet(old, new Version(old.number + 1)));
                versionNumbers.incrementAndGet();
                rcu.synchronize();
                old.reclaimed = true;
            }
        };
        Thread secondWriter = new Thread(writer, "writer-2");
        secondWriter.start();
        writer.run();
        secondWriter.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        long versions = versionNumbers.get();
        stop.set(true);
        for (Thread reader : readers) {
            reader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        }

        assertEquals(0, failures.get(), "a reader saw a version reclaimed after a grace period");
        assertTrue(versions > 10 && reads.get() > 10, versions + " versions, " + reads.get() + " reads");
    }

    @Test
    void rcuReferencePublishesAndReplaces() {
        RcuReference<String> ref = new RcuReference<>();
        assertNull(ref.dereference());
        ref.assign("a");
        assertEquals("a", ref.dereference());
        assertEquals("a", ref.access());
        assertEquals("a", ref.exchange("b"));
        assertFalse(ref.compareAndSet("a", "c"));
        assertTrue(ref.compareAndSet("b", "c"));
        assertEquals("c", new RcuReference<>("c").access());
        assertEquals("RcuReference[c]", ref.toString());
    }

    @Test
    void dereferenceCheckRefusesReadersOutsideTheirSection() {
        Rcu rcu = new Rcu("check");
        QsbrRcu qsbr = new QsbrRcu("check-qsbr");
        Srcu srcu = new Srcu("check-srcu");
        RcuReference<String> ref = new RcuReference<>("v");
        for (RcuDomain domain : new RcuDomain[] {rcu, qsbr, srcu}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ref.dereferenceCheck(domain, false));
            assertMessage(e, "RcuReference dereferenced outside a read-side section of RCU domain " + domain.name());
            assertEquals("v", ref.dereferenceCheck(domain, true), "the caller's own reason is enough");
            assertFalse(domain.isReadSectionHeld());
        }
        rcu.readLock();
        assertTrue(rcu.isReadSectionHeld());
        assertEquals("v", ref.dereferenceCheck(rcu, false));
        rcu.readUnlock();
        int idx = srcu.readLock();
        assertEquals("v", ref.dereferenceCheck(srcu, false));
        srcu.readUnlock(idx);
        QsbrRcu.Reader reader = qsbr.register();
        assertEquals("v", ref.dereferenceCheck(qsbr, false), "an online QSBR thread is always a reader");
        reader.offline();
        assertThrows(IllegalStateException.class, () -> ref.dereferenceCheck(qsbr, false));
        qsbr.unregister();
    }

    @Test
    void theSharedDomainIsOne() {
        assertSame(Rcu.shared(), Rcu.shared());
        Rcu.shared().readLock();
        Rcu.shared().readUnlock();
        Rcu.shared().synchronize();
    }
}
