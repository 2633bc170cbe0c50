package io.ksync.lock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A FIFO-fair spinning lock: the kernel's ticket spinlock ({@code arch_spinlock_t} on x86 before 4.2, still
 * {@code include/asm-generic/ticket_spinlock.h}): {@link #lock()} is {@code spin_lock}, {@link #unlock()}
 * {@code spin_unlock}, {@link #tryLock()} {@code spin_trylock}, {@link #isLocked()} {@code spin_is_locked},
 * {@link #isContended()} {@code spin_is_contended}.
 *
 * <p>Each {@link #lock()} takes the next ticket and waits until the lock serves it, so threads acquire the
 * lock in exactly the order they called {@link #lock()}: no thread can be overtaken. The price is that every
 * waiter spins on the same word, and that the order holds even when the next thread in line has lost its
 * core: on an oversubscribed machine the whole line waits for it. The default {@link SpinWait} policy yields
 * and parks after a bound for that reason; {@link QueuedSpinLock} spins locally and scales better.
 *
 * <p>Memory effects: actions before {@link #unlock()} happen-before the actions after the next successful
 * acquisition ({@link #lock()}, {@link #tryLock()} and the interruptible and timed forms).
 *
 * <p>The lock is not reentrant and has no owner: a thread that calls {@link #lock()} while holding it waits
 * for itself forever, as in the kernel. {@link #unlock()} of a lock that is not held throws
 * {@link IllegalMonitorStateException}; an unlock by a thread that does not hold a held lock cannot be told
 * apart from a correct one and releases it. Interruptible and timed acquisitions retry {@link #tryLock()} and
 * do not take a ticket (a ticket cannot be handed back), so they are not FIFO.
 *
 * <pre>{@code
 * class Account {
 *     private final TicketSpinLock lock = new TicketSpinLock();
 *     private long balance;
 *
 *     void deposit(long amount) {
 *         lock.lock();
 *         try {
 *             balance += amount;
 *         } finally {
 *             lock.unlock();
 *         }
 *     }
 * }
 * }</pre>
 */
public final class TicketSpinLock extends SpinningLock {

    /*
     * Implementation notes.
     *
     * State: two free-running 32-bit counters, compared by difference so that they wrap safely.
     *
     *     nextTicket   the ticket the next lock() takes     written by lockers (getAndAdd)
     *     owner        the ticket being served              written by the holder only (unlock)
     *
     *     unlocked  <=>  nextTicket == owner
     *     waiters        nextTicket - owner - 1 (when locked)
     *
     * lock():   t = getAndAdd(nextTicket, 1)     volatile RMW: takes a unique ticket
     *           while (getAcquire(owner) != t)   acquire: pairs with the setRelease in unlock(); the holder's
     *               spin                         critical section happens-before ours
     * unlock(): setRelease(owner, owner + 1)     release: orders the critical section before the hand-off.
     *                                            Only the holder writes owner, so a plain read of it suffices.
     * tryLock(): o = getAcquire(owner); CAS(nextTicket, o, o + 1)
     *           Succeeds only if nextTicket == o at the CAS. owner is monotonic and owner <= nextTicket, so
     *           owner was still o then: the lock was free, and we took ticket o which is being served.
     *
     * The two counters share one cache line on purpose, like the kernel's single word: they always move
     * between CPUs together (a hand-off reads both), and padding them apart would double the lines a hand-off
     * moves. A lock that sits next to unrelated hot fields should be padded by its user.
     */

    private volatile int nextTicket;
    private volatile int owner;

    /** Creates an unlocked ticket lock that waits under {@link SpinWait#adaptive()}. */
    public TicketSpinLock() {
        this(SpinWait.adaptive());
    }

    /**
     * Creates an unlocked ticket lock that waits under the given policy.
     *
     * @param spinWait how waiters wait
     * @throws NullPointerException if {@code spinWait} is null
     */
    public TicketSpinLock(SpinWait spinWait) {
        super(spinWait);
    }

    /**
     * Acquires the lock, waiting in FIFO order behind every earlier caller ({@code spin_lock}). The interrupt
     * flag is ignored and left as it was.
     */
    @Override
    public void lock() {
        final int ticket = (int) NEXT_TICKET.getAndAdd(this, 1);
        if ((int) OWNER.getAcquire(this) == ticket) {
            return;
        }
        waitForTurn(ticket);
    }

    /**
     * Acquires the lock only if it is free now ({@code spin_trylock}). Never waits.
     *
     * @return whether the lock was acquired
     */
    @Override
    public boolean tryLock() {
        final int served = (int) OWNER.getAcquire(this);
        return (int) NEXT_TICKET.getVolatile(this) == served
                && NEXT_TICKET.compareAndSet(this, served, served + 1);
    }

    /**
     * Releases the lock and serves the next ticket ({@code spin_unlock}).
     *
     * @throws IllegalMonitorStateException if the lock is not held
     */
    @Override
    public void unlock() {
        final int served = (int) OWNER.get(this); // plain: only the holder writes owner
        if ((int) NEXT_TICKET.getVolatile(this) == served) {
            throw notHeld("unlock()");
        }
        OWNER.setRelease(this, served + 1); // release: pairs with getAcquire(owner) in lock()/tryLock()
    }

    /**
     * Tells whether some thread holds the lock now ({@code spin_is_locked}); a snapshot, for monitoring and
     * assertions, not for synchronisation.
     *
     * @return whether the lock is held
     */
    public boolean isLocked() {
        return (int) OWNER.getVolatile(this) != (int) NEXT_TICKET.getVolatile(this);
    }

    /**
     * Tells whether threads are waiting for the lock ({@code spin_is_contended}: more than one ticket
     * outstanding); a snapshot, useful to drop and retake a lock held over a long loop
     * ({@code spin_needbreak}).
     *
     * @return whether at least one thread waits for the lock
     */
    public boolean isContended() {
        return (int) NEXT_TICKET.getVolatile(this) - (int) OWNER.getVolatile(this) > 1;
    }

    /**
     * Returns the number of threads waiting for the lock now (tickets taken but not yet served, less the
     * holder's); a snapshot for monitoring.
     *
     * @return the number of waiting threads, {@code >= 0}
     */
    public int queueLength() {
        final int served = (int) OWNER.getVolatile(this);
        return Math.max(0, (int) NEXT_TICKET.getVolatile(this) - served - 1);
    }

    @Override
    public String toString() {
        final int served = (int) OWNER.getVolatile(this);
        final int outstanding = (int) NEXT_TICKET.getVolatile(this) - served;
        return super.toString() + (outstanding == 0 ? "[Unlocked]" : "[Locked, waiters=" + (outstanding - 1) + "]");
    }

    private void waitForTurn(int ticket) {
        final SpinWait spinWait = this.spinWait;
        int round = 0;
        while ((int) OWNER.getAcquire(this) != ticket) { // acquire: pairs with setRelease in unlock()
            round = spinWait.idle(round);
        }
    }

    // VarHandle mechanics
    private static final VarHandle NEXT_TICKET;
    private static final VarHandle OWNER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEXT_TICKET = lookup.findVarHandle(TicketSpinLock.class, "nextTicket", int.class);
            OWNER = lookup.findVarHandle(TicketSpinLock.class, "owner", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
