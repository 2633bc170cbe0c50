package io.ksync.atomic;

/**
 * Wrap-safe comparisons of tick counts: the kernel's {@code time_after} family
 * ({@code include/linux/jiffies.h}). {@link #timeAfter(long, long)} is {@code time_after} /
 * {@code time_after64}, {@link #timeBefore(long, long)} {@code time_before}, {@link #timeAfterEq(long, long)}
 * {@code time_after_eq}, {@link #timeBeforeEq(long, long)} {@code time_before_eq},
 * {@link #timeInRange(long, long, long)} {@code time_in_range} and {@link #timeInRangeOpen(long, long, long)}
 * {@code time_in_range_open}; each comes for 64-bit ({@code long}) and 32-bit ({@code int}) clocks.
 *
 * <p>A free-running tick counter (jiffies, {@link System#nanoTime()}, a timer wheel's clock, a sequence
 * number) wraps from its maximum to its minimum; {@code a > b} then gives the wrong answer across the wrap.
 * These methods compare by the signed difference instead, which is right across the wrap <em>provided the two
 * values are less than half the counter's range apart</em>: less than 2<sup>31</sup> ticks for {@code int},
 * 2<sup>63</sup> for {@code long}. Values further apart compare the wrong way round, and values exactly half
 * the range apart are each after the other. Keep deadlines and their clock well inside that window (a 32-bit
 * jiffies counter at 1000 Hz gives 24 days), which is what {@link System#nanoTime()}'s contract also asks.
 *
 * <p>Use both arguments of the same width: a call with an {@code int} and a {@code long} resolves to the
 * {@code long} overload, which compares the widened values and no longer wraps at 32 bits.
 *
 * <pre>{@code
 * final long deadline = System.nanoTime() + timeoutNanos;   // may wrap past Long.MAX_VALUE
 * while (!done()) {
 *     if (Jiffies.timeAfterEq(System.nanoTime(), deadline)) {   // not: nanoTime() >= deadline
 *         throw new TimeoutException();
 *     }
 *     ...
 * }
 * }</pre>
 */
public final class Jiffies {

    /*
     * Implementation notes.
     *
     * As jiffies.h: time_after(a, b) is (long)(b - a) < 0 and time_after_eq(a, b) is (long)(a - b) >= 0, the
     * difference taken in the counter's width so that it wraps exactly as the counter does (Java's int and
     * long arithmetic wraps, two's complement, with no undefined behaviour to cast around). The before forms
     * swap the arguments; the ranges are two comparisons against the same a.
     */

    private Jiffies() {
        throw new AssertionError("Jiffies has only static methods");
    }

    /**
     * {@code time_after64(a, b)}: whether {@code a} is after {@code b}.
     *
     * @param a a tick count
     * @param b a tick count less than 2<sup>63</sup> ticks from {@code a}
     * @return {@code true} if {@code a} is strictly after {@code b}
     */
    public static boolean timeAfter(long a, long b) {
        return b - a < 0;
    }

    /**
     * {@code time_before64(a, b)}: whether {@code a} is before {@code b}.
     *
     * @param a a tick count
     * @param b a tick count less than 2<sup>63</sup> ticks from {@code a}
     * @return {@code true} if {@code a} is strictly before {@code b}
     */
    public static boolean timeBefore(long a, long b) {
        return a - b < 0;
    }

    /**
     * {@code time_after_eq64(a, b)}: whether {@code a} is after or equal to {@code b}.
     *
     * @param a a tick count
     * @param b a tick count less than 2<sup>63</sup> ticks from {@code a}
     * @return {@code true} if {@code a} is after {@code b} or equal to it
     */
    public static boolean timeAfterEq(long a, long b) {
        return a - b >= 0;
    }

