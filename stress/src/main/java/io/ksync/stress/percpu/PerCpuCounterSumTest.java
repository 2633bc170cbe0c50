package io.ksync.stress.percpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ksync.percpu.PerCpuCounter;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JZ_Result;

/**
 * No add to a {@link PerCpuCounter} is lost ({@code percpu_counter_add}, {@code percpu_counter_sum}): two actors
 * add mixed amounts, negative ones included, to a counter that starts at 10, and once they have finished the
 * arbiter's {@link PerCpuCounter#sum()} must be exactly 15, and {@link PerCpuCounter#read()} within the documented
 * bound of it, {@link PerCpuCounter#errorBound()}. Each state is a new counter, so both actors claim a cell of
 * their own during their first add (two actors whose thread ids share low bits race for the same cell with the
 * compare-and-set of its owner), and the batch is tiny, so several adds of each actor fold its cell into the
 * shared count while the other actor adds and folds too. The busted control
 * {@code io.ksync.stress.busted.GetThenSetPerCpuCounterSumTest} runs this shape over a counter whose slot add is
 * not atomic, and must fail.
 */
public final class PerCpuCounterSumTest {

    private PerCpuCounterSumTest() {
    }

    /** Adds 2, -1, 3, +1, -4: net +1. */
    static void adds1(PerCpuCounter counter) {
        counter.add(2);
        counter.add(-1);
        counter.add(3);
        counter.increment();
        counter.add(-4);
    }

    /** Adds +1, -3, 5, -1, 2: net +4. */
    static void adds2(PerCpuCounter counter) {
        counter.increment();
        counter.add(-3);
        counter.add(5);
        counter.decrement();
        counter.add(2);
    }

    /** r1 = sum(), r2 = whether read() is within errorBound() (batch times the number of cells) of it. */
    static void check(PerCpuCounter counter, JZ_Result r) {
        final long sum = counter.sum();
        final long error = Math.abs(counter.read() - sum);
        r.r1 = sum;
        r.r2 = error < counter.errorBound();
    }

    /** Batch 2: almost every add folds. r1 = sum() after both actors, r2 = read() within the bound. */
    @JCStressTest
    @Outcome(id = "15, true", expect = ACCEPTABLE, desc = "every add counted; read() within errorBound() of the sum")
    @Outcome(id = "15, false", expect = FORBIDDEN, desc = "every add counted, but read() is further off than errorBound(): a cell kept a delta of a batch or more")
    @Outcome(expect = FORBIDDEN, desc = "sum() is not 10 + 1 + 4: an add was lost or counted twice")
    @State
    public static class Batch2 {
        private final PerCpuCounter counter = new PerCpuCounter(10, 2);

        @Actor
        public void adder1() {
            adds1(counter);
        }

        @Actor
        public void adder2() {
            adds2(counter);
        }

        @Arbiter
        public void arbiter(JZ_Result r) {
            check(counter, r);
        }
    }

    /** Batch 3: a fold every two or three adds. r1 = sum() after both actors, r2 = read() within the bound. */
    @JCStressTest
    @Outcome(id = "15, true", expect = ACCEPTABLE, desc = "every add counted; read() within errorBound() of the sum")
    @Outcome(id = "15, false", expect = FORBIDDEN, desc = "every add counted, but read() is further off than errorBound(): a cell kept a delta of a batch or more")
    @Outcome(expect = FORBIDDEN, desc = "sum() is not 10 + 1 + 4: an add was lost or counted twice")
    @State
    public static class Batch3 {
        private final PerCpuCounter counter = new PerCpuCounter(10, 3);

        @Actor
        public void adder1() {
            adds1(counter);
        }

        @Actor
        public void adder2() {
            adds2(counter);
        }

        @Arbiter
        public void arbiter(JZ_Result r) {
            check(counter, r);
        }
    }
}
