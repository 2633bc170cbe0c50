/**
 * Softirqs and tasklets (the kernel's {@code include/linux/interrupt.h}, {@code kernel/softirq.c}).
 *
 * <p>This package will hold the fixed softirq vectors run by per-CPU {@code ksoftirqd} threads and
 * tasklets with the kernel's exact scheduling rules, as specified in the project's design document
 * (section 3.11). It is empty in this release.
 */
package io.ksync.softirq;
