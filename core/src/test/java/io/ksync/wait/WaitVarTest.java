package io.ksync.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.lock.ConcurrentTest;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaitVarTest extends ConcurrentTest {

    /** Objects whose identity hash codes share a bucket of the table: found by search, as hash codes vary. */
    private static Object[] twoInOneBucket() {
        Object first = new Object();
        int bucket = bucketOf(first);
        for (;;) {
            Object other = new Object();
            if (bucketOf(other) == bucket) {
                return new Object[] {first, other};
            }
        }
    }

    private static int bucketOf(Object o) {
        int h = System.identityHashCode(o);
        return (h ^ (h >>> 16)) & (WaitVar.TABLE_SIZE - 1);
    }

    @Test
    void waitsUntilTheVariableChangesAndIsWoken() throws Exception {
        AtomicInteger users = new AtomicInteger(2);
        Future<?> waiter = threads.submit(() -> {
            WaitVar.waitEvent(users, () -> users.get() == 0);
            return null;
        });
        users.decrementAndGet();
        WaitVar.wakeUp(users);
        users.decrementAndGet();
        WaitVar.wakeUp(users);
        get(waiter);
    }

    @Test
    void wakeUpOfOneObjectLeavesTheWaitersOfAnotherInTheSameBucketAsleep() throws Exception {
        Object[] pair = twoInOneBucket();
        AtomicInteger evaluations = new AtomicInteger();
        boolean[] flags = new boolean[2];
        Future<?> other = threads.submit(() -> {
            WaitVar.waitEvent(pair[1], () -> {
                evaluations.incrementAndGet();
                return flags[1];
            });
            return null;
        });
        awaitCondition("the other object's waiter to sleep", () -> evaluations.get() >= 2);
        int before = evaluations.get();
        flags[0] = true;
        WaitVar.wakeUp(pair[0]);
        assertFalse(other.isDone());
        assertEquals(before, evaluations.get(), "a wake-up of another object must not wake this waiter");
        flags[1] = true;
        WaitVar.wakeUp(pair[1]);
        get(other);
    }

    @Test
    void timedAndInterruptibleForms() throws Exception {
        Object var = new Object();
        boolean[] flag = {false};
        assertEquals(0, WaitVar.waitEventTimeout(var, () -> flag[0], 10, TimeUnit.MILLISECONDS));
        assertEquals(0, WaitVar.waitEventInterruptibleTimeout(var, () -> flag[0], 10, TimeUnit.MILLISECONDS));
        flag[0] = true;
        assertTrue(WaitVar.waitEventTimeout(var, () -> flag[0], 1, TimeUnit.SECONDS) > 0);
        WaitVar.waitEventInterruptible(var, () -> flag[0]);
        flag[0] = false;
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> WaitVar.waitEventInterruptible(var, () -> flag[0]));
        assertFalse(Thread.interrupted());
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class,
                () -> WaitVar.waitEventInterruptibleTimeout(var, () -> flag[0], 1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted());
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() {
        NullPointerException nullVar = assertThrows(NullPointerException.class,
                () -> WaitVar.waitEvent(null, () -> true));
        assertTrue(nullVar.getMessage().contains("var must not be null"), nullVar.getMessage());
        assertThrows(NullPointerException.class, () -> WaitVar.wakeUp(null));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> WaitVar.waitEventTimeout(new Object(), () -> false, -1, TimeUnit.SECONDS));
        assertTrue(negative.getMessage().contains("timeout must be >= 0"), negative.getMessage());
    }
}
