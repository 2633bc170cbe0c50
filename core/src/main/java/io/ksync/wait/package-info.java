/**
 * Wait mechanisms: the kernel's {@code include/linux/wait.h}, {@code include/linux/wait_bit.h} and
 * {@code include/linux/completion.h}, and the blocking hooks that let worker pools and lockdep see a thread go
 * to sleep.
 *
 * <ul>
 *   <li>{@link io.ksync.wait.WaitQueue}: {@code wait_queue_head_t}, {@code wait_event*}, {@code wake_up*}.</li>
 *   <li>{@link io.ksync.wait.WaitVar}: {@code wait_var_event*}, {@code wake_up_var}.</li>
 *   <li>{@link io.ksync.wait.Completion}: {@code struct completion}.</li>
 *   <li>{@link io.ksync.wait.Blocking}, {@link io.ksync.wait.BlockingHook}: "about to sleep" / "woke".</li>
 * </ul>
 * The sleeping locks ({@code Mutex}, {@code Semaphore}, {@code RwSemaphore}) live in {@link io.ksync.lock}.
 *
 * <p>Every sleep here parks with {@link java.util.concurrent.locks.LockSupport}: no {@code synchronized}, no
 * {@code Object.wait}, so a virtual thread that waits releases its carrier. Orderings follow the vocabulary
 * of {@link io.ksync.lock} (the VarHandle method at the use site, with what it pairs with).
 */
package io.ksync.wait;
