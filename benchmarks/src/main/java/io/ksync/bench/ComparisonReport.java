package io.ksync.bench;

import io.ksync.bench.timer.TimerBenchmark;
import io.ksync.bench.timer.TimerMemory;
import io.ksync.percpu.Cpus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Version;

/**
 * The main job of the benchmarks module: runs a short JMH suite that measures each ksync primitive next to its
 * anchor (what a user would pick instead) and prints one table: both throughputs with their error, the ratio
 * ksync/anchor, and where a target exists, whether it was met.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.ksync.bench.ComparisonReport [options] [REGEX]
 *
 *   --quick            a smoke test: 2 warmup and 3 measurement iterations of 400 ms (under 2 minutes)
 *   --filter REGEX     only the rows that contain a match of REGEX, case-insensitive, in the line
 *                      "scenario: ksync vs anchor (ksync benchmark vs anchor benchmark)" (also positional)
 *   --markdown FILE    also write the machine, the settings and the table as Markdown to FILE
 *   --forks N          JMH forks per benchmark (default 1)
 *   --rounds N         run the whole plan N times, interleaved (default 1); see below
 *   --warmup N         warmup iterations (default 3)
 *   --iterations N     measurement iterations (default 5)
 *   --time MS          length of one iteration, warmup and measurement (default 1000)
 *   --list             print the rows and the JMH runs they need, run nothing
 *   --verbose          show JMH's own output
 * </pre>
 *
 * <p>The default settings take about four minutes on a 2-core machine. Every score comes from JMH (forked
 * JVMs, warmup, throughput mode in ops/us); this class only chooses what to run and does arithmetic on the
 * results. The error of a score is JMH's (99.9% confidence half-interval over the measurement iterations);
 * the error of a ratio propagates both relative errors. "met" says {@code yes} when the ratio minus its error
 * reaches the target, {@code no} when the ratio plus its error stays below it, and {@code unclear} when the
 * error straddles the target: rerun those on a quiet machine with more iterations or forks.
 *
 * <p>Rounds. JMH runs one benchmark after the other, so on a shared machine whose speed drifts over minutes a
 * ksync score and its anchor's can be measured in different weather. {@code --rounds N} runs the whole plan N
 * times, one run after the other in the same order each round, so that both sides of a row alternate in time.
 * The table then shows, for each side, the median of its N round scores with half their range, and for the
 * ratio the median of the N per-round ratios with their range {@code [min-max]}; "met" says {@code yes} when
 * every round's ratio reaches the target, {@code no} when none does, {@code unclear} otherwise.
 *
 * <p>The rows are data: {@link ComparisonRows} lists them, and a new primitive adds its rows there. Targets that
 * are not throughput ratios are measured by programs of their own and added as notes: when the plan has timer
 * rows, {@link TimerMemory} (heap per pending timer with a million pending, allocation per re-arming) runs in a
 * JVM of its own after the JMH runs, and its lines, its two target verdicts among them, end the report.
 */
public final class ComparisonReport {

    /*
     * Implementation notes.
     *
     * Each distinct JMH run (benchmark, pinned params, threads) is one Runner call with an include pattern that
     * matches exactly that benchmark, so that progress can be shown between runs and a failing benchmark costs
     * only its own rows. Rows that need the same run share it (a group's readers and the whole group, an
     * anchor used by several rows). A fork costs about a second of JVM start-up and set-up; the duration
     * estimate counts it.
     */

    private static final double SECONDS_PER_FORK_OVERHEAD = 1.0;

    private ComparisonReport() {
    }

