package io.ksync.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A reference to RCU-protected data: {@code rcu_assign_pointer}, {@code rcu_dereference},
 * {@code rcu_access_pointer} and {@code rcu_replace_pointer} ({@code include/linux/rcupdate.h}).
 *
 * <p>A writer fully builds a new version, then {@link #assign}s it (a release store: everything written to the
 * object before is visible to any reader that loads it); readers inside a read-side section of the domain load it
 * with {@link #dereference()} (an acquire load: the kernel's dependency-ordered load, which Java has no cheaper
 * form of). After replacing a version, the writer waits for a grace period ({@link RcuDomain#synchronize()})
 * before it reclaims, closes or reuses the old one. Writers must be serialised among themselves (a lock, or one
 * writer thread), as in the kernel; {@link #exchange} makes one replacement atomic.
 *
 * @param <T> the type of the protected object
 */
public final class RcuReference<T> {

    /*
     * Implementation notes. One field. assign: setRelease (rcu_assign_pointer's smp_store_release). dereference:
     * getAcquire (rcu_dereference's READ_ONCE plus address dependency; the JMM does not order dependent loads, so
     * acquire it is; on x86 both are plain moves). access: getOpaque (rcu_access_pointer: the value only, for
     * comparisons or null checks, not for dereferencing). exchange: getAndSet, a full fence.
     */

    private volatile T value;

    /** Creates a reference holding null. */
    public RcuReference() {
    }

    /**
     * Creates a reference holding {@code initial}.
     *
     * @param initial the first version, or null
     */
    public RcuReference(T initial) {
        VALUE.setRelease(this, initial);
    }

    /**
     * Publishes a new version ({@code rcu_assign_pointer}): a release store.
     *
     * @param newValue the new version, fully initialised; or null
     */
    public void assign(T newValue) {
        VALUE.setRelease(this, newValue);
    }

    /**
     * Loads the current version for use inside a read-side section ({@code rcu_dereference}): an acquire load,
     * so the fields written before the {@link #assign} are seen.
     *
     * @return the current version, or null
     */
    @SuppressWarnings("unchecked")
    public T dereference() {
        return (T) VALUE.getAcquire(this);
    }

    /**
     * {@link #dereference()} that first checks the caller may ({@code rcu_dereference_check}): it must be a
     * reader of {@code domain} now ({@link RcuDomain#isReadSectionHeld()}), or {@code condition} must say why it is
     * safe anyway (typically: the caller holds the writers' lock). A debugging aid: it costs a thread-local look-up.
     *
     * @param domain    the domain whose readers may dereference this reference
     * @param condition another reason the access is safe, such as {@code writerLock.isHeldByCurrentThread()}
     * @return the current version, or null
     * @throws IllegalStateException if the caller is not a reader of {@code domain} and {@code condition} is false
     */
    public T dereferenceCheck(RcuDomain domain, boolean condition) {
        if (!condition && !domain.isReadSectionHeld()) {
            throw new IllegalStateException("RcuReference dereferenced outside a read-side section of RCU domain "
                    + domain.name() + " on thread " + Thread.currentThread().getName()
                    + ": take the domain's read lock, or hold the lock that serialises its writers");
        }
        return dereference();
    }

    /**
     * Loads the current version's reference without the ordering needed to read through it
     * ({@code rcu_access_pointer}): for a null check or a comparison, outside or inside a read-side section.
     *
     * @return the current version, or null
     */
    @SuppressWarnings("unchecked")
    public T access() {
        return (T) VALUE.getOpaque(this);
    }

    /**
     * Publishes a new version and returns the one it replaces ({@code rcu_replace_pointer}), atomically. Wait for
     * a grace period before reclaiming the returned version.
     *
     * @param newValue the new version, fully initialised; or null
     * @return the replaced version, or null
     */
    @SuppressWarnings("unchecked")
    public T exchange(T newValue) {
        return (T) VALUE.getAndSet(this, newValue);
    }

    /**
     * Publishes {@code newValue} if the current version is {@code expected} (identity).
     *
     * @param expected the version expected
     * @param newValue the new version
     * @return whether it was published
     */
    public boolean compareAndSet(T expected, T newValue) {
        return VALUE.compareAndSet(this, expected, newValue);
    }

    @Override
    public String toString() {
        return "RcuReference[" + access() + "]";
    }

    // VarHandle mechanics
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(RcuReference.class, "value", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
