package io.ksync.internal;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** Argument checks for the ksync-native timed waits (the {@code Lock}/{@code Condition} ones follow j.u.c). */
public final class Timeouts {

    private Timeouts() {
    }

    /**
     * Converts a timeout to nanoseconds (saturating, as {@link TimeUnit#toNanos}), rejecting negative ones: in
     * the kernel a negative jiffies count is a caller's bug, and here it would otherwise silently mean "do not
     * wait".
     *
     * @param method the method name for the message, as {@code "Semaphore.downTimeout"}
     * @throws NullPointerException     if {@code unit} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public static long toNanos(String method, long timeout, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit must not be null");
        if (timeout < 0L) {
            throw new IllegalArgumentException(method + ": timeout must be >= 0, was " + timeout + " " + unit
                    + "; pass 0 to try without waiting");
        }
        return unit.toNanos(timeout);
    }
}
