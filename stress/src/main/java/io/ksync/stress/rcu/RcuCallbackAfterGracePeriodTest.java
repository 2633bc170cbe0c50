package io.ksync.stress.rcu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.rcu.Rcu;
import io.ksync.rcu.RcuReference;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The callback guarantee ({@code call_rcu}): a callback given to {@link Rcu#call(Runnable)} runs after a grace
 * period that began after the call. The reader, inside a read-side section, dereferences the current version and,
 * at the end of its section, reads the version's "reclaimed" mark. The writer replaces the version and queues a
 * callback that marks the old version reclaimed; the domain's callback thread runs it, batched with others behind
 * one grace period, at a time nobody controls. A section that saw the old version began before the call, so before
 * the callback's grace period, and ended before the callback ran: it must never see the mark. The mark is read at
 * the end of the section, where a callback run too early is most likely to show.
 * r1: which version the reader saw (0 old, 1 new); r2: the reclaimed mark it read at its section's end.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "saw the old version, intact")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "saw the new version")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw the old version reclaimed inside its section")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class RcuCallbackAfterGracePeriodTest {
    /** One domain for all states: its callback thread serves every state's writer. */
    static final Rcu RCU = new Rcu("jcstress-callback");

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
        final Rcu.Reader reader = RCU.reader();
        reader.lock();
        try {
            final Version seen = current.dereference();
            r.r1 = seen.number;
            for (int i = 0; i < 20; i++) {
                Thread.onSpinWait(); // a section that does some work: a window for the callback
            }
            r.r2 = seen.reclaimed;
        } finally {
            reader.unlock();
        }
    }

    @Actor
    public void writer() {
        final Version old = current.exchange(new Version(1));
        RCU.call(() -> old.reclaimed = 1);
    }
}
