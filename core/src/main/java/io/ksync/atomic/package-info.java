/**
 * Atomics and reference counts: the kernel's {@code include/linux/refcount.h}, {@code include/linux/kref.h},
 * {@code include/linux/bitops.h} and {@code include/asm-generic/bitops/}, {@code include/asm-generic/barrier.h}
 * and {@code include/linux/jiffies.h}.
 *
 * <ul>
 *   <li>{@link io.ksync.atomic.Refcount}: {@code refcount_t}, a reference count that saturates instead of
 *   wrapping, and reports every increment from zero, overflow and underflow.</li>
 *   <li>{@link io.ksync.atomic.Kref}: {@code struct kref}, a {@code Refcount} with a release action run
 *   exactly once, when the last reference is dropped.</li>
 *   <li>{@link io.ksync.atomic.AtomicBits}: a fixed-size bitmap with the kernel's atomic bit operations
 *   ({@code set_bit}, {@code test_and_set_bit}, {@code test_and_set_bit_lock}, {@code find_first_bit}, ...).</li>
 *   <li>{@link io.ksync.atomic.Barriers}: {@code smp_mb}, {@code smp_rmb}, {@code smp_wmb} and their friends
 *   as {@link java.lang.invoke.VarHandle} fences, with the whole kernel-to-JVM ordering table.</li>
 *   <li>{@link io.ksync.atomic.Jiffies}: wrap-safe comparisons of tick counts ({@code time_after},
 *   {@code time_in_range}, ...) for 32- and 64-bit clocks.</li>
 * </ul>
 *
 * <h2>Access-mode vocabulary</h2>
 * Every class in this package keeps the {@link java.lang.invoke.VarHandle} call visible at the use site and
 * names the ordering by the VarHandle method, with a comment saying what it pairs with, as
 * {@link io.ksync.lock} does. The kernel's names map as follows (the justification of each line is in
 * {@link io.ksync.atomic.Barriers}):
 * <table class="striped">
 *   <caption>Kernel orderings and their VarHandle counterparts in this package</caption>
 *   <thead><tr><th>kernel</th><th>here</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code READ_ONCE} / {@code WRITE_ONCE}, {@code atomic_read} / {@code atomic_set},
 *         {@code refcount_read} / {@code refcount_set}, {@code test_bit}</td>
 *         <td>{@code getOpaque} / {@code setOpaque}</td></tr>
 *     <tr><td>{@code smp_load_acquire}, {@code atomic_read_acquire}, {@code test_bit_acquire}</td>
 *         <td>{@code getAcquire}</td></tr>
 *     <tr><td>{@code smp_store_release}, {@code atomic_set_release}, {@code refcount_set_release}</td>
 *         <td>{@code setRelease}</td></tr>
 *     <tr><td>{@code atomic_*_relaxed} RMW ({@code atomic_fetch_add_relaxed} in {@code refcount_inc},
 *         {@code atomic_try_cmpxchg_relaxed} in {@code refcount_inc_not_zero}); the non-returning bit
 *         operations {@code set_bit}, {@code clear_bit}, {@code change_bit}</td>
 *         <td>the default (volatile) RMW: {@code getAndAdd}, {@code compareAndExchange},
 *         {@code getAndBitwiseOr}. VarHandle has no relaxed fetch-add or exact relaxed CAS (only the
 *         spuriously failing {@code weakCompareAndSetPlain}), and on x86 a relaxed RMW would cost the same
 *         locked instruction</td></tr>
 *     <tr><td>{@code _acquire} RMW ({@code test_and_set_bit_lock})</td>
 *         <td>{@code getAndBitwiseOrAcquire}, {@code compareAndExchangeAcquire}</td></tr>
 *     <tr><td>{@code _release} RMW ({@code atomic_fetch_sub_release} in {@code refcount_dec_and_test},
 *         {@code atomic_try_cmpxchg_release} in {@code refcount_dec_not_one}, {@code clear_bit_unlock})</td>
 *         <td>{@code getAndAddRelease}, {@code compareAndExchangeRelease}, {@code getAndBitwiseAndRelease}</td></tr>
 *     <tr><td>fully ordered RMW ({@code atomic_*_return}, {@code xchg}, {@code cmpxchg},
 *         {@code test_and_set_bit}, {@code test_and_clear_bit}, {@code test_and_change_bit})</td>
 *         <td>the default (volatile) RMW: {@code getAndBitwiseOr}, {@code getAndBitwiseAnd},
 *         {@code getAndBitwiseXor}</td></tr>
 *     <tr><td>{@code smp_acquire__after_ctrl_dep}</td>
 *         <td>{@code VarHandle.acquireFence()}: Java has no control-dependency ordering, so the fence carries
 *         the whole acquire</td></tr>
 *     <tr><td>{@code smp_rmb} / {@code smp_wmb} / {@code smp_mb}</td>
 *         <td>{@code VarHandle.loadLoadFence} / {@code storeStoreFence} / {@code fullFence}</td></tr>
 *   </tbody>
 * </table>
 * A plain {@code get} or {@code set} appears only on memory no other thread can reach yet (a constructor) and
 * says so. Error paths that saturate a counter use {@code setVolatile}: their cost does not matter and the
 * strongest store needs no argument.
 */
package io.ksync.atomic;
