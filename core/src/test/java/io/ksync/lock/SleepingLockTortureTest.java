package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A torture test in the spirit of the kernel's locktorture: worker threads take a random mix of mutexes (alone
 * and nested in a fixed order), semaphores and an rw-semaphore with every kind of acquisition (plain,
 * interruptible, trylock, timed with tiny timeouts), wait on a condition with timeouts, while another thread
 * interrupts them at random. It checks, all along: one holder per mutex, at most {@code count} holders per
 * semaphore, no reader beside a writer, no lost update of a plain counter; and at the end: every thread
 * finished within the bound (nothing stuck), every lock free, every semaphore back at its count (no unit lost),
 * no sleeper left in any queue.
 *
 * <p>It runs for {@code -Dksync.torture.seconds} seconds (default {@value #DEFAULT_SECONDS}; CI uses the
 * default). The busted control runs the same harness over a mutex whose timed {@code tryLock} sometimes claims
 * success without acquiring: the harness must catch it.
 */
class SleepingLockTortureTest extends ConcurrentTest {

    static final int DEFAULT_SECONDS = 8;
    private static final int WORKERS = 6;
    private static final int MUTEXES = 3;
    private static final int[] SEMAPHORE_COUNTS = {1, 2};

    /** What one run found. */
    static final class Report {
        final AtomicInteger violations = new AtomicInteger();
        final List<String> firstViolations = new CopyOnWriteArrayList<>();
        long acquisitions;

        void violation(String what) {
            if (violations.incrementAndGet() <= 5) {
                firstViolations.add(what);
            }
        }
    }

    @Test
    void invariantsHoldAndNothingIsLostOrStuckUnderInterruptsAndTimeouts() throws Exception {
        long seconds = Long.getLong("ksync.torture.seconds", DEFAULT_SECONDS);
        Report report = torture(Mutex::new, TimeUnit.SECONDS.toMillis(seconds));
        assertEquals(0, report.violations.get(), report.firstViolations.toString());
        assertTrue(report.acquisitions > 1_000, "the torture made too little progress: " + report.acquisitions);
    }

    @Test
    void bustedControlAMutexThatSometimesLiesIsCaught() throws Exception {
        Report report = torture(LyingMutex::new, 2_000);
        assertTrue(report.violations.get() > 0, "the harness did not catch a mutex that lies about acquiring");
    }

    /** A broken mutex: one timed tryLock in 4 claims success without acquiring (and its unlock is a no-op). */
    static final class LyingMutex implements Lock {
        private final Mutex mutex = new Mutex();
        private final ThreadLocal<Boolean> lied = ThreadLocal.withInitial(() -> false);

        @Override
        public void lock() {
            mutex.lock();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            mutex.lockInterruptibly();
        }

        @Override
        public boolean tryLock() {
            return mutex.tryLock();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            if (ThreadLocalRandom.current().nextInt(4) == 0) {
                lied.set(true);
                return true;
            }
            return mutex.tryLock(time, unit);
        }

        @Override
        public void unlock() {
            if (lied.get()) {
                lied.set(false);
                return;
            }
            mutex.unlock();
        }

        @Override
        public Condition newCondition() {
            return mutex.newCondition();
        }
    }

    /** Runs the torture for {@code millis} over mutexes from {@code mutexFactory}. */
    Report torture(Supplier<Lock> mutexFactory, long millis) throws Exception {
        Report report = new Report();
        Lock[] mutexes = new Lock[MUTEXES];
        AtomicInteger[] mutexHolders = new AtomicInteger[MUTEXES];
        long[] plainCounters = new long[MUTEXES]; // written only under the matching mutex
        AtomicLongArray acquisitionsPerMutex = new AtomicLongArray(MUTEXES);
        for (int i = 0; i < MUTEXES; i++) {
            mutexes[i] = mutexFactory.get();
            mutexHolders[i] = new AtomicInteger();
        }
        Semaphore[] semaphores = new Semaphore[SEMAPHORE_COUNTS.length];
        AtomicInteger[] semaphoreHolders = new AtomicInteger[SEMAPHORE_COUNTS.length];
        for (int i = 0; i < semaphores.length; i++) {
            semaphores[i] = new Semaphore(SEMAPHORE_COUNTS[i], SEMAPHORE_COUNTS[i]);
            semaphoreHolders[i] = new AtomicInteger();
        }
        RwSemaphore rwsem = new RwSemaphore();
        AtomicInteger readers = new AtomicInteger();
        AtomicInteger writers = new AtomicInteger();
        // The control's lying mutex cannot support a condition (it returns without holding the lock).
        Condition condition = mutexes[0] instanceof Mutex ? mutexes[0].newCondition() : null;

        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workerThreads = new CopyOnWriteArrayList<>();
        List<Future<Long>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            workers.add(threads.submit(() -> {
                start.await();
                workerThreads.add(Thread.currentThread());
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long acquired = 0;
                while (!stop.get()) {
                    try {
                        switch (random.nextInt(5)) {
                            case 0:
                            case 1: {
                                int first = random.nextInt(MUTEXES);
                                int second = first + 1 + random.nextInt(MUTEXES - first); // MUTEXES: none
                                if (!acquire(mutexes[first], random)) {
                                    break;
                                }
                                try {
                                    acquired += underMutex(first, mutexHolders, plainCounters,
                                            acquisitionsPerMutex, report);
                                    if (second < MUTEXES && acquire(mutexes[second], random)) {
                                        try {
                                            acquired += underMutex(second, mutexHolders, plainCounters,
                                                    acquisitionsPerMutex, report);
                                        } finally {
                                            mutexes[second].unlock();
                                        }
                                    }
                                    if (first == 0 && condition != null && random.nextInt(8) == 0) {
                                        condition.await(random.nextInt(100), TimeUnit.MICROSECONDS);
                                        condition.signal();
                                    }
                                } finally {
                                    mutexes[first].unlock();
                                }
                                break;
                            }
                            case 2:
                            case 3: {
                                int index = random.nextInt(semaphores.length);
                                Semaphore semaphore = semaphores[index];
                                boolean ok;
                                switch (random.nextInt(4)) {
                                    case 0:
                                        semaphore.down();
                                        ok = true;
                                        break;
                                    case 1:
                                        semaphore.downInterruptible();
                                        ok = true;
                                        break;
                                    case 2:
                                        ok = semaphore.downTimeout(random.nextInt(200), TimeUnit.MICROSECONDS);
                                        break;
                                    default:
                                        ok = semaphore.downTrylock();
                                        break;
                                }
                                if (ok) {
                                    acquired++;
                                    int holders = semaphoreHolders[index].incrementAndGet();
                                    if (holders > SEMAPHORE_COUNTS[index]) {
                                        report.violation(holders + " holders of a semaphore of "
                                                + SEMAPHORE_COUNTS[index]);
                                    }
                                    Thread.onSpinWait();
                                    semaphoreHolders[index].decrementAndGet();
                                    semaphore.up();
                                }
                                break;
                            }
                            default: {
                                boolean write = random.nextInt(4) == 0;
                                boolean ok = write
                                        ? rwsem.downWriteTimeout(random.nextInt(200), TimeUnit.MICROSECONDS)
                                        : random.nextBoolean() ? rwsem.readLock().tryLock(random.nextInt(200),
                                                TimeUnit.MICROSECONDS) : readInterruptibly(rwsem);
                                if (!ok) {
                                    break;
                                }
                                acquired++;
                                if (write) {
                                    if (writers.incrementAndGet() != 1 || readers.get() != 0) {
                                        report.violation("a writer beside another writer or a reader");
                                    }
                                    writers.decrementAndGet();
                                    if (random.nextBoolean()) {
                                        rwsem.downgradeWrite();
                                        rwsem.upRead();
                                    } else {
                                        rwsem.upWrite();
                                    }
                                } else {
                                    readers.incrementAndGet();
                                    if (writers.get() != 0) {
                                        report.violation("a reader beside a writer");
                                    }
                                    readers.decrementAndGet();
                                    rwsem.upRead();
                                }
                                break;
                            }
                        }
                    } catch (InterruptedException expected) {
                        // the interrupter's doing: go on
                    }
                }
                Thread.interrupted();
                return acquired;
            }));
        }
        start.countDown();
        Future<?> interrupter = threads.submit(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop.get()) {
                if (!workerThreads.isEmpty()) {
                    workerThreads.get(random.nextInt(workerThreads.size())).interrupt();
                }
                for (int i = random.nextInt(2_000); i > 0; i--) {
                    Thread.onSpinWait();
                }
            }
            return null;
        });
        Thread.sleep(millis); // the test's duration, not a wait for something to happen
        stop.set(true);
        get(interrupter);
        for (Future<Long> worker : workers) {
            report.acquisitions += worker.get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // a stuck thread fails here
        }
        for (int i = 0; i < MUTEXES; i++) {
            assertTrue(mutexes[i].tryLock(), "mutex " + i + " left locked");
            if (plainCounters[i] != acquisitionsPerMutex.get(i)) {
                report.violation("mutex " + i + " lost updates: " + plainCounters[i] + " != "
                        + acquisitionsPerMutex.get(i));
            }
            mutexes[i].unlock();
        }
        for (int i = 0; i < semaphores.length; i++) {
            assertEquals(SEMAPHORE_COUNTS[i], semaphores[i].count(), "semaphore " + i + " lost or gained units");
            assertFalse(semaphores[i].hasQueuedThreads());
        }
        assertFalse(rwsem.isLocked(), rwsem.toString());
        assertFalse(rwsem.hasQueuedThreads());
        return report;
    }

    private static boolean readInterruptibly(RwSemaphore rwsem) throws InterruptedException {
        rwsem.downReadInterruptible();
        return true;
    }

    /** One acquisition of mutex {@code index} with a random method; false if it timed out. */
    private static boolean acquire(Lock mutex, ThreadLocalRandom random) throws InterruptedException {
        switch (random.nextInt(4)) {
            case 0:
                mutex.lock();
                return true;
            case 1:
                mutex.lockInterruptibly();
                return true;
            case 2:
                return mutex.tryLock();
            default:
                return mutex.tryLock(random.nextInt(200), TimeUnit.MICROSECONDS);
        }
    }

    /** The critical section of mutex {@code index}: checks exclusion and bumps the plain counter. */
    private static int underMutex(int index, AtomicInteger[] holders, long[] plainCounters,
            AtomicLongArray acquisitions, Report report) {
        if (holders[index].incrementAndGet() != 1) {
            report.violation("two holders of mutex " + index);
        }
        long before = plainCounters[index];
        Thread.onSpinWait(); // widen the critical section a little: an overlap shows as a lost update too
        plainCounters[index] = before + 1;
        acquisitions.incrementAndGet(index);
        holders[index].decrementAndGet();
        return 1;
    }
}
