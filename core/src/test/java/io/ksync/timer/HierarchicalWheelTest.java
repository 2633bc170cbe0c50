package io.ksync.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The wheel's arithmetic against plain long division, for power-of-two ticks and others. */
class HierarchicalWheelTest {

    @ParameterizedTest
    @ValueSource(longs = {1L, 3L, 1_000L, 1_000_000L, 1L << 20, 999_999_937L, (1L << 40) + 1})
    void expiryTicksAreTheExactCeilingOfTheDelay(long tickNanos) {
        HierarchicalWheel wheel = new HierarchicalWheel(0, tickNanos, 1);
        Random random = new Random(tickNanos);
        for (int i = 0; i < 200_000; i++) {
            long delay = switch (i % 4) {
                case 0 -> random.nextInt(1 << 20);
                case 1 -> random.nextLong() >>> 12;              // below 2^52: the reciprocal path
                case 2 -> (random.nextLong() >>> 1) | (1L << 52); // the plain division path
                default -> (random.nextInt(1 << 20) + 1) * tickNanos + random.nextInt(3) - 1; // around multiples
            };
            if (delay <= 0) {
                continue;
            }
            long expected = Math.min((delay - 1) / tickNanos + 1, Long.MAX_VALUE >>> 2);
            assertEquals(expected, wheel.expiresTick(delay), "delay " + delay + ", tick " + tickNanos);
        }
    }
}
