/**
 * jcstress tests for {@code io.ksync.lock}: mutual exclusion and visibility of the spinning locks (through
 * {@code lock()}, {@code tryLock()}, the interruptible and timed forms and the {@code ReadWriteLock} views) and of
 * the sleeping locks ({@code Mutex}; {@code RwSemaphore}, whose readers never overlap a writer, also across
 * {@code downgradeWrite()}), and the sequence locks' promise that a read accepted by {@code readRetry} is never
 * torn.
 */
package io.ksync.stress.lock;
