package io.ksync.atomic;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.Lock;

/**
 * A reference count that saturates instead of wrapping: the kernel's {@code refcount_t}
 * ({@code include/linux/refcount.h}, {@code lib/refcount.c}). {@link #inc()} is {@code refcount_inc},
 * {@link #add(int)} {@code refcount_add}, {@link #incNotZero()} {@code refcount_inc_not_zero},
 * {@link #addNotZero(int)} {@code refcount_add_not_zero}, {@link #dec()} {@code refcount_dec},
 * {@link #decAndTest()} {@code refcount_dec_and_test}, {@link #subAndTest(int)} {@code refcount_sub_and_test},
 * {@link #decIfOne()} {@code refcount_dec_if_one}, {@link #decNotOne()} {@code refcount_dec_not_one},
 * {@link #decAndLock(Lock)} {@code refcount_dec_and_lock} (and {@code refcount_dec_and_mutex_lock}),
 * {@link #read()} {@code refcount_read}, {@link #set(int)} {@code refcount_set}, {@link #setRelease(int)}
 * {@code refcount_set_release}, {@link #SATURATED} {@code REFCOUNT_SATURATED}.
 *
 * <p>A live object has a count in {@code [1, Integer.MAX_VALUE]}; 0 means released (or not yet published).
 * The operations that would make the count wrong report it instead of wrapping, as a use-after-free guard:
 * <ul>
 *   <li>an increment of 0 ({@code "addition on 0; use-after-free"}): the object was already released;</li>
 *   <li>an increment past {@link Integer#MAX_VALUE} ({@code "saturated; leaking memory"}): references leak;</li>
 *   <li>a decrement below 0 ({@code "underflow; use-after-free"}): more references dropped than taken;</li>
 *   <li>a {@link #dec()} to 0 ({@code "decrement hit 0; leaking memory"}): the last reference was dropped by
 *   an operation that cannot release the object.</li>
 * </ul>
 * Each sets the counter to {@link #SATURATED} and throws {@link IllegalStateException} naming the violation.
 * A saturated counter stays saturated: every later operation except {@link #read()}, {@link #isSaturated()}
 * and {@link #set(int)} also throws, and no decrement ever reports the 1 to 0 transition, so the object is
 * leaked rather than released while someone may still use it. The kernel warns once and carries on; ksync
 * throws every time, so the misuse surfaces where it happens.
 *
 * <p>Memory effects, as the kernel documents them ({@code Documentation/core-api/refcount-vs-atomic.rst}):
 * <ul>
 *   <li>Increments ({@link #inc()}, {@link #add(int)}) promise no ordering: the caller already holds a
 *   reference, obtained through something that ordered it (a lock, an acquiring load).</li>
 *   <li>A successful {@link #incNotZero()} or {@link #addNotZero(int)} has acquire ordering (what the kernel
 *   calls {@code refcount_inc_not_zero_acquire}); the kernel's plain variant relies on a control dependency
 *   to keep later stores after the increment, which Java does not offer.</li>
 *   <li>Every decrement has release ordering, and a decrement that returns {@code true} because the count
 *   reached 0 ({@link #decAndTest()}, {@link #subAndTest(int)}, {@link #decIfOne()}, {@link #decAndLock(Lock)})
 *   also has acquire ordering: the actions of every holder before it dropped its reference happen-before the
 *   actions that follow the {@code true} return, so the thread that releases the object sees everything every
 *   other holder did to it.</li>
 *   <li>{@link #read()} and {@link #set(int)} are opaque ({@code READ_ONCE}/{@code WRITE_ONCE}); a
 *   {@link #read()} is a snapshot for monitoring, never a reason to touch the object.</li>
 * </ul>
 *
 * <p>A count of 0 is permanent except through {@link #set(int)}, which, like {@code refcount_set}, checks
 * nothing: it initialises an object that no other thread can reach yet (one that starts at 0 and is
 * published with {@code set(1)}, or is reused), never revives one that others may still hold.
 *
 * <pre>{@code
 * final class Session implements AutoCloseable {        // looked up by id in a shared table
 *     private static final Lock TABLE_LOCK = new ReentrantLock();
 *     private static final Map<Long, Session> TABLE = new HashMap<>();
 *     private final Refcount refs = new Refcount(1);    // the table's reference
 *     private final long id;
 *
 *     static Session lookup(long id) {
 *         TABLE_LOCK.lock();
 *         try {
 *             Session s = TABLE.get(id);
 *             if (s != null) {
 *                 s.refs.inc();                         // safe: the table holds a reference
 *             }
 *             return s;
 *         } finally {
 *             TABLE_LOCK.unlock();
 *         }
 *     }
 *
 *     public void close() {                             // drop a reference taken by lookup
 *         if (refs.decAndLock(TABLE_LOCK)) {            // the count hit 0 under the lock
 *             try {
 *                 TABLE.remove(id);                     // no lookup can find it any more
 *             } finally {
 *                 TABLE_LOCK.unlock();
 *             }
 *             freeNativeResources();
 *         }
 *     }
 * }
 * }</pre>
 */
