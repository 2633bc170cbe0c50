package io.ksync.stress.busted;

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
 * Busted control for {@code io.ksync.stress.rcu.RcuGracePeriodTest}: the writer reclaims the old version without
 * waiting for a grace period, so a reader can see it reclaimed inside its section. Must fail.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "saw the old version, intact")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "saw the new version")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw the old version reclaimed inside its section")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class NoGracePeriodRcuTest {
    static final Rcu RCU = new Rcu("jcstress-busted");

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
                Thread.onSpinWait(); // a section that does some work: a window for the writer
            }
            r.r2 = seen.reclaimed;
        } finally {
            reader.unlock();
        }
    }

    @Actor
    public void writer() {
        final Version old = current.exchange(new Version(1));
        old.reclaimed = 1; // no synchronize(): the bug
    }
}
