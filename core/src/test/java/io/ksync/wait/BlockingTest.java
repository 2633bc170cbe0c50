package io.ksync.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.ConcurrentTest;
import io.ksync.lock.Mutex;
import io.ksync.lock.RwSemaphore;
import io.ksync.lock.Semaphore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.locks.Condition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The blocking hooks: every sleeping primitive tells them before and after it sleeps, on the sleeping thread;
 * {@link Blocking#run}/{@link Blocking#call} do the same for code outside ksync; a hook that throws is reported
 * and ignored.
 */
class BlockingTest extends ConcurrentTest {

    /** Records, per thread, the blockers it reported sleeping on and whether the calls paired. */
    static final class RecordingHook implements BlockingHook {
        final Map<Thread, List<Object>> sleptOn = new ConcurrentHashMap<>();
        final Map<Thread, Integer> depth = new ConcurrentHashMap<>();
        final List<String> unpaired = new CopyOnWriteArrayList<>();

        @Override
        public void beforeSleep(Object blocker) {
            sleptOn.computeIfAbsent(Thread.currentThread(), t -> new CopyOnWriteArrayList<>()).add(blocker);
            depth.merge(Thread.currentThread(), 1, Integer::sum);
        }

        @Override
        public void afterWake(Object blocker) {
            int left = depth.merge(Thread.currentThread(), -1, Integer::sum);
            if (left < 0) {
                unpaired.add(Thread.currentThread().getName() + " woke from " + blocker + " without sleeping");
            }
        }

        boolean isAsleep(Thread thread) {
            return depth.getOrDefault(thread, 0) > 0;
        }
    }

    private Blocking.Registration registration;

    @AfterEach
    void removeHook() {
        if (registration != null) {
            registration.close();
        }
        assertFalse(Blocking.hasHooks(), "a test left a hook registered");
    }

    /** Runs {@code sleeper} on a pool thread, waits until the hook sees it asleep, wakes it, and checks. */
    private void checkSleepIsReported(Object blocker, Runnable sleeper, Runnable waker) throws Exception {
        RecordingHook hook = new RecordingHook();
        registration = Blocking.addHook(hook);
        Thread[] thread = new Thread[1];
        Future<?> future = threads.submit(() -> {
            thread[0] = Thread.currentThread();
            sleeper.run();
            return null;
        });
        awaitCondition("the hook to see the sleeper", () -> thread[0] != null && hook.isAsleep(thread[0]));
        waker.run();
        get(future);
        assertFalse(hook.isAsleep(thread[0]), "afterWake must follow the sleep");
        assertTrue(hook.sleptOn.get(thread[0]).contains(blocker), hook.sleptOn.toString());
        assertTrue(hook.unpaired.isEmpty(), hook.unpaired.toString());
    }

    @Test
    void mutexSleepIsReported() throws Exception {
        Mutex mutex = new Mutex();
        mutex.lock();
        checkSleepIsReported(mutex, () -> {
            mutex.lock();
            mutex.unlock();
        }, mutex::unlock);
    }

    @Test
    void semaphoreSleepIsReported() throws Exception {
        Semaphore semaphore = new Semaphore(0);
        checkSleepIsReported(semaphore, semaphore::down, semaphore::up);
    }

    @Test
    void rwSemaphoreSleepIsReported() throws Exception {
        RwSemaphore rwsem = new RwSemaphore();
        rwsem.downWrite();
        checkSleepIsReported(rwsem, () -> {
            rwsem.downRead();
            rwsem.upRead();
        }, rwsem::upWrite);
    }

    @Test
    void waitQueueSleepIsReported() throws Exception {
        WaitQueue queue = new WaitQueue();
        boolean[] flag = {false};
        checkSleepIsReported(queue, () -> queue.waitEvent(() -> flag[0]), () -> {
            flag[0] = true;
            queue.wakeUp();
        });
    }

    @Test
    void completionSleepIsReported() throws Exception {
        Completion completion = new Completion();
        checkSleepIsReported(completion, completion::waitForCompletion, completion::complete);
    }

    @Test
    void conditionSleepIsReported() throws Exception {
        Mutex mutex = new Mutex();
        Condition condition = mutex.newCondition();
        checkSleepIsReported(condition, () -> {
            mutex.lock();
            try {
                condition.awaitUninterruptibly();
            } finally {
                mutex.unlock();
            }
        }, () -> {
            mutex.lock();
            try {
                condition.signal();
            } finally {
                mutex.unlock();
            }
        });
    }

    @Test
    void runAndCallReportTheActionAndPassResultsAndExceptionsThrough() throws Exception {
        RecordingHook hook = new RecordingHook();
        registration = Blocking.addHook(hook);
        assertTrue(Blocking.hasHooks());
        Blocking.BlockingRunnable<RuntimeException> action = () -> assertTrue(hook.isAsleep(Thread.currentThread()));
        Blocking.run(action);
        assertSame(action, hook.sleptOn.get(Thread.currentThread()).get(0));
        assertEquals(42, (int) Blocking.call(() -> 42));
        IOException thrown = assertThrows(IOException.class, () -> Blocking.call(() -> {
            throw new IOException("disk");
        }));
        assertEquals("disk", thrown.getMessage());
        assertFalse(hook.isAsleep(Thread.currentThread()), "afterWake must run when the action throws");
        assertEquals(3, hook.sleptOn.get(Thread.currentThread()).size());
        assertTrue(hook.unpaired.isEmpty());
    }

    @Test
    void aHookThatThrowsIsReportedAndTheSleepStillWorks() throws Exception {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        registration = Blocking.addHook(new BlockingHook() {
            @Override
            public void beforeSleep(Object blocker) {
                throw new IllegalStateException("broken hook");
            }

            @Override
            public void afterWake(Object blocker) {
                throw new IllegalStateException("broken hook");
            }
        });
        Completion completion = new Completion();
        Future<?> waiter = threads.submit(() -> {
            Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.add(e));
            completion.waitForCompletion();
            return null;
        });
        awaitCondition("a sleeper", () -> completion.getQueueLength() == 1);
        completion.complete();
        get(waiter);
        assertEquals(2, reported.size(), "both hook failures must reach the uncaught-exception handler");
        assertEquals("broken hook", reported.get(0).getMessage());
    }

    @Test
    void closingARegistrationRemovesTheHookOnce() {
        RecordingHook hook = new RecordingHook();
        Blocking.Registration first = Blocking.addHook(hook);
        Blocking.Registration second = Blocking.addHook(hook);
        first.close();
        first.close(); // idempotent: must not remove the second registration
        assertTrue(Blocking.hasHooks());
        Blocking.run(() -> { });
        assertEquals(1, hook.sleptOn.get(Thread.currentThread()).size(), "the remaining registration is called");
        second.close();
        assertFalse(Blocking.hasHooks());
        assertThrows(NullPointerException.class, () -> Blocking.addHook(null));
        assertThrows(NullPointerException.class, () -> Blocking.run(null));
    }
}