    /** What the command line asked for. */
    private record Settings(int forks, int rounds, int warmupIterations, int measurementIterations,
                            long iterationMillis, Pattern filter, Path markdown, boolean listOnly, boolean verbose,
                            boolean quick) {

        String describe() {
            return String.format(Locale.ROOT, "%s%d fork%s, %d warmup + %d measurement iterations of %d ms, "
                            + "throughput (ops/us)%s", rounds == 1 ? "" : rounds + " interleaved rounds of ",
                    forks, forks == 1 ? "" : "s", warmupIterations, measurementIterations, iterationMillis,
                    quick ? " [--quick: smoke test, indicative only]" : "");
        }

        double secondsPerRun() {
            return rounds * forks * ((warmupIterations + measurementIterations) * iterationMillis / 1000.0
                    + SECONDS_PER_FORK_OVERHEAD);
        }
    }

    /** A run's outcome: its JMH result, or why there is none. */
    private record Outcome(RunResult result, String error) {
    }

    /** A score read from an outcome: the value and its error, or why there is none. */
    private record Score(double value, double error, String problem) {

        static Score missing(String problem) {
            return new Score(Double.NaN, Double.NaN, problem);
        }

        boolean isPresent() {
            return problem == null;
        }
    }

    /**
     * One row of the finished table. With rounds, {@code ksync} and {@code anchor} are the medians of the rounds
     * (error: half their range) and {@code roundRatios} holds each round's ratio; else it is empty.
     */
    private record Line(ComparisonRow row, Score ksync, Score anchor, double[] roundRatios) {

        boolean isComplete() {
            return ksync.isPresent() && anchor.isPresent();
        }

        boolean hasRounds() {
            return roundRatios.length > 0;
        }

        double ratio() {
            return hasRounds() ? median(roundRatios) : ksync.value / anchor.value;
        }

        double ratioError() {
            final double relative = Math.hypot(relativeError(ksync), relativeError(anchor));
            return ratio() * relative;
        }

        private static double relativeError(Score score) {
            return Double.isNaN(score.error) ? 0.0 : score.error / score.value;
        }

        boolean hasErrors() {
            return !Double.isNaN(ksync.error) && !Double.isNaN(anchor.error);
        }

        String verdict() {
            if (row.target() == null) {
                return "";
            }
            if (!isComplete()) {
                return "n/a";
            }
            final double min = row.target().minRatio();
            if (hasRounds()) { // every round, no round, or some
                final double lowest = Arrays.stream(roundRatios).min().orElseThrow();
                final double highest = Arrays.stream(roundRatios).max().orElseThrow();
                return lowest >= min ? "yes" : highest < min ? "no" : "unclear";
            }
            final double ratio = ratio();
            if (!hasErrors()) { // a single iteration has no error: judge the point estimate, flagged
                return ratio >= min ? "yes?" : "no?";
            }
            final double error = ratioError();
            if (ratio - error >= min) {
                return "yes";
            }
            if (ratio + error < min) {
                return "no";
            }
            return "unclear";
        }
    }

