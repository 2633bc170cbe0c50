package io.ksync.stress.wait;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.wait.Completion;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;
import org.openjdk.jcstress.infra.results.ZI_Result;

/**
 * Message passing through {@link Completion}: the completer stores a plain {@code x = 1} and then completes;
 * the waiter waits for the completion and then loads {@code x}, which must be 1 (actions before
 * {@code complete()} / {@code completeAll()} happen-before the return of every wait they let through). One
 * nested test per path: a blocking {@code waitForCompletion()} (the waiter may take the counted unit lock-free
 * or be handed it while queued), {@code tryWaitForCompletion()} (which may fail, but not succeed without the
 * store), and {@code completeAll()} with two waits in a row, both of which it must let through.
 */
public final class CompletionPublicationTest {

    private CompletionPublicationTest() {
    }

    /**
     * {@code complete()} against {@code waitForCompletion()}; r1 = x after the wait. The wait blocks only until
     * the completer, which always runs, completes.
     */
    @JCStressTest
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "the wait returned after complete() and saw the store before it")
    @Outcome(id = "0", expect = FORBIDDEN, desc = "the wait returned but missed the store before complete()")
    @State
    public static class CompleteWait {
        private final Completion done = new Completion();
        private int x;

        @Actor
        public void completer() {
            x = 1;
            done.complete();
        }

        @Actor
        public void waiter(I_Result r) {
            done.waitForCompletion();
            r.r1 = x;
        }
    }

    /**
     * {@code complete()} against {@code tryWaitForCompletion()}; r1 = whether the try consumed the completion,
     * r2 = x after a successful try (-1 after a failed one).
     */
    @JCStressTest
    @Outcome(id = "false, -1", expect = ACCEPTABLE, desc = "the try came before complete() and failed")
    @Outcome(id = "true, 1", expect = ACCEPTABLE, desc = "the try consumed the completion and saw the store before it")
    @Outcome(id = "true, 0", expect = FORBIDDEN, desc = "the try consumed the completion but missed the store before complete()")
    @Outcome(expect = FORBIDDEN, desc = "impossible outcome")
    @State
    public static class CompleteTryWait {
        private final Completion done = new Completion();
        private int x;

        @Actor
        public void completer() {
            x = 1;
            done.complete();
        }

        @Actor
        public void waiter(ZI_Result r) {
            if (done.tryWaitForCompletion()) {
                r.r1 = true;
                r.r2 = x;
            } else {
                r.r1 = false;
                r.r2 = -1;
            }
        }
    }

    /**
     * {@code completeAll()} against two {@code waitForCompletion()}s in a row (both must return: a completion
     * done for all is not consumed; with a lost sticky state the second wait would hang); r1 = x after them.
     */
    @JCStressTest
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "both waits returned after completeAll() and saw the store before it")
    @Outcome(id = "0", expect = FORBIDDEN, desc = "the waits returned but missed the store before completeAll()")
    @State
    public static class CompleteAllWaitTwice {
        private final Completion done = new Completion();
        private int x;

        @Actor
        public void completer() {
            x = 1;
            done.completeAll();
        }

        @Actor
        public void waiter(I_Result r) {
            done.waitForCompletion();
            done.waitForCompletion();
            r.r1 = x;
        }
    }
}
