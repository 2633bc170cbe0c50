package io.ksync.stress.lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.lock.Mutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Visibility through {@link Mutex}: a writer stores {@code x = 1} then {@code y = 1} inside the mutex; a reader
 * inside the mutex loads {@code y} then {@code x} (r1 = y, r2 = x) and must see all or nothing. Reading in the
 * reverse order makes this message passing through the mutex: a reader that saw {@code y} must see {@code x}.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader's critical section came first")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader's critical section came second and saw both writes")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "saw y but not x: the writer's stores were not all published by unlock()")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "saw x but not y: the reader ran inside the writer's critical section")
@State
public class MutexVisibilityTest {
    private final Mutex lock = new Mutex();
    private int x;
    private int y;

    @Actor
    public void writer() {
        lock.lock();
        try {
            x = 1;
            y = 1;
        } finally {
            lock.unlock();
        }
    }

    @Actor
    public void reader(II_Result r) {
        lock.lock();
        try {
            r.r1 = y;
            r.r2 = x;
        } finally {
            lock.unlock();
        }
    }
}
