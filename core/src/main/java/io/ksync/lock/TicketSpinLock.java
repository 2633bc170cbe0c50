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
     * State: two free-running 32-bit counters, compared by difference so that they wrap safely, and the slot
     * in which the next thread in line announces that it parked (the kernel's paravirtual ticketlock kept the
     * same information in a per-CPU lock_waiting record, arch/x86/kernel/kvm.c of Linux 3.12-4.1):
     *
     *     nextTicket   the ticket the next lock() takes     written by lockers (getAndAdd)
     *     owner        the ticket being served              written by the holder only (unlock)
     *     parkedNext   the parked next-in-line thread       set by that thread (CAS from null), cleared by it
     *
     *     unlocked  <=>  nextTicket == owner
     *     waiters        nextTicket - owner - 1 (when locked)
     *
     * lock():   t = getAndAdd(nextTicket, 1)           volatile RMW: takes a unique ticket
     *           while (getAcquire(owner) != t) wait    acquire: pairs with the store in unlock(); the holder's
     *                                                  critical section happens-before ours
     * unlock(): setVolatile(owner, owner + 1)          release for the critical section, and the StoreLoad
     *           p = getVolatile(parkedNext)            fence of Dekker's pattern with a parking waiter;
     *           if (p != null) unpark(p)               one more load (same line, usually null) on the fast path
     *   parking waiter (next in line only):  CAS(parkedNext, null, me); if (getVolatile(owner) != t) park;
     *                                        CAS(parkedNext, me, null)
     *   Volatile accesses are sequentially consistent, so either the waiter sees its turn before parking or
     *   the unlocker sees the registration after its store, and unparks it. Registration is a CAS from null,
     *   never a plain store: a thread that read a stale owner may believe it is next when it is already being
     *   served, and a plain store of its own name would erase the registration of the real next thread, which
     *   would then sleep through its turn. A waiter that finds the slot taken yields and tries again; the
     *   stale registrant clears the slot within a few instructions.
     * tryLock(): o = getAcquire(owner); CAS(nextTicket, o, o + 1)
     *           Succeeds only if nextTicket == o at the CAS. owner is monotonic and owner <= nextTicket, so
     *           owner was still o then: the lock was free, and we took ticket o which is being served.
     *
     * Waiting. Only the next thread in line parks with a kick: it is the one a hand-off needs running. A
     * waiter further back restarts its SpinWait rounds whenever the owner moves (the lock is making progress,
     * so it will soon be next); it reaches the yield and park phases only when the lock has made no progress
     * for a whole spinning phase, which is the case SpinWait exists for: a holder (or next in line) that has
     * lost its core. Such a waiter parks unannounced and wakes by its policy's bound, so a hand-off to it can
     * cost up to one park; QueuedSpinLock, whose every waiter is kicked and whose lock can be stolen from a
     * parked waiter, is the better lock when threads may outnumber cores.
     *
     * The two counters share one cache line on purpose, like the kernel's single word: they always move
     * between CPUs together (a hand-off reads both), and padding them apart would double the lines a hand-off
     * moves. A lock that sits next to unrelated hot fields should be padded by its user.
     */

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
        final int ticket = (int) NEXT_TICKET.getAndAdd(this, 1);
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
        // volatile store: release of the critical section, and StoreLoad before reading parkedNext (see notes)
        OWNER.setVolatile(this, served + 1);
        final Thread parked = (Thread) PARKED_NEXT.getVolatile(this);
        if (parked != null) {
            LockSupport.unpark(parked); // the pv ticketlock's unlock_kick
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
        return (int) NEXT_TICKET.getVolatile(this) - served;
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
            if (ticket - served == 1 && spinWait.isParkingRound(round)) {
                parkAsNextInLine(ticket);
            } else {
                round = spinWait.idle(round);
            }
        }
    }

    /** Parks the next thread in line so that unlock() kicks it (the pv ticketlock's lock_spinning path). */
    private void parkAsNextInLine(int ticket) {
        final Thread me = Thread.currentThread();
        if (!PARKED_NEXT.compareAndSet(this, null, me)) {
            Thread.yield(); // a stale registrant still holds the slot: it clears it at once (see notes)
            return;
        }
        if ((int) OWNER.getVolatile(this) != ticket) { // volatile: Dekker with unlock(), see notes
            spinWait.park(this);
        }
        PARKED_NEXT.compareAndSet(this, me, null);
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
