package io.ksync.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.testing.AllocationCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimerWheelTest {

    private static final long TICK = 1_000_000L; // 1 ms

    /** An entry that remembers its name, the delay it was scheduled with and when it was handed out. */
    static final class Named extends TimerWheel.Entry {
        final String name;
        long delay;
        long handedOutAt = Long.MIN_VALUE;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static List<String> expireNames(TimerWheel<Named> wheel, long now) {
        List<String> names = new ArrayList<>();
        wheel.expire(now, e -> names.add(e.name));
        return names;
    }

    @Test
    void entryIsHandedOutAtItsDeadlineAndNotBefore() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");

        assertFalse(wheel.schedule(a, 5 * TICK));

        assertTrue(a.isPending());
        assertEquals(5 * TICK, a.deadline());
        assertEquals(List.of(), expireNames(wheel, 5 * TICK - 1));
        assertEquals(List.of("a"), expireNames(wheel, 5 * TICK));
        assertFalse(a.isPending());
        assertTrue(wheel.isEmpty());
    }

    @Test
    void deadlineInsideATickIsRoundedUpNeverDown() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");
        wheel.schedule(a, 2 * TICK + 1); // one nanosecond into tick 2: due when tick 3 begins

        assertEquals(3 * TICK, wheel.nextExpiry());
        assertEquals(List.of(), expireNames(wheel, 3 * TICK - 1));
        assertEquals(List.of("a"), expireNames(wheel, 3 * TICK));
    }

    @Test
    void pastDeadlineIsDueAtTheNextExpire() {
        TimerWheel<Named> wheel = new TimerWheel<>(1_000 * TICK, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");
        wheel.schedule(a, 0);

        assertEquals(List.of("a"), expireNames(wheel, 1_000 * TICK));
    }

    @Test
    void dueEntriesComeInDeadlineOrderWithTiesInSchedulingOrder() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        // all in one level-2 bucket (granularity 64 ticks), scheduled out of order
        long base = 10_000 * TICK;
        long[] deadlines = {base + 40 * TICK, base + 3 * TICK, base + 40 * TICK, base + 17 * TICK + 5, base};
        String[] names = {"d40", "d3", "d40bis", "d17", "d0"};
        for (int i = 0; i < names.length; i++) {
            wheel.schedule(new Named(names[i]), deadlines[i]);
        }

        List<String> order = expireNames(wheel, base + 1_000 * TICK);

        assertEquals(List.of("d0", "d3", "d17", "d40", "d40bis"), order);
    }

    @Test
    void cancelRemovesAndReportsWhetherPending() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");
        Named b = new Named("b");
        wheel.schedule(a, 10 * TICK);
        wheel.schedule(b, 10 * TICK);

        assertTrue(wheel.cancel(a));
        assertFalse(wheel.cancel(a));
        assertFalse(a.isPending());
        assertEquals(1, wheel.size());
        assertEquals(List.of("b"), expireNames(wheel, 100 * TICK));
    }

    @Test
    void rescheduleMovesAPendingEntry() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");
        wheel.schedule(a, 10 * TICK);

        assertTrue(wheel.schedule(a, 5_000 * TICK));   // to level 3: buckets of 512 ticks, this one due at 5120
        assertTrue(wheel.schedule(a, 5_001 * TICK));   // within the same bucket: only the deadline changes

        assertEquals(1, wheel.size());
        assertEquals(List.of(), expireNames(wheel, 5_000 * TICK));
        assertEquals(5_001 * TICK, a.deadline());
        assertEquals(List.of(), expireNames(wheel, 5_119 * TICK));
        assertEquals(List.of("a"), expireNames(wheel, 5_120 * TICK));
    }

    @Test
    void nextExpiryIsTheBucketTimeOfTheEarliestEntry() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        wheel.schedule(new Named("late"), 100_000 * TICK);
        Named early = new Named("early");
        wheel.schedule(early, 70 * TICK); // level 1: granularity 8 ticks, 70 rounds up to 72

        assertEquals(72 * TICK, wheel.nextExpiry());
        wheel.cancel(early);
        long next = wheel.nextExpiry();
        assertTrue(next - 100_000 * TICK >= 0, "not before the remaining deadline: " + next);
        assertTrue(next - 100_000 * TICK < wheel.lateness(100_000 * TICK), "within the lateness bound: " + next);
    }

    @Test
    void nextExpiryOfAnEmptyWheelIsAnError() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        IllegalStateException e = assertThrows(IllegalStateException.class, wheel::nextExpiry);
        assertTrue(e.getMessage().contains("isEmpty"), e.getMessage());
    }

    @Test
    void expireWithAnEarlierTimeDoesNothing() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        wheel.schedule(new Named("a"), 50 * TICK);
        wheel.expire(20 * TICK, e -> { });

        assertEquals(List.of(), expireNames(wheel, 10 * TICK));
        assertEquals(21 * TICK, wheel.currentTime());
        assertEquals(1, wheel.size());
    }

    /**
     * The documented bound, for random delays at every level: driven at every tick, an entry is handed out at
     * its deadline or later, and late by less than lateness(delay).
     */
    @ParameterizedTest
    @ValueSource(longs = {0L, Long.MAX_VALUE - 3_000_000_000L, Long.MIN_VALUE, -1L})
    void neverEarlyAndLateByLessThanTheLevelGranularity(long start) {
        TimerWheel<Named> wheel = new TimerWheel<>(start, 1, TimeUnit.MILLISECONDS);
        Random random = new Random(42);
        List<Named> entries = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            Named e = new Named("e" + i);
            // delays spread over levels 0..4: up to 2^18 ticks
            e.delay = (long) (Math.pow(2, random.nextDouble() * 18) * TICK) + random.nextInt((int) TICK);
            wheel.schedule(e, start + e.delay);
            entries.add(e);
        }
        long horizon = 300_000;
        for (long tick = 0; tick <= horizon && !wheel.isEmpty(); tick++) {
            final long now = start + tick * TICK;
            wheel.expire(now, e -> e.handedOutAt = now);
        }
        assertTrue(wheel.isEmpty());
        for (Named e : entries) {
            long late = e.handedOutAt - (start + e.delay);
            assertTrue(late >= 0, e + " handed out " + (-late) + " ns early");
            assertTrue(late < wheel.lateness(e.delay), e + " late by " + late + " ns, delay " + e.delay
                    + ", bound " + wheel.lateness(e.delay));
        }
    }

    /** The same bound when the driver jumps from one nextExpiry() to the next, as a NOHZ loop does. */
    @Test
    void drivenByNextExpiryEveryEntryComesOnTime() {
        long start = Long.MAX_VALUE - 5_000_000_000L; // wraps during the run
        TimerWheel<Named> wheel = new TimerWheel<>(start, 1, TimeUnit.MILLISECONDS);
        Random random = new Random(7);
        int count = 5_000;
        for (int i = 0; i < count; i++) {
            Named e = new Named("e" + i);
            e.delay = (long) (random.nextDouble() * 20_000 * TICK);
            wheel.schedule(e, start + e.delay);
        }
        int handedOut = 0;
        while (!wheel.isEmpty()) {
            final long now = wheel.nextExpiry();
            assertEquals(0, wheel.expire(now - 1, e -> { }), "nothing is due before nextExpiry()");
            handedOut += wheel.expire(now, e -> {
                long late = now - (start + e.delay);
                assertTrue(late >= 0 && late < wheel.lateness(e.delay), e + " late by " + late);
            });
        }
        assertEquals(count, handedOut);
    }

    @Test
    void deadlinesBeyondTheRangeAreNotHandedOutEarly() {
        // depth 2: 64 ticks at level 0, 64 x 8 at level 1: a range of 512 ticks
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS, 2);
        Named far = new Named("far");
        wheel.schedule(far, 10_000 * TICK);

        long handedOutAt = -1;
        for (long tick = 0; tick < 20_000 && handedOutAt < 0; tick++) {
            if (wheel.expire(tick * TICK, e -> { }) > 0) {
                handedOutAt = tick * TICK;
            }
        }
        assertTrue(handedOutAt >= 10_000 * TICK, "handed out early, at " + handedOutAt);
        assertTrue(handedOutAt < 10_000 * TICK + 8 * TICK, "late by more than the top level's granularity: "
                + handedOutAt);
    }

    @Test
    void handlerMayRescheduleItsOwnEntry() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named periodic = new Named("periodic");
        wheel.schedule(periodic, 10 * TICK);
        int[] runs = {0};

        for (long tick = 0; tick <= 100; tick++) {
            wheel.expire(tick * TICK, e -> {
                runs[0]++;
                wheel.schedule(e, e.deadline() + 10 * TICK);
            });
        }

        assertEquals(10, runs[0]);
        assertTrue(periodic.isPending());
    }

    @Test
    void handlerReschedulingIntoThePastIsHandedOutByTheNextCall() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");
        wheel.schedule(a, TICK);
        int[] runs = {0};

        wheel.expire(5 * TICK, e -> {
            runs[0]++;
            wheel.schedule(e, 0); // already past: due at the next tick not yet processed
        });

        assertEquals(1, runs[0]);
        assertTrue(a.isPending());
        assertEquals(1, wheel.expire(6 * TICK, e -> { }));
    }

    @Test
    void handlerMayCancelAnEntryDueInTheSameCall() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named first = new Named("first");
        Named second = new Named("second");
        wheel.schedule(first, 5 * TICK);
        wheel.schedule(second, 5 * TICK + 1);

        List<String> names = new ArrayList<>();
        wheel.expire(10 * TICK, e -> {
            names.add(e.name);
            if (e == first) {
                assertTrue(wheel.cancel(second));
            }
        });

        assertEquals(List.of("first"), names);
        assertTrue(wheel.isEmpty());
    }

    @Test
    void aThrowingHandlerLeavesTheRestQueuedForTheNextExpire() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");
        Named b = new Named("b");
        wheel.schedule(a, 1 * TICK);
        wheel.schedule(b, 2 * TICK);

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> wheel.expire(10 * TICK, e -> {
            if (e == a) {
                throw new IllegalStateException("boom");
            }
        }));

        assertEquals("boom", thrown.getMessage());
        assertFalse(a.isPending());
        assertTrue(b.isPending());
        assertEquals(List.of("b"), expireNames(wheel, 10 * TICK));
    }

    @Test
    void anEntryBelongsToOneWheelAtATime() {
        TimerWheel<Named> one = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        TimerWheel<Named> other = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");
        one.schedule(a, TICK);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.schedule(a, TICK));
        assertTrue(e.getMessage().contains("another TimerWheel"), e.getMessage());
        assertFalse(other.cancel(a));
        assertTrue(a.isPending());
        assertEquals(1, one.size());
        assertEquals(0, other.size());

        one.cancel(a);
        assertFalse(other.schedule(a, TICK));
    }

    @Test
    void clearDropsEverythingAndKeepsTheClock() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named a = new Named("a");
        wheel.schedule(a, 10 * TICK);
        wheel.schedule(new Named("b"), 10_000 * TICK);
        wheel.expire(5 * TICK, e -> { });

        wheel.clear();

        assertTrue(wheel.isEmpty());
        assertFalse(a.isPending());
        assertEquals(6 * TICK, wheel.currentTime());
        assertEquals(List.of(), expireNames(wheel, 100_000 * TICK));
        assertFalse(wheel.schedule(a, 7 * TICK), "a cleared entry can be scheduled again");
    }

    private static void assertMessage(Throwable e, String expected) {
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void badConstructionIsRefused() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new TimerWheel<>(0, 0, TimeUnit.MILLISECONDS)),
                "tick must be > 0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new TimerWheel<>(0, -1, TimeUnit.NANOSECONDS)),
                "tick must be > 0");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS, 0)), "depth must be 1..");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS, TimerWheel.MAX_DEPTH + 1)), "depth must be 1..");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new TimerWheel<>(0, 1, TimeUnit.HOURS)),
                "beyond 2^62 ns");
        assertEquals(TimerWheel.MAX_DEPTH, new TimerWheel<>(0, 1, TimeUnit.NANOSECONDS, TimerWheel.MAX_DEPTH).depth());
    }

    @Test
    void latenessBoundsFollowTheLevels() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        assertEquals(TICK, wheel.lateness(0));
        assertEquals(TICK, wheel.lateness(63 * TICK));
        assertEquals(8 * TICK, wheel.lateness(64 * TICK));
        assertEquals(8 * TICK, wheel.lateness(63 * 8 * TICK));
        assertEquals(64 * TICK, wheel.lateness(63 * 8 * TICK + 1));
        for (long delay = 64 * TICK; delay < (1L << 40); delay = delay * 3 + 7) {
            assertTrue(wheel.lateness(delay) < delay / 7, "lateness " + wheel.lateness(delay) + " for " + delay);
        }
    }

    @Test
    void aMillionEntriesScheduleCancelAndExpire() {
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        int count = 1_000_000;
        Named[] entries = new Named[count];
        Random random = new Random(1);
        for (int i = 0; i < count; i++) {
            entries[i] = new Named(null);
            wheel.schedule(entries[i], (long) random.nextInt(3_600_000) * TICK);
        }
        assertEquals(count, wheel.size());
        for (int i = 0; i < count; i += 2) {
            assertTrue(wheel.cancel(entries[i]));
        }
        int[] handedOut = {0};
        long[] lastDeadline = {Long.MIN_VALUE};
        while (!wheel.isEmpty()) {
            wheel.expire(wheel.nextExpiry(), e -> {
                handedOut[0]++;
                assertTrue(e.deadline() >= lastDeadline[0], "out of order");
                lastDeadline[0] = e.deadline();
            });
        }
        assertEquals(count / 2, handedOut[0]);
        for (int i = 0; i < count; i++) {
            assertFalse(entries[i].isPending());
        }
    }

    @Test
    void reschedulingAndCancellingAllocateNothing() {
        AllocationCounter allocations = AllocationCounter.ofCurrentThread();
        Assumptions.assumeTrue(allocations != null, "this JVM cannot count a thread's allocations");
        TimerWheel<Named> wheel = new TimerWheel<>(0, 1, TimeUnit.MILLISECONDS);
        Named[] entries = new Named[64];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = new Named("e" + i);
        }
        long before = 0;
        for (int round = 0; round < 3; round++) { // the first rounds warm up; the last is measured
            before = allocations.allocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                Named e = entries[i & 63];
                wheel.schedule(e, (i * 7919L % 100_000) * TICK);
                if ((i & 3) == 0) {
                    wheel.cancel(e);
                }
            }
        }
        long allocated = allocations.allocatedBytes() - before;
        assertTrue(allocated < 1_000, "100k schedule/cancel calls allocated " + allocated + " bytes");
    }

    /**
     * Random schedules, reschedules, cancels and expires at random clock positions (clock jumps of every size),
     * against a plain model: each entry is handed out at or after its deadline, in deadline order within a call;
     * after each expire, every entry still pending is one whose lateness bound (measured from the wheel's time
     * when it was scheduled) has not passed, so none is late by more than the bound plus the driver's own delay;
     * a cancelled entry never comes.
     */
    @Test
    void randomOperationsAgreeWithTheModel() {
        long start = Long.MAX_VALUE - 40_000 * TICK; // the clock wraps during the run
        TimerWheel<Named> wheel = new TimerWheel<>(start, 1, TimeUnit.MILLISECONDS, 4); // range 32768 ticks
        Random random = new Random(2024);
        Named[] entries = new Named[512];
        long[] bound = new long[entries.length];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = new Named("e" + i);
        }
        long now = start;
        for (int step = 0; step < 200_000; step++) {
            int i = random.nextInt(entries.length);
            Named e = entries[i];
            int action = random.nextInt(10);
            if (action < 5) {
                long delay = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(64) * TICK;
                    case 1 -> random.nextInt(600) * TICK + random.nextInt((int) TICK);
                    case 2 -> random.nextInt(40_000) * TICK; // some beyond the range
                    default -> -random.nextInt(10) * TICK;   // in the past
                };
                long deadline = now + delay;
                boolean wasPending = e.isPending();
                assertEquals(wasPending, wheel.schedule(e, deadline));
                long fromWheel = deadline - wheel.currentTime();
                bound[i] = (fromWheel >= 0 ? deadline : wheel.currentTime()) + wheel.lateness(Math.max(0, fromWheel));
            } else if (action < 7) {
                boolean wasPending = e.isPending();
                assertEquals(wasPending, wheel.cancel(e));
                assertFalse(e.isPending());
            } else {
                long jump = switch (random.nextInt(3)) {
                    case 0 -> random.nextInt(3) * TICK;
                    case 1 -> random.nextInt(100) * TICK + random.nextInt((int) TICK);
                    default -> random.nextInt(5_000) * TICK;
                };
                now += jump;
                final long at = now;
                long[] previous = {Long.MIN_VALUE};
                boolean[] first = {true};
                wheel.expire(at, handed -> {
                    assertTrue(at - handed.deadline() >= 0, handed + " handed out early");
                    assertTrue(first[0] || handed.deadline() - previous[0] >= 0, "out of deadline order");
                    first[0] = false;
                    previous[0] = handed.deadline();
                });
                for (int k = 0; k < entries.length; k++) {
                    if (entries[k].isPending()) {
                        assertTrue(at - bound[k] < 0, entries[k] + " still pending after its bound: deadline "
                                + (entries[k].deadline() - start) + ", bound " + (bound[k] - start) + ", now "
                                + (at - start) + ", wheel at " + (wheel.currentTime() - start) + ", next "
                                + (wheel.nextExpiry() - start) + " (ns from the start)");
                    }
                }
            }
        }
    }
}