public final class Refcount {

    /*
     * Implementation notes.
     *
     * One int, refs (written by every holder):
     *
     *   Integer.MIN_VALUE     SATURATED = MIN_VALUE / 2          0                         Integer.MAX_VALUE
     *   +----------------------------+----------------------------+----------------------------+
     *    <--------- bad values: saturated, never released -------> released     live counts
     *
     * Saturation, as the kernel's lib/refcount.c: the unconditional operations (inc, add, dec, decAndTest,
     * subAndTest) are one getAndAdd that lets the counter hold an unchecked value for a moment; when the old
     * value shows a violation, the operation stores SATURATED (refcount_warn_saturate) and throws.
     * SATURATED sits in the middle of the negative range so that the operations racing between a bad
     * getAndAdd and that store cannot walk the counter back to a live value: it would take 2^30 of them. The
     * conditional operations (incNotZero, addNotZero, decNotOne, decIfOne) check before they write and never
     * expose a bad value. A violation is detected from the old value alone:
     *   increment by n:  old == 0 (use-after-free), old < 0 (saturated), old > MAX_VALUE - n (overflow)
     *   decrement by n:  old < n: old < 0 (saturated), else underflow; and for dec() also old == n (hit 0)
     *
     * Access by access:
     *   inc, add:        getAndAdd(n)               refcount_inc is atomic_fetch_add_relaxed: the caller holds
     *                                               a reference, so no ordering is needed; VarHandle has no
     *                                               relaxed fetch-add, the volatile one is the cheapest
     *   incNotZero,      getOpaque, then a          the kernel's relaxed cmpxchg loop plus its control
     *   addNotZero:      compareAndExchange loop    dependency; the volatile CAS is also acquire on success,
     *                                               which stands in for the control dependency Java lacks
     *   dec:             getAndAddRelease(-1)       release: pairs with the acquireFence after the final
     *                                               decrement; orders this holder's accesses before its drop
     *   decAndTest,      getAndAddRelease(-n),      release as dec; acquire (smp_acquire__after_ctrl_dep)
     *   subAndTest:      then acquireFence()        only on the 1 -> 0 transition (old == n). Every decrement
     *                                               and increment is an RMW, so the final decrement reads from
     *                                               the end of a release sequence that contains every earlier
     *                                               drop: the fence makes all of them, not only the last,
     *                                               happen-before the release of the object
     *   decIfOne:        compareAndExchangeRelease  as decAndTest; the kernel gives only release plus a control
     *                    (1, 0), acquireFence()     dependency here, Java needs the fence
     *   decNotOne:       getOpaque, then a compareAndExchangeRelease loop (refcount_dec_not_one)
     *   decAndLock:      decNotOne(), else lock and decAndTest() (refcount_dec_and_lock): the 1 -> 0
     *                    transition only ever happens under the lock, so code that takes references under
     *                    the same lock (a lookup) never finds a count of 0
     *   read:            getOpaque                  refcount_read = atomic_read = READ_ONCE
     *   set, setRelease: setOpaque, setRelease      refcount_set = atomic_set, refcount_set_release
     *   saturating:      setVolatile(SATURATED)     error path only
     */

    /** {@code REFCOUNT_SATURATED}: the value a counter takes, and keeps, once a misuse has been detected. */
    public static final int SATURATED = Integer.MIN_VALUE / 2;