    /**
     * {@code time_before_eq64(a, b)}: whether {@code a} is before or equal to {@code b}.
     *
     * @param a a tick count
     * @param b a tick count less than 2<sup>63</sup> ticks from {@code a}
     * @return {@code true} if {@code a} is before {@code b} or equal to it
     */
    public static boolean timeBeforeEq(long a, long b) {
        return b - a >= 0;
    }

    /**
     * {@code time_in_range64(a, b, c)}: whether {@code b <= a <= c} in wrap-safe order, both ends included.
     *
     * @param a the tick count to test
     * @param b the start of the range
     * @param c the end of the range, less than 2<sup>63</sup> ticks after {@code b}
     * @return {@code true} if {@code a} is neither before {@code b} nor after {@code c}
     */
    public static boolean timeInRange(long a, long b, long c) {
        return timeAfterEq(a, b) && timeBeforeEq(a, c);
    }

    /**
     * {@code time_in_range_open(a, b, c)} on 64-bit ticks: whether {@code b <= a < c} in wrap-safe order.
     *
     * @param a the tick count to test
     * @param b the start of the range, included
     * @param c the end of the range, excluded, less than 2<sup>63</sup> ticks after {@code b}
     * @return {@code true} if {@code a} is not before {@code b} and before {@code c}
     */
    public static boolean timeInRangeOpen(long a, long b, long c) {
        return timeAfterEq(a, b) && timeBefore(a, c);
    }

    /**
     * {@code time_after(a, b)} on a 32-bit counter: whether {@code a} is after {@code b}.
     *
     * @param a a tick count
     * @param b a tick count less than 2<sup>31</sup> ticks from {@code a}
     * @return {@code true} if {@code a} is strictly after {@code b}
     */
    public static boolean timeAfter(int a, int b) {
        return b - a < 0;
    }

    /**
     * {@code time_before(a, b)} on a 32-bit counter: whether {@code a} is before {@code b}.
     *
     * @param a a tick count
     * @param b a tick count less than 2<sup>31</sup> ticks from {@code a}
     * @return {@code true} if {@code a} is strictly before {@code b}
     */
    public static boolean timeBefore(int a, int b) {
        return a - b < 0;
    }

    /**
     * {@code time_after_eq(a, b)} on a 32-bit counter: whether {@code a} is after or equal to {@code b}.
     *
     * @param a a tick count
     * @param b a tick count less than 2<sup>31</sup> ticks from {@code a}
     * @return {@code true} if {@code a} is after {@code b} or equal to it
     */
    public static boolean timeAfterEq(int a, int b) {
        return a - b >= 0;
    }

    /**
     * {@code time_before_eq(a, b)} on a 32-bit counter: whether {@code a} is before or equal to {@code b}.
     *
     * @param a a tick count
     * @param b a tick count less than 2<sup>31</sup> ticks from {@code a}
     * @return {@code true} if {@code a} is before {@code b} or equal to it
     */
    public static boolean timeBeforeEq(int a, int b) {
        return b - a >= 0;
    }

    /**
     * {@code time_in_range(a, b, c)} on a 32-bit counter: whether {@code b <= a <= c} in wrap-safe order, both
     * ends included.
     *
     * @param a the tick count to test
     * @param b the start of the range
     * @param c the end of the range, less than 2<sup>31</sup> ticks after {@code b}
     * @return {@code true} if {@code a} is neither before {@code b} nor after {@code c}
     */
    public static boolean timeInRange(int a, int b, int c) {
        return timeAfterEq(a, b) && timeBeforeEq(a, c);
    }

    /**
     * {@code time_in_range_open(a, b, c)} on a 32-bit counter: whether {@code b <= a < c} in wrap-safe order.
     *
     * @param a the tick count to test
     * @param b the start of the range, included
     * @param c the end of the range, excluded, less than 2<sup>31</sup> ticks after {@code b}
     * @return {@code true} if {@code a} is not before {@code b} and before {@code c}
     */
    public static boolean timeInRangeOpen(int a, int b, int c) {
        return timeAfterEq(a, b) && timeBefore(a, c);
    }
}
