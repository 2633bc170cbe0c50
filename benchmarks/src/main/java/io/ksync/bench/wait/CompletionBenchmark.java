package io.ksync.bench.wait;

import io.ksync.wait.Completion;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Control;

/**
 * Signal-to-wake latency of ksync's {@link Completion} against {@link CountDownLatch}, in the same run: two
 * threads play ping-pong, each waking the other in turn. One round trip is two hand-overs: the pinger completes
 * {@code ping} and waits for {@code pong}; the ponger waits for {@code ping} and completes {@code pong}.
 *
 * <p>What to read from it: the {@code ...Ping} line of each group ({@code completion:completionPing},
 * {@code countDownLatch:countDownLatchPing}), which is round trips per microsecond (1000 / score is the round
 * trip in nanoseconds, two wake-ups). Each group's total counts every round trip twice, once per side, and the
 * {@code ...Pong} line repeats the {@code ...Ping} line. Both primitives poll briefly before they park, so on an
 * idle core a quick partner is caught spinning and a slow one costs a park and an unpark; on a loaded machine
 * most hand-overs park. No target is set: this shows what a completion costs against the JDK class a user would
 * reach for to wait for another thread, with the extra that a completion can be reused.
 *
 * <p>The anchor, fairly: a {@link CountDownLatch} cannot be reset, so each side allocates the latch it will wait
 * on next and publishes it (a volatile field) before it signals the other side, which then counts that latch
 * down: one new latch per side per round trip (two small objects each, bump-allocated and dying young), a cost
 * that is part of using latches for a repeated hand-over. The {@link Completion}s are counted, so the same two
 * serve every round; they are reset ({@link Completion#reinit()}) before each iteration.
 *
 * <p>The end of an iteration: JMH stops each thread on its own, after the call in progress, so one side could be
 * left waiting for a partner that has stopped. While the measurement runs, both sides use the untimed wait
 * ({@link Completion#waitForCompletion()}, {@link CountDownLatch#await()}), the call being measured. Once any
 * thread has finished its measured part ({@link Control#stopMeasurement}), waits are timed
 * ({@value #DRAIN_WAIT_NANOS} ns) and give up quietly. That is enough because JMH's synchronized iterations (its
 * default, kept by the comparison report) keep both threads calling until both have finished their measured
 * part: a thread still in an untimed wait has not finished, so its partner keeps calling, and every call of the
 * partner signals what it waits on. At most one counted call per thread, its last, can end by a timeout instead
 * of a round trip. Runs with {@code -si false} would hang and are refused at set-up.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class CompletionBenchmark {

    /** How long a wait lasts once the measurement has stopped, before it gives up. */
    static final long DRAIN_WAIT_NANOS = 100_000L;

    /** The two completions of one ping-pong pair. */
    @State(Scope.Group)
    public static class Completions {
        final Completion ping = new Completion();
        final Completion pong = new Completion();

        @Setup(Level.Trial)
        public void checkSettings(BenchmarkParams params) {
            requireSynchronizedIterations(params);
        }

        /** Forgets completions left over by the end of the previous iteration; no thread waits now. */
        @Setup(Level.Iteration)
        public void reset() {
            ping.reinit();
            pong.reinit();
        }
    }

    /** The latches of the current round of one ping-pong pair. */
    @State(Scope.Group)
    public static class Latches {
        /** What the ponger waits on: written by the ponger alone, before it replies. */
        volatile CountDownLatch ping;
        /** What the pinger waits on: written by the pinger alone, before it pings. */
        volatile CountDownLatch pong;

        @Setup(Level.Trial)
        public void checkSettings(BenchmarkParams params) {
            requireSynchronizedIterations(params);
        }

        /** Fresh latches, dropping any state left by the end of the previous iteration; no thread waits now. */
        @Setup(Level.Iteration)
        public void reset() {
            ping = new CountDownLatch(1);
            pong = new CountDownLatch(1);
        }
    }

    // ---- ksync Completion ----

    @Benchmark
    @Group("completion")
    @GroupThreads(1)
    public void completionPing(Completions c, Control control) {
        c.ping.complete();
        await(c.pong, control);
    }

    @Benchmark
    @Group("completion")
    @GroupThreads(1)
    public void completionPong(Completions c, Control control) {
        await(c.ping, control);
        c.pong.complete();
    }

    // ---- CountDownLatch, one per side per round ----

    @Benchmark
    @Group("countDownLatch")
    @GroupThreads(1)
    public void countDownLatchPing(Latches l, Control control) throws InterruptedException {
        final CountDownLatch reply = new CountDownLatch(1);
        l.pong = reply; // published before the ping, so the ponger replies on it
        l.ping.countDown();
        await(reply, control);
    }

    @Benchmark
    @Group("countDownLatch")
    @GroupThreads(1)
    public void countDownLatchPong(Latches l, Control control) throws InterruptedException {
        await(l.ping, control);
        l.ping = new CountDownLatch(1); // the next round's, published before the reply
        l.pong.countDown();
    }

    // ---- waits: untimed while measuring, timed once the measurement has stopped ----

    private static void await(Completion completion, Control control) {
        if (!control.stopMeasurement) {
            completion.waitForCompletion();
        } else {
            completion.waitForCompletionTimeout(DRAIN_WAIT_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private static void await(CountDownLatch latch, Control control) throws InterruptedException {
        if (!control.stopMeasurement) {
            latch.await();
        } else {
            latch.await(DRAIN_WAIT_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private static void requireSynchronizedIterations(BenchmarkParams params) {
        if (!params.shouldSynchIterations()) {
            throw new IllegalStateException("CompletionBenchmark needs synchronized iterations (JMH's default): "
                    + "without them one side of the ping-pong can wait forever for a partner that has stopped; "
                    + "drop -si false");
        }
    }
}
