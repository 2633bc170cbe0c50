package io.ksync.bench.fifo;

import io.ksync.fifo.Kfifo;
import io.ksync.fifo.RecordFifo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.jctools.queues.SpscArrayQueue;

/**
 * Paired two-thread throughput of a ksync fifo and its anchor, for a machine whose two-thread scores jump between
 * modes from one second to the next: the same pair of threads moves elements through one queue for a short
 * window, then through the other, alternating (A B B A ...), and each window is compared with its neighbour.
 *
 * <p>Why it exists. On the 2-vCPU development machine (KVM, AMD EPYC) every SPSC queue's score, JCTools' as much
 * as ksync's, jumps between modes that differ 3x-6x from one JMH iteration to the next, as the host moves the two
 * virtual CPUs closer together or further apart. {@code ComparisonReport}'s interleaved rounds run each queue for
 * seconds at a time, so a queue's round and its anchor's often fall in different modes, and the per-round ratios
 * spread from 0.5x to 1.5x around the same code. Windows of 100 ms, each next to one of the other queue, mostly
 * share the mode; the median of many such paired ratios is the estimate this prints, with its quartiles. It
 * complements the JMH rows (the targets are stated on those): JMH guards against the JIT pitfalls this
 * harness handles only by warming up and by keeping each queue's loops in their own methods.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.ksync.bench.fifo.PairedFifoRace [seconds per
 * comparison, default 20]}. Needs {@code --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED} before {@code -cp}, for
 * Agrona, as {@link RecordFifoBenchmark} does. Scores are the consumer's, in elements or messages per microsecond.
 */
public final class PairedFifoRace {

    /** Elements per batched call, as in {@link KfifoBenchmark}. */
    private static final int BATCH = KfifoBenchmark.BATCH;
    /** Bytes per message, as in {@link RecordFifoBenchmark}. */
    private static final int MESSAGE = RecordFifoBenchmark.MESSAGE;
    private static final Integer ELEMENT = KfifoBenchmark.ELEMENT;
    private static final long WINDOW_NANOS = 100_000_000L;

    /** One queue's producer and consumer loops; each runs until {@code window.stop} and the consumer counts. */
    private abstract static class Lane {
        final String name;

        Lane(String name) {
            this.name = name;
        }

        abstract void produce(Window window);

        /** Returns the number of elements or messages consumed before the window stopped. */
        abstract long consume(Window window);
    }

    /** One window: which lane runs, when to stop, and what the consumer measured. */
    private static final class Window {
        final Lane lane;
        volatile boolean stop;
        volatile long consumed;
        volatile long consumerNanos;
        volatile boolean producerDone;
        volatile boolean consumerDone;

        Window(Lane lane) {
            this.lane = lane;
        }
    }

    private static final class KfifoSingle extends Lane {
        final Kfifo<Integer> fifo = new Kfifo<>(1024);

        KfifoSingle() {
            super("Kfifo put/get");
        }

        @Override
        void produce(Window w) {
            final Kfifo<Integer> q = fifo;
            while (!w.stop) {
                q.put(ELEMENT);
            }
        }

        @Override
        long consume(Window w) {
            final Kfifo<Integer> q = fifo;
            long n = 0;
            while (!w.stop) {
                if (q.get() != null) {
                    n++;
                }
            }
            return n;
        }
    }

    private static final class KfifoBatched extends Lane {
        final Kfifo<Integer> fifo = new Kfifo<>(1024);
        final Integer[] toSend = new Integer[BATCH];
        final long[] gap = new long[32];
        final Integer[] received = new Integer[BATCH];

        KfifoBatched() {
            super("Kfifo in/out of 32");
            Arrays.fill(toSend, ELEMENT);
        }

        @Override
        void produce(Window w) {
            final Kfifo<Integer> q = fifo;
            final Integer[] src = toSend;
            while (!w.stop) {
                q.in(src, 0, BATCH);
            }
        }

        @Override
        long consume(Window w) {
            final Kfifo<Integer> q = fifo;
            final Integer[] dst = received;
            long n = 0;
            while (!w.stop) {
                n += q.out(dst, 0, BATCH);
            }
            return n;
        }
    }

    private static final class SpscSingle extends Lane {
        final SpscArrayQueue<Integer> queue = new SpscArrayQueue<>(1024);

        SpscSingle() {
            super("SpscArrayQueue offer/poll");
        }

        @Override
        void produce(Window w) {
            final SpscArrayQueue<Integer> q = queue;
            while (!w.stop) {
                q.offer(ELEMENT);
            }
        }

        @Override
        long consume(Window w) {
            final SpscArrayQueue<Integer> q = queue;
            long n = 0;
            while (!w.stop) {
                if (q.poll() != null) {
                    n++;
                }
            }
            return n;
        }
    }

    private static final class Records extends Lane {
        final RecordFifo fifo = new RecordFifo(64 * 1024, 1);
        final byte[] message = new byte[MESSAGE];
        final long[] gap = new long[32];
        final byte[] received = new byte[MESSAGE];

        Records() {
            super("RecordFifo (1-byte headers)");
            Arrays.fill(message, (byte) 7);
        }

        @Override
        void produce(Window w) {
            final RecordFifo q = fifo;
            final byte[] m = message;
            while (!w.stop) {
                q.in(m);
            }
        }

