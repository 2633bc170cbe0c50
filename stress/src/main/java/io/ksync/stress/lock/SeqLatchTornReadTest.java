package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.SeqLatch;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.J_Result;

/**
 * A {@link SeqLatch} reader never accepts a torn copy, and never waits. The writer sets both fields of the
 * pair to 1 with {@code write()}, which updates copy 0 and then copy 1, each while readers are switched to the
 * other; the reader loads {@code y} then {@code x} from the copy its sequence selects. The busted control
 * {@code io.ksync.stress.busted.UnswitchedLatchTornReadTest} shows that this harness catches a writer that
 * modifies the copy readers are using.
 */
public final class SeqLatchTornReadTest {

    private SeqLatchTornReadTest() {
    }

    /** The latch's data: a pair that the writer keeps equal. */
    public static final class Pair {
        int x;
        int y;
    }

    static final Consumer<Pair> SET_BOTH_TO_ONE = p -> {
        p.x = 1;
        p.y = 1;
    };

    /** The allocation-free triple {@code readBegin()}, {@code copy(seq)}, {@code readRetry(seq)}; r1 = y, r2 = x, or -1, -1 on retry. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "accepted a copy before the write")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "accepted a copy after its update")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "readRetry rejected the copy: the writer switched copies during the read")
    @Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn copy: read the copy the writer was modifying")
    @State
    public static class ReadBeginCopyRetry {
        private final SeqLatch<Pair> latch = new SeqLatch<>(new Pair(), new Pair());

        @Actor
        public void writer() {
            latch.write(SET_BOTH_TO_ONE);
        }

        @Actor
        public void reader(II_Result r) {
            final int s = latch.readBegin();
            final Pair p = latch.copy(s);
            final int ry = p.y;
            final int rx = p.x;
            if (latch.readRetry(s)) {
                r.r1 = -1;
                r.r2 = -1;
            } else {
                r.r1 = ry;
                r.r2 = rx;
            }
        }
    }

    static final ToLongFunction<Pair> Y_THEN_X = p -> {
        final int y = p.y;
        final int x = p.x;
        return y * 10L + x;
    };

    /** The retrying {@code readLong()} loop; the result is {@code 10 * y + x}. */
    @JCStressTest
    @Outcome(id = "0", expect = ACCEPTABLE, desc = "a copy before the write")
    @Outcome(id = "11", expect = ACCEPTABLE, desc = "a copy after its update")
    @Outcome(id = {"10", "1"}, expect = FORBIDDEN, desc = "returned a torn copy")
    @Outcome(expect = FORBIDDEN, desc = "impossible values")
    @State
    public static class ReadLong {
        private final SeqLatch<Pair> latch = new SeqLatch<>(new Pair(), new Pair());

        @Actor
        public void writer() {
            latch.write(SET_BOTH_TO_ONE);
        }

        @Actor
        public void reader(J_Result r) {
            r.r1 = latch.readLong(Y_THEN_X);
        }
    }
}
