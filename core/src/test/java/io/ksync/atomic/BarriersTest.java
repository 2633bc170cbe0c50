package io.ksync.atomic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * The litmus shapes of the {@link Barriers} mapping, run through its methods many times: a smoke test that
 * the methods are wired to the right fences. The proof, with busted variants that show each outcome is
 * reachable without the fence, is the jcstress suite in {@code stress/}.
 */
class BarriersTest {

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int MESSAGES = 200_000;
    private static final int ROUNDS = 20_000;

    @Test
    void messagePassingWithWriteAndReadFencesNeverSeesTheFlagBeforeTheData() throws InterruptedException {
        assertEquals(0, staleReads(Barriers::writeFence, Barriers::readFence),
                "smp_wmb/smp_rmb: a reader that sees the flag must see the data written before it");
    }

    @Test
    void messagePassingWithReleaseAndAcquireFencesNeverSeesTheFlagBeforeTheData() throws InterruptedException {
        assertEquals(0, staleReads(Barriers::releaseFence, Barriers::acquireFence),
                "release/acquire fences: a reader that sees the flag must see the data written before it");
    }

    @Test
    void storeBufferingWithFullFencesNeverLetsBothLoadsMissTheOtherStore() throws InterruptedException {
        assertEquals(0, bothLoadsMissed(thread -> Barriers.fullFence()),
                "smp_mb: the (0, 0) store-buffering outcome is forbidden");
    }

    @Test
    void volatileRmwWithBeforeAndAfterAtomicIsAFullBarrier() throws InterruptedException {
        int[] rmwTargets = new int[2 * 16]; // one per thread, 64 bytes apart: no synchronisation between them
        assertEquals(0, bothLoadsMissed(thread -> {
            Barriers.beforeAtomic();
            INTS.getAndAdd(rmwTargets, thread * 16, 1);
            Barriers.afterAtomic();
        }), "smp_mb__before/after_atomic around a volatile RMW: the (0, 0) outcome is forbidden");
        assertEquals(ROUNDS, rmwTargets[0]);
        assertEquals(ROUNDS, rmwTargets[16]);
    }

    @Test
    void barriersCannotBeInstantiated() throws ReflectiveOperationException {
        Constructor<Barriers> constructor = Barriers.class.getDeclaredConstructor();
        assertTrue(Modifier.isPrivate(constructor.getModifiers()));
        constructor.setAccessible(true);
        InvocationTargetException e = assertThrows(InvocationTargetException.class, constructor::newInstance);
        assertInstanceOf(AssertionError.class, e.getCause());
    }

    /**
     * MP: a writer stores data[i] then, after its fence, flag[i]; a reader waits for flag[i] and, after its
     * fence, loads data[i]. Returns how many loads missed the data.
     */
    private static int staleReads(Runnable writerFence, Runnable readerFence) throws InterruptedException {
        final int[] data = new int[MESSAGES];
        final int[] flag = new int[MESSAGES];
        final int[] stale = {0};
        Concurrently.run(2, thread -> {
            if (thread == 0) {
                for (int i = 0; i < MESSAGES; i++) {
                    data[i] = i + 1;                 // plain
                    writerFence.run();
                    INTS.setOpaque(flag, i, 1);      // WRITE_ONCE
                }
            } else {
                int missed = 0;
                for (int i = 0; i < MESSAGES; i++) {
                    final int slot = i;
                    Concurrently.spinUntil(() -> (int) INTS.getOpaque(flag, slot) == 1); // READ_ONCE
                    readerFence.run();
                    if (data[i] != i + 1) {          // plain
                        missed++;
                    }
                }
                stale[0] = missed;
            }
        });
        return stale[0];
    }

    /**
     * SB: in each round, thread 0 stores x then loads y, thread 1 stores y then loads x, each running the given
     * fence (passed its thread number) between its store and its load; the threads move from round to round
     * in lockstep so that each round races. Returns the number of rounds in which both loads missed the other
     * thread's store.
     */
    private static int bothLoadsMissed(IntConsumer fence) throws InterruptedException {
        final int[] x = new int[ROUNDS];
        final int[] y = new int[ROUNDS];
        final int[] seenByThread0 = new int[ROUNDS];
        final int[] seenByThread1 = new int[ROUNDS];
        final AtomicInteger done0 = new AtomicInteger();
        final AtomicInteger done1 = new AtomicInteger();
        Concurrently.run(2, thread -> {
            final AtomicInteger mine = thread == 0 ? done0 : done1;
            final AtomicInteger other = thread == 0 ? done1 : done0;
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    final int round = i;
                    Concurrently.spinUntil(() -> other.get() >= round); // both start round i together
                    if (thread == 0) {
                        INTS.setOpaque(x, i, 1);
                        fence.accept(thread);
                        seenByThread0[i] = (int) INTS.getOpaque(y, i);
                    } else {
                        INTS.setOpaque(y, i, 1);
                        fence.accept(thread);
                        seenByThread1[i] = (int) INTS.getOpaque(x, i);
                    }
                    mine.set(i + 1);
                }
            } finally {
                mine.set(Integer.MAX_VALUE); // never leave the other thread waiting
            }
        });
        int missed = 0;
        for (int i = 0; i < ROUNDS; i++) {
            if (seenByThread0[i] == 0 && seenByThread1[i] == 0) {
                missed++;
            }
        }
        return missed;
    }
}