    /** {@code REFCOUNT_MAX}: the largest count a live object can have. */
    public static final int MAX = Integer.MAX_VALUE;

    private static final String ADDITION_ON_ZERO = "addition on 0; use-after-free: the object was already"
            + " released. Take a new reference only while holding one, or with incNotZero() where the count may"
            + " have dropped to 0.";
    private static final String OVERFLOW = "saturated; leaking memory: the count would pass Integer.MAX_VALUE,"
            + " so references are being leaked. Drop every reference you take.";
    private static final String FOUND_SATURATED = "saturated; leaking memory: an earlier misuse saturated the"
            + " counter (see the exception it threw first).";
    private static final String UNDERFLOW = "underflow; use-after-free: more references were dropped than"
            + " taken, so the object may have been released while still in use. Drop only references you took,"
            + " each once.";
    private static final String DECREMENT_HIT_ZERO = "decrement hit 0; leaking memory: dec() dropped the last"
            + " reference, so nothing will release the object. Drop a reference that may be the last with"
            + " decAndTest() and release the object when it returns true.";
    private static final String NOW_SATURATED = " The counter is saturated (REFCOUNT_SATURATED) and stays so:"
            + " the object will never be released.";

    private volatile int refs;

    /**
     * Creates a counter at the given value ({@code REFCOUNT_INIT(n)}): usually 1, the creator's reference;
     * 0 for an object that is not published yet and will be with {@link #set(int)}.
     *
     * @param initial the initial count
     * @throws IllegalArgumentException if {@code initial} is negative
     */
    public Refcount(int initial) {
        if (initial < 0) {
            throw new IllegalArgumentException("Refcount initial value must be >= 0, was " + initial
                    + ": start at 1 for the creator's reference");
        }
        REFS.set(this, initial); // plain: not shared yet
    }

    /**
     * Returns the count now ({@code refcount_read}), {@link #SATURATED} (or another negative value) once a
     * misuse was detected. Opaque: a snapshot for monitoring and assertions, not for deciding whether the
     * object may be used.
     *
     * @return the current count
     */
    public int read() {
        return (int) REFS.getOpaque(this);
    }

    /**
     * Tells whether a misuse was detected and the counter is saturated (any value in the negative range).
     *
     * @return whether the counter is saturated
     */
    public boolean isSaturated() {
        return (int) REFS.getOpaque(this) < 0;
    }

    /**
     * Sets the count ({@code refcount_set}), without any check of the old value and without ordering: for an
     * object that no other thread can reach yet. This is the only operation that leaves 0 or saturation.
     *
     * @param n the new count
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public void set(int n) {
        checkCount(n);
        REFS.setOpaque(this, n); // WRITE_ONCE: refcount_set is atomic_set
    }

    /**
     * Sets the count with release ordering ({@code refcount_set_release}): the stores that initialised the
     * object happen-before the actions of a thread that then takes a reference with {@link #incNotZero()}.
     * For objects whose memory is reused and found by lookups that do not synchronise otherwise.
     *
     * @param n the new count
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public void setRelease(int n) {
        checkCount(n);
        REFS.setRelease(this, n); // release: pairs with the volatile CAS in incNotZero()/addNotZero()
    }

    /**
     * Takes a reference ({@code refcount_inc}); the caller must already hold one. No ordering.
     *
     * @throws IllegalStateException if the count was 0 (use-after-free), would overflow, or is saturated;
     *                               the counter is left saturated
     */
    public void inc() {
        final int old = (int) REFS.getAndAdd(this, 1); // relaxed in the kernel: the caller holds a reference
        if (old <= 0 || old == Integer.MAX_VALUE) {
            throw additionViolation("inc()", old);
        }
    }

    /**
     * Takes {@code n} references ({@code refcount_add}); the caller must already hold one. No ordering.
     *
     * @param n how many references to take, {@code > 0}
     * @throws IllegalArgumentException if {@code n <= 0}
     * @throws IllegalStateException    if the count was 0 (use-after-free), would overflow, or is saturated;
     *                                  the counter is left saturated
     */
    public void add(int n) {
        checkPositive("add", n);
        final int old = (int) REFS.getAndAdd(this, n); // relaxed in the kernel: the caller holds a reference
        if (old <= 0 || old > Integer.MAX_VALUE - n) {
            throw additionViolation("add()", old);
        }
    }

