/**
 * Concurrency-managed workqueues (the kernel's {@code include/linux/workqueue.h},
 * {@code kernel/workqueue.c}).
 *
 * <p>This package will hold worker pools, {@code Workqueue}, {@code Work} and {@code DelayedWork}, as
 * specified in the project's design document (section 3.12). It is empty in this release.
 */
package io.ksync.workqueue;
