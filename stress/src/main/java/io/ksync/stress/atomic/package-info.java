/**
 * jcstress tests for {@code io.ksync.atomic}: a refcount releases exactly once and never revives, a kref's
 * release action sees every holder's writes, and the {@code Barriers} mapping of the kernel's barriers onto
 * VarHandle fences and access modes, through the classic litmus shapes of the kernel's
 * {@code tools/memory-model/litmus-tests}: {@code MP} (message passing), {@code SB} (store buffering) and
 * {@code LB} (load buffering). Each shape has variants with the barrier or access mode the kernel code would
 * use, where the weak outcome is {@code FORBIDDEN}, and a {@code Plain} variant without them, where it is
 * {@code ACCEPTABLE_INTERESTING}: the count of the weak outcome there shows what the barrier buys on the
 * machine at hand (on x86 only SB shows it; MP and LB need a weakly ordered CPU or a reordering JIT).
 */
package io.ksync.stress.atomic;
