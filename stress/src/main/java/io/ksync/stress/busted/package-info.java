/**
 * Busted controls, in the spirit of the kernel's locktorture {@code lock_busted}: deliberately broken
 * implementations, each run through the same shape as a real test, with the outcome the bug produces declared
 * {@code FORBIDDEN}. Every test here must FAIL: {@code stress/run-quick.sh} runs this package apart from the real
 * suite and fails if any of them passes, because a harness that cannot catch a broken lock proves nothing about a
 * correct one. Only bugs that x86 (TSO) exposes reliably are used: a missing atomic read-modify-write (also a
 * per-CPU counter whose slot add is a get then a set), a missing retry check or odd count, a writer that modifies
 * the copy readers use, store buffering without a full fence, a waiter that checks its condition before it queues
 * for the wake-up (the lost wake-up of the kernel's old {@code sleep_on}), a fifo index published before the
 * element it covers, a per-CPU reader that checks the writer's flag before it counts itself in, and a QSBR reader
 * that reports its quiescent state before its last read of what it dereferenced
 * ({@code QuiescentStateBeforeLastReadQsbrTest}: caught in the compiled configurations; under {@code -Xint} the
 * writer seldom gets through in time).
 * A missing acquire or release alone (message passing, load buffering) is invisible on x86 and would make a
 * control that passes there.
 */
package io.ksync.stress.busted;
