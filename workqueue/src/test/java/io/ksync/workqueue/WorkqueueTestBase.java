package io.ksync.workqueue;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/**
 * Gives each test its own {@link WorkerPools} (two CPUs, a watchdog that stays out of the way unless a test
 * configures it) and destroys what the test created afterwards. Failures reported by the pools are collected;
 * any whose message is not "expected" fails the test.
 */
abstract class WorkqueueTestBase {

    static final long NEVER_MINUTES = 60;

    final List<Throwable> reported = new CopyOnWriteArrayList<>();
    private final List<Workqueue> queues = new ArrayList<>();
    private final List<WorkerPools> allPools = new ArrayList<>();
    WorkerPools pools;

    WorkerPools pools(Consumer<WorkerPools.Builder> configure) {
        final WorkerPools.Builder builder = WorkerPools.builder().name("test").cpus(2)
                .uncaughtExceptionHandler((thread, failure) -> reported.add(failure))
                .cpuIntensiveThreshold(NEVER_MINUTES, TimeUnit.MINUTES)
                .watchdogThreshold(NEVER_MINUTES, TimeUnit.MINUTES);
        configure.accept(builder);
        pools = builder.build();
        allPools.add(pools);
        return pools;
    }

    WorkerPools pools() {
        return pools != null ? pools : pools(builder -> { });
    }

    Workqueue queue(String name, Workqueue.Flag... flags) {
        return track(Workqueue.builder(name).flags(flags).pools(pools()).build());
    }

    Workqueue queue(String name, int maxActive, Workqueue.Flag... flags) {
        return track(Workqueue.builder(name).flags(flags).maxActive(maxActive).pools(pools()).build());
    }

    Workqueue track(Workqueue queue) {
        queues.add(queue);
        return queue;
    }

    /**
     * From a running work that has just queued itself on {@code cpu}'s normal pool: waits until that pool has
     * dequeued the instance and, finding it running here, handed it to this thread (one work started there, and no
     * worker of it busy any more).
     */
    void awaitHandedOffBy(int cpu) {
        io.ksync.testing.Waits.awaitCondition("pool " + cpu + " handed the instance over", () -> {
            final WorkerPoolStats pool = pools.stats().stream()
                    .filter(stats -> stats.cpu() == cpu && !stats.highPriority()).findFirst().orElseThrow();
            return pool.executed() >= 1 && pool.busy() == 0;
        });
    }

    @AfterEach
    void destroyEverything() {
        for (Workqueue queue : queues) {
            queue.destroy();
        }
        for (WorkerPools created : allPools) {
            created.close();
        }
        assertTrue(reported.stream().allMatch(f -> "expected".equals(f.getMessage())), reported.toString());
    }
}
