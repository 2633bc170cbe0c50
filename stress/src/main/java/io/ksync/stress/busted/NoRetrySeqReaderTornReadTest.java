package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.SeqCount;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Busted control for {@code io.ksync.stress.lock.SeqCountTornReadTest} and {@code SeqLockTornReadTest}: a
 * correct {@link SeqCount} writer, and a reader that begins with {@code readBegin()} but skips the
 * {@code readRetry()} check, accepting whatever it read. Same shape as {@code SeqCountTornReadTest.ReadBegin};
 * this test must FAIL (torn snapshot accepted).
 */
@JCStressTest
@Outcome(id = {"0, 0", "1, 1"}, expect = ACCEPTABLE, desc = "a consistent snapshot (the race was not hit this time)")
@Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "accepted a torn snapshot: the reader never asked readRetry")
@State
public class NoRetrySeqReaderTornReadTest {
    private final SeqCount seq = new SeqCount();
    private int x;
    private int y;

    @Actor
    public void writer() {
        seq.writeBegin();
        x = 1;
        y = 1;
        seq.writeEnd();
    }

    @Actor
    public void reader(II_Result r) {
        seq.readBegin(); // BROKEN: the sequence is dropped, readRetry is never called
        r.r1 = y;
        r.r2 = x;
    }
}