    /**
     * Runs the comparison suite and prints the table; see the class comment for the options.
     *
     * @param args the command line
     * @throws IOException if the Markdown file cannot be written
     */
    public static void main(String[] args) throws IOException {
        final Settings settings;
        try {
            settings = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ComparisonReport: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (settings == null) { // --help
            System.out.println(usage());
            return;
        }

        final List<ComparisonRow> allRows = ComparisonRows.all();
        final List<String> problems = allRows.stream()
                .flatMap(row -> Stream.concat(row.ksync().problems().stream(), row.anchor().problems().stream()))
                .distinct()
                .collect(Collectors.toList());
        if (!problems.isEmpty()) {
            System.err.println("ComparisonReport: the row definitions (ComparisonRows) name benchmarks that do not "
                    + "exist:");
            problems.forEach(problem -> System.err.println("  " + problem));
            System.exit(2);
            return;
        }
        final List<ComparisonRow> rows = allRows.stream()
                .filter(row -> settings.filter == null || matches(settings.filter, row))
                .collect(Collectors.toList());
        if (rows.isEmpty()) {
            System.err.println("ComparisonReport: no row matches " + settings.filter.pattern()
                    + "; --list shows them all");
            System.exit(2);
            return;
        }
        final List<BenchmarkRef.Run> runs = rows.stream()
                .flatMap(row -> Stream.of(row.ksync().run(), row.anchor().run()))
                .distinct()
                .collect(Collectors.toList());

        if (settings.listOnly) {
            list(rows, runs, settings);
            return;
        }

        final PrintStream out = System.out;
        final List<String[]> machine = machineInfo(settings);
        out.println("ksync comparison report");
        machine.forEach(entry -> out.println(String.format(Locale.ROOT, "  %-13s %s", entry[0] + ":", entry[1])));
        out.println(String.format(Locale.ROOT, "  %-13s %d rows, %d JMH runs, about %s", "plan:", rows.size(),
                runs.size(), minutes(runs.size() * settings.secondsPerRun())));
        out.println();
        out.flush();

        // outcomes of each run, one per round, in round order
        final Map<BenchmarkRef.Run, List<Outcome>> outcomes = new LinkedHashMap<>();
        final int total = runs.size() * settings.rounds;
        int index = 0;
        for (int round = 1; round <= settings.rounds; round++) {
            for (BenchmarkRef.Run run : runs) {
                index++;
                System.err.print(String.format(Locale.ROOT, "[%2d/%d] %s%s ... ", index, total,
                        settings.rounds == 1 ? "" : "round " + round + ": ", run.display()));
                System.err.flush();
                final Outcome outcome = runJmh(run, settings);
                outcomes.computeIfAbsent(run, key -> new ArrayList<>()).add(outcome);
                System.err.println(outcome.error != null ? "FAILED: " + outcome.error
                        : format(score(outcome.result, null)) + " " + outcome.result.getPrimaryResult().getScoreUnit());
            }
        }
        System.err.println();

        final List<Line> lines = new ArrayList<>();
        for (ComparisonRow row : rows) {
            lines.add(line(row, outcomes.get(row.ksync().run()), outcomes.get(row.anchor().run())));
        }
        final List<String> notes = notes(lines);
        if (rows.stream().anyMatch(row -> row.ksync().benchmarkClass() == TimerBenchmark.class)) {
            System.err.print("heap per pending timer and allocation per re-arming (TimerMemory, own JVM) ... ");
            System.err.flush();
            final List<String> memory = runTimerMemory();
            System.err.println("done");
            memory.forEach(line -> notes.add("TimerMemory: " + line));
        }
        final double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        if (loadAfter >= 0) {
            notes.add(String.format(Locale.ROOT, "load average at the end: %.2f on %d cores.", loadAfter,
                    Runtime.getRuntime().availableProcessors()));
        }

        out.println(textTable(lines));
        notes.forEach(out::println);
        out.flush();

        if (settings.markdown != null) {
            Files.writeString(settings.markdown, markdown(machine, settings, lines, notes), StandardCharsets.UTF_8);
            out.println();
            out.println("Markdown written to " + settings.markdown.toAbsolutePath());
        }
        if (outcomes.values().stream().flatMap(List::stream).anyMatch(outcome -> outcome.error != null)) {
            System.exit(1);
        }
    }

    /** A row's line: its two scores, or with rounds their medians and each round's ratio. */
    private static Line line(ComparisonRow row, List<Outcome> ksyncRounds, List<Outcome> anchorRounds) {
        if (ksyncRounds.size() == 1) {
            return new Line(row, score(ksyncRounds.get(0), row.ksync()), score(anchorRounds.get(0), row.anchor()),
                    new double[0]);
        }
        final List<Score> ksync = new ArrayList<>();
        final List<Score> anchor = new ArrayList<>();
        for (int round = 0; round < ksyncRounds.size(); round++) {
            ksync.add(score(ksyncRounds.get(round), row.ksync()));
            anchor.add(score(anchorRounds.get(round), row.anchor()));
        }
        final Optional<Score> ksyncMissing = ksync.stream().filter(score -> !score.isPresent()).findFirst();
        final Optional<Score> anchorMissing = anchor.stream().filter(score -> !score.isPresent()).findFirst();
        if (ksyncMissing.isPresent() || anchorMissing.isPresent()) { // a failed round: show why, no ratio
            return new Line(row, ksyncMissing.orElse(ksync.get(0)), anchorMissing.orElse(anchor.get(0)),
                    new double[0]);
        }
        final double[] ratios = new double[ksync.size()];
        for (int round = 0; round < ratios.length; round++) {
            ratios[round] = ksync.get(round).value / anchor.get(round).value;
        }
        return new Line(row, medianScore(ksync), medianScore(anchor), ratios);
    }

    /** The median of the rounds' scores, with half their range as its error. */
    private static Score medianScore(List<Score> rounds) {
        final double[] values = rounds.stream().mapToDouble(Score::value).toArray();
        final double halfRange = (Arrays.stream(values).max().orElseThrow() - Arrays.stream(values).min().orElseThrow())
                / 2;
        return new Score(median(values), halfRange, null);
    }

    private static double median(double[] values) {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    // ---- running ----

    /**
     * Runs {@link TimerMemory} with a million timers in a JVM of its own (heap readings after full collections
     * would otherwise count this JVM's own garbage) and returns its non-empty output lines, or a line that says
     * why there are none.
     */
    private static List<String> runTimerMemory() {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final ProcessBuilder command = new ProcessBuilder(java, "-Djdk.attach.allowAttachSelf=true", "-cp",
                System.getProperty("java.class.path"),
                TimerMemory.class.getName(), "1000000").redirectErrorStream(true);
        final List<String> lines = new ArrayList<>();
        try {
            final Process process = command.start();
            try (BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = output.readLine()) != null) {
                    if (!line.isBlank()) {
                        lines.add(line.strip().replaceAll("\\s{2,}", "  "));
                    }
                }
            }
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                lines.add("did not finish in 10 minutes; killed");
            } else if (process.exitValue() != 0) {
                lines.add("failed with exit code " + process.exitValue());
            }
        } catch (IOException e) {
            lines.add("could not run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lines.add("interrupted");
        }
        return lines;
    }

