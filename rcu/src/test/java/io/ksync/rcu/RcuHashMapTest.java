package io.ksync.rcu;

import static io.ksync.rcu.RcuTesting.assertMessage;
import static io.ksync.rcu.RcuTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RcuHashMapTest {

    /** A key whose hash code collides with every other: the whole map is one chain. */
    private record Colliding(int id) {
        @Override
        public int hashCode() {
            return 42;
        }
    }

    @Test
    void behavesAsAConcurrentMap() {
        RcuHashMap<String, Integer> map = new RcuHashMap<>(new Rcu("map"));
        assertTrue(map.isEmpty());
        assertNull(map.put("a", 1));
        assertEquals(1, map.put("a", 2));
        assertNull(map.putIfAbsent("b", 3));
        assertEquals(3, map.putIfAbsent("b", 4));
        assertEquals(2, map.get("a"));
        assertEquals(3, map.get("b"));
        assertEquals(9, map.getOrDefault("c", 9));
        assertTrue(map.containsKey("a"));
        assertFalse(map.containsKey("c"));
        assertEquals(2, map.size());

        assertNull(map.replace("c", 1));
        assertEquals(2, map.replace("a", 5));
        assertFalse(map.replace("a", 4, 6));
        assertTrue(map.replace("a", 5, 6));
        assertFalse(map.remove("a", 5));
        assertTrue(map.remove("a", 6));
        assertNull(map.remove("a"));
        assertEquals(3, map.remove("b"));
        assertTrue(map.isEmpty());

        assertEquals(7, map.computeIfAbsent("x", k -> 7));
        assertEquals(8, map.merge("x", 1, Integer::sum));
        assertEquals(16, map.compute("x", (k, v) -> v * 2));
        map.put("y", 1);
        Map<String, Integer> copy = new HashMap<>(map);
        assertEquals(Map.of("x", 16, "y", 1), copy);
        assertEquals(copy, map);
        assertEquals(copy.hashCode(), map.hashCode());
        Map<String, Integer> seen = new HashMap<>();
        map.forEach(seen::put);
        assertEquals(copy, seen);

        for (Map.Entry<String, Integer> e : map.entrySet()) {
            if (e.getKey().equals("y")) {
                e.setValue(100);
            }
        }
        assertEquals(100, map.get("y"));
        assertTrue(map.entrySet().contains(Map.entry("y", 100)));
        assertTrue(map.entrySet().remove(Map.entry("y", 100)));
        Iterator<String> keys = map.keySet().iterator();
        assertEquals("x", keys.next());
        keys.remove();
        assertThrows(IllegalStateException.class, keys::remove);
        assertTrue(map.isEmpty());
    }

    @Test
    void computeFamilyRunsTheFunctionOnceUnderTheLockAndRetiresWhatItReplaces() {
        Rcu rcu = new Rcu("compute");
        RcuHashMap<String, RcuListTest.Resource> map = new RcuHashMap<>(rcu);
        AtomicInteger calls = new AtomicInteger();
        RcuListTest.Resource a = new RcuListTest.Resource(1);
        assertSame(a, map.computeIfAbsent("k", k -> {
            calls.incrementAndGet();
            return a;
        }));
        assertSame(a, map.computeIfAbsent("k", k -> {
            throw new AssertionError("present: not called");
        }));
        assertNull(map.computeIfAbsent("none", k -> null), "a null result maps nothing");
        assertFalse(map.containsKey("none"));
        RcuListTest.Resource b = new RcuListTest.Resource(2);
        assertSame(b, map.computeIfPresent("k", (k, old) -> {
            calls.incrementAndGet();
            return b;
        }));
        assertNull(map.computeIfPresent("absent", (k, old) -> b));
        assertSame(b, map.compute("k", (k, old) -> old)); // the same instance: nothing replaced, nothing retired
        RcuListTest.Resource c = new RcuListTest.Resource(3);
        assertSame(c, map.merge("k", c, (old, given) -> given));
        assertNull(map.compute("k", (k, old) -> null), "a null result removes the mapping");
        assertFalse(map.containsKey("k"));
        assertThrows(IllegalStateException.class, () -> map.compute("x", (k, old) -> {
            throw new IllegalStateException("the function failed");
        }));
        assertFalse(map.containsKey("x"), "a failing function changes nothing");
        rcu.barrier();

        assertEquals(2, calls.get(), "each function ran once");
        assertTrue(a.closed, "replaced by computeIfPresent");
        assertTrue(b.closed, "replaced by merge");
        assertTrue(c.closed, "removed by compute");
        assertTrue(map.isEmpty());
        assertEquals(5, new RcuHashMap<String, Integer>(rcu).merge("n", 5, Integer::sum));
    }

    @Test
    void growsAndKeepsEveryEntryAcrossResizes() {
        RcuHashMap<Integer, Integer> map = new RcuHashMap<>(new Rcu("grow"));
        int initial = map.capacity();
        for (int i = 0; i < 10_000; i++) {
            map.put(i, -i);
        }
        assertTrue(map.capacity() > initial);
        assertTrue(map.capacity() >= 10_000 / 0.75, "load factor kept at 3/4: " + map.capacity());
        assertEquals(10_000, map.size());
        for (int i = 0; i < 10_000; i++) {
            assertEquals(-i, map.get(i));
        }
        map.clear();
        assertTrue(map.isEmpty());
        assertNull(map.get(5));
        assertEquals(2048, new RcuHashMap<>(new Rcu("sized"), 1000).capacity(), "sized for 1000 at 3/4");
    }

    @Test
    void collidingKeysShareAChain() {
        RcuHashMap<Colliding, Integer> map = new RcuHashMap<>(new Rcu("collide"));
        for (int i = 0; i < 100; i++) {
            map.put(new Colliding(i), i);
        }
        assertTrue(map.remove(new Colliding(50), 50));
        assertNull(map.get(new Colliding(50)));
        for (int i = 0; i < 100; i++) {
            assertEquals(i == 50 ? null : i, map.get(new Colliding(i)));
        }
        assertEquals(99, map.size());
    }

    @Test
    void misuseIsRejected() {
        Rcu rcu = new Rcu("map-misuse");
        assertThrows(NullPointerException.class, () -> new RcuHashMap<>(null));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new RcuHashMap<>(rcu, -1)),
                "expectedSize must be >= 0, was -1");
        RcuHashMap<String, String> map = new RcuHashMap<>(rcu);
        assertThrows(NullPointerException.class, () -> map.put(null, "v"));
        assertThrows(NullPointerException.class, () -> map.put("k", null));
        assertThrows(NullPointerException.class, () -> map.get(null));
        assertThrows(NullPointerException.class, () -> map.remove(null));
        assertThrows(NullPointerException.class, () -> map.replace("k", null));
        assertSame(rcu, map.domain());
    }

    @Test
    void removedAndReplacedCloseableValuesAreClosedOnlyAfterAGracePeriod() throws InterruptedException {
        Rcu rcu = new Rcu("map-retire");
        RcuHashMap<String, RcuListTest.Resource> map = new RcuHashMap<>(rcu);
        RcuListTest.Resource a = new RcuListTest.Resource(1);
        RcuListTest.Resource b = new RcuListTest.Resource(2);
        RcuListTest.Resource c = new RcuListTest.Resource(3);
        map.put("a", a);
        map.put("b", b);
        AtomicBoolean closedWhileHeld = new AtomicBoolean();
        RcuListTest.Resource[] held = new RcuListTest.Resource[1];
        RcuTesting.SectionHolder reader = new RcuTesting.SectionHolder("reader", () -> {
            rcu.readLock();
            held[0] = map.get("a");
        }, rcu::readUnlock, () -> closedWhileHeld.set(held[0].closed)).start();

        map.remove("a");
        map.put("b", c);
        reader.leave();
        rcu.barrier();

        assertSame(a, held[0]);
        assertFalse(closedWhileHeld.get(), "closed while a reader that found it was in its section");
        assertTrue(a.closed);
        assertTrue(b.closed, "a replaced value is retired");
        assertFalse(c.closed);
        map.put("b", c); // the same value again: not retired
        rcu.barrier();
        assertFalse(c.closed);
    }

    /**
     * Lock-free readers against writers that add and remove transient keys (forcing resizes) and replace the
     * values of permanent keys: a permanent key is always found, with a value it really had.
     */
    /** While a resize holds every stripe, writers wait and readers do not. */
    @Test
    void readersGoOnWhileAResizeHoldsEveryStripe() throws InterruptedException {
        RcuHashMap<Integer, Integer> map = new RcuHashMap<>(new Rcu("map-stripes-held"));
        for (int i = 0; i < 100; i++) {
            map.put(i, i);
        }
        AtomicInteger found = new AtomicInteger();
        AtomicBoolean writerDone = new AtomicBoolean();
        map.whileAllStripesHeldForTesting(() -> {
            Thread writer = new Thread(() -> {
                map.put(1_000, 1_000);
                writerDone.set(true);
            }, "writer");
            writer.start();
            Thread reader = new Thread(() -> {
                for (int round = 0; round < 100; round++) {
                    for (int i = 0; i < 100; i++) {
                        if (Integer.valueOf(i).equals(map.get(i))) {
                            found.incrementAndGet();
                        }
                    }
                }
            }, "reader");
            reader.start();
            try {
                join(reader); // returns while the stripes are held: the reader took no lock
                RcuTesting.awaitParkedOrWaiting(writer);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertFalse(writerDone.get(), "a writer got past a stripe held by the resize");
            assertEquals(100 * 100, found.get(), "every lookup found its key");
        });
        RcuTesting.awaitCondition(writerDone::get, "the writer never went on after the stripes were released");
        assertEquals(1_000, map.get(1_000));
    }

    @Test
    void readersAlwaysFindPermanentKeysDuringResizes() throws InterruptedException {
        RcuHashMap<Integer, Integer> map = new RcuHashMap<>(new Rcu("map-concurrent"));
        int permanent = 256;
        for (int i = 0; i < permanent; i++) {
            map.put(i, i);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger lookups = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                for (int i = 0; i < permanent; i++) {
                    Integer v = map.get(i);
                    if (v == null || (v != i && v != -i)) {
                        failures.incrementAndGet();
                    }
                }
                lookups.addAndGet(permanent);
            }
        }, "reader");
        reader.start();
        final int initialCapacity = map.capacity();
        int resizingRounds = 0;
        for (int round = 0; round < 20; round++) {
            final int capacityBefore = map.capacity();
            for (int i = 0; i < 5_000; i++) {
                map.put(permanent + round * 5_000 + i, 0); // transient keys: the table grows under the reader
            }
            for (int i = 0; i < permanent; i++) {
                map.put(i, (round & 1) == 0 ? -i : i);
            }
            if (map.capacity() > capacityBefore) {
                resizingRounds++;
            }
        }
        for (int i = 0; i < 20 * 5_000; i++) {
            map.remove(permanent + i);
        }
        stop.set(true);
        join(reader);
        assertTrue(resizingRounds >= 4, "the table grew in " + resizingRounds + " rounds, from " + initialCapacity
                + " to " + map.capacity() + " buckets");

        assertEquals(0, failures.get(), "a reader missed a permanent key or saw a value it never had");
        assertEquals(permanent, map.size());
        assertTrue(lookups.get() > 0);
    }
}
