package io.ksync.bench;

import java.util.Locale;
import java.util.Objects;

/**
 * One line of the {@link ComparisonReport}: a ksync primitive in one scenario, what a user would pick instead
 * (its anchor), and optionally the ratio ksync/anchor it should reach. Rows live in {@link ComparisonRows}.
 *
 * @param scenario   what is measured, the same for both sides ("uncontended lock+unlock, 1 thread")
 * @param ksyncName  the ksync primitive as the table shows it
 * @param ksync      where its score comes from
 * @param anchorName the anchor as the table shows it
 * @param anchor     where the anchor's score comes from
 * @param target     the ratio ksync/anchor to reach, or {@code null} for a row that only informs
 */
public record ComparisonRow(String scenario, String ksyncName, BenchmarkRef ksync, String anchorName,
                            BenchmarkRef anchor, Target target) {

    public ComparisonRow {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(ksyncName, "ksyncName");
        Objects.requireNonNull(ksync, "ksync");
        Objects.requireNonNull(anchorName, "anchorName");
        Objects.requireNonNull(anchor, "anchor");
    }

    /**
     * The least ratio ksync/anchor a row should reach (both scores are throughput, so higher is better for
     * ksync), and who set it.
     *
     * @param minRatio the least acceptable ksync/anchor ratio, {@code > 0}
     * @param display  how the table shows it ({@code >= 1x}, {@code >= 0.67x (within 1.5x)})
     * @param source   who set it ({@code issue 2}, {@code DESIGN.md 3.1})
     */
    public record Target(double minRatio, String display, String source) {

        public Target {
            if (!(minRatio > 0)) {
                throw new IllegalArgumentException("minRatio must be > 0, was " + minRatio);
            }
            Objects.requireNonNull(display, "display");
            Objects.requireNonNull(source, "source");
        }

        /**
         * ksync at least {@code factor} times the anchor's throughput; 1 means at least as fast.
         *
         * @param factor the least ratio, {@code > 0}
         * @param source who set the target
         * @return the target
         */
        public static Target atLeast(double factor, String source) {
            return new Target(factor, ">= " + trim(factor) + "x", source);
        }

        /**
         * ksync no slower than the anchor's throughput divided by {@code factor}.
         *
         * @param factor how many times slower than the anchor ksync may be, {@code >= 1}
         * @param source who set the target
         * @return the target
         */
        public static Target within(double factor, String source) {
            if (!(factor >= 1.0)) {
                throw new IllegalArgumentException("within(factor) needs factor >= 1, was " + factor);
            }
            return new Target(1.0 / factor, String.format(Locale.ROOT, ">= %.2fx (within %sx)", 1.0 / factor,
                    trim(factor)), source);
        }

        private static String trim(double factor) {
            return factor == Math.rint(factor) ? Long.toString((long) factor) : Double.toString(factor);
        }
    }
}
