/**
 * jcstress tests for {@code io.ksync.wait}: a completion publishes what its completer wrote before
 * {@code complete()} or {@code completeAll()} to the wait it lets through (blocking, trying, and sticky), and a
 * wait queue loses no wake-up: through the open-coded loop API ({@code prepareToWait}, then the condition, then
 * {@code isWoken()}), either the waiter sees the waker's state change or the waker's {@code wakeUp()} reaches
 * the waiter's entry (the store-buffering shape, checked without ever blocking). The busted control
 * {@code io.ksync.stress.busted.CheckThenPrepareLostWakeUpTest} reads the condition before queueing and must
 * fail.
 */
package io.ksync.stress.wait;
