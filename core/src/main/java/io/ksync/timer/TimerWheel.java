package io.ksync.timer;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A hierarchical timer wheel that the caller drives: the kernel's non-cascading timer wheel
 * ({@code kernel/time/timer.c} since Linux 4.8: {@code calc_wheel_index}, {@code __collect_expired_timers},
 * {@code __next_timer_interrupt}) as a passive structure for an event loop, in the manner of Agrona's
 * {@code DeadlineTimerWheel}. {@link TimerService} drives the same wheel from its own threads.
 *
 * <p>The caller owns the wheel: one thread at a time uses it (it is not thread-safe), passes the time to
 * {@link #expire(long, Consumer)}, and sleeps until {@link #nextExpiry()} or until it has other work. Times are
 * values of the caller's clock in nanoseconds ({@link System#nanoTime()} or any other), compared by wrap-around
 * difference: a deadline must lie within {@code 2^63 - 1} ns of the wheel's clock.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>{@link #schedule}, {@link #cancel} and rescheduling are O(1) (a bucket choice over at most
 *   {@link #depth()} levels, a list link and a bitmap bit) and allocate nothing: an {@link Entry} is its own
 *   list node, reusable for ever.</li>
 *   <li>An entry is never handed out before its deadline. It is handed out by the first {@code expire(now)}
 *   whose tick covers the deadline rounded up to the granularity of the level it was hashed into: level 0 has
 *   64 buckets of one tick, and each further level 64 buckets 8 times coarser. So an entry is late by less than
 *   {@link #lateness(long) lateness(delay)}: under one tick for a delay below 64 ticks, else under 8^L ticks at
 *   level L, which is less than delay / 7.8 (the kernel's documented slack, "about 12%"). Lateness of the
 *   driver itself (how long after the deadline it calls {@code expire}) comes on top.</li>
 *   <li>An entry is hashed once and never cascaded: a level-L entry waits in its bucket until the bucket's time.
 *   Only deadlines beyond the wheel's range (64 * 8^(depth-1) ticks: about 12 days at the default tick of 1 ms
 *   and depth of 9) wait at the top level and are hashed again when their bucket comes round; the kernel
 *   fires those early, at the range's end, and this wheel does not.</li>
 *   <li>Entries handed out by one {@code expire} come in deadline order (equal deadlines in scheduling order
 *   when they share a bucket). Across calls the granularity decides: an entry in a coarse level is handed out at
 *   its bucket's time, possibly after an entry with a later deadline that sits in a finer level.</li>
 *   <li>A deadline is hashed relative to {@link #currentTime()}, the time the last {@code expire} reached. A
 *   driver that slept while the wheel was empty should call {@code expire(now, ...)} (it returns at once) before
 *   scheduling; otherwise a short delay, measured from the old time, looks long and lands in a coarse level.</li>
 *   <li>Finding the next expiry costs O(depth): each level keeps a 64-bit bitmap of non-empty buckets, and
 *   {@code expire} jumps over empty ticks instead of visiting them.</li>
 * </ul>
 *
 * <p>The handler passed to {@code expire} may schedule or cancel any entry, including the one it was given and
 * entries due in the same call (a cancelled one is then not handed out). If it throws, the exception propagates
 * to the caller of {@code expire} after the entry has been removed; the entries still due stay queued, and the
 * next {@code expire} hands them out.
 *
 * <pre>{@code
 * final class Connection extends TimerWheel.Entry { ... }
 *
 * TimerWheel<Connection> idle = new TimerWheel<>(System.nanoTime(), 1, TimeUnit.MILLISECONDS);
 * idle.schedule(connection, System.nanoTime() + idleTimeoutNanos);   // re-arm on every read: O(1), no allocation
 * ...
 * // the event loop, every turn (also before scheduling, after a sleep)
 * idle.expire(System.nanoTime(), Connection::close);
 * long sleep = idle.isEmpty() ? -1 : Math.max(0, idle.nextExpiry() - System.nanoTime());
 * }</pre>
 *
 * @param <E> the entries, usually a subclass of {@link Entry} that carries what the handler needs
 */
public final class TimerWheel<E extends TimerWheel.Entry> {

    /*
     * Implementation notes: the algorithm is HierarchicalWheel's (see its notes). This class adds ownership
     * (an entry belongs to at most one wheel while it is queued, checked through Entry.wheel) and the handler
     * loop. No field is shared between threads.
     */

    /** Levels by default: the kernel's LVL_DEPTH for HZ > 100. */
    public static final int DEFAULT_DEPTH = 9;

    /** Most levels a wheel may have. */
    public static final int MAX_DEPTH = HierarchicalWheel.MAX_DEPTH;

    private final HierarchicalWheel wheel;

    /**
     * Creates an empty wheel of {@link #DEFAULT_DEPTH} levels.
     *
     * @param startTime the clock's time now; the wheel's first tick begins then
     * @param tick      the width of a level-0 bucket, the finest granularity
     * @param unit      the unit of {@code tick}
     * @throws IllegalArgumentException if the tick is not positive
     */
    public TimerWheel(long startTime, long tick, TimeUnit unit) {
        this(startTime, tick, unit, DEFAULT_DEPTH);
    }

    /**
     * Creates an empty wheel.
     *
     * @param startTime the clock's time now; the wheel's first tick begins then
     * @param tick      the width of a level-0 bucket, the finest granularity
     * @param unit      the unit of {@code tick}
     * @param depth     the number of levels, {@code 1..MAX_DEPTH}; the range is 64 * 8^(depth-1) ticks
     * @throws IllegalArgumentException if the tick is not positive or the depth out of range
     */
    public TimerWheel(long startTime, long tick, TimeUnit unit, int depth) {
        Objects.requireNonNull(unit, "unit");
        this.wheel = new HierarchicalWheel(startTime, unit.toNanos(tick), depth);
    }

    /**
     * Queues the entry to be handed out at {@code deadline}, or moves it there if it is already queued here
     * ({@code mod_timer}): O(1), no allocation. Moving it within its current bucket only records the new
     * deadline.
     *
     * @param entry    the entry
     * @param deadline the time it is due, on the wheel's clock; a time already past makes it due at the next
     *                 {@code expire}
     * @return whether the entry was queued before (and is now moved)
     * @throws IllegalStateException if the entry is queued in another wheel
     */
    public boolean schedule(E entry, long deadline) {
        final TimerWheel<?> owner = entry.owner();
        if (owner == this) {
            wheel.move(entry, deadline);
            return true;
        }
        if (owner != null) {
            throw new IllegalStateException("the entry is queued in another TimerWheel; cancel it there first");
        }
        wheel.add(entry, deadline);
        if (entry.wheel != this) {
            entry.wheel = this; // usually already this wheel: no reference store, no GC barrier
        }
        return false;
    }

    /**
     * Removes the entry, so that it is not handed out ({@code del_timer}): O(1).
     *
     * @param entry the entry
     * @return whether it was queued here
     */
    public boolean cancel(E entry) {
        if (entry.owner() != this) {
            return false;
        }
        wheel.remove(entry);
        return true;
    }

    /**
     * Hands every entry due at {@code now} to the handler, in deadline order, removing each before its turn
     * (the kernel's {@code __run_timers}). The handler may schedule and cancel entries. Every tick up to
     * {@code now} is processed before the first entry is handed out, so an entry the handler schedules at a
     * deadline already past is due at the tick after {@code now}: the next call hands it out, and a handler that
     * always reschedules into the past cannot keep one call going. If the handler throws, the exception
     * propagates and the entries not yet handed out stay queued.
     *
     * @param now     the clock's time now; a time before the last one passed does nothing
     * @param handler receives each due entry
     * @return the number of entries handed out
     */
    @SuppressWarnings("unchecked")
    public int expire(long now, Consumer<? super E> handler) {
        Objects.requireNonNull(handler, "handler");
        int handedOut = 0;
        while (wheel.advance(now)) {
            WheelNode node;
            while ((node = wheel.pollExpiring()) != null) {
                handedOut++;
                handler.accept((E) node);
            }
        }
        return handedOut;
    }

    /**
     * The time at which {@code expire} will next hand out an entry: the beginning of the tick of the earliest
     * non-empty bucket, at or after the earliest deadline and late by at most that entry's
     * {@link #lateness(long) lateness}. A driver may sleep until then. Meaningless when the wheel is empty:
     * check {@link #isEmpty()} first.
     *
     * @return a time of the wheel's clock
     * @throws IllegalStateException if the wheel is empty
     */
    public long nextExpiry() {
        if (wheel.size() == 0) {
            throw new IllegalStateException("the timer wheel is empty: check isEmpty() before nextExpiry()");
        }
        return wheel.nextExpiryNanos();
    }

    /**
     * The time up to which the wheel has processed: every entry due before it has been handed out, and an entry
     * scheduled before it is due at the next {@code expire}.
     *
     * @return a time of the wheel's clock
     */
    public long currentTime() {
        return wheel.clockNanos();
    }

    /**
     * The most an entry scheduled now with this delay can be handed out late by this wheel (driver lateness
     * excluded): the tick rounding plus its level's granularity, in nanoseconds.
     *
     * @param delayNanos the delay from {@link #currentTime()}
     * @return an upper bound (exclusive) of the lateness, in nanoseconds
     */
    public long lateness(long delayNanos) {
        final long ticks = delayNanos <= 0 ? 0 : (delayNanos - 1) / wheel.tickNanos() + 1;
        return levelGranularityTicks(ticks) * wheel.tickNanos();
    }

    /** The number of queued entries. */
    public int size() {
        return wheel.size();
    }

    /** Whether no entry is queued. */
    public boolean isEmpty() {
        return wheel.size() == 0;
    }

    /** Removes every entry without handing it out; the clock stays where it is. */
    public void clear() {
        wheel.clear();
    }

    /** The width of a level-0 bucket, in nanoseconds. */
    public long tickNanos() {
        return wheel.tickNanos();
    }

    /** The number of levels. */
    public int depth() {
        return wheel.depth();
    }

    @Override
    public String toString() {
        return "TimerWheel[" + wheel.size() + " queued, tick " + wheel.tickNanos() + " ns, depth " + wheel.depth()
                + ", at " + wheel.clockNanos() + "]";
    }

    /** Granularity, in ticks, of the level a delay of {@code ticks} lands in (at most the top level's). */
    private long levelGranularityTicks(long ticks) {
        for (int level = 0; level < wheel.depth(); level++) {
            final long granularity = HierarchicalWheel.levelGranularityTicks(level);
            // a delay of at most 63 granules fits the level wherever the clock stands within its granule
            if (ticks <= (HierarchicalWheel.LEVEL_SIZE - 1) * granularity) {
                return granularity;
            }
        }
        return HierarchicalWheel.levelGranularityTicks(wheel.depth() - 1);
    }

    /**
     * An entry of a {@link TimerWheel}: extend it with what the handler needs. It is its own list node, so a
     * queued entry costs nothing besides itself; it can be scheduled again and again, in one wheel at a time.
     */
    public static class Entry extends WheelNode {

        /** The wheel it was last scheduled in; it owns the entry while the entry is queued. */
        TimerWheel<?> wheel;

        /** Creates an entry that is not queued. */
        public Entry() {
        }

        /** Whether the entry is queued in a wheel (and not yet handed out). */
        public final boolean isPending() {
            return bucket != NOT_QUEUED;
        }

        /** The wheel the entry is queued in, or null. */
        final TimerWheel<?> owner() {
            return bucket != NOT_QUEUED ? wheel : null;
        }

        /** The deadline it was last scheduled for. */
        public final long deadline() {
            return expires;
        }
    }
}
