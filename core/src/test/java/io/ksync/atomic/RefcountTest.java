package io.ksync.atomic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RefcountTest {

    // ---- construction, read, set ----

    @Test
    void newCountHoldsItsInitialValue() {
        Refcount refs = new Refcount(3);
        assertEquals(3, refs.read());
        assertFalse(refs.isSaturated());
    }

    @Test
    void negativeInitialValueIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Refcount(-1));
        assertTrue(e.getMessage().contains("must be >= 0, was -1"), e.getMessage());
    }

    @Test
    void countStartingAtZeroRefusesIncNotZeroUntilSet() {
        Refcount refs = new Refcount(0);
        assertFalse(refs.incNotZero(), "0 is a released or unpublished object: no reference may be taken");
        assertEquals(0, refs.read());
        refs.set(1);
        assertTrue(refs.incNotZero());
        assertEquals(2, refs.read());
    }

    @Test
    void setAndSetReleaseReplaceTheCountEvenWhenSaturated() {
        Refcount refs = new Refcount(0);
        assertThrows(IllegalStateException.class, refs::inc);
        assertTrue(refs.isSaturated());
        refs.set(4);
        assertEquals(4, refs.read());
        assertFalse(refs.isSaturated());
        refs.setRelease(7);
        assertEquals(7, refs.read());
    }

    @Test
    void negativeValuesCannotBeSet() {
        Refcount refs = new Refcount(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> refs.set(-1));
        assertTrue(e.getMessage().contains("must be >= 0, was -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> refs.setRelease(Refcount.SATURATED));
        assertTrue(e.getMessage().contains("reserved for saturation"), e.getMessage());
        assertEquals(2, refs.read());
    }

    @Test
    void saturatedValueIsHalfWayIntoTheNegativeRange() {
        assertEquals(Integer.MIN_VALUE / 2, Refcount.SATURATED);
        assertEquals(Integer.MAX_VALUE, Refcount.MAX);
    }

    // ---- increments ----

    @Test
    void incAndAddTakeReferences() {
        Refcount refs = new Refcount(1);
        refs.inc();
        assertEquals(2, refs.read());
        refs.add(5);
        assertEquals(7, refs.read());
    }

    @Test
    void incrementFromZeroSaturatesAndThrows() {
        Refcount refs = new Refcount(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, refs::inc);
        assertViolation(e, "Refcount.inc()", "addition on 0; use-after-free");
        assertTrue(e.getMessage().contains("incNotZero()"), "the message says what to do: " + e.getMessage());
        assertEquals(Refcount.SATURATED, refs.read());
        assertTrue(refs.isSaturated());
    }

    @Test
    void addOnZeroSaturatesAndThrows() {
        Refcount refs = new Refcount(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> refs.add(3));
        assertViolation(e, "Refcount.add()", "addition on 0; use-after-free");
        assertEquals(Refcount.SATURATED, refs.read());
    }

    @Test
    void incrementPastMaxSaturatesAndThrows() {
        Refcount refs = new Refcount(Integer.MAX_VALUE);
        IllegalStateException e = assertThrows(IllegalStateException.class, refs::inc);
        assertViolation(e, "Refcount.inc()", "saturated; leaking memory");
        assertTrue(e.getMessage().contains("Integer.MAX_VALUE"), e.getMessage());
        assertEquals(Refcount.SATURATED, refs.read(), "overflow saturates instead of wrapping to a negative count");
    }

    @Test
    void addUpToMaxIsAllowedAndPastMaxSaturates() {
        Refcount refs = new Refcount(Integer.MAX_VALUE - 3);
        refs.add(3);
        assertEquals(Integer.MAX_VALUE, refs.read());

        Refcount other = new Refcount(Integer.MAX_VALUE - 3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.add(4));
        assertViolation(e, "Refcount.add()", "saturated; leaking memory");
        assertEquals(Refcount.SATURATED, other.read());
    }

    @Test
    void nonPositiveAmountsAreRejectedWithoutTouchingTheCount() {
        Refcount refs = new Refcount(5);
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("add(0)", () -> refs.add(0));
        calls.put("add(-1)", () -> refs.add(-1));
        calls.put("addNotZero(0)", () -> refs.addNotZero(0));
        calls.put("addNotZero(MIN_VALUE)", () -> refs.addNotZero(Integer.MIN_VALUE));
        calls.put("subAndTest(0)", () -> refs.subAndTest(0));
        calls.put("subAndTest(-5)", () -> refs.subAndTest(-5));
        for (Map.Entry<String, Executable> call : calls.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call.getValue(), call.getKey());
            assertTrue(e.getMessage().contains("n must be > 0, was "), call.getKey() + ": " + e.getMessage());
            assertEquals(5, refs.read(), call.getKey() + " must not change the count");
        }
    }

    @Test
    void incNotZeroAndAddNotZeroTakeReferencesOnlyFromALiveCount() {
        Refcount refs = new Refcount(1);
        assertTrue(refs.incNotZero());
        assertTrue(refs.addNotZero(3));
        assertEquals(5, refs.read());

        Refcount released = new Refcount(0);
        assertFalse(released.incNotZero());
        assertFalse(released.addNotZero(3));
        assertEquals(0, released.read(), "a refused increment leaves 0 as it is: no saturation, no exception");
    }

    @Test
    void incNotZeroPastMaxSaturatesAndThrows() {
        Refcount refs = new Refcount(Integer.MAX_VALUE);
        IllegalStateException e = assertThrows(IllegalStateException.class, refs::incNotZero);
        assertViolation(e, "Refcount.incNotZero()", "saturated; leaking memory");
        assertEquals(Refcount.SATURATED, refs.read());

        Refcount other = new Refcount(Integer.MAX_VALUE - 1);
        e = assertThrows(IllegalStateException.class, () -> other.addNotZero(2));
        assertViolation(e, "Refcount.addNotZero()", "saturated; leaking memory");
        assertEquals(Refcount.SATURATED, other.read());
    }

    // ---- decrements ----

    @Test
    void decDropsAReferenceThatIsNotTheLast() {
        Refcount refs = new Refcount(2);
        refs.dec();
        assertEquals(1, refs.read());
    }

    @Test
    void decOfTheLastReferenceSaturatesAndThrows() {
        Refcount refs = new Refcount(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, refs::dec);
        assertViolation(e, "Refcount.dec()", "decrement hit 0; leaking memory");
        assertTrue(e.getMessage().contains("decAndTest()"), "the message says what to do: " + e.getMessage());
        assertEquals(Refcount.SATURATED, refs.read(), "the object is leaked, never released");
    }

    @Test
    void decOfZeroIsAnUnderflow() {
        Refcount refs = new Refcount(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, refs::dec);
        assertViolation(e, "Refcount.dec()", "underflow; use-after-free");
        assertEquals(Refcount.SATURATED, refs.read());
    }

    @Test
    void decAndTestReturnsTrueOnlyForTheLastReference() {
        Refcount refs = new Refcount(3);
        assertFalse(refs.decAndTest());
        assertFalse(refs.decAndTest());
        assertTrue(refs.decAndTest());
        assertEquals(0, refs.read());
    }

    @Test
    void decAndTestOfZeroSaturatesAndThrows() {
        Refcount refs = new Refcount(1);
        assertTrue(refs.decAndTest());
        IllegalStateException e = assertThrows(IllegalStateException.class, refs::decAndTest);
        assertViolation(e, "Refcount.decAndTest()", "underflow; use-after-free");
        assertEquals(Refcount.SATURATED, refs.read());
    }

    @Test
    void subAndTestReturnsTrueWhenItDropsTheLastReferences() {
        Refcount refs = new Refcount(5);
        assertFalse(refs.subAndTest(2));
        assertEquals(3, refs.read());
        assertTrue(refs.subAndTest(3));
        assertEquals(0, refs.read());
    }

    @Test
    void subAndTestBelowZeroSaturatesAndThrows() {
        Refcount refs = new Refcount(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> refs.subAndTest(3));
        assertViolation(e, "Refcount.subAndTest()", "underflow; use-after-free");
        assertEquals(Refcount.SATURATED, refs.read());
    }

    @Test
    void decIfOneDropsOnlyTheLastReference() {
        Refcount shared = new Refcount(2);
        assertFalse(shared.decIfOne());
        assertEquals(2, shared.read(), "a failed decIfOne leaves the count alone");

        Refcount last = new Refcount(1);
        assertTrue(last.decIfOne());
        assertEquals(0, last.read());
    }

    @Test
    void decIfOneOfZeroSaturatesAndThrows() {
        Refcount refs = new Refcount(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, refs::decIfOne);
        assertViolation(e, "Refcount.decIfOne()", "underflow; use-after-free");
        assertEquals(Refcount.SATURATED, refs.read());
    }

    @Test
    void decNotOneDropsEveryReferenceButTheLast() {
        Refcount refs = new Refcount(3);
        assertTrue(refs.decNotOne());
        assertTrue(refs.decNotOne());
        assertEquals(1, refs.read());
        assertFalse(refs.decNotOne());
        assertEquals(1, refs.read(), "the last reference is left for decAndTest or decAndLock");
    }

    @Test
    void decNotOneOfZeroSaturatesAndThrows() {
        Refcount refs = new Refcount(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, refs::decNotOne);
        assertViolation(e, "Refcount.decNotOne()", "underflow; use-after-free");
        assertEquals(Refcount.SATURATED, refs.read());
    }

    // ---- decAndLock ----

    @Test
    void decAndLockReturnsWithTheLockHeldOnlyWhenTheCountDropsToZero() {
        ReentrantLock lock = new ReentrantLock();
        Refcount refs = new Refcount(2);
        assertFalse(refs.decAndLock(lock));
        assertFalse(lock.isHeldByCurrentThread());
        assertEquals(1, refs.read());

        assertTrue(refs.decAndLock(lock));
        assertTrue(lock.isHeldByCurrentThread(), "the caller that dropped to 0 holds the lock");
        assertEquals(1, lock.getHoldCount());
        assertEquals(0, refs.read());
        lock.unlock();
    }

    @Test
    void decAndLockTakesTheLockOnlyForWhatMayBeTheLastReference() {
        CountingLock lock = new CountingLock(() -> { });
        Refcount refs = new Refcount(3);
        assertFalse(refs.decAndLock(lock));
        assertFalse(refs.decAndLock(lock));
        assertEquals(0, lock.locks, "drops from above 1 must not touch the lock");
        assertTrue(refs.decAndLock(lock));
        assertEquals(1, lock.locks);
        lock.unlock();
    }

    @Test
    void decAndLockRechecksUnderTheLockAndUnlocksWhenSomeoneTookAReference() {
        Refcount refs = new Refcount(1);
        // another holder takes a reference between decAndLock's first look (count 1) and its decrement
        CountingLock lock = new CountingLock(refs::inc);
        assertFalse(refs.decAndLock(lock));
        assertFalse(lock.delegate.isHeldByCurrentThread(), "a false return leaves the lock released");
        assertEquals(1, refs.read());
    }

    @Test
    void decAndLockUnderflowUnderTheLockUnlocksAndThrows() {
        Refcount refs = new Refcount(1);
        // another thread wrongly drops the last reference between decAndLock's first look and its decrement
        CountingLock lock = new CountingLock(() -> refs.set(0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> refs.decAndLock(lock));
        assertViolation(e, "Refcount.decAndLock()", "underflow; use-after-free");
        assertFalse(lock.delegate.isHeldByCurrentThread(), "the exception must not leave the lock held");
        assertEquals(Refcount.SATURATED, refs.read());
    }

    @Test
    void decAndLockRejectsANullLockWithoutDropping() {
        Refcount refs = new Refcount(1);
        NullPointerException e = assertThrows(NullPointerException.class, () -> refs.decAndLock(null));
        assertTrue(e.getMessage().contains("lock must not be null"), e.getMessage());
        assertEquals(1, refs.read());
    }

    @Test
    void decAndLockOfZeroSaturatesAndThrowsWithoutTakingTheLock() {
        CountingLock lock = new CountingLock(() -> { });
        Refcount refs = new Refcount(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> refs.decAndLock(lock));
        assertViolation(e, "Refcount.decAndLock()", "underflow; use-after-free");
        assertEquals(0, lock.locks);
        assertEquals(Refcount.SATURATED, refs.read());
    }

    // ---- saturation sticks ----

    @Test
    void saturationSticksAndEveryLaterOperationThrows() {
        Refcount refs = new Refcount(1);
        assertThrows(IllegalStateException.class, refs::dec); // decrement hit 0: saturates
        ReentrantLock lock = new ReentrantLock();
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("inc", refs::inc);
        calls.put("add", () -> refs.add(2));
        calls.put("incNotZero", refs::incNotZero);
        calls.put("addNotZero", () -> refs.addNotZero(2));
        calls.put("dec", refs::dec);
        calls.put("decAndTest", refs::decAndTest);
        calls.put("subAndTest", () -> refs.subAndTest(2));
        calls.put("decIfOne", refs::decIfOne);
        calls.put("decNotOne", refs::decNotOne);
        calls.put("decAndLock", () -> refs.decAndLock(lock));
        for (int round = 0; round < 3; round++) {
            for (Map.Entry<String, Executable> call : calls.entrySet()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, call.getValue(), call.getKey());
                assertTrue(e.getMessage().contains("refcount_t: saturated; leaking memory: an earlier misuse"),
                        call.getKey() + ": " + e.getMessage());
                assertEquals(Refcount.SATURATED, refs.read(), call.getKey() + " must leave the counter saturated");
                assertFalse(lock.isLocked(), call.getKey());
            }
        }
        assertTrue(refs.isSaturated());
    }

    @Test
    void toStringShowsTheCountOrSaturation() {
        Refcount refs = new Refcount(2);
        assertTrue(refs.toString().endsWith("[refs=2]"), refs.toString());
        assertThrows(IllegalStateException.class, () -> refs.subAndTest(3));
        assertTrue(refs.toString().endsWith("[saturated]"), refs.toString());
    }

    // ---- real concurrency ----

    private static final int DROPPERS = 4;
    private static final int DROPS_PER_THREAD = 20_000;
    private static final int ITERATIONS = 40;

    @Test
    void decAndTestReturnsTrueExactlyOnceAndTheReleaserSeesEveryDroppersWrites() throws InterruptedException {
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            DropOutcome outcome =
                    dropConcurrently(new Refcount(DROPPERS * DROPS_PER_THREAD)::decAndTest, DROPS_PER_THREAD);
            assertEquals(1, outcome.releases, "iteration " + iteration + ": exactly one decAndTest returns true");
            assertEquals(DROPPERS, outcome.writesSeenByReleaser,
                    "iteration " + iteration + ": the releasing thread must see every dropper's last write");
        }
    }

    @Test
    void dropHarnessCatchesADecAndTestThatIsNotOneAtomicStep() throws InterruptedException {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "the threads of a race harness overlap only on two CPUs or more");
        // busted control: get-then-set loses concurrent decrements, so the count never or twice reaches 0.
        // Longer runs than the real test, so that the threads overlap even when the machine is busy.
        final int drops = 250_000;
        boolean caught = false;
        for (int attempt = 0; attempt < 100 && !caught; attempt++) {
            DropOutcome outcome = dropConcurrently(new GetThenSetCount(DROPPERS * drops)::decAndTest, drops);
            caught = outcome.releases != 1;
        }
        assertTrue(caught, "the harness must detect lost decrements, or it proves nothing about Refcount");
    }

    @Test
    void subAndTestAndDecIfOneReleaseExactlyOnceUnderConcurrency() throws InterruptedException {
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            Refcount refs = new Refcount(DROPPERS * 1000 * 3 + 1);
            AtomicInteger releases = new AtomicInteger();
            Concurrently.run(DROPPERS, thread -> {
                for (int i = 0; i < 1000; i++) {
                    if (refs.subAndTest(3)) {
                        releases.incrementAndGet();
                    }
                }
            });
            assertEquals(0, releases.get(), "one reference is still held");
            assertTrue(refs.decIfOne());
            assertEquals(0, refs.read());
        }
    }

    @Test
    void concurrentIncrementsAndDecrementsKeepTheCount() throws InterruptedException {
        Refcount refs = new Refcount(1); // the test's own reference keeps the object alive
        Concurrently.run(DROPPERS, thread -> {
            for (int i = 0; i < DROPS_PER_THREAD; i++) {
                refs.inc();
                refs.add(2);
                assertTrue(refs.incNotZero());
                assertTrue(refs.decNotOne());
                refs.dec();
                assertFalse(refs.decAndTest());
                assertFalse(refs.subAndTest(1));
            }
        });
        assertEquals(1, refs.read());
        assertTrue(refs.decAndTest());
    }

    @Test
    void incNotZeroRacingTheLastDropNeverRevivesTheObject() throws InterruptedException {
        for (int iteration = 0; iteration < 2_000; iteration++) {
            Refcount refs = new Refcount(1);
            AtomicInteger releases = new AtomicInteger();
            Concurrently.run(2, thread -> {
                if (thread == 0) {
                    if (refs.decAndTest()) {
                        releases.incrementAndGet();
                    }
                } else if (refs.incNotZero() && refs.decAndTest()) { // a lookup that got in before the drop
                    releases.incrementAndGet();
                }
            });
            assertEquals(1, releases.get(), "iteration " + iteration + ": released exactly once");
            assertEquals(0, refs.read());
        }
    }

    @Test
    void decAndLockDropsToZeroOnlyUnderTheLockSoLookupsUnderItNeverSeeZero() throws InterruptedException {
        for (int iteration = 0; iteration < 500; iteration++) {
            ReentrantLock lock = new ReentrantLock();
            Refcount refs = new Refcount(2);
            boolean[] published = {true}; // guarded by lock: the table entry
            AtomicInteger releases = new AtomicInteger();
            Concurrently.run(3, thread -> {
                if (thread < 2) { // two holders drop their references
                    if (refs.decAndLock(lock)) {
                        published[0] = false;
                        lock.unlock();
                        releases.incrementAndGet();
                    }
                } else { // a lookup: take a reference only while published, under the lock
                    lock.lock();
                    try {
                        if (published[0]) {
                            refs.inc(); // throws if the count were 0 while still published
                        } else {
                            return;
                        }
                    } finally {
                        lock.unlock();
                    }
                    if (refs.decAndLock(lock)) {
                        published[0] = false;
                        lock.unlock();
                        releases.incrementAndGet();
                    }
                }
            });
            assertEquals(1, releases.get(), "iteration " + iteration);
            assertEquals(0, refs.read());
        }
    }

    // ---- helpers ----

    private static void assertViolation(IllegalStateException e, String operation, String violation) {
        String message = e.getMessage();
        assertTrue(message.startsWith(operation + ": refcount_t: " + violation), message);
        assertTrue(message.contains("saturated (REFCOUNT_SATURATED)"), message);
        assertTrue(message.contains("will never be released"), message);
    }

    private static final class DropOutcome {
        final int releases;
        final int writesSeenByReleaser;

        DropOutcome(int releases, int writesSeenByReleaser) {
            this.releases = releases;
            this.writesSeenByReleaser = writesSeenByReleaser;
        }
    }

    /**
     * DROPPERS threads each drop dropsPerThread references, writing a plain value just before each drop;
     * the thread whose drop returns true counts how many droppers' final values it sees.
     */
    private static DropOutcome dropConcurrently(BooleanSupplier decAndTest, int dropsPerThread)
            throws InterruptedException {
        final int[] lastWrite = new int[DROPPERS * 16]; // plain, one slot per thread, 64 bytes apart
        final AtomicInteger releases = new AtomicInteger();
        final AtomicInteger seen = new AtomicInteger(-1);
        Concurrently.run(DROPPERS, thread -> {
            for (int i = 1; i <= dropsPerThread; i++) {
                lastWrite[thread * 16] = i; // plain: published only by the release of the drop below
                if (decAndTest.getAsBoolean()) {
                    releases.incrementAndGet();
                    int count = 0;
                    for (int t = 0; t < DROPPERS; t++) {
                        if (lastWrite[t * 16] == dropsPerThread) {
                            count++;
                        }
                    }
                    seen.set(count);
                }
            }
        });
        return new DropOutcome(releases.get(), seen.get());
    }

    /** A broken count for the busted control: reads and writes back in two steps. */
    private static final class GetThenSetCount {
        private volatile int refs;

        GetThenSetCount(int refs) {
            this.refs = refs;
        }

        boolean decAndTest() {
            final int now = (int) REFS.getVolatile(this) - 1;
            REFS.setVolatile(this, now); // BROKEN: a decrement between the get and the set is lost
            return now == 0;
        }

        private static final VarHandle REFS;

        static {
            try {
                REFS = MethodHandles.lookup().findVarHandle(GetThenSetCount.class, "refs", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** A lock that counts acquisitions and runs a hook right after each, to stage races deterministically. */
    private static final class CountingLock implements Lock {
        final ReentrantLock delegate = new ReentrantLock();
        final Runnable afterLock;
        int locks;

        CountingLock(Runnable afterLock) {
            this.afterLock = afterLock;
        }

        @Override
        public void lock() {
            delegate.lock();
            locks++;
            afterLock.run();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean tryLock() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void unlock() {
            delegate.unlock();
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException();
        }
    }
}
