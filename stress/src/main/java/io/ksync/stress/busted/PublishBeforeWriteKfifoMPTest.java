package io.ksync.stress.busted;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Busted control for {@code io.ksync.stress.fifo.KfifoMPTest.PutGet}: a kfifo of references whose
 * {@code put()} advances {@code in} before it stores the element (the kernel bug of doing
 * {@code fifo->in += len} before {@code kfifo_copy_in()}), with release and acquire everywhere else. A consumer
 * that reads {@code in} between the two stores believes an element is there, takes the empty slot and advances
 * {@code out} past it: the element is lost. A program-order bug, not a reordering, so it shows on any machine.
 * Same shape and outcomes as the real test (r1 = y, r2 = x of the element got, -1, -1 for none, r3 = elements
 * left); this test must FAIL.
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "got the element, fully written; nothing left (the race was not hit this time)")
@Outcome(id = "-1, -1, 1", expect = ACCEPTABLE, desc = "the get came before the put; the element was still queued")
@Outcome(id = {"0, 0, 0", "1, 0, 0", "0, 1, 0"}, expect = FORBIDDEN, desc = "got the element with fields unwritten")
@Outcome(id = "-1, -1, 0", expect = FORBIDDEN, desc = "lost: the get saw in advanced, took the slot before the element was in it")
@Outcome(expect = FORBIDDEN, desc = "delivered twice, or another impossible outcome")
@State
public class PublishBeforeWriteKfifoMPTest {

    /** The broken fifo: single producer, single consumer, free-running indices, the index signals the consumer. */
    static final class PublishBeforeWriteFifo<E> {
        private final Object[] slots;
        private final int mask;
        private int in;
        private int out;

        PublishBeforeWriteFifo(int capacity) {
            this.slots = new Object[capacity];
            this.mask = capacity - 1;
        }

        boolean put(E e) {
            final int in = (int) IN.get(this);
            if (in - (int) OUT.getAcquire(this) == slots.length) {
                return false;
            }
            IN.setRelease(this, in + 1);           // BROKEN: publishes the slot before the element is in it
            SLOTS.setRelease(slots, in & mask, e);
            return true;
        }

        @SuppressWarnings("unchecked")
        E get() {
            final int out = (int) OUT.get(this);
            if ((int) IN.getAcquire(this) == out) {
                return null;
            }
            final E e = (E) SLOTS.getAcquire(slots, out & mask);
            slots[out & mask] = null;
            OUT.setRelease(this, out + 1);
            return e;
        }

        private static final VarHandle IN;
        private static final VarHandle OUT;
        private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

        static {
            try {
                final MethodHandles.Lookup lookup = MethodHandles.lookup();
                IN = lookup.findVarHandle(PublishBeforeWriteFifo.class, "in", int.class);
                OUT = lookup.findVarHandle(PublishBeforeWriteFifo.class, "out", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** The message, as in the real test. */
    static final class Box {
        int x;
        int y;
    }

    private final PublishBeforeWriteFifo<Box> fifo = new PublishBeforeWriteFifo<>(2);

    @Actor
    public void producer() {
        final Box box = new Box();
        box.x = 1;
        box.y = 1;
        fifo.put(box);
    }

    @Actor
    public void consumer(III_Result r) {
        final Box box = fifo.get();
        if (box == null) {
            r.r1 = -1;
            r.r2 = -1;
        } else {
            r.r1 = box.y;
            r.r2 = box.x;
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        int left = 0;
        while (left < 8 && fifo.get() != null) {
            left++;
        }
        r.r3 = left;
    }
}
