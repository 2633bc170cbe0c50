/**
 * jcstress tests for {@code io.ksync.fifo}, the kfifo ring buffers ({@code include/linux/kfifo.h}): message
 * passing through each kind ({@code KfifoMPTest}, {@code ByteFifoMPTest}, {@code RecordFifoMPTest}: what the
 * consumer takes out is fully written, element, bytes or whole record, along every pair of single and bulk
 * paths); nothing lost, duplicated or reordered while the free-running 32-bit counters wrap
 * ({@code FifoWrapNoLossTest}: small fifos started just below {@code 2^32} through the test hook
 * {@code io.ksync.fifo.FifoTestAccess}, record headers straddling the end of the storage); and several producers
 * or consumers serialised by the {@code ...Locked} methods ({@code KfifoLockedNoLossTest}). Every test has an
 * arbiter or a consumer that accounts for each item, so a lost or duplicated one fails as surely as a torn one.
 * The busted control {@code io.ksync.stress.busted.PublishBeforeWriteKfifoMPTest} runs the {@code MP} shape over
 * a fifo that publishes its index before it stores the element, and must fail.
 */
package io.ksync.stress.fifo;
