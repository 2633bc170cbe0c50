package io.ksync.workqueue;

import static io.ksync.testing.Waits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The {@link ExecutorService} view of a workqueue, checked against the behaviour the JSR-166 TCK
 * ({@code AbstractExecutorServiceTest}, {@code ThreadPoolExecutorTest}) requires of an executor service.
 */
class WorkqueueExecutorServiceTest extends WorkqueueTestBase {

    private ExecutorService service(Workqueue.Flag... flags) {
        // not tracked: shutdown() destroys the queue itself
        return Workqueue.builder("executor").flags(flags).pools(pools()).build().asExecutorService();
    }

    private static void terminate(ExecutorService service) throws InterruptedException {
        service.shutdown();
        assertTrue(service.awaitTermination(20, TimeUnit.SECONDS));
    }

    @Test
    void executeRunsTheCommand() throws Exception {
        final ExecutorService service = service();
        final CountDownLatch ran = new CountDownLatch(1);
        service.execute(ran::countDown);
        await(ran);
        terminate(service);
    }

    @Test
    void submitRunnableGivesAFutureOfNull() throws Exception {
        final ExecutorService service = service();
        final Future<?> future = service.submit(() -> { });
        assertNull(future.get(20, TimeUnit.SECONDS));
        assertTrue(future.isDone());
        terminate(service);
    }

    @Test
    void submitCallableGivesItsValueAndItsExceptionAsExecutionException() throws Exception {
        final ExecutorService service = service();
        assertEquals("value", service.submit(() -> "value").get(20, TimeUnit.SECONDS));
        final Future<Object> failing = service.submit(() -> {
            throw new IllegalStateException("from the task");
        });
        final ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(20, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        terminate(service);
    }

    @Test
    void nullTasksAreRefusedWithNullPointerException() throws Exception {
        final ExecutorService service = service();
        assertThrows(NullPointerException.class, () -> service.execute(null));
        assertThrows(NullPointerException.class, () -> service.submit((Runnable) null));
        assertThrows(NullPointerException.class, () -> service.submit((Callable<?>) null));
        assertThrows(NullPointerException.class, () -> service.invokeAll(null));
        assertThrows(NullPointerException.class, () -> service.invokeAny(null));
        assertThrows(IllegalArgumentException.class, () -> service.invokeAny(Collections.emptyList()));
        terminate(service);
    }

    @Test
    void invokeAllRunsEveryTaskAndReturnsDoneFutures() throws Exception {
        final ExecutorService service = service(Workqueue.Flag.UNBOUND);
        final List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            final int value = i;
            tasks.add(() -> value * value);
        }
        final List<Future<Integer>> futures = service.invokeAll(tasks);
        assertEquals(20, futures.size());
        for (int i = 0; i < 20; i++) {
            assertTrue(futures.get(i).isDone());
            assertEquals(i * i, futures.get(i).get());
        }
        assertTrue(service.invokeAll(Collections.emptyList()).isEmpty());
        terminate(service);
    }

    @Test
    void timedInvokeAllCancelsWhatDidNotFinishInTime() throws Exception {
        final ExecutorService service = service(Workqueue.Flag.ORDERED);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Callable<String>> tasks = List.of(() -> {
            // uninterruptibly: the timed invokeAll cancels this one with an interrupt first, and if it ended then,
            // the one behind could start (and finish) before invokeAll cancels it in turn
            while (release.getCount() > 0) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    // keep waiting for the release
                }
            }
            return "slow";
        }, () -> "behind");
        final List<Future<String>> futures = service.invokeAll(tasks, 50, TimeUnit.MILLISECONDS);
        assertTrue(futures.get(1).isCancelled(), "the task still waiting behind the slow one is cancelled");
        assertThrows(CancellationException.class, () -> futures.get(1).get());
        release.countDown();
        terminate(service);
    }

    @Test
    void invokeAnyReturnsTheResultOfATaskThatSucceeded() throws Exception {
        final ExecutorService service = service(Workqueue.Flag.UNBOUND);
        final List<Callable<String>> tasks = List.of(() -> {
            throw new IllegalStateException("first fails");
        }, () -> "second");
        assertEquals("second", service.invokeAny(tasks));
        final List<Callable<String>> allFail = List.of(() -> {
            throw new IllegalStateException("fails");
        });
        assertThrows(ExecutionException.class, () -> service.invokeAny(allFail));
        terminate(service);
    }

    @Test
    void shutdownRunsWhatWasSubmittedThenRejectsAndTerminates() throws Exception {
        final ExecutorService service = service();
        final AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 50; i++) {
            service.execute(done::incrementAndGet);
        }
        assertFalse(service.isShutdown());
        service.shutdown();
        assertTrue(service.isShutdown());
        assertThrows(RejectedExecutionException.class, () -> service.execute(() -> { }));
        assertThrows(RejectedExecutionException.class, () -> service.submit(() -> "x"));
        assertTrue(service.awaitTermination(20, TimeUnit.SECONDS));
        assertTrue(service.isTerminated());
        assertEquals(50, done.get(), "shutdown() lets submitted tasks run");
        service.shutdown(); // idempotent
        assertTrue(service.awaitTermination(0, TimeUnit.SECONDS));
    }

    @Test
    void awaitTerminationTimesOutWhileRunning() throws Exception {
        final ExecutorService service = service();
        assertFalse(service.awaitTermination(10, TimeUnit.MILLISECONDS));
        assertFalse(service.isTerminated());
        terminate(service);
    }

    @Test
    void shutdownNowReturnsTheTasksThatHadNotStartedAndTheyNeverRun() throws Exception {
        final ExecutorService service = service(Workqueue.Flag.ORDERED);
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        service.execute(() -> {
            entered.countDown();
            await(release);
        });
        await(entered);
        final AtomicInteger ran = new AtomicInteger();
        final List<Runnable> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            final Runnable task = ran::incrementAndGet;
            waiting.add(task);
            service.execute(task);
        }
        final List<Runnable> notRun = service.shutdownNow();
        assertEquals(5, notRun.size());
        assertTrue(notRun.containsAll(waiting));
        release.countDown();
        assertTrue(service.awaitTermination(20, TimeUnit.SECONDS));
        assertEquals(0, ran.get(), "a task returned by shutdownNow() ran");
    }

    @Test
    void theViewIsOnePerQueueAndTheSystemQueuesViewsCannotBeShutDown() {
        final Workqueue wq = queue("q");
        assertSame(wq.asExecutorService(), wq.asExecutorService());
        assertThrows(IllegalStateException.class, () -> Workqueue.system().asExecutorService().shutdown());
        assertFalse(Workqueue.system().asExecutorService().isShutdown());
    }

    @Test
    void awaitTerminationIsInterruptible() throws Exception {
        final ExecutorService service = service();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> service.awaitTermination(1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted());
        terminate(service);
    }

    @Test
    void destroyingTheQueueDirectlyShutsDownAndTerminatesItsView() throws InterruptedException {
        final Workqueue wq = queue("q");
        final ExecutorService view = wq.asExecutorService();
        wq.destroy();
        assertTrue(view.isShutdown());
        assertTrue(view.isTerminated());
        assertTrue(view.awaitTermination(0, TimeUnit.SECONDS));
        assertThrows(RejectedExecutionException.class, () -> view.execute(() -> { }));
        final Workqueue other = queue("other");
        other.destroy();
        final ExecutorService late = other.asExecutorService();
        assertTrue(late.isTerminated(), "a view made after destroy() is terminated from the start");
    }
}
