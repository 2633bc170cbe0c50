package io.ksync.timer;

import java.util.Arrays;

/**
 * The kernel's non-cascading timer wheel ({@code kernel/time/timer.c} since Linux 4.8), over ticks of a clock in
 * nanoseconds. Not thread-safe: {@link TimerWheel} uses it from its caller's thread, a {@link TimerService} base
 * under its lock.
 */
final class HierarchicalWheel {

    /*
     * Implementation notes.
     *
     * Time. Tick t of the wheel begins at start + t * tickNanos. clk is the first tick not yet processed and
     * clkNanos the time it begins, kept as a running sum so that clock values are only ever subtracted (they may
     * wrap, as System.nanoTime's do). A node expiring at time E is due at tick expiresTick = clk if E <= clkNanos,
     * else clk + ceil((E - clkNanos) / tickNanos): the first tick that begins at or after E, so a node never
     * fires early.
     *
     * Levels. Level L has 64 buckets, each 8^L ticks wide (LVL_CLK_SHIFT 3, LVL_BITS 6 in timer.c). A bucket
     * at level L is named by its level clock b: it holds nodes whose expiresTick rounds up to b * 8^L, and it is
     * processed at tick b * 8^L, which is when its nodes are handed out (late by less than 8^L ticks). A node is
     * hashed once, into the lowest level where its rounded-up level clock b lies within 64 of the level's own
     * clock ceil(clk / 8^L), and never moves (no cascading): 64 buckets cannot alias within that distance. The
     * lowest such level L has 8^L < 8 * delay / 63 for a delay of 64 ticks or more (level L - 1 did not fit), so
     * the lateness is under 1/7.9 of the delay, the kernel's "about 12%". The kernel rounds a level-0 expiry up
     * by one more tick because jiffies may be armed at the edge of a tick; here the expiry is exact in
     * nanoseconds and the ceiling suffices.
     *
     * Beyond the top level. The kernel clamps an expiry beyond the wheel's range to the range, firing early. Here
     * such a node goes to the top level's farthest bucket and, when that bucket is processed, is hashed again
     * from its exact expiry: the only "cascade", and only for nodes beyond the range (at a 1 ms tick and the
     * default depth of 9, about 12 days).
     *
     * Processing tick c: the level-0 bucket c & 63, and for each L >= 1 while c is a multiple of 8^L the level-L
     * bucket (c >> 3L) & 63 (__collect_expired_timers). Ticks whose buckets are all empty are skipped: clk jumps
     * to the next expiry, found from the levels' bitmaps.
     *
     * Bitmaps. 64 buckets per level make a level's pending bitmap one long. The next expiry at level L is the
     * first set bit at or after the level clock's position, found with a rotate and a trailing-zero count; the
     * earliest over the levels is cached and recomputed lazily, when asked for after a change (next_expiry_recalc).
     *
     * Buckets are circular doubly-linked lists through the nodes, with a sentinel per bucket: O(1) add at the tail
     * (FIFO among equal expiries) and O(1) removal of any node without knowing its bucket's sentinel. One extra
     * list holds the nodes being handed out now ("expiring"): a bucket being processed moves there, sorted by
     * exact expiry, and the owner takes nodes from it one at a time. A node still in that list is pending, so
     * removing it before its turn keeps it from firing, as del_timer does for a timer on the kernel's local
     * expiry list.
     */

    /** Buckets per level: a level's bitmap is one long. */
    static final int LEVEL_SIZE = 64;
    private static final int LEVEL_MASK = LEVEL_SIZE - 1;
    /** Each level is 2^3 = 8 times coarser than the one below. */
    static final int LEVEL_CLOCK_SHIFT = 3;
    /** Most levels: the top level's granularity, 8^(depth - 1) ticks, stays far from overflowing a long. */
    static final int MAX_DEPTH = 16;
    /** nextExpiryTick() when no node is queued. */
    static final long NO_EXPIRY = Long.MAX_VALUE;
    /** Farthest expiresTick computed; a node beyond it waits at the top level and is hashed again. */
    private static final long MAX_DELAY_TICKS = Long.MAX_VALUE >>> 2;
    /** Bound on the wheel's range in nanoseconds: bucket times computed from it stay far from overflowing. */
    private static final long MAX_RANGE_NANOS = 1L << 62;

