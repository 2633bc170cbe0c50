/**
 * Internals that several families of {@code io.ksync.core} share. Not exported from the module; nothing here
 * is API, and everything may change without notice.
 *
 * <ul>
 *   <li>{@link io.ksync.internal.WaitList} and {@link io.ksync.internal.Waiter}: the guarded FIFO of sleeping
 *   threads behind every sleeping primitive (the kernel's {@code wait_lock} plus {@code wait_list}), and the
 *   one place where ksync parks a thread.</li>
 *   <li>{@link io.ksync.internal.SleepHooks}: the registry behind {@code io.ksync.wait.Blocking}.</li>
 * </ul>
 */
package io.ksync.internal;
