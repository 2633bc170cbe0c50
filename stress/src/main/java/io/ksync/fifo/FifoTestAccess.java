package io.ksync.fifo;

/**
 * The jcstress tests' door to the kfifo test hook {@code startIndicesAt(int)}, which is package-private so that
 * it stays out of the API: it starts both free-running counters of an empty fifo at a chosen value, so that a
 * test crosses the counters' wrap at {@code 2^32} within a handful of operations.
 *
 * <p>Why this class lives in {@code io.ksync.fifo} but in the stress module: the stress tests run from
 * {@code jcstress.jar}, an uber-jar on the class path into which ksync-core is shaded without its
 * {@code module-info}, so this class and the fifo classes share one class loader and one runtime package, and
 * package-private access works across the two source trees (a split package that would not load as named
 * modules, and need not). Nothing outside {@code io.ksync.stress} may use it.
 */
public final class FifoTestAccess {

    private FifoTestAccess() {
    }

    /**
     * Starts both counters of an empty {@link Kfifo} at {@code index}, before any other thread uses it.
     *
     * @param fifo  an empty fifo that no other thread uses yet
     * @param index the value of {@code in} and {@code out}, e.g. {@code -1} for one step before the wrap
     * @throws IllegalStateException if the fifo is not empty
     */
    public static void startIndicesAt(Kfifo<?> fifo, int index) {
        fifo.startIndicesAt(index);
    }

    /**
     * Starts both counters of an empty {@link ByteFifo} at {@code index}, before any other thread uses it.
     *
     * @param fifo  an empty fifo that no other thread uses yet
     * @param index the value of {@code in} and {@code out}
     * @throws IllegalStateException if the fifo is not empty
     */
    public static void startIndicesAt(ByteFifo fifo, int index) {
        fifo.startIndicesAt(index);
    }

    /**
     * Starts both counters of an empty {@link RecordFifo} at {@code index}, before any other thread uses it.
     *
     * @param fifo  an empty fifo that no other thread uses yet
     * @param index the value of {@code in} and {@code out}
     * @throws IllegalStateException if the fifo is not empty
     */
    public static void startIndicesAt(RecordFifo fifo, int index) {
        fifo.startIndicesAt(index);
    }
}
