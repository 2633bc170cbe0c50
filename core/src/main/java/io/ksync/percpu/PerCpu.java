package io.ksync.percpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;

/**
 * One value per CPU slot: the kernel's per-CPU variables ({@code DEFINE_PER_CPU}, {@code alloc_percpu},
 * {@code this_cpu_ptr}, {@code per_cpu_ptr}, {@code per_cpu}, {@code for_each_possible_cpu}) over the CPU model
 * of {@link Cpus}.
 *
 * <p>{@link #get()} returns the value of the slot of {@link Cpus#current()} ({@code this_cpu_ptr} /
 * {@code get_cpu_var}); {@link #get(int)} any slot's ({@code per_cpu_ptr}); {@link #forEach} and {@link #reduce}
 * visit every slot in order ({@code for_each_possible_cpu}). The kernel can disable preemption so that the
 * current CPU's value is private to the caller while it uses it; the JVM cannot, so the value {@link #get()}
 * returns may be used by another thread at the same time (one that runs on the same CPU later, or that
 * computed the same slot). Store thread-safe values, such as atomics, a {@link java.util.concurrent.atomic.LongAdder}
 * or a structure with its own lock: per-CPU values make contention rare, not impossible.
 *
 * <p>The slot references are padded 128 bytes apart, so replacing one slot's value ({@link #set(int, Object)})
 * does not invalidate the cache line of another's. The values themselves are objects the caller allocates: two
 * small objects allocated one after the other may share a cache line. For counters use {@link PerCpuCounter},
 * which pads its cells; for other hot mutable state, make the value large enough or pad it.
 *
 * <p>Memory effects: the values given at construction are visible to every thread that sees this object
 * (they are reached through a final field). {@link #set} is a release store and {@link #get} an acquire load, so
 * what a thread wrote into a value before setting it is visible to a thread that gets it.
 *
 * <pre>{@code
 * // A per-CPU free list: threads mostly use their own CPU's, and steal from others when it is empty.
 * PerCpu<ConcurrentLinkedDeque<Buffer>> pools = PerCpu.withInitial(ConcurrentLinkedDeque::new);
 *
 * Buffer take() {
 *     Buffer b = pools.get().pollFirst();
 *     return b != null ? b : pools.reduce(null, (found, pool) -> found != null ? found : pool.pollFirst());
 * }
 * }</pre>
 *
 * @param <T> the type of the per-CPU values
 */
public final class PerCpu<T> {

    /*
     * Implementation notes.
     *
     * The values live in one Object[] with SLOT_STRIDE references between two slots (128 bytes with compressed
     * references, 256 without) and one stride of padding before the first and after the last, so the array
     * header and the neighbours' slots are on other cache lines.
     *
     * get() pays Cpus.current(): about 4 ns through sched_getcpu on JDK 22+ (a per-thread hash elsewhere), the
     * price of choosing by the CPU the thread runs on. Hot paths that cannot afford it keep their own structure
     * (PerCpuCounter caches a slot per thread and moves it only on collisions).
     */

    /** References between two slots: 32 x 4 bytes (compressed) = 128 bytes. */
    private static final int SLOT_STRIDE = 32;

    private final Object[] values;
    private final int cpus;

    /**
     * Creates one value per CPU slot, asking {@code initializer} for slot 0, 1, ... in order
     * ({@code alloc_percpu} plus an initialising {@code for_each_possible_cpu} loop).
     *
     * @param initializer returns the value of the given slot; it must not return null
     * @throws NullPointerException if {@code initializer} is null or returns null
     */
    public PerCpu(IntFunction<? extends T> initializer) {
        Objects.requireNonNull(initializer, "initializer");
        this.cpus = Cpus.count();
        this.values = new Object[(cpus + 2) * SLOT_STRIDE];
        for (int cpu = 0; cpu < cpus; cpu++) {
            values[index(cpu)] = requireValue(initializer.apply(cpu), cpu);
        }
    }

    /**
     * Creates one value per CPU slot, each from a call of {@code supplier}.
     *
     * @param supplier returns a new value; it must not return null
     * @param <T>      the type of the values
     * @return the per-CPU values
     * @throws NullPointerException if {@code supplier} is null or returns null
     */
    public static <T> PerCpu<T> withInitial(Supplier<? extends T> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return new PerCpu<>(cpu -> supplier.get());
    }

    /**
     * The number of slots, {@link Cpus#count()} when this was created.
     *
     * @return the number of per-CPU values
     */
    public int cpuCount() {
        return cpus;
    }

