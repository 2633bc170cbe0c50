package io.ksync.stress.rcu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.rcu.RcuReference;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Message passing through {@link RcuReference} ({@code rcu_assign_pointer} / {@code rcu_dereference}): the writer
 * builds an object (two plain fields) and assigns it; a reader that dereferences it sees both fields written.
 */
@JCStressTest
@Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "not published yet")
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "published, fully built")
@Outcome(expect = FORBIDDEN, desc = "published but not fully built")
@State
public class RcuReferenceMPTest {
    static final class Pair {
        int a;
        int b;
    }

    private final RcuReference<Pair> ref = new RcuReference<>();

    @Actor
    public void writer() {
        final Pair pair = new Pair();
        pair.a = 1;
        pair.b = 2;
        ref.assign(pair);
    }

    @Actor
    public void reader(II_Result r) {
        final Pair pair = ref.dereference();
        if (pair == null) {
            r.r1 = -1;
            r.r2 = -1;
        } else {
            r.r1 = pair.a;
            r.r2 = pair.b;
        }
    }
}
