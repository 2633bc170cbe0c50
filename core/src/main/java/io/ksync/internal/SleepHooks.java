package io.ksync.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The registry of sleep observers behind the public {@code io.ksync.wait.Blocking} SPI: every thread that is
 * about to park in a ksync primitive calls {@link #beforeSleep(Object)}, and {@link #afterWake(Object)} once it
 * runs again.
 *
 * <p>Zero cost when nothing is registered: the two entry points read one static field and compare it with the
 * shared empty array; the JIT folds nothing away (the field can change), but the check is one load and one
 * compare on a path that is about to park anyway.
 */
public final class SleepHooks {

    /** What the public SPI adapts its hooks to; called on the sleeping thread. */
    public interface Observer {
        void beforeSleep(Object blocker);

        void afterWake(Object blocker);
    }

    private static final Observer[] NONE = new Observer[0];

    /** Copy-on-write array of observers, replaced by compare-and-set. */
    private static volatile Observer[] observers = NONE;

    private SleepHooks() {
    }

    /** Adds an observer; the same observer may be added twice and is then called twice. */
    public static void add(Observer observer) {
        if (observer == null) {
            throw new NullPointerException("observer must not be null");
        }
        Observer[] current;
        Observer[] next;
        do {
            current = observers;
            next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = observer;
        } while (!OBSERVERS.compareAndSet(current, next));
    }

    /** Removes one registration of {@code observer}; returns whether it was registered. */
    public static boolean remove(Observer observer) {
        for (;;) {
            Observer[] current = observers;
            int index = -1;
            for (int i = 0; i < current.length && index < 0; i++) {
                if (current[i] == observer) {
                    index = i;
                }
            }
            if (index < 0) {
                return false;
            }
            Observer[] next = NONE;
            if (current.length > 1) {
                next = new Observer[current.length - 1];
                System.arraycopy(current, 0, next, 0, index);
                System.arraycopy(current, index + 1, next, index, current.length - index - 1);
            }
            if (OBSERVERS.compareAndSet(current, next)) {
                return true;
            }
        }
    }

    /** Whether any observer is registered. */
    public static boolean active() {
        return observers != NONE;
    }

    /** Tells every observer that the current thread is about to sleep on {@code blocker}. */
    public static void beforeSleep(Object blocker) {
        Observer[] current = observers;
        if (current != NONE) {
            for (Observer observer : current) {
                try {
                    observer.beforeSleep(blocker);
                } catch (Throwable t) {
                    report(t);
                }
            }
        }
    }

    /** Tells every observer that the current thread runs again after sleeping on {@code blocker}. */
    public static void afterWake(Object blocker) {
        Observer[] current = observers;
        if (current != NONE) {
            for (Observer observer : current) {
                try {
                    observer.afterWake(blocker);
                } catch (Throwable t) {
                    report(t);
                }
            }
        }
    }

    /**
     * Reports a throwable from a hook to the current thread's uncaught-exception handler and goes on: a broken
     * observer must not break the primitive that called it (a lock half-acquired, a waiter lost).
     */
    private static void report(Throwable t) {
        Thread current = Thread.currentThread();
        try {
            current.getUncaughtExceptionHandler().uncaughtException(current, t);
        } catch (Throwable ignored) {
            // the handler itself failed: nothing more can be done without risking the caller's state
        }
    }

    // VarHandle mechanics
    private static final VarHandle OBSERVERS;

    static {
        try {
            OBSERVERS = MethodHandles.lookup().findStaticVarHandle(SleepHooks.class, "observers", Observer[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
