package io.ksync.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Issue 5's memory target: a million pending {@link Timer}s in under 64 MB of heap (48 bytes each with compressed
 * references, plus the wheel). Heap in use after a full GC, before and after arming them; the array that keeps
 * them reachable is allocated before the first reading.
 */
class TimerMemoryTest {

    private static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc(); // a full collection, done when it returns
            Runtime runtime = Runtime.getRuntime(); // java.management is out of the module's reach
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }

    @Test
    void aMillionPendingTimersFitIn64Megabytes() {
        final int count = 1_000_000;
        final Timer[] timers = new Timer[count];
        final Consumer<Timer> callback = t -> { };
        try (TimerService service = TimerService.builder().clock(new ManualTimerClock(0)).bases(1).build()) {
            long before = usedAfterGc();
            for (int i = 0; i < count; i++) {
                timers[i] = new Timer(service, callback);
                timers[i].add(TimeUnit.HOURS.toNanos(1) + i);
            }
            long bytes = usedAfterGc() - before;

            assertEquals(count, service.pendingTimers());
            assertTrue(bytes < 64L << 20, count + " pending timers took " + (bytes >> 20) + " MB");
        }
    }
}