    private final long tickNanos;
    /** log2(tickNanos) when the tick is a power of two, else -1: then ticks are divided with a reciprocal. */
    private final int tickShift;
    /** floor(2^64 / tickNanos), for dividing by the tick with a multiplication (see ticksIn). */
    private final long reciprocalTick;
    /**
     * floor(Long.MAX_VALUE / tickNanos): the most ticks whose nanoseconds fit a long (tickStartNanos). Computed
     * once: a division by the field on every arming that may wake the base cost a 64-bit divide each time.
     */
    private final long maxTicksInLong;
    private final int depth;
    private final int expiringBucket;
    /** depth * 64 bucket sentinels, then the expiring list's. */
    private final WheelNode[] sentinels;
    /** Bit i of occupied[L]: bucket i of level L is not empty. */
    private final long[] occupied;

    /** The first tick not yet processed. */
    private long clk;
    /** The time tick clk begins. */
    private long clkNanos;
    /** The earliest non-empty bucket's processing tick, or NO_EXPIRY; valid while !nextExpiryStale. */
    private long nextExpiryTick = NO_EXPIRY;
    private boolean nextExpiryStale;
    /** Nodes queued, in buckets or expiring. */
    private int size;


    HierarchicalWheel(long startNanos, long tickNanos, int depth) {
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("timer wheel tick must be > 0 ns, was " + tickNanos);
        }
        if (depth < 1 || depth > MAX_DEPTH) {
            throw new IllegalArgumentException("timer wheel depth must be 1.." + MAX_DEPTH + " levels, was " + depth);
        }
        if (rangeNanos(tickNanos, depth) >= MAX_RANGE_NANOS) {
            throw new IllegalArgumentException("a timer wheel of " + depth + " levels of " + tickNanos
                    + " ns ticks spans 64 * 8^" + (depth - 1) + " ticks, beyond 2^62 ns: use fewer levels or a finer tick");
        }
        this.tickNanos = tickNanos;
        this.tickShift = Long.bitCount(tickNanos) == 1 ? Long.numberOfTrailingZeros(tickNanos) : -1;
        this.reciprocalTick = tickShift >= 0 ? 0L : Long.divideUnsigned(-1L, tickNanos); // < 2^63: tick >= 3
        this.maxTicksInLong = Long.MAX_VALUE / tickNanos;
        this.depth = depth;
        this.expiringBucket = depth * LEVEL_SIZE;
        this.sentinels = new WheelNode[expiringBucket + 1];
        for (int i = 0; i < sentinels.length; i++) {
            WheelNode sentinel = new Sentinel();
            sentinel.previous = sentinel;
            sentinel.next = sentinel;
            sentinels[i] = sentinel;
        }
        this.occupied = new long[depth];
        this.clkNanos = startNanos;
    }

    long tickNanos() {
        return tickNanos;
    }

    int depth() {
        return depth;
    }

    int size() {
        return size;
    }

    /** The time the first unprocessed tick begins: everything due before it has been handed out. */
    long clockNanos() {
        return clkNanos;
    }

    /** 64 * 8^(depth - 1) ticks in nanoseconds, saturating at Long.MAX_VALUE. */
    static long rangeNanos(long tickNanos, int depth) {
        final long rangeTicks = (long) LEVEL_SIZE << (LEVEL_CLOCK_SHIFT * (depth - 1));
        return rangeTicks > Long.MAX_VALUE / tickNanos ? Long.MAX_VALUE : rangeTicks * tickNanos;
    }

    /** Granularity of a level, in ticks. */
    static long levelGranularityTicks(int level) {
        return 1L << (LEVEL_CLOCK_SHIFT * level);
    }

    // ---------------------------------------------------------------------------------------------------
    // Queueing

    /** The tick a node expiring at {@code expiresNanos} is due at (see the notes). */
    long expiresTick(long expiresNanos) {
        final long ahead = expiresNanos - clkNanos; // wrap-around difference
        if (ahead <= 0) {
            return clk;
        }
        final long ticks = ticksIn(ahead - 1) + 1;
        return clk + Math.min(ticks, MAX_DELAY_TICKS);
    }

    /**
     * floor(nanos / tickNanos) for nanos >= 0. A 64-bit division costs tens of cycles, more than the rest of an
     * add, so a power-of-two tick shifts, and any other tick multiplies by floor(2^64 / tick) and keeps the high
     * word: that falls short of the quotient by at most one, which the remainder check adds back.
     */
    private long ticksIn(long nanos) {
        if (tickShift >= 0) {
            return nanos >>> tickShift;
        }
        long quotient = Math.multiplyHigh(nanos, reciprocalTick);
        if (nanos - quotient * tickNanos >= tickNanos) {
            quotient++;
        }
        return quotient;
    }

    /** Chooses the bucket for a node due at {@code expiresTick} (calc_wheel_index). */
    int place(long expiresTick) {
        final long clk = this.clk;
        if (expiresTick - clk < LEVEL_SIZE) { // level 0, granularity one tick
            return (int) (expiresTick & LEVEL_MASK);
        }
        // a delay of b significant bits needs at least level (b - 4) / 3 (level L spans about 2^(6 + 3L) ticks);
        // the loop starts there and goes up when the delay is just beyond that level's 63 buckets
        final int bits = Long.SIZE - Long.numberOfLeadingZeros(expiresTick - clk);
        for (int level = (bits - 4) / LEVEL_CLOCK_SHIFT; level < depth; level++) {
            final int shift = LEVEL_CLOCK_SHIFT * level;
            final long roundUp = (1L << shift) - 1;
            final long bucketClock = (expiresTick + roundUp) >>> shift;
            if (bucketClock - ((clk + roundUp) >>> shift) < LEVEL_SIZE) {
                return level * LEVEL_SIZE + (int) (bucketClock & LEVEL_MASK);
            }
        }
        // beyond the top level: its farthest bucket, hashed again when processed
        final int top = depth - 1;
        final int shift = LEVEL_CLOCK_SHIFT * top;
        final long bucketClock = ((clk + (1L << shift) - 1) >>> shift) + LEVEL_MASK;
        return top * LEVEL_SIZE + (int) (bucketClock & LEVEL_MASK);
    }

    /** The time tick {@code tick} (at or after clk) begins, clamped to clockNanos() + Long.MAX_VALUE. */
    long tickStartNanos(long tick) {
        final long ticksAhead = tick - clk;
        return ticksAhead >= maxTicksInLong ? clkNanos + Long.MAX_VALUE : clkNanos + ticksAhead * tickNanos;
    }

    /** The tick a bucket of the wheel (not the expiring list) is processed at, from the clock (see the notes). */
    long bucketTick(int bucket) {
        final int shift = LEVEL_CLOCK_SHIFT * (bucket / LEVEL_SIZE);
        final long levelClock = (clk + (1L << shift) - 1) >>> shift;
        return (levelClock + ((bucket - levelClock) & LEVEL_MASK)) << shift;
    }

    /**
     * Queues a node that is not queued, expiring at {@code expiresNanos}. The next expiry is recomputed when next
     * asked for, not here: arming stays O(1) with no bitmap scan, and queries are rarer than arming.
     */
    void add(WheelNode node, long expiresNanos) {
        node.setExpiresOpaque(expiresNanos);
        link(node, place(expiresTick(expiresNanos)));
        size++;
        nextExpiryStale = true;
    }

    /**
     * Moves a queued node to a new expiry; when the new expiry falls in the bucket the node is already in, only
     * its expiry changes (the kernel's same-bucket shortcut in __mod_timer).
     */
    void move(WheelNode node, long expiresNanos) {
        final int bucket = node.bucket;
        if (bucket != expiringBucket && place(expiresTick(expiresNanos)) == bucket) {
            node.setExpiresOpaque(expiresNanos);
            return;
        }
        remove(node);
        add(node, expiresNanos);
    }

    /**
     * Dequeues a node from its bucket or from the expiring list.
     *
     * @return whether it was queued
     */
    boolean remove(WheelNode node) {
        final int bucket = node.bucket;
        if (bucket == WheelNode.NOT_QUEUED) {
            return false;
        }
        final boolean emptied = node.previous == node.next; // only the sentinel is left (see unlink)
        unlink(node);
        size--;
        if (bucket != expiringBucket) {
            if (emptied) {
                occupied[bucket / LEVEL_SIZE] &= ~(1L << (bucket & LEVEL_MASK));
                nextExpiryStale = true; // it may have been the earliest
            }
        }
        return true;
    }

    /**
     * Moves the clock up to {@code nowNanos} without handing anything out, as far as no bucket is due
     * (forward_timer_base): to min(the tick containing now, the earliest bucket's tick). A wheel whose owner slept
     * keeps its old clock, and would hash a new short delay, measured from there, into a coarse level.
     */
    void forward(long nowNanos) {
        final long elapsed = nowNanos - clkNanos;
        if (elapsed < tickNanos) {
            return; // still in the tick clk, or before it
        }
        final long target = Math.min(clk + ticksIn(elapsed), nextExpiryTick());
        if (target > clk) {
            setClock(target);
        }
    }

    /** Whether a node due at expiresTick would go beyond level 0, where a stale clock costs granularity. */
    boolean beyondLevelZero(long expiresNanos) {
        return expiresNanos - clkNanos > (LEVEL_SIZE - 1) * tickNanos;
    }

    // ---------------------------------------------------------------------------------------------------
    // Expiry

    /** The tick of the earliest non-empty bucket (__next_timer_interrupt), or NO_EXPIRY. */
    long nextExpiryTick() {
        if (size == 0) {
            return NO_EXPIRY; // the common case of arming on an idle base: no scan
        }
        if (nextExpiryStale) {
            nextExpiryTick = scanNextExpiry();
            nextExpiryStale = false;
        }
        return nextExpiryTick;
    }

    /**
     * The time at which the earliest queued node is handed out: the beginning of its bucket's tick, or the clock
     * position if nodes are expiring now. Meaningless when the wheel is empty: callers check {@link #size()}.
     */
    long nextExpiryNanos() {
        if (sentinels[expiringBucket].next != sentinels[expiringBucket]) {
            return clkNanos;
        }
        return tickStartNanos(nextExpiryTick()); // NO_EXPIRY gives a huge value: clamped
    }

    /**
     * Processes every tick up to the one containing {@code nowNanos}, moving the nodes due, sorted by expiry, to
     * the expiring list.
     *
     * @return whether the expiring list holds a node to hand out ({@link #pollExpiring()})
     */
    boolean advance(long nowNanos) {
        final WheelNode expiring = sentinels[expiringBucket];
        if (expiring.next != expiring) {
            return true;
        }
        final long elapsed = nowNanos - clkNanos;
        if (elapsed < 0) {
            return false; // the tick clk has not begun
        }
        final long nowTick = clk + ticksIn(elapsed);
        // every bucket due up to now, then one sort: a late driver still hands out in deadline order
        while (clk <= nowTick) {
            final long next = nextExpiryTick();
            if (next > nowTick) {
                setClock(nowTick + 1);
                break;
            }
            setClock(next);
            collect();
            setClock(next + 1);
        }
        if (expiring.next != expiring) {
            sortExpiring();
            return true;
        }
        return false;
    }

    /** Takes the first node of the expiring list, or null when it is empty. The node is no longer queued. */
    WheelNode pollExpiring() {
        final WheelNode expiring = sentinels[expiringBucket];
        final WheelNode first = expiring.next;
        if (first == expiring) {
            return null;
        }
        unlink(first);
        size--;
        return first;
    }

    /** Dequeues every node (each ends not queued), keeping the clock. */
    void clear() {
        for (int bucket = 0; bucket < sentinels.length; bucket++) {
            final WheelNode sentinel = sentinels[bucket];
            WheelNode node = sentinel.next;
            while (node != sentinel) {
                final WheelNode next = node.next;
                node.previous = null;
                node.next = null;
                node.setBucketRelease(WheelNode.NOT_QUEUED);
                node = next;
            }
            sentinel.previous = sentinel;
            sentinel.next = sentinel;
        }
        Arrays.fill(occupied, 0L);
        size = 0;
        nextExpiryTick = NO_EXPIRY;
        nextExpiryStale = false;
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    private void setClock(long tick) {
        clkNanos += (tick - clk) * tickNanos;
        clk = tick;
    }

    /** Moves the buckets due at tick clk to the expiring list (__collect_expired_timers). */
    private void collect() {
        final long clk = this.clk;
        final WheelNode expiring = sentinels[expiringBucket];
        for (int level = 0; level < depth; level++) {
            final int shift = LEVEL_CLOCK_SHIFT * level;
            if (level > 0 && (clk & ((1L << shift) - 1)) != 0) {
                break; // clk is not on this level's boundary, nor on any coarser one's
            }
            final int position = (int) ((clk >>> shift) & LEVEL_MASK);
            if ((occupied[level] & (1L << position)) == 0) {
                continue;
            }
            occupied[level] &= ~(1L << position);
            final int bucket = level * LEVEL_SIZE + position;
            final WheelNode sentinel = sentinels[bucket];
            WheelNode node = sentinel.next;
            sentinel.previous = sentinel;
            sentinel.next = sentinel;
            final boolean top = level == depth - 1;
            while (node != sentinel) {
                final WheelNode next = node.next;
                if (top && node.expires - clkNanos > 0) {
                    // beyond the range when it was queued, and still not due: hash it again
                    link(node, place(expiresTick(node.expires)));
                } else {
                    link(node, expiringBucket);
                }
                node = next;
            }
        }
        nextExpiryStale = true;
    }

    /** The earliest bucket's tick from the bitmaps; see the notes. */
    private long scanNextExpiry() {
        long earliest = NO_EXPIRY;
        for (int level = 0; level < depth; level++) {
            final long bits = occupied[level];
            if (bits == 0) {
                continue;
            }
            final int shift = LEVEL_CLOCK_SHIFT * level;
            final long levelClock = (clk + (1L << shift) - 1) >>> shift;
            final int distance = Long.numberOfTrailingZeros(Long.rotateRight(bits, (int) (levelClock & LEVEL_MASK)));
            final long tick = (levelClock + distance) << shift;
            if (tick < earliest) {
                earliest = tick;
            }
        }
        return earliest;
    }

    /** Appends the node to a bucket's list and marks the bucket occupied (the expiring list has no bit). */
    private void link(WheelNode node, int bucket) {
        final WheelNode sentinel = sentinels[bucket];
        final WheelNode last = sentinel.previous;
        node.previous = last;
        node.next = sentinel;
        last.next = node;
        sentinel.previous = node;
        if (bucket != expiringBucket) {
            occupied[bucket / LEVEL_SIZE] |= 1L << (bucket & LEVEL_MASK);
        }
        node.setBucketRelease(bucket);
    }

    private static void unlink(WheelNode node) {
        final WheelNode previous = node.previous;
        final WheelNode next = node.next;
        previous.next = next;
        next.previous = previous;
        node.previous = null;
        node.next = null;
        node.setBucketRelease(WheelNode.NOT_QUEUED);
    }

    /**
     * Sorts the expiring list by expiry (wrap-around order), stably: a bottom-up merge sort of the singly linked
     * chain through next, then the previous links rebuilt. No allocation.
     */
    private void sortExpiring() {
        final WheelNode sentinel = sentinels[expiringBucket];
        if (sentinel.next.next == sentinel) {
            return; // one node
        }
        sentinel.previous.next = null; // a null-terminated chain
        WheelNode head = sentinel.next;
        for (int width = 1; ; width <<= 1) {
            WheelNode remaining = head;
            WheelNode mergedHead = null;
            WheelNode mergedTail = null;
            int merges = 0;
            while (remaining != null) {
                merges++;
                WheelNode left = remaining;
                WheelNode right = left;
                int leftSize = 0;
                while (leftSize < width && right != null) {
                    right = right.next;
                    leftSize++;
                }
                int rightSize = width;
                while (leftSize > 0 || (rightSize > 0 && right != null)) {
                    WheelNode taken;
                    if (leftSize == 0) {
                        taken = right;
                        right = right.next;
                        rightSize--;
                    } else if (rightSize == 0 || right == null || left.expires - right.expires <= 0) {
                        taken = left;
                        left = left.next;
                        leftSize--;
                    } else {
                        taken = right;
                        right = right.next;
                        rightSize--;
                    }
                    if (mergedTail == null) {
                        mergedHead = taken;
                    } else {
                        mergedTail.next = taken;
                    }
                    mergedTail = taken;
                }
                remaining = right;
            }
            mergedTail.next = null;
            head = mergedHead;
            if (merges <= 1) {
                break;
            }
        }
        WheelNode previous = sentinel;
        for (WheelNode node = head; node != null; node = node.next) {
            node.previous = previous;
            previous.next = node;
            previous = node;
        }
        previous.next = sentinel;
        sentinel.previous = previous;
    }

    /** A bucket's list head; never handed out. */
    private static final class Sentinel extends WheelNode {
    }
}
