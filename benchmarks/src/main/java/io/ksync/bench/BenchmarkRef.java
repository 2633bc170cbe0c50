package io.ksync.bench;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.Param;

/**
 * One score that the {@link ComparisonReport} reads: a JMH benchmark (a {@code @Benchmark} method, or a
 * {@code @Group} of them), the {@code @Param} values and thread count it runs with, and which of its results
 * to read (the primary one, or one method of a group, e.g. only the readers of a readers-and-writer group).
 *
 * <p>Two refs that differ only in {@link #metric()} share one JMH run: they are the same {@link #run()}.
 *
 * @param benchmarkClass the class holding the benchmark
 * @param name           the {@code @Benchmark} method name, or the {@code @Group} name
 * @param metric         {@code null} for the benchmark's primary score, or the name of a method of the group
 *                       whose score to read (JMH's secondary result of that label)
 * @param params         {@code @Param} values to pin; every {@code @Param} the benchmark has should be pinned,
 *                       so that one run gives one score
 * @param threads        the thread count to run with, or 0 for the benchmark's own {@code @Threads} /
 *                       {@code @GroupThreads}
 */
public record BenchmarkRef(Class<?> benchmarkClass, String name, String metric, Map<String, String> params,
                           int threads) {

    /** What JMH runs for one or more refs: everything but the metric. */
    public record Run(String benchmark, Map<String, String> params, int threads) {

        /** A short name for progress lines: the simple class name, the method, the params and threads. */
        public String display() {
            return display(null);
        }

        String display(String metric) {
            final int methodDot = benchmark.lastIndexOf('.');
            final String simple = benchmark.substring(benchmark.lastIndexOf('.', methodDot - 1) + 1);
            final StringJoiner extras = new StringJoiner(", ", " [", "]").setEmptyValue("");
            params.forEach((key, value) -> extras.add(key + "=" + value));
            if (threads > 0) {
                extras.add("threads=" + threads);
            }
            return simple + (metric == null ? "" : ":" + metric) + extras;
        }
    }

    public BenchmarkRef {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /**
     * Refers to the primary score of a benchmark method or group, with its own params and threads.
     *
     * @param benchmarkClass the class holding the benchmark
     * @param name           a {@code @Benchmark} method or a {@code @Group} name in it
     * @return the ref
     */
    public static BenchmarkRef of(Class<?> benchmarkClass, String name) {
        return new BenchmarkRef(benchmarkClass, name, null, Map.of(), 0);
    }

    /**
     * Reads the score of one method of this group instead of the group's total.
     *
     * @param groupMethod a {@code @Benchmark} method of the group {@link #name()}
     * @return the new ref
     */
    public BenchmarkRef metric(String groupMethod) {
        return new BenchmarkRef(benchmarkClass, name, groupMethod, params, threads);
    }

    /**
     * Pins a {@code @Param}.
     *
     * @param key   the {@code @Param} field name
     * @param value its value for this ref
     * @return the new ref
     */
    public BenchmarkRef param(String key, String value) {
        final Map<String, String> more = new LinkedHashMap<>(params);
        more.put(key, value);
        return new BenchmarkRef(benchmarkClass, name, metric, more, threads);
    }

    /**
     * Runs the benchmark with this many threads instead of its annotation's.
     *
     * @param count threads, {@code >= 1}
     * @return the new ref
     */
    public BenchmarkRef threads(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + count);
        }
        return new BenchmarkRef(benchmarkClass, name, metric, params, count);
    }

    /** The fully qualified benchmark name, as JMH reports it. */
    public String benchmark() {
        return benchmarkClass.getName() + "." + name;
    }

    /** What JMH must run to produce this score. */
    public Run run() {
        return new Run(benchmark(), params, threads);
    }

    /** The benchmark name, metric and pins, for listings and error messages. */
    public String display() {
        return run().display(metric);
    }

    /**
     * Checks that this ref names a benchmark, metric and params that exist, so that a typo in a row definition
     * fails before anything runs.
     *
     * @return the problems found, empty if none
     */
    public List<String> problems() {
        final List<String> problems = new ArrayList<>();
        boolean isMethod = false;
        boolean isGroup = false;
        boolean hasMetric = metric == null;
        for (Method method : benchmarkClass.getMethods()) {
            if (!method.isAnnotationPresent(Benchmark.class)) {
                continue;
            }
            final Group group = method.getAnnotation(Group.class);
            if (group == null && method.getName().equals(name)) {
                isMethod = true;
            }
            if (group != null && group.value().equals(name)) {
                isGroup = true;
                hasMetric |= method.getName().equals(metric);
            }
        }
        if (!isMethod && !isGroup) {
            problems.add(display() + ": " + benchmarkClass.getSimpleName() + " has no @Benchmark method or @Group "
                    + "named " + name);
        } else if (!hasMetric) {
            problems.add(display() + ": " + (isGroup ? "group " + name + " has no method " + metric
                    : name + " is not a @Group, it has no per-method metric " + metric));
        }
        for (String key : params.keySet()) {
            if (!hasParam(benchmarkClass, key)) {
                problems.add(display() + ": " + benchmarkClass.getSimpleName() + " and its states have no @Param "
                        + key);
            }
        }
        return problems;
    }

    private static boolean hasParam(Class<?> type, String key) {
        for (Field field : type.getDeclaredFields()) {
            if (field.isAnnotationPresent(Param.class) && field.getName().equals(key)) {
                return true;
            }
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            if (hasParam(nested, key)) {
                return true;
            }
        }
        return false;
    }
}
