package io.ksync.lock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * A spinning reader-writer lock: the kernel's {@code rwlock_t}. {@link #readLock()}{@code .lock()} is
 * {@code read_lock}, {@code .unlock()} {@code read_unlock}, {@code .tryLock()} {@code read_trylock};
 * {@link #writeLock()} likewise for {@code write_lock}, {@code write_unlock}, {@code write_trylock}. The
 * methods {@link #lockRead()}, {@link #unlockRead()}, {@link #lockWrite()} and {@link #unlockWrite()} do the
 * same without going through a view.
 *
 * <p>Two fairness policies, chosen at construction:
 * <ul>
 *   <li>{@link #readerPreferring()}: the classic {@code rwlock_t} as LDD3 documents it. A reader enters
 *   whenever no writer <em>holds</em> the lock, even while writers wait, so a steady stream of readers can
 *   starve writers forever. Readers pay one atomic add.</li>
 *   <li>{@link #queued()}: the kernel's queued rwlock ({@code qrwlock}, {@code kernel/locking/qrwlock.c},
 *   the {@code rwlock_t} of x86 and arm64 today). A waiting writer stops new readers; contended readers and
 *   writers line up in FIFO order on an internal {@link QueuedSpinLock}, so neither side starves.</li>
 * </ul>
 *
 * <p>Memory effects: actions before a write unlock happen-before the actions after any later read or write
 * acquisition; actions before a read unlock happen-before the actions after a later write acquisition.
 * Readers never exclude each other.
 *
 * <p>Neither lock is reentrant or records owners. A thread that holds the read lock and asks for the write
 * lock waits forever (there is no upgrade); under {@link #queued()}, a thread that re-acquires the read lock
 * while a writer waits can deadlock, exactly as in the kernel's process context. Unlocking a side that
 * nobody holds throws {@link IllegalMonitorStateException} and leaves the lock as it was. The views' {@code
 * newCondition()} throws {@link UnsupportedOperationException}; their interruptible and timed acquisitions
 * retry {@code tryLock()}.
 *
 * <pre>{@code
 * private final RwSpinLock routesLock = RwSpinLock.queued();
 *
 * Route lookup(int destination) {
 *     routesLock.lockRead();
 *     try {
 *         return routes.get(destination);
 *     } finally {
 *         routesLock.unlockRead();
 *     }
 * }
 * }</pre>
 */
public abstract class RwSpinLock implements ReadWriteLock {

    /*
     * Implementation notes.
     *
     * Reader-preferring (ReaderPreferring), one int:
     *
     *   31                                     1   0
     *  +----------------------------------------+---+
     *  |            readers (30 bits)           | W |     W: a writer holds the lock
     *  +----------------------------------------+---+
     *
     *   read lock:    getAndAdd(+READER) (volatile: acquire); if W was set, undo with getAndAdd(-READER) and
     *                 spin with getAcquire until W clears, then retry.
     *   read unlock:  getAndAdd(-READER) (volatile: release). If the count was 0, add it back and throw.
     *   write lock:   CAS 0 -> W (volatile: acquire), spinning with getAcquire while the word is non-zero.
     *   write unlock: getAndBitwiseAndRelease(~W): atomic because readers may be adding and undoing their
     *                 bias at the same moment; it returns the old word, so an unheld unlock changes nothing.
     *
     * Queued (Queued), the qrwlock layout of qrwlock.h:
     *
     *   31                            9   8   7          0
     *  +-------------------------------+---+------------+
     *  |       readers (23 bits)       | w |   locked   |     w: a writer waits; locked: 0xff when held
     *  +-------------------------------+---+------------+
     *
     *   read lock:    cnts = getAndAdd(+QR_BIAS) (volatile: acquire); done unless w or locked is set. Else
     *                 (queued_read_lock_slowpath) undo the bias, take waitLock, add the bias again, spin with
     *                 getAcquire until locked clears (a waiting writer holds waitLock, so it cannot be
     *                 overtaken: the writer is ahead of us on waitLock or already owns the word), then
     *                 release waitLock.
     *   write lock:   CAS 0 -> LOCKED; else (queued_write_lock_slowpath) take waitLock, set w, spin until
     *                 the word is exactly w (all readers gone), CAS w -> LOCKED, release waitLock.
     *   write unlock: getAndBitwiseAnd(~LOCKED) (the kernel's smp_store_release of the locked byte; volatile
     *                 here for the kick, see below).
     *   read unlock:  getAndAdd(-QR_BIAS) (volatile: release), after a check that a reader holds it (an
     *                 unheld unlock is reported before anything changes).
     *
     * The transient biases of readers that back off are why every update of the word is atomic, and why an
     * unheld read unlock is detected only when the count is 0 (a detection, not a guarantee).
     *
     * Kicks. In Queued, only the waitLock holder ever waits on cnts, so one slot (parkedWaiter) is enough:
     * it parks after publishing itself there, and the unlocks that can satisfy it kick it (a reader bias
     * dropping to leave exactly QW_WAITING; a write unlock that finds anything besides QW_LOCKED). The
     * threads queued on waitLock are kicked by the QueuedSpinLock itself. ReaderPreferring has any number of
     * waiters on its word and no hand-off (a released lock goes to whichever thread is running and asks), so
     * its parked waiters are not kicked: one that has passed the spinning and yielding phases notices a
     * release within one park, about 100 us under the default policy, while running threads use the lock.
     */

    private final ReadView readView;
    private final WriteView writeView;

    RwSpinLock(SpinWait spinWait) {
        this.readView = new ReadView(this, spinWait);
        this.writeView = new WriteView(this, spinWait);
    }

    /**
     * Returns a reader-preferring lock ({@code rwlock_t} as LDD3 documents it) that waits under
     * {@link SpinWait#adaptive()}. Readers may starve writers.
     *
     * @return a new unlocked lock
     */
    public static RwSpinLock readerPreferring() {
        return new ReaderPreferring(SpinWait.adaptive());
    }

    /**
     * Returns a reader-preferring lock that waits under the given policy.
     *
     * @param spinWait how waiters wait
     * @return a new unlocked lock
     * @throws NullPointerException if {@code spinWait} is null
     */
    public static RwSpinLock readerPreferring(SpinWait spinWait) {
        return new ReaderPreferring(spinWait);
    }

    /**
     * Returns a fair queued lock ({@code qrwlock}) that waits under {@link SpinWait#adaptive()}: a waiting
     * writer stops new readers, and contended threads acquire in FIFO order.
     *
     * @return a new unlocked lock
     */
    public static RwSpinLock queued() {
        return new Queued(SpinWait.adaptive());
    }

    /**
     * Returns a fair queued lock ({@code qrwlock}) that waits under the given policy.
     *
     * @param spinWait how waiters wait
     * @return a new unlocked lock
     * @throws NullPointerException if {@code spinWait} is null
     */
    public static RwSpinLock queued(SpinWait spinWait) {
        return new Queued(spinWait);
    }

    /** Returns the read side as a {@link Lock}: shared with other readers, excluded by a writer. */
    @Override
    public final Lock readLock() {
        return readView;
    }

    /** Returns the write side as a {@link Lock}: excludes readers and other writers. */
    @Override
    public final Lock writeLock() {
        return writeView;
    }

    /** Acquires the lock for reading ({@code read_lock}). */
    public abstract void lockRead();

    /**
     * Acquires the lock for reading if that needs no waiting ({@code read_trylock}).
     *
     * @return whether the read lock was acquired
     */
    public abstract boolean tryLockRead();

    /**
     * Releases a read hold ({@code read_unlock}).
     *
     * @throws IllegalMonitorStateException if no reader holds the lock
     */
    public abstract void unlockRead();

    /** Acquires the lock for writing ({@code write_lock}). */
    public abstract void lockWrite();

    /**
     * Acquires the lock for writing if it is free now ({@code write_trylock}).
     *
     * @return whether the write lock was acquired
     */
    public abstract boolean tryLockWrite();

    /**
     * Releases the write hold ({@code write_unlock}).
     *
     * @throws IllegalMonitorStateException if no writer holds the lock
     */
    public abstract void unlockWrite();

    /**
     * Tells whether a writer holds the lock now; a snapshot for monitoring and assertions.
     *
     * @return whether the lock is write-locked
     */
    public abstract boolean isWriteLocked();

    /**
     * Returns the number of read holds now, counting readers that are momentarily backing off; a snapshot
     * for monitoring.
     *
     * @return the number of readers
     */
    public abstract int readerCount();

    /**
     * Tells whether the lock is held in either mode ({@code rwlock_is_contended}'s cheaper cousin
     * {@code spin_is_locked}).
     *
     * @return whether a reader or a writer holds the lock
     */
    public final boolean isLocked() {
        return isWriteLocked() || readerCount() > 0;
    }

    @Override
    public String toString() {
        return super.toString() + "[" + (isWriteLocked() ? "write-locked" : "readers=" + readerCount()) + "]";
    }

    static IllegalMonitorStateException notHeld(String side, String holder) {
        return new IllegalMonitorStateException("RwSpinLock " + side + " unlock called while no " + holder
                + " holds the lock: unlock only a side you acquired, once per acquisition");
    }

    /** The reader-preferring {@code rwlock_t}. */
    private static final class ReaderPreferring extends RwSpinLock {
        private static final int WRITER = 1;
        private static final int READER = 2;

        private final SpinWait spinWait;
        private volatile int word;

        ReaderPreferring(SpinWait spinWait) {
            super(spinWait);
            this.spinWait = spinWait;
        }

        @Override
        public void lockRead() {
            // volatile RMW: acquire pairs with unlockWrite()'s release
            if (((int) WORD.getAndAdd(this, READER) & WRITER) == 0) {
                return;
            }
            lockReadSlowpath();
        }

        private void lockReadSlowpath() {
            final SpinWait spinWait = this.spinWait;
            do {
                WORD.getAndAdd(this, -READER); // back off: a writer holds the lock
                int round = 0;
                while (((int) WORD.getAcquire(this) & WRITER) != 0) {
                    round = spinWait.idle(round);
                }
            } while (((int) WORD.getAndAdd(this, READER) & WRITER) != 0);
        }

        @Override
        public boolean tryLockRead() {
            if (((int) WORD.getOpaque(this) & WRITER) != 0) {
                return false;
            }
            if (((int) WORD.getAndAdd(this, READER) & WRITER) == 0) {
                return true;
            }
            WORD.getAndAdd(this, -READER);
            return false;
        }

        @Override
        public void unlockRead() {
            final int old = (int) WORD.getAndAdd(this, -READER); // volatile RMW: release
            if ((old & ~WRITER) == 0) {
                WORD.getAndAdd(this, READER); // undo: nobody held a read lock
                throw notHeld("read", "reader");
            }
        }

        @Override
        public void lockWrite() {
            if (!WORD.compareAndSet(this, 0, WRITER)) { // volatile CAS: acquire pairs with both unlocks
                lockWriteSlowpath();
            }
        }

        private void lockWriteSlowpath() {
            final SpinWait spinWait = this.spinWait;
            int round = 0;
            do {
                while ((int) WORD.getAcquire(this) != 0) {
                    round = spinWait.idle(round);
                }
            } while (!WORD.compareAndSet(this, 0, WRITER));
        }

        @Override
        public boolean tryLockWrite() {
            return (int) WORD.getOpaque(this) == 0 && WORD.compareAndSet(this, 0, WRITER);
        }

        @Override
        public void unlockWrite() {
            // release: orders the critical section before readers' and writers' acquire
            if (((int) WORD.getAndBitwiseAndRelease(this, ~WRITER) & WRITER) == 0) {
                throw notHeld("write", "writer");
            }
        }

        @Override
        public boolean isWriteLocked() {
            return ((int) WORD.getVolatile(this) & WRITER) != 0;
        }

        @Override
        public int readerCount() {
            return (int) WORD.getVolatile(this) >>> 1;
        }

        private static final VarHandle WORD;

        static {
            try {
                WORD = MethodHandles.lookup().findVarHandle(ReaderPreferring.class, "word", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** The queued, fair {@code qrwlock}. */
    private static final class Queued extends RwSpinLock {
        private static final int QW_LOCKED = 0xff;
        private static final int QW_WAITING = 0x100;
        private static final int QW_WMASK = QW_LOCKED | QW_WAITING;
        private static final int QR_SHIFT = 9;
        private static final int QR_BIAS = 1 << QR_SHIFT;

        private final SpinWait spinWait;
        private final QueuedSpinLock waitLock;
        private volatile int cnts;
        /** The waitLock holder while it is parked waiting on cnts; written by it, read by the unlocks. */
        private volatile Thread parkedWaiter;

        Queued(SpinWait spinWait) {
            super(spinWait);
            this.spinWait = spinWait;
            this.waitLock = new QueuedSpinLock(spinWait);
        }

        @Override
        public void lockRead() {
            // volatile RMW: acquire pairs with unlockWrite()'s release
            if (((int) CNTS.getAndAdd(this, QR_BIAS) & QW_WMASK) != 0) {
                lockReadSlowpath();
            }
        }

        private void lockReadSlowpath() {
            dropReaderBias();
            waitLock.lock();
            CNTS.getAndAdd(this, QR_BIAS);
            // A writer ahead of us may still hold the word: wait for its release (acquire pairs with it).
            final SpinWait spinWait = this.spinWait;
            int round = 0;
            while (((int) CNTS.getAcquire(this) & QW_LOCKED) != 0) {
                if (spinWait.isParkingRound(round)) {
                    parkOnCounts(false);
                } else {
                    round = spinWait.idle(round);
                }
            }
            waitLock.unlock();
        }

        @Override
        public boolean tryLockRead() {
            if (((int) CNTS.getOpaque(this) & QW_WMASK) != 0) {
                return false;
            }
            if (((int) CNTS.getAndAdd(this, QR_BIAS) & QW_WMASK) == 0) {
                return true;
            }
            dropReaderBias();
            return false;
        }

        @Override
        public void unlockRead() {
            if (((int) CNTS.getOpaque(this) >>> QR_SHIFT) == 0) {
                throw notHeld("read", "reader"); // checked first: a decrement would borrow from the flags
            }
            dropReaderBias();
        }

        /**
         * Removes one reader's bias (volatile RMW: release for a read section) and, when that leaves exactly
         * a waiting writer, kicks it: it may be parked waiting for the readers to drain.
         */
        private void dropReaderBias() {
            if ((int) CNTS.getAndAdd(this, -QR_BIAS) - QR_BIAS == QW_WAITING) {
                kickWaiter();
            }
        }

        @Override
        public void lockWrite() {
            if (!CNTS.compareAndSet(this, 0, QW_LOCKED)) { // volatile CAS: acquire pairs with both unlocks
                lockWriteSlowpath();
            }
        }

        private void lockWriteSlowpath() {
            waitLock.lock();
            if ((int) CNTS.getVolatile(this) != 0 || !CNTS.compareAndSet(this, 0, QW_LOCKED)) {
                CNTS.getAndBitwiseOr(this, QW_WAITING); // stop new readers at their fast path
                final SpinWait spinWait = this.spinWait;
                int round = 0;
                do {
                    while ((int) CNTS.getAcquire(this) != QW_WAITING) {
                        if (spinWait.isParkingRound(round)) {
                            parkOnCounts(true);
                        } else {
                            round = spinWait.idle(round);
                        }
                    }
                } while (!CNTS.compareAndSet(this, QW_WAITING, QW_LOCKED));
            }
            waitLock.unlock();
        }

        @Override
        public boolean tryLockWrite() {
            return (int) CNTS.getOpaque(this) == 0 && CNTS.compareAndSet(this, 0, QW_LOCKED);
        }

        @Override
        public void unlockWrite() {
            // the kernel's smp_store_release(&lock->wlocked, 0); volatile, for the kick's Dekker pattern
            final int old = (int) CNTS.getAndBitwiseAnd(this, ~QW_LOCKED);
            if ((old & QW_LOCKED) == 0) {
                throw notHeld("write", "writer");
            }
            if (old != QW_LOCKED) { // a writer waits, or readers have added their bias: one may be parked
                kickWaiter();
            }
        }

        /**
         * Parks the waitLock holder, the only thread that waits on cnts, for one round unless its condition
         * already holds: a writer waits for cnts == QW_WAITING, a reader for the locked byte to clear.
         * Dekker's pattern with the unlocks: volatile store of parkedWaiter, volatile load of cnts here;
         * volatile RMW of cnts, volatile load of parkedWaiter there.
         */
        private void parkOnCounts(boolean writer) {
            final Thread me = Thread.currentThread();
            PARKED_WAITER.setVolatile(this, me);
            final int counts = (int) CNTS.getVolatile(this);
            if (writer ? counts != QW_WAITING : (counts & QW_LOCKED) != 0) {
                spinWait.park(this);
            }
            PARKED_WAITER.compareAndSet(this, me, null);
        }

        private void kickWaiter() {
            final Thread parked = (Thread) PARKED_WAITER.getVolatile(this);
            if (parked != null) {
                LockSupport.unpark(parked);
            }
        }

        @Override
        public boolean isWriteLocked() {
            return ((int) CNTS.getVolatile(this) & QW_LOCKED) != 0;
        }

        @Override
        public int readerCount() {
            return (int) CNTS.getVolatile(this) >>> QR_SHIFT;
        }

        private static final VarHandle CNTS;
        private static final VarHandle PARKED_WAITER;

        static {
            try {
                CNTS = MethodHandles.lookup().findVarHandle(Queued.class, "cnts", int.class);
                PARKED_WAITER = MethodHandles.lookup().findVarHandle(Queued.class, "parkedWaiter", Thread.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** The read side as a {@link Lock}. */
    private static final class ReadView extends SpinningLock {
        private final RwSpinLock lock;

        ReadView(RwSpinLock lock, SpinWait spinWait) {
            super(spinWait);
            this.lock = lock;
        }

        @Override
        public void lock() {
            lock.lockRead();
        }

        @Override
        public boolean tryLock() {
            return lock.tryLockRead();
        }

        @Override
        public void unlock() {
            lock.unlockRead();
        }

        @Override
        public String toString() {
            return lock + ".readLock()";
        }
    }

    /** The write side as a {@link Lock}. */
    private static final class WriteView extends SpinningLock {
        private final RwSpinLock lock;

        WriteView(RwSpinLock lock, SpinWait spinWait) {
            super(spinWait);
            this.lock = lock;
        }

        @Override
        public void lock() {
            lock.lockWrite();
        }

        @Override
        public boolean tryLock() {
            return lock.tryLockWrite();
        }

        @Override
        public void unlock() {
            lock.unlockWrite();
        }

        @Override
        public String toString() {
            return lock + ".writeLock()";
        }
    }
}
