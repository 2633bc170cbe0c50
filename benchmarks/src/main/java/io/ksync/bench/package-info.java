/**
 * The benchmark comparison: {@link io.ksync.bench.ComparisonReport} runs a short JMH suite and prints each ksync
 * primitive's throughput next to its anchor's, with the ratio and the target; {@link io.ksync.bench.ComparisonRows}
 * lists the rows. The JMH classes themselves live in one sub-package per family ({@code io.ksync.bench.lock},
 * {@code io.ksync.bench.wait}), each holding ksync and its anchors side by side.
 */
package io.ksync.bench;
