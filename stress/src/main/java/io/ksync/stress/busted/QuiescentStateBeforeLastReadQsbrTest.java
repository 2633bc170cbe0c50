package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.rcu.QsbrRcu;
import io.ksync.rcu.RcuReference;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Busted control for {@code io.ksync.stress.rcu.QsbrQuiescentStateTest}: the QSBR reader reports its quiescent
 * state after dereferencing the version but before reading the version's "reclaimed" mark, while it still uses
 * what it dereferenced. A grace period that was waiting for the reader ends at that report, so the writer can
 * reclaim the version before the reader's last read. Must fail.
 * r1: which version the reader saw (0 old, 1 new); r2: the reclaimed mark it read after its quiescent state.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "saw the old version, intact")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "saw the new version")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw the old version reclaimed while still reading it")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class QuiescentStateBeforeLastReadQsbrTest {
    static final QsbrRcu RCU = new QsbrRcu("jcstress-busted-qsbr");

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
        QsbrRcu.Reader reader = RCU.reader();
        if (reader == null) {
            reader = RCU.register(); // the thread's first call: registered online
        } else {
            reader.online(); // offline since the end of its previous call
        }
        final Version seen = current.dereference();
        r.r1 = seen.number;
        for (int i = 0; i < 20; i++) {
            Thread.onSpinWait(); // a section that does some work: a window for the writer
        }
        reader.quiescentState(); // the bug: the reader still uses seen
        for (int i = 0; i < 20; i++) {
            Thread.onSpinWait();
        }
        r.r2 = seen.reclaimed;
        reader.offline();
    }

    @Actor
    public void writer() {
        final Version old = current.exchange(new Version(1));
        RCU.synchronize();
        old.reclaimed = 1;
    }
}
