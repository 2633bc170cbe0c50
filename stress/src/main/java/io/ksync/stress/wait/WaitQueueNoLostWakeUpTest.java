package io.ksync.stress.wait;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.wait.WaitQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * No lost wake-up in {@link WaitQueue}, checked without blocking through the open-coded wait loop. The waker
 * stores a plain {@code flag = 1} and calls {@code wakeUp()}; the waiter queues its entry with
 * {@code prepareToWait} and then loads {@code flag} (r1), as the loop checks its condition before sleeping.
 * After both, the arbiter records whether a wake-up reached the entry (r2 = {@code isWoken()}) and calls
 * {@code finishWait}. This is the store-buffering shape (waiter: store the entry, fence, load the flag; waker:
 * store the flag, fence, load the queue head): "0, 0" means the waiter would go to sleep with the flag unseen
 * and nobody left to wake it. The busted control {@code io.ksync.stress.busted.CheckThenPrepareLostWakeUpTest}
 * reads the flag before queueing and must fail. One nested test per entry kind: non-exclusive
 * ({@code prepareToWait}) and exclusive ({@code prepareToWaitExclusive}, counted by {@code wakeUp()}).
 */
public final class WaitQueueNoLostWakeUpTest {

    private WaitQueueNoLostWakeUpTest() {
    }

    /** {@code prepareToWait} (non-exclusive entry) against {@code wakeUp()}; r1 = flag, r2 = woken. */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the waiter saw the flag, and the wake-up reached its entry too")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the waiter saw the flag; the wake-up found nobody queued")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the waiter missed the flag, but the wake-up reached its entry: it would not sleep for long")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: the waiter missed the flag and the wake-up missed the entry")
    @State
    public static class Shared {
        private final WaitQueue queue = new WaitQueue();
        private final WaitQueue.Entry entry = new WaitQueue.Entry();
        private int flag;

        @Actor
        public void waker() {
            flag = 1;
            queue.wakeUp();
        }

        @Actor
        public void waiter(II_Result r) {
            queue.prepareToWait(entry);
            r.r1 = flag;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = entry.isWoken() ? 1 : 0;
            queue.finishWait(entry);
        }
    }

    /** {@code prepareToWaitExclusive} (exclusive entry) against {@code wakeUp()}; r1 = flag, r2 = woken. */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the waiter saw the flag, and the wake-up reached its entry too")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the waiter saw the flag; the wake-up found nobody queued")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the waiter missed the flag, but the wake-up reached its entry: it would not sleep for long")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: the waiter missed the flag and the wake-up missed the entry")
    @State
    public static class Exclusive {
        private final WaitQueue queue = new WaitQueue();
        private final WaitQueue.Entry entry = new WaitQueue.Entry();
        private int flag;

        @Actor
        public void waker() {
            flag = 1;
            queue.wakeUp();
        }

        @Actor
        public void waiter(II_Result r) {
            queue.prepareToWaitExclusive(entry);
            r.r1 = flag;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = entry.isWoken() ? 1 : 0;
            queue.finishWait(entry);
        }
    }
}
