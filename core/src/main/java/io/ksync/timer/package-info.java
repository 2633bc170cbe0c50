/**
 * Timers: the kernel's {@code include/linux/timer.h}, {@code kernel/time/timer.c}, {@code include/linux/hrtimer.h}
 * and {@code kernel/time/hrtimer.c}.
 *
 * <ul>
 *   <li>{@link io.ksync.timer.TimerWheel}: the non-cascading hierarchical timer wheel (Linux 4.8 and later) as a
 *   passive structure that the caller's event loop drives: O(1) schedule, reschedule and cancel, expiry in
 *   deadline order, the next expiry found from per-level bitmaps.</li>
 *   <li>{@link io.ksync.timer.TimerService}: one wheel per CPU ({@code struct timer_base}), each with a thread
 *   that sleeps until its next expiry (NOHZ) and runs the callbacks due.</li>
 *   <li>{@link io.ksync.timer.Timer}: {@code struct timer_list}: {@code add_timer}, {@code mod_timer},
 *   {@code del_timer}, {@code del_timer_sync}, {@code timer_shutdown_sync} and the rest, with the kernel's
 *   rules.</li>
 *   <li>{@link io.ksync.timer.HrTimer}: {@code struct hrtimer}: nanosecond expiries kept in exact order on a
 *   separate tier of the same bases, restart and forward for drift-free periodic timers.</li>
 *   <li>{@link io.ksync.timer.TimerClock}, {@link io.ksync.timer.ManualTimerClock}: the clock a service reads
 *   and sleeps on; the manual one is virtual time for deterministic tests.</li>
 * </ul>
 *
 * <p>Access modes, one vocabulary for the package: the {@code VarHandle} method names at the use site
 * ({@code getAcquire}, {@code setRelease}, {@code getOpaque}). Everything a wheel holds is guarded by its
 * owner (the caller's thread, or a base's lock); the only lockless reads are the kernel's: {@code timer_pending}
 * (an acquire load of the bucket index) and {@code mod_timer}'s same-expiry shortcut (an opaque load of the
 * expiry after it).
 */
package io.ksync.timer;
