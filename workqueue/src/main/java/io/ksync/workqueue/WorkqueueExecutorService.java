package io.ksync.workqueue;

import io.ksync.wait.Completion;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link java.util.concurrent.ExecutorService} view of a {@link Workqueue} ({@link Workqueue#asExecutorService()}).
 *
 * <ul>
 *   <li>{@link #execute} queues a new {@link Work} for the task; after {@link #shutdown()} it throws
 *   {@link RejectedExecutionException}, as do queueings the queue refuses.</li>
 *   <li>{@link #shutdown()} refuses new tasks and, on a background thread, drains then destroys the queue; the
 *   view is terminated when the queue is destroyed. It does not wait. A queue destroyed directly
 *   ({@link Workqueue#destroy()}) shuts its view down and terminates it the same way.</li>
 *   <li>{@link #shutdownNow()} also cancels the tasks submitted through this view that have not started, and
 *   returns them; running tasks are not interrupted (a worker runs other queues' works too).</li>
 *   <li>A system queue cannot be destroyed: {@link #shutdown()} of its view throws
 *   {@link IllegalStateException}.</li>
 * </ul>
 */
final class WorkqueueExecutorService extends AbstractExecutorService {

    private final Workqueue wq;
    private final AtomicBoolean shutdown = new AtomicBoolean();
    private final Completion terminated = new Completion();
    /** Tasks submitted through this view that have not started, for shutdownNow(). */
    private final Set<TaskWork> notStarted = ConcurrentHashMap.newKeySet();

    WorkqueueExecutorService(Workqueue wq) {
        this.wq = wq;
    }

    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        if (shutdown.get()) {
            throw new RejectedExecutionException("the executor of workqueue " + wq.name() + " is shut down");
        }
        final TaskWork task = new TaskWork(command);
        notStarted.add(task);
        try {
            wq.queue(task.work);
        } catch (IllegalStateException e) {
            notStarted.remove(task);
            throw new RejectedExecutionException(e.getMessage(), e);
        }
    }

    @Override
    public void shutdown() {
        if (wq.isSystemQueue()) {
            throw new IllegalStateException("the system workqueue " + wq.name() + " is shared and cannot be shut "
                    + "down");
        }
        if (!shutdown.compareAndSet(false, true)) {
            return;
        }
        final Thread destroyer = new Thread(() -> {
            try {
                wq.destroy();
            } finally {
                terminated.completeAll(); // also done by destroy() itself; a second completeAll changes nothing
            }
        }, "workqueue-shutdown-" + wq.name());
        destroyer.setDaemon(true);
        destroyer.start();
    }

    /** The queue is being destroyed directly ({@link Workqueue#destroy()}): the view is shut down. */
    void queueDestroying() {
        shutdown.set(true);
    }

    /** The queue's destroy() has returned: the view is terminated. */
    void queueDestroyed() {
        shutdown.set(true);
        terminated.completeAll();
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        final List<Runnable> cancelled = new ArrayList<>();
        for (TaskWork task : notStarted) {
            if (task.work.cancel()) {
                notStarted.remove(task);
                cancelled.add(task.command);
            }
        }
        return cancelled;
    }

    @Override
    public boolean isShutdown() {
        return shutdown.get();
    }

    @Override
    public boolean isTerminated() {
        return terminated.isDone();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        if (terminated.isDone()) {
            return true;
        }
        return terminated.waitForCompletionInterruptibleTimeout(Math.max(0, timeout), unit) > 0;
    }

    @Override
    public String toString() {
        return "ExecutorService[" + wq + (isTerminated() ? ", terminated]" : isShutdown() ? ", shut down]" : "]");
    }

    /** A task of the view and its work. */
    private final class TaskWork implements Runnable {
        final Runnable command;
        final Work work = new Work(this);

        TaskWork(Runnable command) {
            this.command = command;
        }

        @Override
        public void run() {
            notStarted.remove(this);
            command.run();
        }

        @Override
        public String toString() {
            return command.toString();
        }
    }
}
