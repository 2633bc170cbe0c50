package io.ksync.stress.rcu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.rcu.QsbrRcu;
import io.ksync.rcu.RcuReference;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@link QsbrRcu} readers going offline and back online. The reader is online in two sections of one actor call,
 * with an offline stretch between them: online, dereference the current version, read its "reclaimed" mark,
 * {@link QsbrRcu.Reader#offline()}, spin offline, {@link QsbrRcu.Reader#online()}, dereference again, read that
 * version's mark, offline. The writer (not registered) replaces the version, waits for a grace period with
 * {@link QsbrRcu#synchronize()}, and marks the old version reclaimed.
 * <ul>
 *   <li>Going offline ends a section: the first section's reads come before it, so the first section never sees
 *   the mark on the version it saw.</li>
 *   <li>Coming online begins one: a grace period that completed while the reader was offline did not wait for it
 *   (it may complete in the offline stretch: "0, 0, 1, 0"), and a reader that comes back online sees the
 *   version published before that grace period; if it still saw the old one, its online state was visible to the
 *   grace period, which then waited for its going offline again: the second section never sees the mark on the
 *   version it saw either.</li>
 * </ul>
 * That synchronize() does not wait for an offline thread shows as the test finishing at all: the reader actor is
 * offline between its calls, and a grace period that waited for it there would never end.
 *
 * <p>r1: which version the first section saw (0 old, 1 new); r2: the reclaimed mark it read before going offline;
 * r3: which version the second section saw, after coming back online; r4: the mark it read before going offline
 * again.
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE, desc = "old version in both sections, intact")
@Outcome(id = "0, 0, 1, 0", expect = ACCEPTABLE, desc = "old version before going offline, new one after online")
@Outcome(id = "1, 0, 1, 0", expect = ACCEPTABLE, desc = "new version in both sections")
@Outcome(id = "0, 1, .*", expect = FORBIDDEN, desc = "saw the old version reclaimed before going offline")
@Outcome(id = ".*, 0, 1", expect = FORBIDDEN, desc = "came back online and saw the old version reclaimed")
@Outcome(id = "1, .*, 0, .*", expect = FORBIDDEN, desc = "saw the new version, then the old one again")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class QsbrOfflineTest {
    /** One domain for all states: a grace period waits for the reader actor's thread while it is online. */
    static final QsbrRcu RCU = new QsbrRcu("jcstress-qsbr-offline");

    static final class Version {
        final int number;
        int reclaimed;

        Version(int number) {
            this.number = number;
        }
    }

    private final RcuReference<Version> current = new RcuReference<>(new Version(0));

    @Actor
    public void reader(IIII_Result r) {
        QsbrRcu.Reader reader = RCU.reader();
        if (reader == null) {
            reader = RCU.register(); // the thread's first call: registered online
        } else {
            reader.online(); // offline since the end of its previous call
        }
        final Version first = current.dereference();
        r.r1 = first.number;
        for (int i = 0; i < 20; i++) {
            Thread.onSpinWait(); // a section that does some work: a window for the writer
        }
        r.r2 = first.reclaimed;
        reader.offline();
        for (int i = 0; i < 50; i++) {
            Thread.onSpinWait(); // offline: a window for a whole grace period that does not wait for us
        }
        reader.online();
        final Version second = current.dereference();
        r.r3 = second.number;
        for (int i = 0; i < 20; i++) {
            Thread.onSpinWait();
        }
        r.r4 = second.reclaimed;
        reader.offline();
    }

    @Actor
    public void writer() {
        final Version old = current.exchange(new Version(1));
        RCU.synchronize();
        old.reclaimed = 1;
    }
}