    /**
     * Takes a reference unless the count is 0 ({@code refcount_inc_not_zero}): for code that finds the
     * object without holding a reference (a lock-free lookup) and must not revive a released one. Acquire
     * ordering on success.
     *
     * @return {@code true} if a reference was taken, {@code false} if the count was 0
     * @throws IllegalStateException if the count would overflow or is saturated; the counter is left saturated
     */
    public boolean incNotZero() {
        return addUnlessZero("incNotZero()", 1);
    }

    /**
     * Takes {@code n} references unless the count is 0 ({@code refcount_add_not_zero}). Acquire ordering on
     * success.
     *
     * @param n how many references to take, {@code > 0}
     * @return {@code true} if the references were taken, {@code false} if the count was 0
     * @throws IllegalArgumentException if {@code n <= 0}
     * @throws IllegalStateException    if the count would overflow or is saturated; the counter is left
     *                                  saturated
     */
    public boolean addNotZero(int n) {
        checkPositive("addNotZero", n);
        return addUnlessZero("addNotZero()", n);
    }

    /**
     * Drops a reference that is known not to be the last ({@code refcount_dec}). Release ordering.
     *
     * @throws IllegalStateException if this dropped the last reference ({@code "decrement hit 0"}: nothing
     *                               will release the object; use {@link #decAndTest()}), the count was 0
     *                               (underflow) or is saturated; the counter is left saturated
     */
    public void dec() {
        final int old = (int) REFS.getAndAddRelease(this, -1); // release: pairs with acquireFence in decAndTest()
        if (old <= 1) {
            throw violation("dec()", old == 1 ? DECREMENT_HIT_ZERO : old == 0 ? UNDERFLOW : FOUND_SATURATED);
        }
    }

    /**
     * Drops a reference and tells whether it was the last ({@code refcount_dec_and_test}); the caller that
     * gets {@code true} releases the object. Release ordering, and acquire ordering when it returns
     * {@code true}.
     *
     * @return {@code true} if the count dropped to 0
     * @throws IllegalStateException if the count was 0 (underflow) or is saturated; the counter is left
     *                               saturated
     */
    public boolean decAndTest() {
        return subtractAndTest("decAndTest()", 1);
    }

    /**
     * Drops {@code n} references and tells whether they were the last ({@code refcount_sub_and_test}).
     * Release ordering, and acquire ordering when it returns {@code true}.
     *
     * @param n how many references to drop, {@code > 0}
     * @return {@code true} if the count dropped to 0
     * @throws IllegalArgumentException if {@code n <= 0}
     * @throws IllegalStateException    if the count was below {@code n} (underflow) or is saturated; the
     *                                  counter is left saturated
     */
    public boolean subAndTest(int n) {
        checkPositive("subAndTest", n);
        return subtractAndTest("subAndTest()", n);
    }

    /**
     * Drops a reference only if it is the last one ({@code refcount_dec_if_one}): a "try to delete" that
     * fails while others hold references. Release ordering, and acquire ordering when it returns
     * {@code true}.
     *
     * @return {@code true} if the count went from 1 to 0, {@code false} if it is above 1 (unchanged)
     * @throws IllegalStateException if the count was 0 (the caller holds no reference: use-after-free) or is
     *                               saturated; the counter is left saturated
     */
    public boolean decIfOne() {
        // release: pairs with the acquireFence after the final decrement, as in dec()
        final int witness = (int) REFS.compareAndExchangeRelease(this, 1, 0);
        if (witness == 1) {
            VarHandle.acquireFence(); // acquire: the other holders' accesses before the release of the object
            return true;
        }
        if (witness <= 0) {
            throw violation("decIfOne()", witness == 0 ? UNDERFLOW : FOUND_SATURATED);
        }
        return false;
    }

    /**
     * Drops a reference unless it is the last one ({@code refcount_dec_not_one}). Release ordering when it
     * decrements.
     *
     * @return {@code true} if a reference was dropped, {@code false} if the count is 1 (unchanged)
     * @throws IllegalStateException if the count was 0 (underflow) or is saturated; the counter is left
     *                               saturated
     */
    public boolean decNotOne() {
        return decrementUnlessOne("decNotOne()");
    }

