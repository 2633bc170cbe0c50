package io.ksync.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PerCpuTest {

    @Test
    void oneValuePerCpuFromTheInitializer() {
        PerCpu<String> names = new PerCpu<>(cpu -> "cpu" + cpu);
        assertEquals(Cpus.count(), names.cpuCount());
        for (int cpu = 0; cpu < names.cpuCount(); cpu++) {
            assertEquals("cpu" + cpu, names.get(cpu));
        }
        assertTrue(names.get().startsWith("cpu"));
        int current = Cpus.current();
        String mine = names.get();
        assertEquals(names.get(Integer.parseInt(mine.substring(3))), mine);
        assertTrue(current >= 0 && current < names.cpuCount());
    }

    @Test
    void withInitialMakesADistinctValuePerCpu() {
        PerCpu<AtomicLong> counters = PerCpu.withInitial(AtomicLong::new);
        for (int a = 0; a < counters.cpuCount(); a++) {
            for (int b = a + 1; b < counters.cpuCount(); b++) {
                assertNotSame(counters.get(a), counters.get(b));
            }
        }
        counters.get().incrementAndGet();
        counters.get(0).addAndGet(10);
        long total = counters.reduce(0L, (sum, counter) -> sum + counter.get());
        assertEquals(11, total);
    }

    @Test
    void setReplacesOneSlot() {
        PerCpu<String> values = new PerCpu<>(cpu -> "initial");
        values.set(0, "zero");
        assertEquals("zero", values.get(0));
        values.set("mine");
        assertTrue(values.reduce(false, (found, value) -> found || value.equals("mine")));
    }

    @Test
    void visitsEverySlotInOrder() {
        PerCpu<Integer> values = new PerCpu<>(cpu -> cpu * 10);
        List<Integer> seen = new ArrayList<>();
        values.forEach(seen::add);
        List<Integer> expected = new ArrayList<>();
        for (int cpu = 0; cpu < values.cpuCount(); cpu++) {
            expected.add(cpu * 10);
        }
        assertEquals(expected, seen);
        List<String> pairs = new ArrayList<>();
        values.forEachWithCpu((value, cpu) -> pairs.add(cpu + "=" + value));
        assertEquals("0=0", pairs.get(0));
        assertEquals(values.cpuCount(), pairs.size());
        assertTrue(values.toString().startsWith("PerCpu[0"), values.toString());
        assertSame("x", new PerCpu<>(cpu -> "x").reduce(null, (first, value) -> first != null ? first : value));
    }

    @Test
    void misuseIsRejectedWithTheReason() {
        PerCpu<String> values = new PerCpu<>(cpu -> "v");
        IndexOutOfBoundsException low = assertThrows(IndexOutOfBoundsException.class, () -> values.get(-1));
        assertTrue(low.getMessage().contains("slots are 0 to " + (Cpus.count() - 1)), low.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> values.get(Cpus.count()));
        assertThrows(IndexOutOfBoundsException.class, () -> values.set(Cpus.count(), "x"));
        NullPointerException nullValue = assertThrows(NullPointerException.class, () -> values.set(0, null));
        assertTrue(nullValue.getMessage().contains("non-null"), nullValue.getMessage());
        assertEquals("v", values.get(0), "a rejected set changes nothing");
        assertThrows(NullPointerException.class, () -> new PerCpu<String>(cpu -> null));
        assertThrows(NullPointerException.class, () -> PerCpu.withInitial(null));
        assertThrows(NullPointerException.class, () -> values.forEach(null));
        assertThrows(NullPointerException.class, () -> values.reduce("", null));
    }
}
