/**
 * Spinning locks, sequence locks and sleeping locks: the kernel's {@code include/linux/spinlock.h},
 * {@code include/asm-generic/qspinlock.h}, {@code include/asm-generic/qrwlock.h},
 * {@code include/linux/seqlock.h}, {@code include/linux/mutex.h}, {@code include/linux/semaphore.h} and
 * {@code include/linux/rwsem.h}.
 *
 * <ul>
 *   <li>{@link io.ksync.lock.TicketSpinLock}: FIFO ticket lock ({@code arch_spinlock_t}, ticket flavour).</li>
 *   <li>{@link io.ksync.lock.QueuedSpinLock}: the kernel's {@code qspinlock}: one word, pending bit, MCS
 *   queue of per-thread nodes.</li>
 *   <li>{@link io.ksync.lock.RwSpinLock}: {@code rwlock_t}, reader-preferring or queued ({@code qrwlock}).</li>
 *   <li>{@link io.ksync.lock.SeqCount}, {@link io.ksync.lock.SeqLock}, {@link io.ksync.lock.SeqLatch}:
 *   {@code seqcount_t}, {@code seqlock_t}, {@code seqcount_latch_t}.</li>
 *   <li>{@link io.ksync.lock.Mutex}, {@link io.ksync.lock.Semaphore}, {@link io.ksync.lock.RwSemaphore}:
 *   {@code struct mutex}, {@code struct semaphore}, {@code struct rw_semaphore}; they sleep (park) and tell
 *   the blocking hooks of {@link io.ksync.wait.Blocking}.</li>
 *   <li>{@link io.ksync.lock.SpinWait}: how every lock here waits (the JVM's answer to a lock holder that can
 *   be preempted).</li>
 * </ul>
 *
 * <h2>Access-mode vocabulary</h2>
 * Every class in this package keeps the {@link java.lang.invoke.VarHandle} call visible at the use site and
 * names the ordering by the VarHandle method, with a comment saying what it pairs with. The kernel's names
 * map as follows:
 * <table class="striped">
 *   <caption>Kernel orderings and their VarHandle counterparts</caption>
 *   <thead><tr><th>kernel</th><th>here</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code READ_ONCE} / {@code WRITE_ONCE}</td><td>{@code getOpaque} / {@code setOpaque}</td></tr>
 *     <tr><td>{@code smp_load_acquire}, {@code atomic_read_acquire}, {@code smp_cond_load_acquire}</td>
 *         <td>{@code getAcquire} (in a loop for the last)</td></tr>
 *     <tr><td>{@code smp_store_release}, {@code atomic_set_release}</td><td>{@code setRelease}</td></tr>
 *     <tr><td>{@code atomic_*_relaxed} RMW</td><td>the plain RMW ({@code getAndAdd}, {@code compareAndSet}):
 *         the JVM has no cheaper relaxed RMW on x86 or arm64 worth the weaker guarantee</td></tr>
 *     <tr><td>{@code atomic_*_acquire} / {@code _release} RMW</td>
 *         <td>{@code compareAndExchangeAcquire}, {@code getAndBitwiseOrAcquire},
 *         {@code getAndBitwiseAndRelease}, ...</td></tr>
 *     <tr><td>fully ordered RMW ({@code xchg}, {@code cmpxchg}, {@code atomic_*_return})</td>
 *         <td>the volatile RMW ({@code getAndAdd}, {@code compareAndExchange})</td></tr>
 *     <tr><td>{@code smp_rmb} / {@code smp_wmb} / {@code smp_mb}</td>
 *         <td>{@code VarHandle.acquireFence} or {@code loadLoadFence} / {@code storeStoreFence} /
 *         {@code fullFence}</td></tr>
 *   </tbody>
 * </table>
 * A plain {@code get} appears only where a single thread writes the field (the lock holder reading its own
 * state) and says so.
 */
package io.ksync.lock;
