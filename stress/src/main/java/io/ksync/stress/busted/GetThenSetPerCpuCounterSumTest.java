package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.percpu.Cpus;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JZ_Result;

/**
 * Busted control for {@code io.ksync.stress.percpu.PerCpuCounterSumTest}: a per-CPU counter whose slot add is a
 * volatile get and then a volatile set, each ordered, the pair not atomic (the kernel's plain
 * {@code this_cpu_add}, which is only correct with preemption disabled), with both adders on one slot, as two
 * threads are whenever they run on the same CPU or their slot hints collide. An add between another thread's
 * get and set is overwritten. The fold (swap the slot to 0, add it to the shared count) is atomic, as in the real
 * counter. Same shape and outcomes as {@code PerCpuCounterSumTest.Batch3}; this test must FAIL (lost add).
 */
@JCStressTest
@Outcome(id = "15, true", expect = ACCEPTABLE, desc = "every add counted (the race was not hit this time)")
@Outcome(id = "15, false", expect = FORBIDDEN, desc = "every add counted, but read() is further off than batch * CPUs")
@Outcome(expect = FORBIDDEN, desc = "sum() is not 10 + 1 + 4: an add was lost between another add's get and set")
@State
public class GetThenSetPerCpuCounterSumTest {

    /** The broken counter: one slot that every thread adds to, and the shared count. */
    static final class GetThenSetCounter {
        private final int batch;
        private volatile long slot;
        private volatile long shared;

        GetThenSetCounter(long initialValue, int batch) {
            this.batch = batch;
            this.shared = initialValue;
        }

        void add(long amount) {
            final long next = (long) SLOT.getVolatile(this) + amount;
            SLOT.setVolatile(this, next); // BROKEN: an add by another thread since the get is overwritten
            if (next <= -batch || next >= batch) {
                SHARED.getAndAdd(this, (long) SLOT.getAndSet(this, 0L));
            }
        }

        long read() {
            return (long) SHARED.getOpaque(this);
        }

        long sum() {
            return (long) SHARED.getVolatile(this) + (long) SLOT.getVolatile(this);
        }

        private static final VarHandle SLOT;
        private static final VarHandle SHARED;

        static {
            try {
                final MethodHandles.Lookup lookup = MethodHandles.lookup();
                SLOT = lookup.findVarHandle(GetThenSetCounter.class, "slot", long.class);
                SHARED = lookup.findVarHandle(GetThenSetCounter.class, "shared", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private final GetThenSetCounter counter = new GetThenSetCounter(10, 3);

    @Actor
    public void adder1() {
        counter.add(2);
        counter.add(-1);
        counter.add(3);
        counter.add(1);
        counter.add(-4);
    }

    @Actor
    public void adder2() {
        counter.add(1);
        counter.add(-3);
        counter.add(5);
        counter.add(-1);
        counter.add(2);
    }

    @Arbiter
    public void arbiter(JZ_Result r) {
        final long sum = counter.sum();
        r.r1 = sum;
        r.r2 = Math.abs(counter.read() - sum) < 3L * Cpus.count();
    }
}
