package io.ksync.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class SpinWaitTest {

    @Test
    void adaptivePolicyCountsSpinAndYieldRoundsThenStaysAtTheParkRound() {
        SpinWait policy = SpinWait.adaptive(3, 2, 2, 1_000);
        int round = 0;
        for (int expected = 1; expected <= 5; expected++) {
            assertFalse(policy.isPastSpinning(round) && expected <= 3);
            round = policy.idle(round);
            assertEquals(expected, round);
        }
        assertTrue(policy.isPastSpinning(round));
        assertEquals(5, policy.idle(round), "parking rounds do not count, so the counter never overflows");
        assertEquals(5, policy.idle(round));
    }

    @Test
    void parkingRoundParksWithThePolicyAsBlocker() throws Exception {
        SpinWait policy = SpinWait.adaptive(0, 0, 0, TimeUnit.SECONDS.toNanos(30));
        CountDownLatch parking = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            parking.countDown();
            policy.idle(0);
        });
        waiter.start();
        assertTrue(parking.await(30, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (LockSupport.getBlocker(waiter) != policy) {
            assertTrue(System.nanoTime() - deadline < 0, "the waiter never parked");
            Thread.yield();
        }
        assertEquals(Thread.State.TIMED_WAITING, waiter.getState());
        LockSupport.unpark(waiter);
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(waiter.isAlive());
    }

    @Test
    void pureSpinningNeverLeavesTheCpuAndNeverCounts() {
        SpinWait pure = SpinWait.pure();
        assertFalse(pure.leavesCpu());
        assertEquals(0, pure.idle(0));
        assertEquals(Integer.MAX_VALUE - 1, pure.idle(Integer.MAX_VALUE - 1));
        assertFalse(pure.isPastSpinning(1_000_000));
        assertEquals("SpinWait[pure]", pure.toString());
    }

    @Test
    void sharedPoliciesAreSingletons() {
        assertSame(SpinWait.adaptive(), SpinWait.adaptive());
        assertSame(SpinWait.pure(), SpinWait.pure());
        assertTrue(SpinWait.adaptive().leavesCpu());
        assertTrue(SpinWait.adaptive().toString().startsWith("SpinWait[adaptive: spinRounds="));
    }

    @Test
    void invalidBoundsAreRejectedWithTheirValue() {
        assertMessage("spinRounds must be >= 0, was -1", () -> SpinWait.adaptive(-1, 0, 0, 1));
        assertMessage("maxBackoffShift must be in 0..16, was 17", () -> SpinWait.adaptive(1, 17, 0, 1));
        assertMessage("maxBackoffShift must be in 0..16, was -1", () -> SpinWait.adaptive(1, -1, 0, 1));
        assertMessage("yieldRounds must be >= 0, was -2", () -> SpinWait.adaptive(1, 0, -2, 1));
        assertMessage("parkNanos must be > 0, was 0", () -> SpinWait.adaptive(1, 0, 0, 0));
        assertMessage("spinRounds + yieldRounds must be < 2^31 - 1",
                () -> SpinWait.adaptive(Integer.MAX_VALUE - 1, 0, 1, 1));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
