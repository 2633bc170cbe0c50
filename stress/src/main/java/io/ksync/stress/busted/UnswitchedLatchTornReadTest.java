package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Busted control for {@code io.ksync.stress.lock.SeqLatchTornReadTest}: a latch whose writer modifies a copy
 * first and switches readers away from it afterwards, so it modifies the very copy readers are using. The reader
 * follows the correct latch protocol, but the count has not moved yet when it re-reads it. Same shape as
 * {@code SeqLatchTornReadTest.ReadBeginCopyRetry}; this test must FAIL.
 */
@JCStressTest
@Outcome(id = {"0, 0", "1, 1"}, expect = ACCEPTABLE, desc = "accepted a consistent copy")
@Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "the re-read count changed: rejected")
@Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn copy: the writer modified the copy being read")
@State
public class UnswitchedLatchTornReadTest {

    /** One copy of the latch's data. */
    static final class Pair {
        int x;
        int y;
    }

    private volatile int sequence;
    private final Pair[] copies = {new Pair(), new Pair()};

    @Actor
    public void writer() {
        final int s = (int) SEQUENCE.get(this);
        final Pair current = copies[s & 1];
        current.x = 1; // BROKEN: modifies the copy readers use now, then switches them away
        current.y = 1;
        SEQUENCE.setRelease(this, s + 1);
        VarHandle.storeStoreFence();
        final Pair other = copies[(s + 1) & 1];
        other.x = 1;
        other.y = 1;
        SEQUENCE.setRelease(this, s + 2);
    }

    @Actor
    public void reader(II_Result r) {
        final int s = (int) SEQUENCE.getAcquire(this);
        final Pair p = copies[s & 1];
        final int ry = p.y;
        final int rx = p.x;
        VarHandle.acquireFence();
        if ((int) SEQUENCE.getOpaque(this) != s) {
            r.r1 = -1;
            r.r2 = -1;
        } else {
            r.r1 = ry;
            r.r2 = rx;
        }
    }

    private static final VarHandle SEQUENCE;

    static {
        try {
            SEQUENCE = MethodHandles.lookup().findVarHandle(UnswitchedLatchTornReadTest.class, "sequence", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
