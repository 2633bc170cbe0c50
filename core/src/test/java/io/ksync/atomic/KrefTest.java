package io.ksync.atomic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class KrefTest {

    private final AtomicInteger releases = new AtomicInteger();
    private final Kref kref = new Kref(releases::incrementAndGet);

    @Test
    void newKrefHoldsTheCreatorsReference() {
        assertEquals(1, kref.read());
        assertEquals(0, releases.get());
    }

    @Test
    void nullReleaseActionIsRejected() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new Kref(null));
        assertTrue(e.getMessage().contains("release action must not be null"), e.getMessage());
    }

    @Test
    void putRunsTheReleaseActionOnlyForTheLastReference() {
        kref.get();
        kref.get();
        assertEquals(3, kref.read());
        assertFalse(kref.put());
        assertFalse(kref.put());
        assertEquals(0, releases.get());
        assertTrue(kref.put());
        assertEquals(1, releases.get());
        assertEquals(0, kref.read());
    }

    @Test
    void getAfterReleaseSaturatesAndThrowsAndTheActionNeverRunsAgain() {
        assertTrue(kref.put());
        IllegalStateException e = assertThrows(IllegalStateException.class, kref::get);
        assertTrue(e.getMessage().contains("addition on 0; use-after-free"), e.getMessage());
        assertEquals(Refcount.SATURATED, kref.read());
        e = assertThrows(IllegalStateException.class, kref::put);
        assertTrue(e.getMessage().contains("saturated; leaking memory"), e.getMessage());
        e = assertThrows(IllegalStateException.class, kref::getUnlessZero);
        assertTrue(e.getMessage().contains("saturated; leaking memory"), e.getMessage());
        assertEquals(Refcount.SATURATED, kref.read());
        assertEquals(1, releases.get(), "a saturated kref never releases again");
    }

    @Test
    void putAfterReleaseIsAnUnderflowAndDoesNotRunTheActionAgain() {
        assertTrue(kref.put());
        IllegalStateException e = assertThrows(IllegalStateException.class, kref::put);
        assertTrue(e.getMessage().contains("underflow; use-after-free"), e.getMessage());
        assertEquals(1, releases.get());
        assertEquals(Refcount.SATURATED, kref.read());
    }

    @Test
    void getUnlessZeroTakesAReferenceOnlyBeforeTheRelease() {
        assertTrue(kref.getUnlessZero());
        assertEquals(2, kref.read());
        assertFalse(kref.put());
        assertTrue(kref.put());
        assertFalse(kref.getUnlessZero(), "a released kref cannot be revived");
        assertEquals(0, kref.read());
        assertEquals(1, releases.get());
    }

    @Test
    void putLockRunsTheActionWithTheLockHeldAndUnlocksAfterwards() {
        ReentrantLock lock = new ReentrantLock();
        boolean[] heldDuringRelease = {false};
        Kref locked = new Kref(() -> heldDuringRelease[0] = lock.isHeldByCurrentThread());
        locked.get();
        assertFalse(locked.putLock(lock));
        assertFalse(lock.isLocked(), "a put that is not the last neither takes nor keeps the lock");
        assertTrue(locked.putLock(lock));
        assertTrue(heldDuringRelease[0], "the release action runs under the lock");
        assertFalse(lock.isLocked(), "putLock unlocks after the action");
    }

    @Test
    void putLockUnlocksWhenTheActionThrowsAndCountsAsReleased() {
        ReentrantLock lock = new ReentrantLock();
        IllegalStateException failure = new IllegalStateException("release failed");
        Kref failing = new Kref(() -> {
            releases.incrementAndGet();
            throw failure;
        });
        assertSame(failure, assertThrows(IllegalStateException.class, () -> failing.putLock(lock)));
        assertFalse(lock.isLocked());
        assertEquals(0, failing.read());
        assertFalse(failing.getUnlessZero());
        assertEquals(1, releases.get());
    }

    @Test
    void putPropagatesAnExceptionFromTheActionAndNeverRunsItAgain() {
        RuntimeException failure = new RuntimeException("release failed");
        Kref failing = new Kref(() -> {
            releases.incrementAndGet();
            throw failure;
        });
        assertSame(failure, assertThrows(RuntimeException.class, failing::put));
        assertThrows(IllegalStateException.class, failing::put);
        assertEquals(1, releases.get());
    }

    @Test
    void putLockRejectsANullLockWithoutDropping() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> kref.putLock(null));
        assertTrue(e.getMessage().contains("lock must not be null"), e.getMessage());
        assertEquals(1, kref.read());
    }

    @Test
    void toStringShowsTheCount() {
        assertTrue(kref.toString().endsWith("[refs=1]"), kref.toString());
        kref.put();
        assertThrows(IllegalStateException.class, kref::put);
        assertTrue(kref.toString().endsWith("[saturated]"), kref.toString());
    }

    // ---- real concurrency ----

    @Test
    void releaseActionRunsExactlyOnceAfterConcurrentGetsAndPuts() throws InterruptedException {
        final int threads = 4;
        for (int iteration = 0; iteration < 50; iteration++) {
            AtomicInteger released = new AtomicInteger();
            int[] writes = new int[threads * 16]; // plain; each holder writes its slot before its final put
            int[] seenAtRelease = {-1};
            Kref shared = new Kref(() -> {
                released.incrementAndGet();
                int seen = 0;
                for (int t = 0; t < threads; t++) {
                    seen += writes[t * 16];
                }
                seenAtRelease[0] = seen;
            });
            for (int t = 1; t < threads; t++) {
                shared.get(); // one reference per thread
            }
            Concurrently.run(threads, thread -> {
                for (int i = 0; i < 10_000; i++) {
                    shared.get();
                    assertFalse(shared.put(), "this thread still holds its own reference");
                }
                writes[thread * 16] = 1;
                shared.put();
            });
            assertEquals(1, released.get(), "iteration " + iteration);
            assertEquals(threads, seenAtRelease[0], "the release action sees every holder's writes");
        }
    }

    @Test
    void getUnlessZeroRacingTheLastPutNeverSeesAReleasedObject() throws InterruptedException {
        for (int iteration = 0; iteration < 2_000; iteration++) {
            AtomicInteger released = new AtomicInteger();
            Kref racing = new Kref(released::incrementAndGet);
            boolean[] usedAfterRelease = {false};
            Concurrently.run(2, thread -> {
                if (thread == 0) {
                    racing.put();
                } else if (racing.getUnlessZero()) {
                    usedAfterRelease[0] = released.get() != 0; // we hold a reference: must not be released
                    racing.put();
                }
            });
            assertEquals(1, released.get(), "iteration " + iteration);
            assertFalse(usedAfterRelease[0], "iteration " + iteration + ": a reference to a released object");
        }
    }
}