    private static Outcome runJmh(BenchmarkRef.Run run, Settings settings) {
        final ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + Pattern.quote(run.benchmark()) + "$")
                .mode(Mode.Throughput)
                .timeUnit(TimeUnit.MICROSECONDS)
                .forks(settings.forks)
                .warmupIterations(settings.warmupIterations)
                .warmupTime(TimeValue.milliseconds(settings.iterationMillis))
                .measurementIterations(settings.measurementIterations)
                .measurementTime(TimeValue.milliseconds(settings.iterationMillis))
                .shouldFailOnError(true)
                .verbosity(settings.verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
        run.params().forEach((key, value) -> options.param(key, value));
        if (run.threads() > 0) {
            options.threads(run.threads());
        }
        final Collection<RunResult> results;
        try {
            results = new Runner(options.build()).run();
        } catch (RunnerException e) {
            return new Outcome(null, rootMessage(e));
        } catch (RuntimeException e) {
            return new Outcome(null, rootMessage(e));
        }
        if (results.isEmpty()) {
            return new Outcome(null, "JMH produced no result (is the benchmark in this jar?)");
        }
        if (results.size() > 1) {
            return new Outcome(null, "JMH produced " + results.size() + " results: pin every @Param of "
                    + run.benchmark() + " in its row");
        }
        return new Outcome(results.iterator().next(), null);
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        final String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
    }

    private static Score score(Outcome outcome, BenchmarkRef ref) {
        if (outcome.error != null) {
            return Score.missing(outcome.error);
        }
        return score(outcome.result, ref == null ? null : ref.metric());
    }

    private static Score score(RunResult result, String metric) {
        final Result<?> value = metric == null ? result.getPrimaryResult() : result.getSecondaryResults().get(metric);
        if (value == null) {
            return Score.missing("no result " + metric + " (have " + result.getSecondaryResults().keySet() + ")");
        }
        return new Score(value.getScore(), value.getScoreError(), null);
    }