    /**
     * Returns the value of the slot of the CPU the calling thread runs on ({@code this_cpu_ptr},
     * {@code get_cpu_var}). The thread may migrate right after: the value is the one to prefer, not one only
     * this thread uses.
     *
     * @return the current CPU's value
     */
    public T get() {
        return getAt(Cpus.current());
    }

    /**
     * Returns the value of slot {@code cpu} ({@code per_cpu_ptr}, {@code per_cpu}).
     *
     * @param cpu a slot in {@code [0, cpuCount())}
     * @return that slot's value
     * @throws IndexOutOfBoundsException if {@code cpu} is out of range
     */
    public T get(int cpu) {
        return getAt(checkCpu(cpu));
    }

    /**
     * Replaces the value of slot {@code cpu} ({@code per_cpu(var, cpu) = value}), with release ordering: what the
     * caller wrote into {@code value} before is visible to a thread that gets it. Two threads that set the same
     * slot race; the last store wins.
     *
     * @param cpu   a slot in {@code [0, cpuCount())}
     * @param value the new value, not null
     * @throws IndexOutOfBoundsException if {@code cpu} is out of range
     * @throws NullPointerException      if {@code value} is null
     */
    public void set(int cpu, T value) {
        checkCpu(cpu);
        VALUES.setRelease(values, index(cpu), requireValue(value, cpu)); // release: pairs with getAcquire in getAt
    }

    /**
     * Replaces the value of the current CPU's slot ({@code this_cpu_write}).
     *
     * @param value the new value, not null
     * @throws NullPointerException if {@code value} is null
     */
    public void set(T value) {
        set(Cpus.current(), value);
    }

    /**
     * Passes every slot's value to {@code action}, in slot order ({@code for_each_possible_cpu}).
     *
     * @param action what to do with each value
     */
    public void forEach(Consumer<? super T> action) {
        Objects.requireNonNull(action, "action");
        for (int cpu = 0; cpu < cpus; cpu++) {
            action.accept(getAt(cpu));
        }
    }

    /**
     * Passes every slot's value and slot number to {@code action}, in slot order.
     *
     * @param action what to do with each value and its slot
     */
    public void forEachWithCpu(ObjIntConsumer<? super T> action) {
        Objects.requireNonNull(action, "action");
        for (int cpu = 0; cpu < cpus; cpu++) {
            action.accept(getAt(cpu), cpu);
        }
    }

    /**
     * Folds every slot's value into one result, in slot order: {@code accumulator(...accumulator(identity,
     * value0)..., valueN)} (the kernel's summing loops over {@code per_cpu_ptr}). Each value is read once, with
     * acquire ordering; the result is not a snapshot of all slots at one moment.
     *
     * @param identity    the starting result
     * @param accumulator combines the result so far with one value
     * @param <R>         the type of the result
     * @return the folded result
     */
    public <R> R reduce(R identity, BiFunction<R, ? super T, R> accumulator) {
        Objects.requireNonNull(accumulator, "accumulator");
        R result = identity;
        for (int cpu = 0; cpu < cpus; cpu++) {
            result = accumulator.apply(result, getAt(cpu));
        }
        return result;
    }

    /**
     * Lists the values in slot order.
     *
     * @return {@code PerCpu[value0, value1, ...]}
     */
    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder("PerCpu[");
        for (int cpu = 0; cpu < cpus; cpu++) {
            text.append(cpu == 0 ? "" : ", ").append(getAt(cpu));
        }
        return text.append(']').toString();
    }

    @SuppressWarnings("unchecked")
    private T getAt(int cpu) {
        return (T) VALUES.getAcquire(values, index(cpu)); // acquire: pairs with setRelease in set()
    }

    private static int index(int cpu) {
        return (cpu + 1) * SLOT_STRIDE;
    }

    private int checkCpu(int cpu) {
        if (cpu < 0 || cpu >= cpus) {
            throw new IndexOutOfBoundsException("cpu " + cpu + " is not a slot of this PerCpu: slots are 0 to "
                    + (cpus - 1) + " (Cpus.count() = " + cpus + ")");
        }
        return cpu;
    }

    private static <T> T requireValue(T value, int cpu) {
        if (value == null) {
            throw new NullPointerException("the value of cpu " + cpu + " is null; PerCpu holds non-null values");
        }
        return value;
    }

    // VarHandle mechanics
    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(Object[].class);
}
