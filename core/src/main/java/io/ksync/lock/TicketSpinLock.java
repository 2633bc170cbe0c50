package io.ksync.lock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

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
     * State: two free-running 32-bit counters that move in steps of TICKET_INC (2), compared by difference
     * so that they wrap safely, plus the kernel's paravirtual ticketlock "slow path" flag in bit 0 of
     * nextTicket (TICKET_SLOWPATH_FLAG in arch/x86/include/asm/spinlock.h of Linux 3.12-4.1):
     *
     *     nextTicket   | ticket the next lock() takes (31 bits) | KICK |   written by lockers (getAndAdd 2)
     *                                                                      and by a parking waiter (OR KICK)
     *     owner        | ticket being served (31 bits)          |  0   |   written by the holder only
     *     parkedNext   the waiter that set KICK (a Thread)                 written by that waiter
     *
     *     unlocked  <=>  (nextTicket & ~KICK) == owner
     *     waiters        ((nextTicket & ~KICK) - owner) / 2 - 1   (when locked)
     *
     * lock():   t = getAndAdd(nextTicket, 2) & ~KICK   volatile RMW: takes a unique ticket
     *           while (getAcquire(owner) != t) wait    acquire: pairs with the store in unlock(); the holder's
     *                                                  critical section happens-before ours
     * unlock(): setVolatile(owner, owner + 2)          release for the critical section, and the StoreLoad
     *           if (getVolatile(nextTicket) & KICK)    fence of Dekker's pattern with a parking waiter:
     *               clear KICK, unpark(parkedNext)
     *   parking waiter (next in line only):  setVolatile(parkedNext, me); getAndBitwiseOr(nextTicket, KICK);
     *                                        if (getVolatile(owner) != t) park
     *   Volatile accesses are sequentially consistent, so either the waiter sees its turn before parking or
     *   the unlocker sees KICK (and parkedNext) after its store and unparks it. KICK may outlive the wait
     *   that set it (the waiter found its turn after setting it); a stale KICK costs one harmless unpark.
     * tryLock(): o = getAcquire(owner); n = getVolatile(nextTicket); CAS(nextTicket, n, n + 2) if
     *           (n & ~KICK) == o. Succeeds only if nextTicket was still n: owner is monotonic and never
     *           passes nextTicket, so owner was still o, the lock was free, and we took the ticket served.
     *
     * Waiting. Only the next thread in line may park with a kick: it is the one a hand-off needs running. A
     * waiter further back restarts its SpinWait rounds whenever the owner moves (the lock is making progress,
     * so it will soon be next); it reaches the yield and park phases only when the lock has made no progress
     * for a whole spinning phase, which is the case SpinWait exists for: a holder (or next in line) that has
     * lost its core. Without the restart, waiters that had parked once would be asleep when their turn came,
     * and every hand-off would cost a park: a convoy that never dissolves.
     *
     * The two counters share one cache line on purpose, like the kernel's single word: they always move
     * between CPUs together (a hand-off reads both), and padding them apart would double the lines a hand-off
     * moves. A lock that sits next to unrelated hot fields should be padded by its user.
     */

    private static final int TICKET_INC = 2;
    private static final int KICK = 1;

    private volatile int nextTicket;
    private volatile int owner;
    private volatile Thread parkedNext;

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
        final int ticket = (int) NEXT_TICKET.getAndAdd(this, TICKET_INC) & ~KICK;
        if ((int) OWNER.getAcquire(this) != ticket) { // acquire: pairs with the store in unlock()
            waitForTurn(ticket);
        }
    }

    /**
     * Acquires the lock only if it is free now ({@code spin_trylock}). Never waits.
     *
     * @return whether the lock was acquired
     */
    @Override
    public boolean tryLock() {
        final int served = (int) OWNER.getAcquire(this); // acquire: pairs with the store in unlock()
        final int next = (int) NEXT_TICKET.getVolatile(this);
        return (next & ~KICK) == served && NEXT_TICKET.compareAndSet(this, next, next + TICKET_INC);
    }

    /**
     * Releases the lock and serves the next ticket ({@code spin_unlock}).
     *
     * @throws IllegalMonitorStateException if the lock is not held
     */
    @Override
    public void unlock() {
        final int served = (int) OWNER.get(this); // plain: only the holder writes owner
        if (((int) NEXT_TICKET.getVolatile(this) & ~KICK) == served) {
            throw notHeld("unlock()");
        }
        // volatile store: release of the critical section, and StoreLoad before the KICK check (see notes)
        OWNER.setVolatile(this, served + TICKET_INC);
        if (((int) NEXT_TICKET.getVolatile(this) & KICK) != 0) {
            kickNext();
        }
    }

    /**
     * Tells whether some thread holds the lock now ({@code spin_is_locked}); a snapshot, for monitoring and
     * assertions, not for synchronisation.
     *
     * @return whether the lock is held
     */
    public boolean isLocked() {
        return outstanding() != 0;
    }

    /**
     * Tells whether threads are waiting for the lock ({@code spin_is_contended}: more than one ticket
     * outstanding); a snapshot, useful to drop and retake a lock held over a long loop
     * ({@code spin_needbreak}).
     *
     * @return whether at least one thread waits for the lock
     */
    public boolean isContended() {
        return outstanding() > 1;
    }

    /**
     * Returns the number of threads waiting for the lock now (tickets taken but not yet served, less the
     * holder's); a snapshot for monitoring.
     *
     * @return the number of waiting threads, {@code >= 0}
     */
    public int queueLength() {
        return Math.max(0, outstanding() - 1);
    }

    @Override
    public String toString() {
        final int outstanding = outstanding();
        return super.toString() + (outstanding == 0 ? "[Unlocked]" : "[Locked, waiters=" + (outstanding - 1) + "]");
    }

    /** Tickets taken and not yet released: 0 when free, 1 when held, 1 + waiters when contended. */
    private int outstanding() {
        final int served = (int) OWNER.getVolatile(this);
        return (((int) NEXT_TICKET.getVolatile(this) & ~KICK) - served) / TICKET_INC;
    }

    private void waitForTurn(int ticket) {
        final SpinWait spinWait = this.spinWait;
        int observed = (int) OWNER.getAcquire(this);
        int round = 0;
        int served;
        while ((served = (int) OWNER.getAcquire(this)) != ticket) { // acquire: pairs with unlock()
            if (served != observed) { // the lock made progress: start the spinning phase again
                observed = served;
                round = 0;
            }
            if (ticket - served == TICKET_INC && spinWait.isParkingRound(round)) {
                parkAsNextInLine(ticket);
            } else {
                round = spinWait.idle(round);
            }
        }
    }

    /** Parks the next thread in line so that unlock() kicks it (the pv ticketlock's lock_spinning path). */
    private void parkAsNextInLine(int ticket) {
        final Thread me = Thread.currentThread();
        PARKED_NEXT.setVolatile(this, me);
        NEXT_TICKET.getAndBitwiseOr(this, KICK);
        if ((int) OWNER.getVolatile(this) != ticket) { // volatile: Dekker with unlock(), see notes
            spinWait.park(this);
        }
        PARKED_NEXT.compareAndSet(this, me, null);
    }

    /** unlock()'s slow path: the next thread in line may be parked (the pv ticketlock's unlock_kick). */
    private void kickNext() {
        NEXT_TICKET.getAndBitwiseAnd(this, ~KICK);
        final Thread parked = (Thread) PARKED_NEXT.getVolatile(this);
        if (parked != null) {
            LockSupport.unpark(parked);
        }
    }

    // VarHandle mechanics
    private static final VarHandle NEXT_TICKET;
    private static final VarHandle OWNER;
    private static final VarHandle PARKED_NEXT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEXT_TICKET = lookup.findVarHandle(TicketSpinLock.class, "nextTicket", int.class);
            OWNER = lookup.findVarHandle(TicketSpinLock.class, "owner", int.class);
            PARKED_NEXT = lookup.findVarHandle(TicketSpinLock.class, "parkedNext", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
