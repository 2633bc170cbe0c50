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
 * Busted control for {@code io.ksync.stress.lock.SeqCountTornReadTest}: a sequence counter whose writer does not
 * make the count odd before it writes the data; it only adds two, with release, at the end. The reader follows
 * the correct protocol (acquire load, data loads, acquire fence, re-read), but a reader that overlaps the data
 * stores re-reads the old count and accepts a torn pair. Same shape as {@code SeqCountTornReadTest.ReadBegin};
 * this test must FAIL.
 */
@JCStressTest
@Outcome(id = {"0, 0", "1, 1"}, expect = ACCEPTABLE, desc = "accepted a consistent snapshot")
@Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "the re-read count changed: rejected")
@Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn snapshot: no odd count marked the write in progress")
@State
public class EvenOnlySeqWriterTornReadTest {
    private volatile int sequence;
    private int x;
    private int y;

    @Actor
    public void writer() {
        final int s = (int) SEQUENCE.get(this);
        // BROKEN: no setOpaque(s + 1) + storeStoreFence before the data stores
        x = 1;
        y = 1;
        SEQUENCE.setRelease(this, s + 2);
    }

    @Actor
    public void reader(II_Result r) {
        final int s = (int) SEQUENCE.getAcquire(this);
        final int ry = y;
        final int rx = x;
        VarHandle.acquireFence();
        if ((s & 1) != 0 || (int) SEQUENCE.getOpaque(this) != s) {
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
            SEQUENCE = MethodHandles.lookup().findVarHandle(EvenOnlySeqWriterTornReadTest.class, "sequence", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
