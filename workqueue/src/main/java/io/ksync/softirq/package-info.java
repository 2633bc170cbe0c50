/**
 * Softirqs and tasklets (the kernel's {@code include/linux/interrupt.h}, {@code kernel/softirq.c}).
 *
 * <ul>
 *   <li>{@link io.ksync.softirq.Softirq}: the fixed vectors ({@code HI} .. {@code RCU}) raised per CPU and run
 *   by per-CPU {@code ksoftirqd} threads, highest priority first, one handler at a time per CPU.</li>
 *   <li>{@link io.ksync.softirq.Tasklet}: a function serialised with itself on top of the {@code HI} and
 *   {@code TASKLET} vectors, with the kernel's scheduling, disable/enable and kill rules.</li>
 * </ul>
 *
 * <p>Access-mode vocabulary: VarHandle calls stay visible at the use site ({@code STATE.compareAndSet},
 * {@code PENDING.getAndBitwiseOr}); a volatile field read or write is a sequentially consistent access and is
 * used where a Dekker pair needs it (the comments say which). The kernel's {@code smp_mb__after_atomic()}
 * after an atomic RMW is implied by every VarHandle RMW, which is a full fence.
 */
package io.ksync.softirq;