    // ---- the table ----

    private static final String[] HEADER = {"scenario", "ksync", "ops/us", "anchor", "ops/us", "ksync/anchor",
            "target", "met"};

    private static List<String[]> cells(List<Line> lines) {
        final List<String[]> cells = new ArrayList<>();
        for (Line line : lines) {
            final ComparisonRow row = line.row();
            cells.add(new String[] {
                    row.scenario(),
                    row.ksyncName(),
                    format(line.ksync()),
                    row.anchorName(),
                    format(line.anchor()),
                    line.isComplete() ? formatRatio(line) : "n/a",
                    row.target() == null ? "" : row.target().display(),
                    line.verdict()});
        }
        return cells;
    }

    private static String textTable(List<Line> lines) {
        final List<String[]> cells = cells(lines);
        final int[] widths = new int[HEADER.length];
        for (int column = 0; column < HEADER.length; column++) {
            widths[column] = HEADER[column].length();
            for (String[] row : cells) {
                widths[column] = Math.max(widths[column], row[column].length());
            }
        }
        final StringBuilder table = new StringBuilder();
        appendTextRow(table, HEADER, widths);
        final String[] rule = new String[HEADER.length];
        for (int column = 0; column < HEADER.length; column++) {
            rule[column] = "-".repeat(widths[column]);
        }
        appendTextRow(table, rule, widths);
        String previousScenario = null;
        for (String[] row : cells) {
            final String[] shown = row.clone();
            if (shown[0].equals(previousScenario)) {
                shown[0] = ""; // a scenario's rows follow each other: name it once
            }
            previousScenario = row[0];
            appendTextRow(table, shown, widths);
        }
        return table.toString();
    }

    private static void appendTextRow(StringBuilder table, String[] row, int[] widths) {
        final StringBuilder line = new StringBuilder();
        for (int column = 0; column < row.length; column++) {
            final boolean numeric = column == 2 || column == 4 || column == 5;
            final String format = numeric ? "%" + widths[column] + "s" : "%-" + widths[column] + "s";
            line.append(String.format(Locale.ROOT, format, row[column])).append("  ");
        }
        table.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }

    private static String markdown(List<String[]> machine, Settings settings, List<Line> lines, List<String> notes) {
        final StringBuilder md = new StringBuilder();
        md.append("# ksync comparison report\n\n");
        for (String[] entry : machine) {
            md.append("- ").append(entry[0]).append(": ").append(escape(entry[1])).append('\n');
        }
        md.append('\n');
        md.append('|');
        for (String title : HEADER) {
            md.append(' ').append(title).append(" |");
        }
        md.append("\n|");
        for (int column = 0; column < HEADER.length; column++) {
            final boolean numeric = column == 2 || column == 4 || column == 5;
            md.append(numeric ? " ---: |" : " --- |");
        }
        md.append('\n');
        for (String[] row : cells(lines)) {
            md.append('|');
            for (String cell : row) {
                md.append(' ').append(escape(cell)).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        for (String note : notes) {
            md.append(escape(note)).append("\n\n");
        }
        return md.toString();
    }

    private static String escape(String markdownText) {
        return markdownText.replace("|", "\\|");
    }

    private static List<String> notes(List<Line> lines) {
        final List<String> notes = new ArrayList<>();
        if (lines.stream().anyMatch(Line::hasRounds)) {
            notes.add("ratio = ksync/anchor throughput (higher is better for ksync): the median of the rounds' "
                    + "ratios [lowest-highest]; scores are the medians of the rounds ± half their range. met: yes "
                    + "when every round reaches the target, no when none does, unclear otherwise.");
        } else {
            notes.add("ratio = ksync/anchor throughput (higher is better for ksync); errors are JMH's 99.9% "
                    + "half-intervals, propagated to the ratio. met: yes/no when the error is clear of the target, "
                    + "unclear when it straddles it.");
        }
        final String sources = lines.stream()
                .filter(line -> line.row().target() != null)
                .map(line -> line.row().target().source())
                .distinct()
                .collect(Collectors.joining("; "));
        if (!sources.isEmpty()) {
            notes.add("targets from: " + sources + ".");
        }
        for (Line line : lines) {
            if (!line.ksync().isPresent()) {
                notes.add("no score for " + line.row().ksync().display() + ": " + line.ksync().problem());
            }
            if (!line.anchor().isPresent()) {
                notes.add("no score for " + line.row().anchor().display() + ": " + line.anchor().problem());
            }
        }
        return new ArrayList<>(notes.stream().distinct().collect(Collectors.toList()));
    }

    private static String format(Score score) {
        if (!score.isPresent()) {
            return "failed";
        }
        final int decimals = decimals(score.value);
        final String value = String.format(Locale.ROOT, "%." + decimals + "f", score.value);
        if (Double.isNaN(score.error)) {
            return value;
        }
        return value + " ± " + String.format(Locale.ROOT, "%." + decimals + "f", score.error);
    }

    private static String formatRatio(Line line) {
        final double ratio = line.ratio();
        final int decimals = Math.max(2, decimals(ratio));
        final String value = String.format(Locale.ROOT, "%." + decimals + "fx", ratio);
        if (line.hasRounds()) {
            return value + String.format(Locale.ROOT, " [%." + decimals + "f-%." + decimals + "f]",
                    Arrays.stream(line.roundRatios()).min().orElseThrow(),
                    Arrays.stream(line.roundRatios()).max().orElseThrow());
        }
        if (!line.hasErrors()) {
            return value;
        }
        return value + " ± " + String.format(Locale.ROOT, "%." + decimals + "f", line.ratioError());
    }

    /** Three significant digits, at least none after the point. */
    private static int decimals(double value) {
        final double magnitude = Math.abs(value);
        if (magnitude >= 100 || magnitude == 0 || !Double.isFinite(magnitude)) {
            return 0;
        }
        return Math.min(6, 2 - (int) Math.floor(Math.log10(magnitude)));
    }

    // ---- the machine ----

    private static List<String[]> machineInfo(Settings settings) {
        final List<String[]> info = new ArrayList<>();
        info.add(new String[] {"date", ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)});
        info.add(new String[] {"JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
                + " (" + System.getProperty("java.vendor") + "), JMH " + Version.getPlainVersion()});
        info.add(new String[] {"OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch")});
        cpuModel().ifPresent(model -> info.add(new String[] {"CPU", model}));
        info.add(new String[] {"cores", Runtime.getRuntime().availableProcessors() + " available to the JVM "
                + "(Cpus.count() = " + Cpus.count() + ", Cpus.current() from " + Cpus.source() + ")"});
        final double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        if (load >= 0) {
            final boolean busy = load > 0.5;
            info.add(new String[] {"load average", String.format(Locale.ROOT, "%.2f%s", load,
                    busy ? " (the machine is busy: scores and ratios will be noisy)" : "")});
        }
        info.add(new String[] {"settings", settings.describe()});
        return info;
    }

