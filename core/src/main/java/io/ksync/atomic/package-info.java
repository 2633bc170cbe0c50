/**
 * Atomics and reference counts: the kernel's {@code include/linux/refcount.h}, {@code include/linux/kref.h},
 * {@code include/linux/bitops.h} and {@code include/asm-generic/bitops/}, {@code include/asm-generic/barrier.h}
 * and {@code include/linux/jiffies.h}.
 */
package io.ksync.atomic;
