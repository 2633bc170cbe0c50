package io.ksync.workqueue;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The padding of the classes whose fields one thread writes while another reads or writes neighbouring ones
 * really separates them in the JVM's layout: HotSpot places a subclass's int or reference field in any 4-byte
 * hole above it, which once put the incoming stack's head right after its object header, on the line of the
 * pool's worklist (a line transfer per work), and the MCS node's {@code locked} word beside whatever preceded the
 * node on the heap. Reads the field offsets with {@code sun.misc.Unsafe}; skipped where that is unavailable.
 */
class PaddingLayoutTest {

    /** At least a cache line (64 bytes) between each pair of groups, and between a group and the object's ends. */
    private static final int LINE = 64;

    @Test
    void incomingStackHeadIsALineAwayFromEverythingElse() throws Exception {
        assertSeparated("io.ksync.workqueue.IncomingWorks", true, true, List.of(List.of("head")));
    }

    @Test
    void workerPoolsFixedFieldsAreALineAwayFromTheCountersItsWorkerWrites() throws Exception {
        assertSeparated("io.ksync.workqueue.WorkerPool", true, false, List.of(
                List.of("cpu", "highPri", "managed", "pools", "name", "lock", "worklist", "incoming", "idle",
                        "workers", "pwqs", "nrRunning"),
                List.of("executed", "nrBusy", "maxBusySeen", "wantWorker", "nextWorkerId", "lockups")));
    }

    @Test
    void poolWorkqueuesFixedFieldsGateAndCountersAreALineApart() throws Exception {
        assertSeparated("io.ksync.workqueue.PoolWorkqueue", true, false, List.of(
                List.of("wq", "pool"),
                List.of("pushers"),
                List.of("nrActive", "left", "inserted", "maxActive", "workColor", "flushColor")));
    }

    @Test
    void softirqCpusHotFieldsAreALineAwayFromItsColdOnes() throws Exception {
        assertSeparated("io.ksync.softirq.SoftirqCpu", false, true, List.of(
                List.of("softirq", "cpu", "runs", "thread"),
                List.of("pending", "sleeping", "hiTasklets", "tasklets")));
    }

    @Test
    void mcsNodesHotFieldsAreALineFromTheObjectsAroundIt() throws Exception {
        // core's class, checked here with the same helper (core has no test code that workqueue could share)
        assertSeparated("io.ksync.lock.McsNode", true, true, List.of(List.of("locked", "next", "parked", "owner")));
    }

    /**
     * Asserts that the fields of each group lie at least {@link #LINE} bytes from those of every other group;
     * with {@code padBefore}, the first group also a line from the object's header (the previous object on the
     * heap), and with {@code padAfter}, the last group a line from the object's end (the next one).
     */
    static void assertSeparated(String className, boolean padBefore, boolean padAfter, List<List<String>> groups)
            throws Exception {
        final Object unsafe = unsafe();
        assumeTrue(unsafe != null, "sun.misc.Unsafe.objectFieldOffset is not available");
        final Class<?> type = Class.forName(className);
        final Map<String, Long> offsets = new HashMap<>();
        long end = 0;
        for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    final long offset = (Long) unsafe.getClass().getMethod("objectFieldOffset", Field.class)
                            .invoke(unsafe, field);
                    offsets.put(field.getName(), offset);
                    end = Math.max(end, offset + 8);
                }
            }
        }
        for (int i = 0; i < groups.size(); i++) {
            for (String name : groups.get(i)) {
                final Long offset = offsets.get(name);
                assertTrue(offset != null, className + " has no field " + name);
                for (int j = i + 1; j < groups.size(); j++) {
                    for (String other : groups.get(j)) {
                        final long distance = Math.abs(offsets.get(other) - offset);
                        assertTrue(distance >= LINE, className + "." + name + " (offset " + offset + ") and ."
                                + other + " (offset " + offsets.get(other) + ") share a cache line: " + offsets);
                    }
                }
            }
        }
        if (padAfter) {
            for (String name : groups.get(groups.size() - 1)) {
                assertTrue(end - offsets.get(name) >= LINE, className + "." + name + " is less than a line from "
                        + "the object's end: " + offsets);
            }
        }
        if (padBefore) {
            for (String name : groups.get(0)) {
                assertTrue(offsets.get(name) >= LINE, className + "." + name + " is less than a line from the "
                        + "object's header: " + offsets);
            }
        }
    }

    private static Object unsafe() {
        try {
            final Class<?> type = Class.forName("sun.misc.Unsafe");
            final Field field = type.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
