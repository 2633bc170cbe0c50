package io.ksync.rcu;

import static io.ksync.rcu.RcuTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An rcutorture-style test (the kernel's kernel/rcu/rcutorture.c, in miniature and bounded in time): a writer
 * (with a fake writer beside it that only runs grace periods, normal and expedited) replaces objects and reclaims the old ones through grace periods, counting for each removed object how many
 * grace periods have passed since its removal (its "pipe" count) and poisoning it when the count reaches
 * {@link #PIPE_LENGTH}; readers inside read-side sections check that the object they hold is not poisoned and
 * record its pipe count at the end of their section; sleepable readers also sleep inside sections now and then.
 * The kernel counts a pipe count of 2 or more as a failure,
 * because its pipe also counts grace periods already running at the removal. Here every grace period counted began
 * after the removal (the writer removes, then waits or queues), and any grace period that began after the removal
 * waits for a reader that could reach the object: so a reader must see a pipe count of 0, and 1 or more, or poison,
 * is a failure. Run against every flavour, every way of waiting for a grace period, and the collections; and once
 * with a deliberately broken grace period, to show that the test detects one.
 */
class RcuTortureTest {

    private static final int PIPE_LENGTH = 4;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(400);
    private static final int READERS = 2;

    /** What readers read and writers replace. Aged by grace periods; poisoned when reclaimed. */
    static final class TortureObject implements AutoCloseable {
        final RcuDomain domain;
        volatile int pipe;
        volatile boolean poisoned;

        TortureObject(RcuDomain domain) {
            this.domain = domain;
        }

        /** One more grace period has passed since the removal; poison at the end of the pipe. */
        boolean age() {
            final int aged = pipe + 1;
            pipe = aged;
            if (aged >= PIPE_LENGTH) {
                poisoned = true;
                return false;
            }
            return true;
        }

        /** The deferred form (rcu_torture_cb): age by one and queue again until poisoned. */
        @Override
        public void close() {
            if (age()) {
                domain.retire(this);
            }
        }
    }

    /** A flavour's read side, as the torture readers use it. */
    interface Flavour {
        RcuDomain domain();

        default void readerStart() {
        }

        long lock();

        void unlock(long token);

        default void readerEnd() {
        }

        /** Inside a section, after the read: a flavour whose readers may block does so now and then. */
        default void insideSection(ThreadLocalRandom random) {
        }
    }

    static final class RcuThreadLocal implements Flavour {
        final Rcu rcu = new Rcu("torture-rcu");

        public RcuDomain domain() {
            return rcu;
        }

        public long lock() {
            rcu.readLock();
            return 0;
        }

        public void unlock(long token) {
            rcu.readUnlock();
        }
    }

    static final class RcuRegistered implements Flavour {
        final Rcu rcu = new Rcu("torture-rcu-reader");

        public RcuDomain domain() {
            return rcu;
        }

        public long lock() {
            rcu.reader().lock();
            return 0;
        }

        public void unlock(long token) {
            rcu.reader().unlock();
        }
    }

    static final class Qsbr implements Flavour {
        final QsbrRcu rcu = new QsbrRcu("torture-qsbr");

        public RcuDomain domain() {
            return rcu;
        }

        public void readerStart() {
            rcu.register();
        }

        public long lock() {
            return 0; // reading is free; the section ends at the next quiescent state
        }

        public void unlock(long token) {
            rcu.quiescentState();
        }

        public void readerEnd() {
            rcu.unregister();
        }
    }

    static final class Sleepable implements Flavour {
        final Srcu srcu = new Srcu("torture-srcu");

        public RcuDomain domain() {
            return srcu;
        }

        public long lock() {
            return srcu.readLock();
        }

        public void unlock(long token) {
            srcu.readUnlock((int) token);
        }

        /** Sleepable readers sleep now and then inside their sections (rcutorture's srcu_read_delay). */
        @Override
        public void insideSection(ThreadLocalRandom random) {
            if ((random.nextInt() & 127) == 0) {
                LockSupport.parkNanos(20_000L);
            }
        }
    }

    /** How the writer publishes and reclaims. */
    enum Update {
        /** RcuReference.exchange, then synchronize() and age every removed object by one. */
        SYNCHRONIZE,
        /** The same with synchronizeExpedited(). */
        EXPEDITED,
        /** RcuReference.exchange, then a polled cookie: startPoll(), wait for poll(), age. */
        POLL,
        /** RcuReference.exchange, then retire(): each callback ages the object and retires it again. */
        RETIRE,
        /** RcuList.replace of one of a few elements; the list retires the old one. */
        LIST,
        /** RcuHashMap.put of one of a few keys; the map retires the old value. */
        HASH_MAP
    }

    /** The structure under test, as readers and the writer see it. */
    private static final class Structure {
        private static final int SLOTS = 4;
        final Update update;
        final RcuDomain domain;
        final RcuReference<TortureObject> reference = new RcuReference<>();
        final RcuList<TortureObject> list;
        final RcuHashMap<Integer, TortureObject> map;
        final List<TortureObject> aging = new ArrayList<>(); // the writer's, for the synchronous updates
        private final TortureObject[] current = new TortureObject[SLOTS]; // the writer's view of list and map

        Structure(Update update, RcuDomain domain) {
            this.update = update;
            this.domain = domain;
            this.list = new RcuList<>(domain);
            this.map = new RcuHashMap<>(domain);
            for (int i = 0; i < SLOTS; i++) {
                current[i] = new TortureObject(domain);
                list.addLast(current[i]);
                map.put(i, current[i]);
            }
            reference.assign(new TortureObject(domain));
        }

        TortureObject read(ThreadLocalRandom random) {
            switch (update) {
                case LIST: {
                    TortureObject pick = null;
                    final int wanted = random.nextInt(SLOTS);
                    int i = 0;
                    for (TortureObject o : list) {
                        if (i++ == wanted) {
                            pick = o;
                        }
                    }
                    return pick != null ? pick : list.first();
                }
                case HASH_MAP:
                    return map.get(random.nextInt(SLOTS));
                default:
                    return reference.dereference();
            }
        }

        void writeOnce(ThreadLocalRandom random) {
            final TortureObject fresh = new TortureObject(domain);
            switch (update) {
                case LIST: {
                    final int slot = random.nextInt(SLOTS);
                    list.replace(current[slot], fresh); // retires the old one: its close() ages it
                    current[slot] = fresh;
                    return;
                }
                case HASH_MAP: {
                    final int slot = random.nextInt(SLOTS);
                    map.put(slot, fresh);
                    current[slot] = fresh;
                    return;
                }
                case RETIRE:
                    domain.retire(reference.exchange(fresh));
                    return;
                default:
                    aging.add(reference.exchange(fresh));
                    waitForGracePeriod();
                    aging.removeIf(o -> !o.age());
            }
        }

        private void waitForGracePeriod() {
            switch (update) {
                case EXPEDITED:
                    domain.synchronizeExpedited();
                    return;
                case POLL: {
                    final long cookie = domain.startPoll();
                    while (!domain.poll(cookie)) {
                        Thread.yield();
                    }
                    return;
                }
                default:
                    domain.synchronize();
            }
        }
    }

    /** Failures and counts of one run. */
    private static final class Outcome {
        final AtomicLongArray pipeCounts = new AtomicLongArray(PIPE_LENGTH + 1);
        volatile long poisonSeen;
        volatile long updates;

        long reads() {
            long total = 0;
            for (int i = 0; i < pipeCounts.length(); i++) {
                total += pipeCounts.get(i);
            }
            return total;
        }

        long agedTooLong() {
            long total = 0;
            for (int i = 1; i < pipeCounts.length(); i++) {
                total += pipeCounts.get(i);
            }
            return total;
        }

        @Override
        public String toString() {
            long[] pipes = new long[pipeCounts.length()];
            Arrays.setAll(pipes, pipeCounts::get);
            return "reader pipe counts " + Arrays.toString(pipes) + ", poison seen " + poisonSeen + ", updates "
                    + updates;
        }
    }

    private static Outcome torture(Flavour flavour, Update update, long runNanos, boolean stopAtFirstFailure)
            throws InterruptedException {
        final Structure structure = new Structure(update, flavour.domain());
        final Outcome outcome = new Outcome();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread[] readers = new Thread[READERS];
        for (int r = 0; r < READERS; r++) {
            readers[r] = new Thread(() -> {
                final ThreadLocalRandom random = ThreadLocalRandom.current();
                final long[] pipes = new long[PIPE_LENGTH + 1];
                long poison = 0;
                flavour.readerStart();
                try {
                    while (!stop.get()) {
                        final long token = flavour.lock();
                        try {
                            final TortureObject seen = structure.read(random);
                            if (seen.poisoned) {
                                poison++;
                            }
                            flavour.insideSection(random);
                            for (int spin = random.nextInt(64); spin > 0; spin--) {
                                Thread.onSpinWait(); // a section of varying length
                            }
                            if ((random.nextInt() & 255) == 0) {
                                Thread.yield(); // now and then, a preempted reader
                            }
                            pipes[Math.min(seen.pipe, PIPE_LENGTH)]++;
                            if (seen.poisoned) {
                                poison++;
                            }
                        } finally {
                            flavour.unlock(token);
                        }
                        if (stopAtFirstFailure && (poison > 0 || pipes[1] + pipes[2] + pipes[3] + pipes[4] > 0)) {
                            stop.set(true);
                        }
                    }
                } finally {
                    flavour.readerEnd();
                    synchronized (outcome) { // test bookkeeping only, after the reader is done
                        for (int i = 0; i < pipes.length; i++) {
                            outcome.pipeCounts.addAndGet(i, pipes[i]);
                        }
                        outcome.poisonSeen += poison;
                    }
                }
            }, "torture-reader-" + r);
            readers[r].start();
        }
        // rcutorture's fake writer: grace periods that replace nothing, run alongside the real writer's, so that
        // concurrent grace periods (shared, or back to back) meet the readers too
        final RcuDomain domain = flavour.domain();
        final Thread fakeWriter = new Thread(() -> {
            for (long i = 0; !stop.get(); i++) {
                if ((i & 3) == 3) {
                    domain.synchronizeExpedited();
                } else {
                    domain.synchronize();
                }
            }
        }, "torture-fake-writer");
        fakeWriter.start();
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final long deadline = System.nanoTime() + runNanos;
        long updates = 0;
        while (!stop.get() && System.nanoTime() - deadline < 0) {
            structure.writeOnce(random);
            updates++;
        }
        stop.set(true);
        for (Thread reader : readers) {
            join(reader);
        }
        join(fakeWriter);
        flavour.domain().barrier();
        outcome.updates = updates;
        return outcome;
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Update update : Update.values()) {
            cases.add(Arguments.of("Rcu", update));
            cases.add(Arguments.of("Rcu.Reader", update));
            cases.add(Arguments.of("QsbrRcu", update));
            cases.add(Arguments.of("Srcu", update));
        }
        return cases.stream();
    }

    private static Flavour flavour(String name) {
        switch (name) {
            case "Rcu":
                return new RcuThreadLocal();
            case "Rcu.Reader":
                return new RcuRegistered();
            case "QsbrRcu":
                return new Qsbr();
            default:
                return new Sleepable();
        }
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("cases")
    void noReaderSeesAnObjectAgedTwoGracePeriodsOrPoisoned(String flavourName, Update update)
            throws InterruptedException {
        Flavour flavour = flavour(flavourName);
        Outcome outcome = torture(flavour, update, RUN_NANOS, false);

        assertEquals(0, outcome.poisonSeen, "a reader saw a reclaimed object: " + outcome);
        assertEquals(0, outcome.agedTooLong(), "a reader held an object aged two grace periods: " + outcome);
        assertTrue(outcome.reads() > 0, "no reads: " + outcome);
        assertTrue(outcome.updates > 0, "no updates: " + outcome);
        assertTrue(flavour.domain().completedGracePeriods() > 0, "no grace period ran");
    }

    /** The control: with grace periods that wait for nobody, the same test must catch it. */
    @Test
    void aBrokenSynchronizeIsDetected() throws InterruptedException {
        RcuThreadLocal flavour = new RcuThreadLocal();
        flavour.rcu.state.brokenForTesting = true;

        Outcome outcome = torture(flavour, Update.SYNCHRONIZE, TimeUnit.SECONDS.toNanos(20), true);

        assertTrue(outcome.poisonSeen + outcome.agedTooLong() > 0,
                "the torture test did not notice grace periods that wait for no reader: " + outcome);
    }
}