        @Override
        long consume(Window w) {
            final RecordFifo q = fifo;
            final byte[] dst = received;
            long n = 0;
            while (!w.stop) {
                if (q.out(dst) >= 0) {
                    n++;
                }
            }
            return n;
        }
    }

    private static final class Agrona extends Lane {
        final OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH)));
        final byte[] message = new byte[MESSAGE];
        final UnsafeBuffer messageBuffer = new UnsafeBuffer(message);
        final long[] gap = new long[32];
        final byte[] received = new byte[MESSAGE];
        /** Copies a message out, as RecordFifoBenchmark's handler: made once, so a read allocates nothing. */
        final MessageHandler handler = (type, buffer, index, length) -> buffer.getBytes(index, received, 0, length);

        Agrona() {
            super("Agrona OneToOneRingBuffer");
            Arrays.fill(message, (byte) 7);
        }

        @Override
        void produce(Window w) {
            final OneToOneRingBuffer r = ring;
            final UnsafeBuffer m = messageBuffer;
            while (!w.stop) {
                r.write(1, m, 0, MESSAGE);
            }
        }

        @Override
        long consume(Window w) {
            final OneToOneRingBuffer r = ring;
            final MessageHandler h = handler;
            long n = 0;
            while (!w.stop) {
                n += r.read(h, 1);
            }
            return n;
        }
    }

    /** The window the two worker threads run next; null until the first. */
    private static volatile Window current;
    private static volatile boolean finished;

    private PairedFifoRace() {
    }

    public static void main(String[] args) throws InterruptedException {
        final int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        final Thread producer = new Thread(() -> work(true), "paired-producer");
        final Thread consumer = new Thread(() -> work(false), "paired-consumer");
        producer.setDaemon(true);
        consumer.setDaemon(true);
        producer.start();
        consumer.start();
        final Lane spsc = new SpscSingle();
        compare(new KfifoSingle(), spsc, seconds, 1);
        compare(new KfifoBatched(), spsc, seconds, 2);
        compare(new Records(), new Agrona(), seconds, 1);
        finished = true;
    }

    /**
     * Alternates the two lanes in A B B A blocks for {@code seconds} after a warm-up, and prints the median and
     * quartiles of the ratios of neighbouring windows (ksync / anchor) against {@code target}.
     */
    private static void compare(Lane ksync, Lane anchor, int seconds, double target) throws InterruptedException {
        for (int i = 0; i < 10; i++) { // warm-up: 2 s, both lanes' loops compiled
            run(ksync);
            run(anchor);
        }
        final List<Double> ratios = new ArrayList<>();
        final List<Double> ksyncScores = new ArrayList<>();
        final List<Double> anchorScores = new ArrayList<>();
        final long blocks = Math.max(1, seconds * 1_000_000_000L / (4 * WINDOW_NANOS));
        for (long b = 0; b < blocks; b++) {
            final double a1 = run(ksync);
            final double b1 = run(anchor);
            final double b2 = run(anchor);
            final double a2 = run(ksync);
            ratios.add(a1 / b1);
            ratios.add(a2 / b2);
            ksyncScores.add(a1);
            ksyncScores.add(a2);
            anchorScores.add(b1);
            anchorScores.add(b2);
        }
        final double[] r = sorted(ratios);
        final double[] k = sorted(ksyncScores);
        final double[] a = sorted(anchorScores);
        System.out.printf(Locale.ROOT, "%s vs %s: median ratio %.2fx [quartiles %.2f-%.2f] over %d window pairs; "
                        + "target >= %.0fx: %s%n  medians %.1f vs %.1f per us; ksync windows %.1f-%.1f, anchor "
                        + "windows %.1f-%.1f%n",
                ksync.name, anchor.name, quantile(r, 0.5), quantile(r, 0.25), quantile(r, 0.75), r.length, target,
                quantile(r, 0.25) >= target ? "met (lower quartile)" : quantile(r, 0.5) >= target
                        ? "median only" : "missed",
                quantile(k, 0.5), quantile(a, 0.5), k[0], k[k.length - 1], a[0], a[a.length - 1]);
    }

    /** Runs one window of {@code lane} and returns the consumer's rate, per microsecond. */
    private static double run(Lane lane) throws InterruptedException {
        final Window w = new Window(lane);
        current = w;
        Thread.sleep(WINDOW_NANOS / 1_000_000L);
        w.stop = true;
        while (!w.producerDone || !w.consumerDone) {
            Thread.onSpinWait();
        }
        return w.consumed * 1000.0 / w.consumerNanos;
    }

    private static void work(boolean producerSide) {
        Window done = null;
        while (!finished) {
            final Window w = current;
            if (w == null || w == done) {
                LockSupport.parkNanos(10_000L); // between windows: leave the CPU to the coordinator
                continue;
            }
            if (producerSide) {
                w.lane.produce(w);
                w.producerDone = true;
            } else {
                final long start = System.nanoTime();
                final long n = w.lane.consume(w);
                w.consumerNanos = System.nanoTime() - start;
                w.consumed = n;
                w.consumerDone = true;
            }
            done = w;
        }
    }

    private static double[] sorted(List<Double> values) {
        final double[] out = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(out);
        return out;
    }

    private static double quantile(double[] sorted, double q) {
        final double pos = q * (sorted.length - 1);
        final int lo = (int) Math.floor(pos);
        final int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
