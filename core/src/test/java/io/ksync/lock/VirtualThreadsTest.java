package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ksync.wait.Completion;
import io.ksync.wait.WaitQueue;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Virtual threads that block in ksync unmount from their carrier (DESIGN.md 1, issue 3): a child JVM with a
 * single carrier thread ({@code jdk.virtualThreadScheduler.parallelism=1}, {@code maxPoolSize=1}, so the JDK
 * cannot compensate with more carriers) blocks {@value Program#PER_PRIMITIVE} virtual threads in each sleeping
 * primitive, then lets one more virtual thread release them all. If any primitive parked its carrier (or spun
 * on it) instead of unmounting, the releasing thread could never run and the program would not finish.
 *
 * <p>The busted control runs the same program with a waiter that spins without parking: it keeps the only
 * carrier busy, so the program must fail to make progress; that proves the harness can fail. Runs on JDK 21+.
 */
class VirtualThreadsTest {

    @Test
    void blockedVirtualThreadsReleaseTheirCarrier() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
        ChildResult result = runChild("ksync", 60);
        assertEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains("all " + Program.total() + " virtual threads finished"), result.output);
    }

    @Test
    void bustedControlAWaiterThatHoldsTheCarrierStopsProgress() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
        ChildResult result = runChild("spinning", 60);
        assertEquals(2, result.exitCode, "the harness must report no progress: " + result.output);
    }

    private static ChildResult runChild(String mode, int timeoutSeconds) throws IOException, InterruptedException {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process process = new ProcessBuilder(List.of(java, "-Djdk.virtualThreadScheduler.parallelism=1",
                "-Djdk.virtualThreadScheduler.maxPoolSize=1", "-cp", System.getProperty("java.class.path"),
                Program.class.getName(), mode))
                .redirectErrorStream(true)
                .start();
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new ChildResult(exited ? process.exitValue() : -1, output);
    }

    private static final class ChildResult {
        final int exitCode;
        final String output;

        ChildResult(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    /** The child program. Exit 0: every virtual thread finished; 2: no progress within the bound; 1: error. */
    public static final class Program {
        static final int PER_PRIMITIVE = 20;
        static final int PRIMITIVES = 7;
        /** Bound on progress: generous for ksync; short for the control, which never progresses. */
        private static long progressBoundSeconds = 20;

        static int total() {
            return PER_PRIMITIVE * PRIMITIVES;
        }

        private static volatile boolean released;

        public static void main(String[] args) throws Exception {
            boolean spinning = args.length > 0 && "spinning".equals(args[0]);
            if (spinning) {
                progressBoundSeconds = 3;
            }
            ExecutorService virtualThreads = (ExecutorService) Executors.class
                    .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
            Mutex mutex = new Mutex();
            Semaphore semaphore = new Semaphore(0);
            RwSemaphore rwsem = new RwSemaphore();
            WaitQueue queue = new WaitQueue();
            Completion completion = new Completion();
            Mutex conditionLock = new Mutex();
            Condition condition = conditionLock.newCondition();
            Semaphore conditionWaiters = new Semaphore(0);
            boolean[] ready = {false};
            mutex.lock();
            rwsem.downWrite();
            List<Future<?>> blocked = new ArrayList<>();
            for (int i = 0; i < PER_PRIMITIVE; i++) {
                blocked.add(virtualThreads.submit(() -> {
                    mutex.lock();
                    mutex.unlock();
                }));
                blocked.add(virtualThreads.submit(semaphore::down));
                blocked.add(virtualThreads.submit(() -> {
                    rwsem.downRead();
                    rwsem.upRead();
                }));
                blocked.add(virtualThreads.submit(() -> queue.waitEvent(() -> ready[0])));
                blocked.add(virtualThreads.submit(completion::waitForCompletion));
                blocked.add(virtualThreads.submit(() -> {
                    conditionLock.lock();
                    try {
                        conditionWaiters.up();
                        condition.awaitUninterruptibly();
                    } finally {
                        conditionLock.unlock();
                    }
                }));
                if (spinning) {
                    blocked.add(virtualThreads.submit(() -> {
                        while (!released) {
                            Thread.onSpinWait(); // the busted waiter: never parks, never yields
                        }
                    }));
                } else {
                    blocked.add(virtualThreads.submit(() -> {
                        WaitQueue.Entry entry = new WaitQueue.Entry();
                        try {
                            for (;;) {
                                queue.prepareToWait(entry);
                                if (released) {
                                    break;
                                }
                                entry.sleep();
                            }
                        } finally {
                            queue.finishWait(entry);
                        }
                    }));
                }
            }
            // Everything is blocked (or queued to start) on one carrier. Now one more virtual thread releases
            // them; it can only run if the blocked ones gave the carrier back.
            Future<?> releaser = virtualThreads.submit(() -> {
                waitFor(() -> mutex.getQueueLength() == PER_PRIMITIVE && semaphore.getQueueLength() == PER_PRIMITIVE
                        && rwsem.getQueueLength() == PER_PRIMITIVE && completion.getQueueLength() == PER_PRIMITIVE
                        && conditionWaiters.count() == PER_PRIMITIVE);
                released = true;
                for (int i = 0; i < PER_PRIMITIVE; i++) {
                    semaphore.up();
                }
                ready[0] = true;
                queue.wakeUpAll();
                completion.completeAll();
                conditionLock.lock();
                try {
                    condition.signalAll();
                } finally {
                    conditionLock.unlock();
                }
                return null;
            });
            // The main (platform) thread holds the mutex and the write lock: release them only once the
            // releaser has run, so that their waiters really slept.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(progressBoundSeconds);
            while (!released) {
                if (System.nanoTime() - deadline > 0) {
                    System.out.println("no progress: the releasing virtual thread never ran (mutex sleepers "
                            + mutex.getQueueLength() + ", semaphore sleepers " + semaphore.getQueueLength() + ")");
                    System.out.flush();
                    Runtime.getRuntime().halt(2);
                }
                Thread.sleep(10);
            }
            mutex.unlock();
            rwsem.upWrite();
            releaser.get(progressBoundSeconds, TimeUnit.SECONDS);
            for (Future<?> future : blocked) {
                future.get(progressBoundSeconds, TimeUnit.SECONDS);
            }
            System.out.println("all " + blocked.size() + " virtual threads finished");
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }

        private static void waitFor(BooleanSupplier condition) {
            while (!condition.getAsBoolean()) {
                Thread.yield(); // a virtual thread's yield gives the carrier to the others
            }
        }
    }
}
