package io.ksync.stress.rcu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.rcu.RcuReference;
import io.ksync.rcu.Srcu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The grace-period guarantee of {@link Srcu}. The reader, inside a section opened with {@link Srcu#readLock()},
 * dereferences the current version and, at the end of its section, reads the version's "reclaimed" mark before
 * {@link Srcu#readUnlock(int)} with the index its lock returned. The writer replaces the version, waits for a grace
 * period with {@link Srcu#synchronize()} (which flips the active index and waits for both), and marks the old
 * version reclaimed. A section that saw the old version began before the grace period, so it ended before the
 * mark was written: it must never see the mark, whichever index it took.
 * r1: which version the reader saw (0 old, 1 new); r2: the reclaimed mark it read at its section's end.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "saw the old version, intact")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "saw the new version")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw the old version reclaimed inside its section")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class SrcuGracePeriodTest {
    /** One instance for all states: a grace period waits for the reader actor's current section, whichever. */
    static final Srcu SRCU = new Srcu("jcstress-srcu");

    static final class Version {
        final int number;
        int reclaimed;

        Version(int number) {
            this.number = number;
        }
    }

    private final RcuReference<Version> current = new RcuReference<>(new Version(0));

    @Actor
    public void reader(II_Result r) {
        final int idx = SRCU.readLock();
        try {
            final Version seen = current.dereference();
            r.r1 = seen.number;
            for (int i = 0; i < 20; i++) {
                Thread.onSpinWait(); // a section that does some work: a window for the writer
            }
            r.r2 = seen.reclaimed;
        } finally {
            SRCU.readUnlock(idx);
        }
    }

    @Actor
    public void writer() {
        final Version old = current.exchange(new Version(1));
        SRCU.synchronize();
        old.reclaimed = 1;
    }
}
