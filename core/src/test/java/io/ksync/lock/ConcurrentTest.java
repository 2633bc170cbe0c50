package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the concurrency tests share (those of {@code io.ksync.lock} and {@code io.ksync.wait}): a thread pool per
 * test, and bounded waits.
 */
public abstract class ConcurrentTest {

    /** Bound on every wait in these tests: generous, so that only a real hang fails them. */
    protected static final long TIMEOUT_SECONDS = 30;

    protected ExecutorService threads;

    @BeforeEach
    protected void startThreads() {
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    protected void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS), "test threads did not stop");
    }

    /** Waits, by polling, until {@code condition} holds; fails after the bound. */
    protected static void awaitCondition(String what, BooleanSupplier condition) throws TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("timed out waiting until " + what);
            }
            Thread.yield();
        }
    }

    /** Runs {@code action} on another thread and returns its answer, failing on a hang. */
    protected boolean onOtherThread(java.util.concurrent.Callable<Boolean> action) throws Exception {
        return threads.submit(action).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    protected static <T> T get(Future<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
