/**
 * Bounded single-producer, single-consumer FIFOs with power-of-two capacities: the kernel's kfifo
 * ({@code include/linux/kfifo.h}, {@code lib/kfifo.c}, and the programs in {@code samples/kfifo/}).
 *
 * <ul>
 *   <li>{@link io.ksync.fifo.Kfifo}: a fifo of references ({@code DECLARE_KFIFO_PTR(fifo, type)}),
 *   {@code put}/{@code get}/{@code peek} and bulk {@code in}/{@code out} through arrays.</li>
 *   <li>{@link io.ksync.fifo.ByteFifo}: a byte stream ({@code struct kfifo}, {@code DECLARE_KFIFO(fifo,
 *   unsigned char, size)}), on the heap or off it, with bulk transfers from and to arrays, {@code ByteBuffer}s
 *   and channels (the {@code kfifo_from_user}/{@code kfifo_to_user} analog).</li>
 *   <li>{@link io.ksync.fifo.RecordFifo}: variable-length records behind a one- or two-byte length header
 *   ({@code kfifo_rec_ptr_1}, {@code kfifo_rec_ptr_2}), whole record in, whole record out.</li>
 * </ul>
 *
 * <p>All three follow the kernel's design: free-running 32-bit {@code in} and {@code out} counters masked
 * by {@code capacity - 1} (requested capacities round up, as {@code kfifo_alloc} does; at most
 * {@code 2^30}); one producer and one consumer need no lock; several producers (or consumers) serialise on
 * the side's lock through the {@code ...Locked} methods ({@code kfifo_in_spinlocked},
 * {@code kfifo_out_spinlocked}), while the other side may stay lock-free. Each side caches the other side's
 * counter and writes only its own cache line. The system property {@code ksync.fifo.debug=true}, read when a
 * fifo is constructed, makes the lock-free methods detect two threads overlapping on one side
 * ({@link java.lang.IllegalStateException}).
 *
 * <h2>Access-mode vocabulary</h2>
 * Every class in this package keeps the {@link java.lang.invoke.VarHandle} call visible at the use site
 * ({@code IN.setRelease(this, in + n)}, {@code OUT.getAcquire(this)}) and names the ordering by the VarHandle
 * method, with a comment saying what it pairs with, as {@link io.ksync.lock} does. The kernel's names map as
 * follows:
 * <table class="striped">
 *   <caption>Kernel orderings in kfifo and their VarHandle counterparts here</caption>
 *   <thead><tr><th>kernel</th><th>here</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code smp_wmb()} at the end of {@code kfifo_copy_in()}, then {@code fifo->in += len}</td>
 *         <td>{@code IN.setRelease}: orders the payload stores before the new index</td></tr>
 *     <tr><td>{@code smp_wmb()} at the end of {@code kfifo_copy_out()}, then {@code fifo->out += len}</td>
 *         <td>{@code OUT.setRelease}: orders the payload loads (and {@code Kfifo}'s clearing stores) before
 *         the new index; a release, because a write barrier does not order loads</td></tr>
 *     <tr><td>the plain read of {@code fifo->in} by the reader, of {@code fifo->out} by the writer</td>
 *         <td>{@code IN.getAcquire} / {@code OUT.getAcquire}, when the side's cache runs out: the JMM has
 *         no dependency ordering to lean on</td></tr>
 *     <tr><td>the writer's own {@code fifo->in}, the reader's own {@code fifo->out}</td>
 *         <td>plain ({@code IN.get} / {@code OUT.get}): each side is the only writer of its index</td></tr>
 *     <tr><td>payload {@code memcpy}</td><td>plain array or {@code ByteBuffer} accesses</td></tr>
 *     <tr><td>{@code kfifo_reset} ({@code fifo->in = fifo->out = 0})</td>
 *         <td>{@code setVolatile}, legal only while no other thread uses the fifo</td></tr>
 *     <tr><td>{@code spin_lock_irqsave} / {@code spin_unlock_irqrestore} in the {@code _spinlocked}
 *         macros</td><td>{@link io.ksync.lock.QueuedSpinLock} {@code lock()} / {@code unlock()}</td></tr>
 *   </tbody>
 * </table>
 * A plain access appears only where a single thread writes the field (a side's own index and its cache)
 * and says so. The debug check uses {@code compareAndExchange} (volatile) to claim a side and
 * {@code setRelease} to give it back.
 */
package io.ksync.fifo;
