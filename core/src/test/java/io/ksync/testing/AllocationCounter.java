package io.ksync.testing;

import java.lang.reflect.Method;

/**
 * The bytes the current thread has allocated, from {@code com.sun.management.ThreadMXBean}, reached by
 * reflection because the tests compile inside the {@code io.ksync.core} module, which does not read
 * {@code jdk.management}. Each reading boxes one {@code long}; callers compare readings with a bound far above
 * that.
 */
public final class AllocationCounter {

    private final Object bean;
    private final Method allocatedBytes;

    private AllocationCounter(Object bean, Method allocatedBytes) {
        this.bean = bean;
        this.allocatedBytes = allocatedBytes;
    }

    /** Returns a counter, or {@code null} if this JVM cannot count a thread's allocations. */
    public static AllocationCounter ofCurrentThread() {
        try {
            final Object bean = Class.forName("java.lang.management.ManagementFactory")
                    .getMethod("getThreadMXBean").invoke(null);
            final Class<?> extended = Class.forName("com.sun.management.ThreadMXBean");
            if (!extended.isInstance(bean)
                    || !(Boolean) extended.getMethod("isThreadAllocatedMemoryEnabled").invoke(bean)) {
                return null;
            }
            return new AllocationCounter(bean, extended.getMethod("getCurrentThreadAllocatedBytes"));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    public long allocatedBytes() {
        try {
            return (Long) allocatedBytes.invoke(bean);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
