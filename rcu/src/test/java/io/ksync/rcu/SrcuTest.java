package io.ksync.rcu;

import static io.ksync.rcu.RcuTesting.assertMessage;
import static io.ksync.rcu.RcuTesting.await;
import static io.ksync.rcu.RcuTesting.awaitParkedOrWaiting;
import static io.ksync.rcu.RcuTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.wait.Completion;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SrcuTest {

    @Test
    void sectionsNestAndTheIndexFlipsWithEachGracePeriod() {
        Srcu srcu = new Srcu("nest");
        int outer = srcu.readLock();
        int inner = srcu.readLock();
        assertTrue(outer == 0 || outer == 1);
        assertEquals(outer, inner, "no grace period in between: the same index");
        assertTrue(srcu.isReadLocked());
        srcu.readUnlock(inner);
        srcu.readUnlock(outer);
        assertFalse(srcu.isReadLocked());

        srcu.synchronize();

        int after = srcu.readLock();
        assertNotEquals(outer, after, "a grace period flips the active index");
        srcu.readUnlock(after);
        assertEquals(1, srcu.registeredReaders());
    }

    @Test
    void synchronizeWaitsForABlockedReaderOfItsOwnInstanceOnly() throws InterruptedException {
        Srcu mine = new Srcu("mine");
        Srcu other = new Srcu("other");
        Rcu rcu = new Rcu("rcu");
        Completion wakeReader = new Completion();
        CountDownLatch inSection = new CountDownLatch(1);
        AtomicBoolean left = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            int idx = mine.readLock();
            try {
                inSection.countDown();
                wakeReader.waitForCompletion(); // a sleepable section: blocks in a ksync primitive
            } finally {
                left.set(true);
                mine.readUnlock(idx);
            }
        }, "blocked-reader");
        reader.start();
        await(inSection);

        other.synchronize(); // other instances and domains never wait for it
        rcu.synchronize();
        AtomicBoolean leftWhenReturned = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            mine.synchronize();
            leftWhenReturned.set(left.get());
        }, "writer");
        writer.start();
        awaitParkedOrWaiting(writer);
        assertTrue(writer.isAlive(), "synchronize() returned while a section of its instance was open");
        wakeReader.complete();
        join(writer);
        join(reader);

        assertTrue(leftWhenReturned.get());
    }

    @Test
    void aSectionOnTheNewIndexDoesNotHoldUpTheGracePeriodInProgress() throws InterruptedException {
        Srcu srcu = new Srcu("late");
        RcuTesting.SectionHolder[] early = new RcuTesting.SectionHolder[1];
        int[] earlyIdx = new int[1];
        early[0] = new RcuTesting.SectionHolder("early", () -> earlyIdx[0] = srcu.readLock(),
                () -> srcu.readUnlock(earlyIdx[0]), () -> { }).start();
        Thread writer = new Thread(srcu::synchronize, "writer");
        writer.start();
        awaitParkedOrWaiting(writer); // flipped, waiting for `early` on the old index
        int[] lateIdx = new int[1];
        RcuTesting.SectionHolder late = new RcuTesting.SectionHolder("late", () -> lateIdx[0] = srcu.readLock(),
                () -> srcu.readUnlock(lateIdx[0]), () -> { }).start();

        early[0].leave();
        join(writer);

        assertNotEquals(earlyIdx[0], lateIdx[0], "the late section took the index the flip activated");
        late.leave();
    }

    @Test
    void callbacksAndBarrierWorkPerInstance() {
        Srcu srcu = new Srcu("callbacks");
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            srcu.call(ran::incrementAndGet);
        }
        srcu.barrier();
        assertEquals(100, ran.get());
        long cookie = srcu.startPoll();
        RcuTesting.awaitCondition(() -> srcu.poll(cookie), "the polled grace period never completed");
    }

    @Test
    void misuseIsRejected() throws InterruptedException {
        Srcu srcu = new Srcu("misuse");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(2)),
                "readUnlock(2): the index must be what readLock() returned, 0 or 1");
        assertMessage(assertThrows(IllegalStateException.class, () -> srcu.readUnlock(0)),
                "readUnlock(0) without a matching readLock()");
        int idx = srcu.readLock();
        try {
            assertMessage(assertThrows(IllegalStateException.class, () -> srcu.readUnlock(1 - idx)),
                    "without a matching readLock() that returned " + (1 - idx));
            assertMessage(assertThrows(IllegalStateException.class, srcu::synchronize),
                    "synchronize() inside a read-side section of RCU domain misuse");
            assertThrows(IllegalStateException.class, srcu::synchronizeExpedited);
            assertThrows(IllegalStateException.class, srcu::barrier);
            new Srcu("another").synchronize(); // another instance: allowed inside this one's section
        } finally {
            srcu.readUnlock(idx);
        }
        assertThrows(IllegalStateException.class, () -> srcu.readUnlock(idx));
    }

    @Test
    void aThreadThatDiesInsideItsSectionIsReported() throws InterruptedException {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Srcu srcu = new Srcu("died", RcuDomain.options().errorHandler((t, e) -> reported.add(e)));
        Thread careless = new Thread(srcu::readLock, "careless");
        careless.start();
        join(careless);

        srcu.synchronize();
        srcu.synchronize();

        assertEquals(1, reported.size());
        assertMessage(reported.get(0), "careless died inside a read-side section of RCU domain died (open sections");
        assertEquals(0, srcu.registeredReaders());
    }
}
