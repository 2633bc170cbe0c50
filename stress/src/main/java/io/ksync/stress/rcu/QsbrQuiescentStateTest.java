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
 * The grace-period guarantee of {@link QsbrRcu} across a quiescent state. A QSBR reader is inside a read-side
 * section whenever it is online, except at the points where it reports a quiescent state, so one actor call holds
 * two sections: the first from {@link QsbrRcu.Reader#online()} (or the registration) to
 * {@link QsbrRcu.Reader#quiescentState()}, the second from that quiescent state to {@link QsbrRcu.Reader#offline()}.
 * In each, the reader dereferences the current version and, at the section's end, reads the version's "reclaimed"
 * mark. The writer (not registered) replaces the version, waits for a grace period with
 * {@link QsbrRcu#synchronize()}, and marks the old version reclaimed. A section that saw the old version began
 * before the grace period, which therefore waits for the quiescent state or the going offline that ends it: the
 * reader must never see the mark. The first section tests that the reads before a quiescent state come before the
 * report; the second that the report comes before the reads after it (a grace period that saw the reader's previous
 * report waits for the next one).
 *
 * <p>Why the reader goes offline at the end of each call rather than staying online with the quiescent state as
 * its last action: jcstress runs each actor through a stride of states and then makes the actor threads meet at a
 * checkpoint. A reader that stays online between strides holds up the writer's last grace period of the stride,
 * which needs one more quiescent state that the reader only reports after the checkpoint the writer never reaches:
 * a deadlock. Offline, the idle reader holds up nothing, as QSBR requires of a thread that waits.
 *
 * <p>r1: which version the first section saw (0 old, 1 new); r2: the reclaimed mark it read at its end, before
 * the quiescent state; r3: which version the second section saw; r4: the mark it read at its end, before going
 * offline.
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE, desc = "old version in both sections, intact")
@Outcome(id = "0, 0, 1, 0", expect = ACCEPTABLE, desc = "old version before the quiescent state, new one after it")
@Outcome(id = "1, 0, 1, 0", expect = ACCEPTABLE, desc = "new version in both sections")
@Outcome(id = "0, 1, .*", expect = FORBIDDEN, desc = "saw the old version reclaimed before its quiescent state")
@Outcome(id = ".*, 0, 1", expect = FORBIDDEN,
        desc = "saw the old version reclaimed in the section its quiescent state began")
@Outcome(id = "1, .*, 0, .*", expect = FORBIDDEN, desc = "saw the new version, then the old one again")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class QsbrQuiescentStateTest {
    /** One domain for all states: a grace period waits for the reader actor's thread, whichever state it is in. */
    static final QsbrRcu RCU = new QsbrRcu("jcstress-qsbr");

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
        // first section: from online to the quiescent state
        final Version first = current.dereference();
        r.r1 = first.number;
        for (int i = 0; i < 20; i++) {
            Thread.onSpinWait(); // a section that does some work: a window for the writer
        }
        r.r2 = first.reclaimed;
        reader.quiescentState();
        // second section: from the quiescent state to offline
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
