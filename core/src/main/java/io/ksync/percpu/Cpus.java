package io.ksync.percpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * The CPU model that everything "per-CPU" in ksync indexes by: how many processors this JVM may use, and
 * which of them the calling thread runs on now.
 *
 * <p>Ports {@code num_possible_cpus()} / {@code nr_cpu_ids} as {@link #count()} and
 * {@code smp_processor_id()} / {@code raw_smp_processor_id()} as {@link #current()}. The kernel pins a task to
 * its CPU for the duration of a per-CPU access by disabling preemption; the JVM cannot, so the answer of
 * {@link #current()} may be stale the moment it is returned, exactly like {@code raw_smp_processor_id()}.
 * Per-CPU data structures must therefore be correct with <em>any</em> index in {@code [0, count())} and only
 * faster with the right one: use the index to choose a slot, never to assume exclusive access to it.
 *
 * <h2>Where the answer comes from</h2>
 * <ul>
 *   <li>On Linux with JDK 22 or later, {@link #current()} calls the C library's {@code sched_getcpu()}
 *   through the Foreign Function &amp; Memory API. The API is looked up reflectively once, so this class
 *   compiles against Java 17. The JDK warns once that a restricted method was called unless the JVM runs
 *   with {@code --enable-native-access=io.ksync.core} (or {@code ALL-UNNAMED} on the class path).</li>
 *   <li>Elsewhere (older JDKs, other systems, or {@code -Dksync.cpus.native=false}) it returns a stable
 *   hash of the thread's identity into {@code [0, count())}: a thread keeps its slot for its whole life,
 *   and distinct threads spread over the slots as {@code LongAdder}'s probes do.</li>
 * </ul>
 * {@link #source()} says which of the two is in use. A CPU number that the operating system reports at or
 * beyond {@link #count()} (a process restricted to CPUs 4 and 5 of a larger machine) is folded into range.
 *
 * <h2>Cost</h2>
 * About 4 ns for {@code sched_getcpu} through FFM on the development machine, about as much as one locked
 * atomic instruction. Hot paths therefore cache the index (per thread or per call site) and refresh it only
 * when an atomic operation on their slot fails, as {@code LongAdder} rehashes its probe only on contention.
 *
 * <pre>{@code
 * long[] hits = new long[Cpus.count() * 16];          // one padded slot per CPU
 * int cpu = Cpus.current();                             // a hint: the thread may migrate right after
 * }</pre>
 */
public final class Cpus {

    /*
     * Implementation notes.
     *
     * The native path builds, reflectively and once, the equivalent of
     *   Linker.nativeLinker().downcallHandle(
     *       Linker.nativeLinker().defaultLookup().find("sched_getcpu").orElseThrow(),
     *       FunctionDescriptor.of(ValueLayout.JAVA_INT))
     * and keeps the resulting MethodHandle (type ()int) in a static final field, so that the JIT treats it
     * as a constant and inlines the downcall stub: `(int) SCHED_GETCPU.invokeExact()` is a direct native call
     * after warm-up. Any failure while building it (JDK < 22, no such symbol, a security manager, a JVM that
     * refuses native access) selects the hash path instead; a failure of the call itself (-1 from
     * sched_getcpu) falls back to the hash for that call.
     *
     * The hash path mixes Thread.getId() with the 64-bit finaliser of SplitMix64 and reduces it with a
     * multiply-shift into [0, count()): no division, no thread-local look-up, no allocation.
     */

    /** Where {@link #current()} gets its answer. */
    public enum Source {
        /** {@code sched_getcpu()} through the Foreign Function &amp; Memory API (JDK 22+, Linux). */
        SCHED_GETCPU,
        /** A stable per-thread hash into {@code [0, count())}. */
        THREAD_HASH
    }

    private static final int COUNT = Math.max(1, Runtime.getRuntime().availableProcessors());

    /** A handle of type {@code ()int} on {@code sched_getcpu}, or {@code null} on the hash path. */
    private static final MethodHandle SCHED_GETCPU = lookupSchedGetcpu();

    private Cpus() {
    }

    /**
     * Returns the number of processors this JVM may use, fixed when this class initialises
     * ({@code num_possible_cpus()}). Per-CPU structures size themselves by it; every index that
     * {@link #current()} returns is below it.
     *
     * @return the number of CPU slots, at least 1
     */
    public static int count() {
        return COUNT;
    }

    /**
     * Returns the processor the calling thread runs on now, in {@code [0, count())}
     * ({@code raw_smp_processor_id()}). The thread may migrate at any moment, so the result is a hint for
     * choosing a slot, never a claim of exclusive access to it.
     *
     * @return a CPU index in {@code [0, count())}
     */
    public static int current() {
        if (SCHED_GETCPU != null) {
            int cpu = schedGetcpu();
            if (cpu >= 0) {
                return cpu < COUNT ? cpu : cpu % COUNT;
            }
        }
        return threadHash(Thread.currentThread());
    }

    /**
     * Returns the slot that the hash path assigns to {@code thread}: stable for the thread's life, spread
     * evenly over {@code [0, count())}. This is what {@link #current()} answers when {@link #source()} is
     * {@link Source#THREAD_HASH}.
     *
     * @param thread a thread
     * @return a CPU index in {@code [0, count())}
     */
    public static int threadHash(Thread thread) {
        @SuppressWarnings("deprecation") // Thread.threadId() arrived in JDK 19; getId() is the same number.
        long z = thread.getId();
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        // multiply-shift reduction of the low 32 bits into [0, COUNT)
        return (int) (((z & 0xffff_ffffL) * COUNT) >>> 32);
    }

    /**
     * Tells where {@link #current()} gets its answer on this JVM.
     *
     * @return {@link Source#SCHED_GETCPU} when the native call is available, else {@link Source#THREAD_HASH}
     */
    public static Source source() {
        return SCHED_GETCPU != null ? Source.SCHED_GETCPU : Source.THREAD_HASH;
    }

    private static int schedGetcpu() {
        try {
            return (int) SCHED_GETCPU.invokeExact();
        } catch (Throwable t) {
            return -1;
        }
    }

    private static MethodHandle lookupSchedGetcpu() {
        if (!Boolean.parseBoolean(System.getProperty("ksync.cpus.native", "true"))
                || Runtime.version().feature() < 22
                || !System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
            Class<?> symbolLookupClass = Class.forName("java.lang.foreign.SymbolLookup");
            Class<?> memorySegmentClass = Class.forName("java.lang.foreign.MemorySegment");
            Class<?> memoryLayoutClass = Class.forName("java.lang.foreign.MemoryLayout");
            Class<?> functionDescriptorClass = Class.forName("java.lang.foreign.FunctionDescriptor");
            Class<?> valueLayoutClass = Class.forName("java.lang.foreign.ValueLayout");
            Class<?> linkerOptionClass = Class.forName("java.lang.foreign.Linker$Option");

            Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
            Object lookup = linkerClass.getMethod("defaultLookup").invoke(linker);
            Optional<?> symbol = (Optional<?>) symbolLookupClass.getMethod("find", String.class)
                    .invoke(lookup, "sched_getcpu");
            if (symbol.isEmpty()) {
                return null;
            }
            Object javaInt = valueLayoutClass.getField("JAVA_INT").get(null);
            Object noArguments = Array.newInstance(memoryLayoutClass, 0);
            Method of = functionDescriptorClass.getMethod("of", memoryLayoutClass, noArguments.getClass());
            Object descriptor = of.invoke(null, javaInt, noArguments);
            Object noOptions = Array.newInstance(linkerOptionClass, 0);
            Method downcallHandle = linkerClass.getMethod("downcallHandle",
                    memorySegmentClass, functionDescriptorClass, noOptions.getClass());
            MethodHandle handle = (MethodHandle) downcallHandle.invoke(linker, symbol.get(), descriptor, noOptions);
            if (!handle.type().equals(MethodType.methodType(int.class))) {
                return null;
            }
            int probe = (int) handle.invokeExact();
            return probe >= 0 ? handle : null;
        } catch (Throwable unavailable) {
            return null;
        }
    }
}
