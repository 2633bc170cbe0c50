package io.ksync.stress.rcu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.rcu.Rcu;
import io.ksync.rcu.RcuReference;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The grace-period guarantee when two writers call {@link Rcu#synchronize()} at once and one may return on the
 * other's grace period (the shared-grace-period shortcut). The reader dereferences both references in one
 * section and reads each version's "reclaimed" mark at the section's end; each writer replaces its own reference,
 * synchronizes and marks its old version reclaimed. An old version seen inside the section must never be seen
 * reclaimed. r1, r2: the versions seen (0 old, 1 new); r3, r4: their marks. Three actors: jcstress skips it on
 * machines with fewer than three CPUs.
 */
@JCStressTest
@Outcome(id = {"0, 0, 0, 0", "0, 1, 0, 0", "1, 0, 0, 0", "1, 1, 0, 0"}, expect = ACCEPTABLE,
        desc = "no old version seen reclaimed")
@Outcome(expect = FORBIDDEN, desc = "an old version seen reclaimed inside the section")
@State
public class RcuSharedGracePeriodTest {
    static final Rcu RCU = new Rcu("jcstress-shared");

    static final class Version {
        final int number;
        int reclaimed;

        Version(int number) {
            this.number = number;
        }
    }

    private final RcuReference<Version> first = new RcuReference<>(new Version(0));
    private final RcuReference<Version> second = new RcuReference<>(new Version(0));

    @Actor
    public void reader(IIII_Result r) {
        final Rcu.Reader reader = RCU.reader();
        reader.lock();
        try {
            final Version a = first.dereference();
            final Version b = second.dereference();
            r.r1 = a.number;
            r.r2 = b.number;
            for (int i = 0; i < 20; i++) {
                Thread.onSpinWait(); // a section that does some work: a window for the writers
            }
            r.r3 = a.reclaimed;
            r.r4 = b.reclaimed;
        } finally {
            reader.unlock();
        }
    }

    @Actor
    public void writer1() {
        final Version old = first.exchange(new Version(1));
        RCU.synchronize();
        old.reclaimed = 1;
    }

    @Actor
    public void writer2() {
        final Version old = second.exchange(new Version(1));
        RCU.synchronize();
        old.reclaimed = 1;
    }
}
