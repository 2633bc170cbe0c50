/**
 * jcstress tests for {@code io.ksync.timer} ({@code kernel/time/timer.c}): {@code mod_timer} from two threads on
 * one timer leaves exactly one pending instance, each caller told truthfully whether it found the timer pending
 * ({@code TimerModTwoThreadsTest}); {@code del_timer_sync} never returns while the callback runs, and everything
 * the callback did is visible when it returns ({@code TimerDeleteSyncTest}); {@code hrtimer_cancel} the same, against
 * a callback that restarts its timer ({@code HrTimerCancelTest}). The busted controls
 * {@code io.ksync.stress.busted.CheckThenAddTimerTest} (arming with a pending check, then {@code add}) and
 * {@code io.ksync.stress.busted.DeleteInsteadOfDeleteSyncTest} (the 2000 netdev bug: {@code del_timer} where
 * {@code del_timer_sync} was needed) run the same shapes and must fail.
 */
package io.ksync.stress.timer;
