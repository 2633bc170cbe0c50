package io.ksync.bench.timer;

import io.ksync.timer.Timer;
import io.ksync.timer.TimerService;
import io.ksync.timer.TimerWheel;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DeadlineTimerWheel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Timers, one arming thread, against what a user would pick instead: the JDK's
 * {@link ScheduledThreadPoolExecutor} (with {@code setRemoveOnCancelPolicy(true)}, so that a cancelled task
 * leaves its queue at once), Netty's {@link HashedWheelTimer} (1 ms ticks, 512 buckets) and Agrona's
 * {@link DeadlineTimerWheel} (a passive wheel, 2^20 ns ticks, 512 buckets).
 *
 * <p>What to read from it:
 * <ul>
 *   <li>{@code ...ScheduleCancel}: the timeout pattern, a timer armed 10 s ahead and cancelled before it fires
 *   (most timeouts never fire), in arm+cancel pairs per microsecond. Issue 5 asks {@link Timer} for at least
 *   10x {@code ScheduledThreadPoolExecutor}'s and at least {@code HashedWheelTimer}'s and
 *   {@code DeadlineTimerWheel}'s. {@code Timer} and {@code ScheduledThreadPoolExecutor} and
 *   {@code HashedWheelTimer} are thread-safe services; {@link TimerWheel} and {@code DeadlineTimerWheel} are
 *   single-threaded structures, compared with each other too. Every arming reads {@link System#nanoTime()} once,
 *   as real callers do (the services read it inside); the passive wheels are also polled every 1024 pairs, as an
 *   event loop would.</li>
 *   <li>{@code ...ScheduleFire}: timers armed 1 ms ahead that fire, in timers per microsecond, with at most
 *   {@value #WINDOW} outstanding (the arming thread waits when the service falls behind): the service's whole
 *   path, arming, sleeping, expiry and the callback on its own thread. The passive wheels arm one timer per
 *   operation and are polled when a millisecond (their tick) has passed since the last poll, on the one thread,
 *   as an event loop drives them. (Until 2026-12-03 they were polled on every operation, which made
 *   {@code DeadlineTimerWheel} scan its whole current spoke, thousands of slots, per timer: 0.56 ops/us.)</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class TimerBenchmark {

    /** The timeout of the schedule+cancel pattern: far enough that nothing fires. */
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The delay of the schedule+fire pattern. */
    static final long FIRE_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Most timers outstanding in the schedule+fire pattern. */
    static final int WINDOW = 1 << 14;
    /** Passive wheels are polled when this much time has passed since the last poll in the schedule+fire pattern. */
    static final long PASSIVE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Passive wheels are polled once per this many operations in the schedule+cancel pattern. */
    static final int POLL_EVERY = 1024;

    private static final ThreadFactory DAEMONS = runnable -> {
        Thread thread = Executors.defaultThreadFactory().newThread(runnable);
        thread.setDaemon(true);
        return thread;
    };

    /** A passive-wheel entry with nothing in it. */
    static final class Entry extends TimerWheel.Entry {
    }

    /** The services and wheels; one arming thread. */
    @State(Scope.Thread)
    public static class Timers {
        TimerService service;
        Timer timer;
        Timer[] fireTimers;
        TimerWheel<Entry> wheel;
        Entry entry;
        Entry[] fireEntries;
        DeadlineTimerWheel agrona;
        ScheduledThreadPoolExecutor stpe;
        HashedWheelTimer netty;
        final AtomicLong fired = new AtomicLong();
        long armed;
        int operations;
        final Runnable countFired = fired::incrementAndGet;
        final TimerTask nettyCountFired = timeout -> fired.incrementAndGet();
        final Runnable nothing = () -> { };
        final TimerTask nettyNothing = timeout -> { };
        final DeadlineTimerWheel.TimerHandler agronaHandler = (unit, now, timerId) -> true;
        long passiveFired;
        long nextPassivePoll;
        long now = System.nanoTime();

        @Setup(Level.Trial)
        public void setUp() {
            service = TimerService.builder().name("bench").build();
            timer = new Timer(service, t -> { });
            fireTimers = new Timer[2 * WINDOW];
            for (int i = 0; i < fireTimers.length; i++) {
                fireTimers[i] = new Timer(service, t -> fired.incrementAndGet());
            }
            final long now = System.nanoTime();
            wheel = new TimerWheel<>(now, 1, TimeUnit.MILLISECONDS);
            entry = new Entry();
            fireEntries = new Entry[1 << 18]; // more than a 2 ms poll period's worth: none is re-armed while pending
            for (int i = 0; i < fireEntries.length; i++) {
                fireEntries[i] = new Entry();
            }
            agrona = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, now, 1 << 20, 512);
            stpe = new ScheduledThreadPoolExecutor(1, DAEMONS);
            stpe.setRemoveOnCancelPolicy(true);
            netty = new HashedWheelTimer(DAEMONS, 1, TimeUnit.MILLISECONDS, 512);
            netty.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            service.close();
            stpe.shutdownNow();
            netty.stop();
        }

        /** Waits while {@value #WINDOW} timers are outstanding. */
        void awaitWindow() {
            while (armed - fired.get() >= WINDOW) {
                Thread.onSpinWait();
            }
            armed++;
        }

        boolean pollDue() {
            return (++operations & (POLL_EVERY - 1)) == 0;
        }

        /** The time, read once every {@value #POLL_EVERY} calls (then operations is 0). */
        long cachedNow() {
            operations = (operations + 1) & (POLL_EVERY - 1);
            if (operations == 0) {
                now = System.nanoTime();
            }
            return now;
        }
    }

    /** {@link System#nanoTime()} alone: a floor under every row that reads the clock to arm a timer. */
    @Benchmark
    public long clockRead() {
        return System.nanoTime();
    }

    // ---- schedule + cancel: the timeout pattern ----

    @Benchmark
    public boolean timerScheduleCancel(Timers t) {
        t.timer.modAfter(TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
        return t.timer.delete();
    }

    @Benchmark
    public boolean timerWheelScheduleCancel(Timers t) {
        final long now = System.nanoTime();
        t.wheel.schedule(t.entry, now + TIMEOUT_NANOS);
        if (t.pollDue()) {
            t.wheel.expire(now, e -> { });
        }
        return t.wheel.cancel(t.entry);
    }

    @Benchmark
    public boolean agronaScheduleCancel(Timers t) {
        final long now = System.nanoTime();
        final long id = t.agrona.scheduleTimer(now + TIMEOUT_NANOS);
        if (t.pollDue()) {
            t.agrona.poll(now, t.agronaHandler, Integer.MAX_VALUE);
        }
        return t.agrona.cancelTimer(id);
    }

    @Benchmark
    public boolean nettyScheduleCancel(Timers t) {
        final Timeout timeout = t.netty.newTimeout(t.nettyNothing, TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
        return timeout.cancel();
    }

    @Benchmark
    public boolean stpeScheduleCancel(Timers t) {
        final ScheduledFuture<?> future = t.stpe.schedule(t.nothing, TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
        return future.cancel(false);
    }

    // ---- the passive wheels' schedule + cancel with the time read once per 1024 pairs, as an event loop reads
    // it once per turn: what the structures themselves cost ----

    @Benchmark
    public boolean timerWheelScheduleCancelCachedClock(Timers t) {
        final long now = t.cachedNow();
        t.wheel.schedule(t.entry, now + TIMEOUT_NANOS);
        if (t.operations == 0) {
            t.wheel.expire(now, e -> { });
        }
        return t.wheel.cancel(t.entry);
    }

    @Benchmark
    public boolean agronaScheduleCancelCachedClock(Timers t) {
        final long now = t.cachedNow();
        final long id = t.agrona.scheduleTimer(now + TIMEOUT_NANOS);
        if (t.operations == 0) {
            t.agrona.poll(now, t.agronaHandler, Integer.MAX_VALUE);
        }
        return t.agrona.cancelTimer(id);
    }

    // ---- schedule + fire ----

    @Benchmark
    public long timerScheduleFire(Timers t) {
        t.awaitWindow();
        final Timer timer = t.fireTimers[(int) (t.armed & (t.fireTimers.length - 1))];
        while (timer.isPending()) { // armed WINDOW timers ago: it has fired, or is about to
            Thread.onSpinWait();
        }
        timer.modAfter(FIRE_DELAY_NANOS, TimeUnit.NANOSECONDS);
        return t.armed;
    }

    @Benchmark
    public long nettyScheduleFire(Timers t) {
        t.awaitWindow();
        t.netty.newTimeout(t.nettyCountFired, FIRE_DELAY_NANOS, TimeUnit.NANOSECONDS);
        return t.armed;
    }

    @Benchmark
    public long stpeScheduleFire(Timers t) {
        t.awaitWindow();
        t.stpe.schedule(t.countFired, FIRE_DELAY_NANOS, TimeUnit.NANOSECONDS);
        return t.armed;
    }

    @Benchmark
    public long timerWheelScheduleFire(Timers t) {
        final long now = System.nanoTime();
        final Entry e = t.fireEntries[++t.operations & (t.fireEntries.length - 1)];
        t.wheel.schedule(e, now + FIRE_DELAY_NANOS);
        if (now - t.nextPassivePoll >= 0) {
            t.passiveFired += t.wheel.expire(now, fired -> { });
            t.nextPassivePoll = now + PASSIVE_POLL_NANOS;
        }
        return t.passiveFired;
    }

    @Benchmark
    public long agronaScheduleFire(Timers t) {
        final long now = System.nanoTime();
        t.agrona.scheduleTimer(now + FIRE_DELAY_NANOS);
        if (now - t.nextPassivePoll >= 0) {
            t.passiveFired += t.agrona.poll(now, t.agronaHandler, Integer.MAX_VALUE);
            t.nextPassivePoll = now + PASSIVE_POLL_NANOS;
        }
        return t.passiveFired;
    }
}
