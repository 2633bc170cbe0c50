package io.ksync.lock;

import java.util.concurrent.locks.LockSupport;

/**
 * How a thread waits for a spinning lock: the JVM counterpart of the kernel's {@code cpu_relax()} loop,
 * chosen per lock at construction.
 *
 * <p>The kernel spins with preemption disabled, so a lock holder is never descheduled while a waiter burns
 * its CPU. The JVM cannot disable preemption: with more runnable threads than cores, the holder (or, in a FIFO
 * lock, the next thread in line) can lose its core for a whole scheduler time slice, and every waiter spins
 * uselessly until it comes back. The {@linkplain #adaptive() adaptive} policy, the default, therefore leaves
 * the CPU after a bound:
 * <ol>
 *   <li>spin on {@link Thread#onSpinWait()} with bounded exponential backoff (1, 2, 4, ... pauses a round, up
 *   to a cap), which keeps the hand-off fast while the holder runs;</li>
 *   <li>then {@link Thread#yield()} for a few rounds, which lets a descheduled holder run on this core;</li>
 *   <li>then {@link LockSupport#parkNanos(long) park} for a short, fixed time each round, so that an
 *   oversubscribed machine is not kept busy by waiters at all. A lock may unpark the waiter it hands over to
 *   (the kernel's paravirtual "kick"; see {@link #isParkingRound(int)}); the bound on each park keeps a
 *   wake-up that was missed, or never sent, from costing more than one round.</li>
 * </ol>
 * The {@linkplain #pure() pure} policy spins on {@link Thread#onSpinWait()} forever, as the kernel does: right
 * only for threads pinned to isolated cores, where a holder is never descheduled.
 *
 * <p>A policy is an immutable, stateless value: a waiting loop keeps its own round counter and passes it in,
 * so one policy serves any number of locks and threads and waiting allocates nothing:
 * <pre>{@code
 * int round = 0;
 * while (!tryAcquire()) {
 *     round = spinWait.idle(round);
 * }
 * }</pre>
 */
public final class SpinWait {

    /*
     * Implementation notes.
     *
     * A round is one call of idle(round). Rounds [0, spinRounds) spin 1 << min(round, maxBackoffShift)
     * pauses; rounds [spinRounds, spinRounds + yieldRounds) yield; later rounds park for parkNanos and return
     * the same round, so the counter never overflows in a long wait. The pure policy is marked by
     * spinRounds == Integer.MAX_VALUE and makes one pause a round without counting.
     *
     * Defaults, from the costs measured on the 2-core development machine (DESIGN.md 2, and a tight loop
     * here): one Thread.onSpinWait() is 25-45 ns there (PAUSE on recent x86 is ~140 cycles), so the spin phase
     * (1 + 2 + 4 + 8 + 28 * 16 = 463 pauses) lasts 12-20 us: many typical spinlock critical sections, about
     * the median (8 us) to 90th percentile (16 us) latency of waking a parked thread there. JMH on that machine
     * chose it among 12, 32 and 128 rounds: 128 rounds made oversubscribed spinlocks 4x slower (waiters burn
     * what the descheduled holder needs), 12 rounds made two threads handing a lock back and forth with work
     * between acquisitions 3x slower (a waiter parks, and each hand-off pays a wake-up). Linux rounds a
     * parkNanos of 50 us up to its timer slack, so a waiter that nobody kicks wakes roughly every 100 us:
     * negligible CPU, and a bounded extra latency only for waits that have already lasted far longer than
     * any critical section a spinlock should protect.
     */

    private static final int DEFAULT_SPIN_ROUNDS = 32;
    private static final int DEFAULT_MAX_BACKOFF_SHIFT = 4;
    private static final int DEFAULT_YIELD_ROUNDS = 8;
    private static final long DEFAULT_PARK_NANOS = 50_000L;
    private static final int MAX_BACKOFF_SHIFT_LIMIT = 16;

    private static final SpinWait ADAPTIVE = new SpinWait(
            DEFAULT_SPIN_ROUNDS, DEFAULT_MAX_BACKOFF_SHIFT, DEFAULT_YIELD_ROUNDS, DEFAULT_PARK_NANOS);
    private static final SpinWait PURE = new SpinWait(Integer.MAX_VALUE, 0, 0, 0L);

    private final int spinRounds;
    private final int maxBackoffShift;
    private final int yieldLimit;
    private final long parkNanos;

    private SpinWait(int spinRounds, int maxBackoffShift, int yieldRounds, long parkNanos) {
        this.spinRounds = spinRounds;
        this.maxBackoffShift = maxBackoffShift;
        this.yieldLimit = spinRounds == Integer.MAX_VALUE ? Integer.MAX_VALUE : spinRounds + yieldRounds;
        this.parkNanos = parkNanos;
    }

    /**
     * Returns the default policy: spin with backoff for 12-20 microseconds, then yield, then park
     * briefly each round. Right for threads that share cores with others, which on the JVM is nearly all.
     *
     * @return the shared adaptive policy
     */
    public static SpinWait adaptive() {
        return ADAPTIVE;
    }

    /**
     * Returns a policy that only ever calls {@link Thread#onSpinWait()}, once a round, never leaving the CPU.
     * Use it only for threads pinned to cores that nothing else runs on: an oversubscribed machine makes
     * every waiter burn a whole time slice whenever the holder is descheduled.
     *
     * @return the shared pure spinning policy
     */
    public static SpinWait pure() {
        return PURE;
    }

