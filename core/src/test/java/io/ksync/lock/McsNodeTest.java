package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class McsNodeTest {

    @Test
    void aThreadKeepsItsNodeAndTheRegistryFindsItById() {
        McsNode node = McsNode.ofCurrentThread();
        assertNotNull(node);
        assertSame(node, McsNode.ofCurrentThread(), "one node per thread, for the thread's whole life");
        assertSame(node, McsNode.byId(node.id));
        assertSame(Thread.currentThread(), node.owner);
        assertTrue(node.id >= 1 && node.id <= McsNode.MAX_NODES);
    }

    @Test
    void theNodeOfADeadThreadReturnsToTheRegistryAndIsReused() throws Exception {
        AtomicReference<McsNode> taken = new AtomicReference<>();
        Thread shortLived = new Thread(() -> taken.set(McsNode.ofCurrentThread()));
        shortLived.start();
        shortLived.join(TimeUnit.SECONDS.toMillis(30));
        McsNode node = taken.get();
        assertNotNull(node);
        shortLived = null; // the thread, and with it its thread-local holder, becomes unreachable

        // The Cleaner frees the node after a GC has found the holder unreachable: ask for GCs, bounded.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!McsNode.isFree(node)) {
            assertTrue(System.nanoTime() - deadline < 0, "the dead thread's node never returned to the registry");
            System.gc();
            Thread.yield();
        }

        assertEquals(null, node.owner, "a free node must not keep its dead thread reachable");
        assertSame(node, McsNode.byId(node.id), "a recycled node keeps its id and its registry slot");
        // The next thread without a node takes one from the free list before issuing a fresh id.
        AtomicReference<McsNode> next = new AtomicReference<>();
        Thread newcomer = new Thread(() -> next.set(McsNode.ofCurrentThread()));
        newcomer.start();
        newcomer.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(McsNode.isFree(node) != (next.get() == node), "the node is either still free or reused");
    }
}
