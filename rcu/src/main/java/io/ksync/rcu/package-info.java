/**
 * Read-copy-update (the kernel's {@code include/linux/rcupdate.h}, {@code include/linux/srcu.h},
 * {@code include/linux/rculist.h}, {@code kernel/rcu/}; liburcu's {@code urcu-qsbr}).
 *
 * <ul>
 *   <li>{@link io.ksync.rcu.RcuDomain}: the writer side every flavour shares: {@code synchronize_rcu},
 *   {@code synchronize_rcu_expedited}, {@code call_rcu}, {@code kfree_rcu} ({@code retire}),
 *   {@code rcu_barrier}, polled grace periods, and bounded callback queues.</li>
 *   <li>{@link io.ksync.rcu.Rcu}: epoch-based readers, {@code rcu_read_lock} / {@code rcu_read_unlock}, nestable,
 *   with a registered handle ({@code rcu_register_thread}) for the fastest read side.</li>
 *   <li>{@link io.ksync.rcu.QsbrRcu}: quiescent-state-based readers that pay nothing to read.</li>
 *   <li>{@link io.ksync.rcu.Srcu}: sleepable RCU, index-returning sections, grace periods private to an
 *   instance.</li>
 *   <li>{@link io.ksync.rcu.RcuReference}: {@code rcu_assign_pointer}, {@code rcu_dereference},
 *   {@code rcu_access_pointer}, {@code rcu_replace_pointer}.</li>
 *   <li>{@link io.ksync.rcu.RcuList} and {@link io.ksync.rcu.RcuHashMap}: collections with lock-free readers whose
 *   removed {@code AutoCloseable} elements are closed after a grace period.</li>
 * </ul>
 *
 * <p>Access modes, one vocabulary for the package: the {@code VarHandle} method names at the use site
 * ({@code getAcquire}, {@code setRelease}, {@code getOpaque}, {@code fullFence}); the kernel's {@code smp_mb()} is
 * {@code VarHandle.fullFence()}, {@code smp_store_release} a {@code setRelease}, {@code READ_ONCE} an opaque
 * load.
 */
package io.ksync.rcu;
