package io.ksync.wait;

import io.ksync.internal.SleepHooks;
import java.util.Objects;

/**
 * The blocking hooks (DESIGN.md 3.9): registration of {@link BlockingHook}s, and {@link #run}/{@link #call}
 * to declare blocking that happens outside ksync, as {@link java.util.concurrent.ForkJoinPool.ManagedBlocker}
 * does for the fork-join pool. The kernel gets the same information from the scheduler: {@code schedule()} of
 * a workqueue worker calls {@code wq_worker_sleeping()} and its wake-up {@code wq_worker_running()}, and
 * {@code might_sleep()} lets lockdep catch a sleep under a spinlock; a JVM scheduler tells nobody, so ksync's
 * sleeping primitives say it themselves.
 *
 * <pre>{@code
 * // inside a work item: a blocking read the pool should know about
 * int n = Blocking.call(() -> channel.read(buffer));
 * }</pre>
 *
 * <p>Cost: with no hook registered, a sleeping primitive pays one load of a static field and a compare per
 * sleep, and {@link #run}/{@link #call} the same around the action; registered hooks are called in
 * registration order.
 */
public final class Blocking {

    private Blocking() {
    }

    /** An action that may block and may throw {@code X}. */
    @FunctionalInterface
    public interface BlockingRunnable<X extends Throwable> {
        void run() throws X;
    }

    /** An action that may block, returns a value and may throw {@code X}. */
    @FunctionalInterface
    public interface BlockingCallable<T, X extends Throwable> {
        T call() throws X;
    }

    /** A hook's registration; {@link #close()} removes the hook (idempotent). */
    public interface Registration extends AutoCloseable {
        /** Removes the hook; later sleeps do not call it. Calling it again does nothing. */
        @Override
        void close();
    }

    /**
     * Registers a hook for every thread's sleeps. The same hook registered twice is called twice.
     *
     * @return the registration, to close when the hook is no longer wanted
     * @throws NullPointerException if {@code hook} is null
     */
    public static Registration addHook(BlockingHook hook) {
        Objects.requireNonNull(hook, "hook must not be null");
        SleepHooks.Observer observer = new SleepHooks.Observer() {
            @Override
            public void beforeSleep(Object blocker) {
                hook.beforeSleep(blocker);
            }

            @Override
            public void afterWake(Object blocker) {
                hook.afterWake(blocker);
            }
        };
        SleepHooks.add(observer);
        return () -> SleepHooks.remove(observer);
    }

    /** Whether any hook is registered now. */
    public static boolean hasHooks() {
        return SleepHooks.active();
    }

    /**
     * Runs a blocking action, telling the hooks before and after it (with the action as the blocker). The
     * action's exception, if any, propagates unchanged after the "woke" call.
     */
    public static <X extends Throwable> void run(BlockingRunnable<X> action) throws X {
        Objects.requireNonNull(action, "action must not be null");
        SleepHooks.beforeSleep(action);
        try {
            action.run();
        } finally {
            SleepHooks.afterWake(action);
        }
    }

    /**
     * Runs a blocking action that returns a value, telling the hooks before and after it (with the action as
     * the blocker). The action's exception, if any, propagates unchanged after the "woke" call.
     */
    public static <T, X extends Throwable> T call(BlockingCallable<T, X> action) throws X {
        Objects.requireNonNull(action, "action must not be null");
        SleepHooks.beforeSleep(action);
        try {
            return action.call();
        } finally {
            SleepHooks.afterWake(action);
        }
    }
}
