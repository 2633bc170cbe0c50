package io.ksync.atomic;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Clock values around MIN, 0 and MAX, as Caffeine tests its timer wheel, for both counter widths. */
class JiffiesTest {

    // ---- 64-bit ----

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1L, 0L, 1L, Long.MAX_VALUE - 1, Long.MAX_VALUE})
    void laterTicksAreAfterEvenAcrossTheWrap(long now) {
        for (long delta : new long[] {1L, 2L, 1_000_000L, Long.MAX_VALUE / 2, Long.MAX_VALUE}) {
            long later = now + delta; // wraps past Long.MAX_VALUE for the large clock values
            String at = "now=" + now + ", delta=" + delta;
            assertTrue(Jiffies.timeAfter(later, now), at);
            assertFalse(Jiffies.timeAfter(now, later), at);
            assertTrue(Jiffies.timeBefore(now, later), at);
            assertFalse(Jiffies.timeBefore(later, now), at);
            assertTrue(Jiffies.timeAfterEq(later, now), at);
            assertFalse(Jiffies.timeAfterEq(now, later), at);
            assertTrue(Jiffies.timeBeforeEq(now, later), at);
            assertFalse(Jiffies.timeBeforeEq(later, now), at);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1L, 0L, 1L, Long.MAX_VALUE})
    void equalTicksAreNeitherAfterNorBeforeButBothEq(long now) {
        assertFalse(Jiffies.timeAfter(now, now));
        assertFalse(Jiffies.timeBefore(now, now));
        assertTrue(Jiffies.timeAfterEq(now, now));
        assertTrue(Jiffies.timeBeforeEq(now, now));
    }

    @Test
    void aPlainComparisonFailsAcrossTheWrapWhereTimeAfterDoesNot() {
        long deadline = Long.MAX_VALUE - 5;
        long now = deadline + 10; // the clock wrapped past the deadline
        assertTrue(now < deadline, "the naive comparison says the deadline is still ahead");
        assertTrue(Jiffies.timeAfter(now, deadline));
        assertTrue(Jiffies.timeAfterEq(now, deadline));
    }

    @Test
    void ticksExactlyHalfTheRangeApartAreEachAfterTheOther() {
        long a = 0L;
        long b = Long.MIN_VALUE; // 2^63 apart: outside the validity window
        assertTrue(Jiffies.timeAfter(a, b));
        assertTrue(Jiffies.timeAfter(b, a));
    }

    @Test
    void ticksMoreThanHalfTheRangeApartCompareTheWrongWayRound() {
        long now = 0L;
        long farFuture = Long.MAX_VALUE + 2L; // 2^63 + 1 ticks later, wrapped: looks 2^63 - 1 ticks earlier
        assertTrue(Jiffies.timeBefore(farFuture, now), "the documented limit of wrap-safe comparison");
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -3L, 0L, Long.MAX_VALUE - 3, Long.MAX_VALUE})
    void timeInRangeIncludesBothEndsAcrossTheWrap(long start) {
        long end = start + 6; // wraps for the largest start values
        for (long t = start; t != end + 1; t++) {
            assertTrue(Jiffies.timeInRange(t, start, end), "t=" + t);
        }
        assertFalse(Jiffies.timeInRange(start - 1, start, end));
        assertFalse(Jiffies.timeInRange(end + 1, start, end));
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -3L, 0L, Long.MAX_VALUE - 3, Long.MAX_VALUE})
    void timeInRangeOpenExcludesTheEndAcrossTheWrap(long start) {
        long end = start + 6;
        for (long t = start; t != end; t++) {
            assertTrue(Jiffies.timeInRangeOpen(t, start, end), "t=" + t);
        }
        assertFalse(Jiffies.timeInRangeOpen(end, start, end));
        assertFalse(Jiffies.timeInRangeOpen(start - 1, start, end));
        assertFalse(Jiffies.timeInRangeOpen(start, start, start), "an empty range contains nothing");
        assertTrue(Jiffies.timeInRange(start, start, start));
    }

    // ---- 32-bit ----

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -1, 0, 1, Integer.MAX_VALUE - 1,
            Integer.MAX_VALUE})
    void laterTicksAreAfterEvenAcrossThe32BitWrap(int now) {
        for (int delta : new int[] {1, 2, 1_000_000, Integer.MAX_VALUE / 2, Integer.MAX_VALUE}) {
            int later = now + delta;
            String at = "now=" + now + ", delta=" + delta;
            assertTrue(Jiffies.timeAfter(later, now), at);
            assertFalse(Jiffies.timeAfter(now, later), at);
            assertTrue(Jiffies.timeBefore(now, later), at);
            assertFalse(Jiffies.timeBefore(later, now), at);
            assertTrue(Jiffies.timeAfterEq(later, now), at);
            assertFalse(Jiffies.timeAfterEq(now, later), at);
            assertTrue(Jiffies.timeBeforeEq(now, later), at);
            assertFalse(Jiffies.timeBeforeEq(later, now), at);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE})
    void equal32BitTicksAreNeitherAfterNorBeforeButBothEq(int now) {
        assertFalse(Jiffies.timeAfter(now, now));
        assertFalse(Jiffies.timeBefore(now, now));
        assertTrue(Jiffies.timeAfterEq(now, now));
        assertTrue(Jiffies.timeBeforeEq(now, now));
    }

    @Test
    void the32BitOverloadsWrapAt32BitsAndWideningToLongDoesNot() {
        int before = Integer.MAX_VALUE;
        int after = before + 1; // a 32-bit jiffies counter wrapped to Integer.MIN_VALUE
        assertTrue(Jiffies.timeAfter(after, before), "int overload: wraps as the 32-bit counter does");
        assertFalse(Jiffies.timeAfter((long) after, (long) before),
                "mixing widths widens to the long overload, which is 2^32 - 1 ticks the other way: documented trap");
    }

    @Test
    void ticksExactlyHalfThe32BitRangeApartAreEachAfterTheOther() {
        assertTrue(Jiffies.timeAfter(0, Integer.MIN_VALUE));
        assertTrue(Jiffies.timeAfter(Integer.MIN_VALUE, 0));
        assertTrue(Jiffies.timeBefore(Integer.MAX_VALUE + 2, 0), "2^31 + 1 ticks later looks earlier");
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -3, 0, Integer.MAX_VALUE - 3, Integer.MAX_VALUE})
    void timeInRangeOnA32BitCounterIncludesBothEndsAndTheOpenFormExcludesTheEnd(int start) {
        int end = start + 6;
        for (int t = start; t != end; t++) {
            assertTrue(Jiffies.timeInRange(t, start, end), "t=" + t);
            assertTrue(Jiffies.timeInRangeOpen(t, start, end), "t=" + t);
        }
        assertTrue(Jiffies.timeInRange(end, start, end));
        assertFalse(Jiffies.timeInRangeOpen(end, start, end));
        assertFalse(Jiffies.timeInRange(start - 1, start, end));
        assertFalse(Jiffies.timeInRange(end + 1, start, end));
        assertFalse(Jiffies.timeInRangeOpen(start - 1, start, end));
    }

    @Test
    void jiffiesCannotBeInstantiated() throws ReflectiveOperationException {
        Constructor<Jiffies> constructor = Jiffies.class.getDeclaredConstructor();
        assertTrue(Modifier.isPrivate(constructor.getModifiers()));
        constructor.setAccessible(true);
        InvocationTargetException e = assertThrows(InvocationTargetException.class, constructor::newInstance);
        assertInstanceOf(AssertionError.class, e.getCause());
    }
}
