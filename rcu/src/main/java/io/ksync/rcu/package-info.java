/**
 * Read-copy-update (the kernel's {@code include/linux/rcupdate.h}, {@code include/linux/srcu.h},
 * {@code kernel/rcu/}).
 *
 * <ul>
 *   <li>{@link io.ksync.rcu.Rcu}: an RCU domain with epoch-based readers: {@code rcu_read_lock},
 *   {@code rcu_read_unlock}, registered readers ({@code rcu_register_thread}), {@code synchronize_rcu} and
 *   {@code synchronize_rcu_expedited}, with shared grace periods and detection of reader threads that die inside
 *   a section.</li>
 *   <li>{@link io.ksync.rcu.RcuReference}: {@code rcu_assign_pointer}, {@code rcu_dereference},
 *   {@code rcu_access_pointer}, {@code rcu_replace_pointer}.</li>
 * </ul>
 * Still to come (issue 6): callbacks ({@code call_rcu}, {@code rcu_barrier}, {@code kfree_rcu}), polled grace
 * periods, QSBR and SRCU flavours, and RCU lists and hash maps.
 *
 * <p>Access modes, one vocabulary for the package: the {@code VarHandle} method names at the use site
 * ({@code getAcquire}, {@code setRelease}, {@code getOpaque}, {@code fullFence}); the kernel's {@code smp_mb()} is
 * {@code VarHandle.fullFence()}, {@code smp_store_release} a {@code setRelease}, {@code READ_ONCE} an opaque
 * load.
 */
package io.ksync.rcu;
