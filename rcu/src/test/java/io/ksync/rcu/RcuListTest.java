package io.ksync.rcu;

import static io.ksync.rcu.RcuTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RcuListTest {

    private static List<Integer> contents(RcuList<Integer> list) {
        List<Integer> out = new ArrayList<>();
        list.forEach(out::add);
        return out;
    }

    @Test
    void addRemoveReplaceInOrder() {
        Rcu rcu = new Rcu("list");
        RcuList<Integer> list = new RcuList<>(rcu);
        assertTrue(list.isEmpty());
        assertNull(list.first());
        list.addLast(2);
        list.addFirst(1);
        list.addLast(3);
        list.addLast(4);
        assertEquals(List.of(1, 2, 3, 4), contents(list));
        assertEquals(4, list.size());
        assertEquals(1, list.first());
        assertTrue(list.contains(3));

        assertTrue(list.remove(4)); // the tail: addLast must go after the new tail
        list.addLast(5);
        assertTrue(list.replace(1, 10));
        assertTrue(list.replace(5, 50)); // replacing the tail moves the tail
        list.addLast(6);
        assertFalse(list.remove(99));
        assertFalse(list.replace(99, 100));
        assertEquals(List.of(10, 2, 3, 50, 6), contents(list));
        assertEquals("[10, 2, 3, 50, 6]", list.toString());

        assertEquals(2, list.removeIf(e -> e % 2 == 0 && e < 10));
        assertEquals(List.of(10, 3, 50), contents(list));
        Iterator<Integer> it = list.iterator();
        assertEquals(10, it.next());
        it.remove();
        assertThrows(IllegalStateException.class, it::remove);
        assertEquals(3, it.next());
        assertEquals(50, it.next());
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertEquals(List.of(3, 50), contents(list));

        list.clear();
        assertTrue(list.isEmpty());
        assertEquals(0, list.size());
        list.addLast(7); // the tail was reset by clear()
        assertEquals(List.of(7), contents(list));
        assertSame(rcu, list.domain());
    }

    @Test
    void nullsAreRejected() {
        RcuList<String> list = new RcuList<>(new Rcu("nulls"));
        assertThrows(NullPointerException.class, () -> new RcuList<String>(null));
        assertThrows(NullPointerException.class, () -> list.addFirst(null));
        assertThrows(NullPointerException.class, () -> list.addLast(null));
        assertThrows(NullPointerException.class, () -> list.remove(null));
        assertThrows(NullPointerException.class, () -> list.replace("a", null));
        assertThrows(NullPointerException.class, () -> list.replace(null, "a"));
        assertThrows(NullPointerException.class, () -> list.contains(null));
        assertThrows(NullPointerException.class, () -> list.removeIf(null));
        assertThrows(NullPointerException.class, () -> list.forEach(null));
    }

    /** A closeable element that records whether it was closed. */
    static final class Resource implements AutoCloseable {
        final int id;
        volatile boolean closed;

        Resource(int id) {
            this.id = id;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public String toString() {
            return "Resource" + id;
        }
    }

    @Test
    void removedCloseableElementsAreClosedOnlyAfterAGracePeriod() throws InterruptedException {
        Rcu rcu = new Rcu("list-retire");
        RcuList<Resource> list = new RcuList<>(rcu);
        Resource a = new Resource(1);
        Resource b = new Resource(2);
        list.addLast(a);
        list.addLast(b);
        AtomicBoolean closedWhileHeld = new AtomicBoolean();
        Resource[] held = new Resource[1];
        RcuTesting.SectionHolder reader = new RcuTesting.SectionHolder("reader", () -> {
            rcu.readLock();
            held[0] = list.first();
        }, rcu::readUnlock, () -> closedWhileHeld.set(held[0].closed)).start();

        assertTrue(list.remove(a));
        Resource c = new Resource(3);
        assertTrue(list.replace(b, c));
        reader.leave();
        rcu.barrier();

        assertSame(a, held[0]);
        assertFalse(closedWhileHeld.get(), "closed while a reader that found it was in its section");
        assertTrue(a.closed);
        assertTrue(b.closed, "a replaced element is retired");
        assertFalse(c.closed);
    }

    @Test
    void whatRemoveIfUnlinkedBeforeItsFilterThrewIsStillRetired() {
        Rcu rcu = new Rcu("list-throwing-filter");
        RcuList<Resource> list = new RcuList<>(rcu);
        Resource a = new Resource(1);
        Resource b = new Resource(2);
        list.addLast(a);
        list.addLast(b);
        assertThrows(IllegalStateException.class, () -> list.removeIf(r -> {
            if (r.id == 2) {
                throw new IllegalStateException("filter failed");
            }
            return true;
        }));
        rcu.barrier();
        assertTrue(a.closed, "unlinked before the filter threw: retired");
        assertFalse(b.closed);
        assertEquals(1, list.size());
        assertSame(b, list.first());
    }

    /**
     * Readers iterate while a writer replaces and removes elements: every element that stays in the list the whole
     * time is seen by every pass, and a replaced element is seen as exactly one of old and new.
     */
    @Test
    void concurrentIterationIsWeaklyConsistent() throws InterruptedException {
        RcuList<Integer> list = new RcuList<>(new Rcu("list-concurrent"));
        for (int i = 0; i < 64; i++) {
            list.addLast(i * 2); // even: permanent; the writer toggles the slot after 0 between 1 and -1
        }
        list.addFirst(1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger passes = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                int evens = 0;
                int toggles = 0;
                for (int e : list) {
                    if (e % 2 == 0) {
                        evens++;
                    } else if (e == 1 || e == -1) {
                        toggles++;
                    }
                }
                if (evens != 64 || toggles != 1) {
                    failures.incrementAndGet();
                }
                passes.incrementAndGet();
            }
        }, "reader");
        reader.start();
        for (int round = 0; round < 20_000; round++) {
            int current = (round & 1) == 0 ? 1 : -1;
            assertTrue(list.replace(current, -current));
            list.addLast(1001); // odd, transient
            assertTrue(list.remove(1001));
        }
        stop.set(true);
        join(reader);

        assertEquals(0, failures.get(), "a pass missed a permanent element or saw the toggle as both or neither");
        assertTrue(passes.get() > 0);
    }
}
