/**
 * jcstress tests for {@code io.ksync.workqueue} ({@code kernel/workqueue.c}): {@code queue_work} from two threads
 * on a work that may be pending or running loses no run and adds none (a queueing that returns true makes one
 * run; one that returns false rides on the pending instance, which sees what the caller wrote before it), and the
 * work is never reentrant ({@code WorkQueueNoLostRunTest}); {@code cancel_work_sync} returns only when the work is
 * neither pending nor running, with the run's actions visible, and nothing queued before it runs afterwards
 * ({@code WorkCancelSyncTest}); {@code queue_work} against {@code cancel_work_sync} on an idle work: the canceller
 * takes the instance, or it runs once, or the queueing fails while the canceller holds it
 * ({@code WorkQueueVsCancelSyncTest}). One set of worker pools and one queue serve every state
 * ({@code SharedWorkqueue}).
 */
package io.ksync.stress.workqueue;