    /**
     * Drops a reference and, if it was the last, returns with {@code lock} held
     * ({@code refcount_dec_and_lock}, {@code refcount_dec_and_mutex_lock}). The lock is taken only when the
     * count may drop to 0, and the 1 to 0 transition happens only under it: code that takes references under
     * the same lock (a lookup in a table the object is removed from) never finds it at 0. The caller that
     * gets {@code true} must unlock. Memory effects as {@link #decAndTest()}.
     *
     * @param lock the lock that guards lookups of the object
     * @return {@code true}, with {@code lock} held, if the count dropped to 0; {@code false}, with the lock not
     *         held, otherwise
     * @throws NullPointerException  if {@code lock} is null (the count is unchanged)
     * @throws IllegalStateException if the count was 0 (underflow) or is saturated; the counter is left
     *                               saturated and the lock not held
     */
    public boolean decAndLock(Lock lock) {
        if (lock == null) {
            throw new NullPointerException("Refcount.decAndLock(lock): lock must not be null");
        }
        if (decrementUnlessOne("decAndLock()")) {
            return false;
        }
        lock.lock();
        boolean dropped = false;
        try {
            dropped = subtractAndTest("decAndLock()", 1);
        } finally {
            if (!dropped) {
                lock.unlock();
            }
        }
        return dropped;
    }

    @Override
    public String toString() {
        final int n = (int) REFS.getOpaque(this);
        return super.toString() + (n < 0 ? "[saturated]" : "[refs=" + n + "]");
    }

    private boolean addUnlessZero(String operation, int n) {
        int old = (int) REFS.getOpaque(this); // READ_ONCE: only the first guess for the CAS
        for (;;) {
            if (old <= 0 || old > Integer.MAX_VALUE - n) {
                if (old == 0) {
                    return false;
                }
                throw violation(operation, old < 0 ? FOUND_SATURATED : OVERFLOW);
            }
            // volatile CAS: relaxed in the kernel; also acquire, standing in for its control dependency
            final int witness = (int) REFS.compareAndExchange(this, old, old + n);
            if (witness == old) {
                return true;
            }
            old = witness;
        }
    }

    private boolean decrementUnlessOne(String operation) {
        int old = (int) REFS.getOpaque(this); // READ_ONCE: only the first guess for the CAS
        for (;;) {
            if (old <= 1) {
                if (old == 1) {
                    return false;
                }
                throw violation(operation, old == 0 ? UNDERFLOW : FOUND_SATURATED);
            }
            // release: pairs with the acquireFence after the final decrement, as in dec()
            final int witness = (int) REFS.compareAndExchangeRelease(this, old, old - 1);
            if (witness == old) {
                return true;
            }
            old = witness;
        }
    }


    private boolean subtractAndTest(String operation, int n) {
        final int old = (int) REFS.getAndAddRelease(this, -n); // release: pairs with the acquireFence below
        if (old == n) {
            VarHandle.acquireFence(); // smp_acquire__after_ctrl_dep: every holder's accesses before the release
            return true;
        }
        if (old < n) {
            throw violation(operation, old < 0 ? FOUND_SATURATED : UNDERFLOW);
        }
        return false;
    }

    private IllegalStateException additionViolation(String operation, int old) {
        return violation(operation, old == 0 ? ADDITION_ON_ZERO : old < 0 ? FOUND_SATURATED : OVERFLOW);
    }

    /** refcount_warn_saturate: saturates the counter and builds the report. */
    private IllegalStateException violation(String operation, String what) {
        REFS.setVolatile(this, SATURATED); // error path: the strongest store, no argument needed
        return new IllegalStateException("Refcount." + operation + ": refcount_t: " + what + NOW_SATURATED);
    }

    private static void checkPositive(String operation, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("Refcount." + operation + "(n): n must be > 0, was " + n);
        }
    }

    private static void checkCount(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("Refcount count must be >= 0, was " + n
                    + ": negative values are reserved for saturation");
        }
    }

    // VarHandle mechanics
    private static final VarHandle REFS;

    static {
        try {
            REFS = MethodHandles.lookup().findVarHandle(Refcount.class, "refs", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