    private static Optional<String> cpuModel() {
        final Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    // ---- the command line ----

    private static Settings parse(String[] args) {
        boolean quick = false;
        Pattern filter = null;
        Path markdown = null;
        boolean listOnly = false;
        boolean verbose = false;
        Integer forks = null;
        int rounds = 1;
        Integer warmup = null;
        Integer iterations = null;
        Integer millis = null;
        for (int i = 0; i < args.length; i++) {
            final String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--quick" -> quick = true;
                case "--list" -> listOnly = true;
                case "--verbose" -> verbose = true;
                case "--filter" -> filter = pattern(value(args, ++i, arg));
                case "--markdown" -> markdown = Path.of(value(args, ++i, arg));
                case "--forks" -> forks = positiveInt(value(args, ++i, arg), arg);
                case "--rounds" -> rounds = positiveInt(value(args, ++i, arg), arg);
                case "--warmup" -> warmup = nonNegativeInt(value(args, ++i, arg), arg);
                case "--iterations" -> iterations = positiveInt(value(args, ++i, arg), arg);
                case "--time" -> millis = positiveInt(value(args, ++i, arg), arg);
                default -> {
                    if (arg.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + arg);
                    }
                    if (filter != null) {
                        throw new IllegalArgumentException("one filter only, got " + filter.pattern() + " and " + arg);
                    }
                    filter = pattern(arg);
                }
            }
        }
        // --quick: a smoke test; explicit numbers win over it
        return new Settings(forks != null ? forks : 1, rounds,
                warmup != null ? warmup : quick ? 2 : 3,
                iterations != null ? iterations : quick ? 3 : 5, // JMH gives no error below 3
                millis != null ? millis : quick ? 400 : 1000,
                filter, markdown, listOnly, verbose, quick);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static Pattern pattern(String regex) {
        try {
            return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad filter regex " + regex + ": " + e.getDescription());
        }
    }

    private static int positiveInt(String text, String option) {
        final int value = nonNegativeInt(text, option);
        if (value == 0) {
            throw new IllegalArgumentException(option + " must be >= 1, was 0");
        }
        return value;
    }

    private static int nonNegativeInt(String text, String option) {
        final int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, was " + text);
        }
        if (value < 0) {
            throw new IllegalArgumentException(option + " must be >= 0, was " + value);
        }
        return value;
    }

    /** Matches the row as one line: "scenario: ksync vs anchor (ksync benchmark vs anchor benchmark)". */
    private static boolean matches(Pattern filter, ComparisonRow row) {
        return filter.matcher(row.scenario() + ": " + row.ksyncName() + " vs " + row.anchorName() + " ("
                + row.ksync().display() + " vs " + row.anchor().display() + ")").find();
    }

    private static void list(List<ComparisonRow> rows, List<BenchmarkRef.Run> runs, Settings settings) {
        System.out.println("rows:");
        for (ComparisonRow row : rows) {
            System.out.println("  " + row.scenario() + ": " + row.ksyncName() + " vs " + row.anchorName()
                    + (row.target() == null ? "" : ", target " + row.target().display() + " (" + row.target().source()
                    + ")"));
            System.out.println("      " + row.ksync().display() + "  vs  " + row.anchor().display());
        }
        System.out.println("JMH runs (" + runs.size() + ", about " + minutes(runs.size() * settings.secondsPerRun())
                + " with " + settings.describe() + "):");
        runs.forEach(run -> System.out.println("  " + run.display()));
    }

    private static String minutes(double seconds) {
        return seconds < 90 ? Math.round(seconds) + " s"
                : String.format(Locale.ROOT, "%.1f min", seconds / 60.0);
    }

    private static String usage() {
        return String.join(System.lineSeparator(),
                "usage: java -cp benchmarks/target/benchmarks.jar io.ksync.bench.ComparisonReport [options] [REGEX]",
                "  --quick          smoke test: 2 warmup + 3 measurement iterations of 400 ms",
                "  --filter REGEX   only rows matching REGEX in \"scenario: ksync vs anchor (benchmarks)\" (also positional)",
                "  --markdown FILE  also write the report as Markdown to FILE",
                "  --forks N        JMH forks per benchmark (default 1)",
                "  --rounds N       run the plan N times, interleaved; medians and per-round ratio ranges (default 1)",
                "  --warmup N       warmup iterations (default 3)",
                "  --iterations N   measurement iterations (default 5)",
                "  --time MS        length of one iteration (default 1000)",
                "  --list           print the rows and the JMH runs they need, run nothing",
                "  --verbose        show JMH's own output");
    }
}