    /**
     * Returns an adaptive policy with the given bounds.
     *
     * @param spinRounds      rounds of {@link Thread#onSpinWait()} before the first yield, {@code >= 0}
     * @param maxBackoffShift the backoff cap: a spinning round makes at most {@code 1 << maxBackoffShift}
     *                        pauses, {@code 0..16}
     * @param yieldRounds     rounds of {@link Thread#yield()} before the first park, {@code >= 0}
     * @param parkNanos       how long each parking round sleeps, {@code > 0}
     * @return a new policy
     * @throws IllegalArgumentException if a bound is out of range
     */
    public static SpinWait adaptive(int spinRounds, int maxBackoffShift, int yieldRounds, long parkNanos) {
        if (spinRounds < 0) {
            throw new IllegalArgumentException("spinRounds must be >= 0, was " + spinRounds);
        }
        if (maxBackoffShift < 0 || maxBackoffShift > MAX_BACKOFF_SHIFT_LIMIT) {
            throw new IllegalArgumentException(
                    "maxBackoffShift must be in 0.." + MAX_BACKOFF_SHIFT_LIMIT + ", was " + maxBackoffShift);
        }
        if (yieldRounds < 0) {
            throw new IllegalArgumentException("yieldRounds must be >= 0, was " + yieldRounds);
        }
        if (parkNanos <= 0) {
            throw new IllegalArgumentException("parkNanos must be > 0, was " + parkNanos
                    + "; use SpinWait.pure() for a policy that never parks");
        }
        if ((long) spinRounds + yieldRounds >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("spinRounds + yieldRounds must be < 2^31 - 1, was "
                    + ((long) spinRounds + yieldRounds));
        }
        return new SpinWait(spinRounds, maxBackoffShift, yieldRounds, parkNanos);
    }

    /**
     * Waits once, as this policy prescribes for the given round, and returns the next round. Start a wait at
     * round 0; the returned value never overflows however long the wait lasts.
     *
     * @param round the round this wait has reached, {@code >= 0}, from the previous call or 0
     * @return the round to pass next time
     */
    public int idle(int round) {
        if (spinRounds == Integer.MAX_VALUE) { // pure: one pause a round, forever
            Thread.onSpinWait();
            return round;
        }
        if (round < spinRounds) {
            for (int pauses = 1 << Math.min(round, maxBackoffShift); pauses > 0; pauses--) {
                Thread.onSpinWait();
            }
            return round + 1;
        }
        if (round < yieldLimit) {
            Thread.yield();
            return round + 1;
        }
        LockSupport.parkNanos(this, parkNanos);
        return round;
    }

    /**
     * Tells whether this policy ever leaves the CPU (yields or parks).
     *
     * @return {@code false} for {@link #pure()}, {@code true} for adaptive policies
     */
    public boolean leavesCpu() {
        return spinRounds != Integer.MAX_VALUE;
    }

    /**
     * Waits once as {@link #idle(int)} does, but yields where it would park: for a wait that nothing could
     * cut short by an unpark, and that the waiter cannot afford to prolong, such as a lock holder waiting
     * for a successor to finish linking itself into a queue.
     *
     * @param round the round this wait has reached, {@code >= 0}, from the previous call or 0
     * @return the round to pass next time
     */
    public int idleWithoutParking(int round) {
        if (isParkingRound(round)) {
            Thread.yield();
            return round;
        }
        return idle(round);
    }

    /**
     * Tells whether {@link #idle(int)} would park at {@code round}. A waiter that another thread can wake
     * (a lock whose release kicks a parked successor) checks this first, publishes that it is about to
     * park, re-checks its condition and then calls {@link #park(Object)} instead of {@link #idle(int)}.
     *
     * @param round a round returned by {@link #idle(int)}
     * @return whether the wait has reached the parking phase; always {@code false} for {@link #pure()}
     */
    public boolean isParkingRound(int round) {
        return round >= yieldLimit && spinRounds != Integer.MAX_VALUE;
    }

    /**
     * Parks the calling thread for at most this policy's park time, or until it is unparked: one parking
     * round for a waiter that has published itself to be woken. The bound keeps a missed wake-up from
     * costing more than one round. Does nothing under {@link #pure()}.
     *
     * @param blocker the object the thread waits for, as {@link LockSupport#getBlocker(Thread)} reports it
     */
    public void park(Object blocker) {
        if (parkNanos > 0) {
            LockSupport.parkNanos(blocker, parkNanos);
        }
    }

    /**
     * Tells whether a wait that has reached {@code round} has left the spinning phase: past it, each round
     * costs a yield or a park, so a waiting loop may afford a clock read (for a timeout) on every round.
     *
     * @param round a round returned by {@link #idle(int)}
     * @return whether the spinning phase is over at {@code round}
     */
    public boolean isPastSpinning(int round) {
        return round >= spinRounds;
    }

    @Override
    public String toString() {
        if (!leavesCpu()) {
            return "SpinWait[pure]";
        }
        return "SpinWait[adaptive: spinRounds=" + spinRounds + ", maxBackoffShift=" + maxBackoffShift
                + ", yieldRounds=" + (yieldLimit - spinRounds) + ", parkNanos=" + parkNanos + "]";
    }
}
