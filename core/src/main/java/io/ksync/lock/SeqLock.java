package io.ksync.lock;

/**
 * A sequence lock: the kernel's {@code seqlock_t} ({@code include/linux/seqlock.h}), a {@link SeqCount} whose
 * writers are serialised by a {@link QueuedSpinLock}. Readers never write shared memory and never block a
 * writer; writers take priority and cannot be starved by readers. Right for small, frequently read,
 * rarely written data where readers can afford to retry (the kernel's timekeeping, {@code jiffies_64}).
 *
 * <p>Kernel names: {@link #readBegin()} {@code read_seqbegin}, {@link #readRetry(int)} {@code read_seqretry},
 * {@link #writeLock()} {@code write_seqlock}, {@link #tryWriteLock()} {@code write_tryseqlock},
 * {@link #writeUnlock()} {@code write_sequnlock}, {@link #readLockExclusive()} / {@link #readUnlockExclusive()}
 * {@code read_seqlock_excl} / {@code read_sequnlock_excl}, and {@link #readBeginOrLock(int)},
 * {@link #needRetry(int)}, {@link #doneRetry(int)} {@code read_seqbegin_or_lock}, {@code need_seqretry},
 * {@code done_seqretry}.
 *
 * <p>Memory effects: as {@link SeqCount} for readers; actions before {@link #writeUnlock()} happen-before
 * the actions after the next {@link #writeLock()} and after any {@link #readBegin()} that returns the
 * sequence it published. A reader must not act on the data it read (follow references, index arrays) before
 * {@link #readRetry(int)} has vouched for it.
 *
 * <p>Misuse: {@link #writeUnlock()} and {@link #readUnlockExclusive()} without the matching lock throw
 * {@link IllegalMonitorStateException}. The write lock is not reentrant.
 *
 * <pre>{@code
 * final class Clock {
 *     private final SeqLock lock = new SeqLock();
 *     private long seconds, nanos;
 *
 *     void set(long s, long n) {
 *         lock.writeLock();
 *         try {
 *             seconds = s;
 *             nanos = n;
 *         } finally {
 *             lock.writeUnlock();
 *         }
 *     }
 *
 *     long totalNanos() {                      // lockless first, locked if a writer keeps interfering
 *         long s, n;
 *         int seq;
 *         for (int attempt = 0; ; attempt++) {
 *             seq = lock.readBeginOrLock(attempt);
 *             s = seconds;
 *             n = nanos;
 *             if (!lock.needRetry(seq)) {
 *                 break;
 *             }
 *         }
 *         lock.doneRetry(seq);
 *         return s * 1_000_000_000L + n;
 *     }
 * }
 * }</pre>
 */
public final class SeqLock {

    /*
     * Implementation notes.
     *
     * Composition, exactly as the kernel's struct { seqcount_spinlock_t seqcount; spinlock_t lock; }:
     * writeLock = lock.lock(); count.writeBegin(). writeUnlock = count.writeEnd(); lock.unlock(). The
     * orderings are SeqCount's (see its notes) plus the spinlock's acquire/release between writers.
     * Exclusive readers take only the spinlock: they exclude writers (and each other) without moving the
     * count, so lockless readers are not disturbed by them.
     *
     * readBeginOrLock: attempts below the optimistic budget return readBegin()'s even sequence; later ones
     * take the lock exclusively and return the odd marker LOCKED_READ, which no readBegin() can return, so
     * needRetry/doneRetry tell the two cases apart by parity, as the kernel's helpers do.
     */

    /** The marker {@link #readBeginOrLock(int)} returns for a locked (exclusive) read: odd, never a sequence. */
    private static final int LOCKED_READ = 1;

    private final SeqCount count = new SeqCount();
    private final QueuedSpinLock lock;
    private final int optimisticAttempts;

    /** Creates a seqlock whose readers try once without the lock in {@link #readBeginOrLock(int)}. */
    public SeqLock() {
        this(1, SpinWait.adaptive());
    }

    /**
     * Creates a seqlock.
     *
     * @param optimisticAttempts how many lockless attempts {@link #readBeginOrLock(int)} grants a reader
     *                           before it takes the lock, {@code >= 1} (the kernel grants one)
     * @param spinWait           how writers (and exclusive readers) wait for the lock
     * @throws IllegalArgumentException if {@code optimisticAttempts < 1}
     * @throws NullPointerException     if {@code spinWait} is null
     */
    public SeqLock(int optimisticAttempts, SpinWait spinWait) {
        if (optimisticAttempts < 1) {
            throw new IllegalArgumentException("optimisticAttempts must be >= 1, was " + optimisticAttempts
                    + "; use readLockExclusive() for a reader that always locks");
        }
        this.lock = new QueuedSpinLock(spinWait);
        this.optimisticAttempts = optimisticAttempts;
    }

    /**
     * Begins a lockless read section ({@code read_seqbegin}), waiting while a writer is active.
     *
     * @return the sequence to pass to {@link #readRetry(int)}
     */
    public int readBegin() {
        return count.readBegin();
    }

    /**
     * Ends a lockless read section ({@code read_seqretry}).
     *
     * @param sequence the value {@link #readBegin()} returned
     * @return {@code true} if a writer overlapped the section and it must be repeated
     */
    public boolean readRetry(int sequence) {
        return count.readRetry(sequence);
    }

    /**
     * Acquires the write lock and begins a write section ({@code write_seqlock}): waits for other writers
     * and exclusive readers, never for lockless readers.
     */
    public void writeLock() {
        lock.lock();
        count.writeBegin();
    }

    /**
     * Acquires the write lock only if it is free now ({@code write_tryseqlock}).
     *
     * @return whether the write lock was acquired (and a write section begun)
     */
    public boolean tryWriteLock() {
        if (!lock.tryLock()) {
            return false;
        }
        count.writeBegin();
        return true;
    }

    /**
     * Ends the write section and releases the write lock ({@code write_sequnlock}).
     *
     * @throws IllegalMonitorStateException if no write section is in progress
     */
    public void writeUnlock() {
        if (!count.isWriting()) {
            throw new IllegalMonitorStateException(
                    "SeqLock.writeUnlock() without writeLock(): unlock only a write lock you hold");
        }
        count.writeEnd();
        lock.unlock();
    }

    /**
     * Takes the lock as an exclusive reader ({@code read_seqlock_excl}): excludes writers and other
     * exclusive readers, without disturbing lockless readers. For readers that must not retry.
     */
    public void readLockExclusive() {
        lock.lock();
    }

    /**
     * Releases an exclusive read ({@code read_sequnlock_excl}).
     *
     * @throws IllegalMonitorStateException if the lock is not held, or is held by a writer in a write
     *                                      section (use {@link #writeUnlock()})
     */
    public void readUnlockExclusive() {
        if (count.isWriting()) {
            throw new IllegalMonitorStateException(
                    "SeqLock.readUnlockExclusive() during a write section: a writer ends with writeUnlock()");
        }
        lock.unlock();
    }

    /**
     * Begins attempt number {@code attempt} of a read that falls back to the lock
     * ({@code read_seqbegin_or_lock}): the first attempts (one by default) are lockless; later ones take the
     * lock exclusively, so a reader that keeps colliding with writers finishes in bounded time.
     *
     * @param attempt how many attempts this read has made before, {@code 0} for the first
     * @return the value to pass to {@link #needRetry(int)} and {@link #doneRetry(int)}
     * @throws IllegalArgumentException if {@code attempt < 0}
     */
    public int readBeginOrLock(int attempt) {
        if (attempt < optimisticAttempts) {
            if (attempt < 0) {
                throw new IllegalArgumentException("attempt must be >= 0, was " + attempt);
            }
            return count.readBegin();
        }
        lock.lock();
        return LOCKED_READ;
    }

    /**
     * Tells whether the attempt begun by {@link #readBeginOrLock(int)} must be repeated
     * ({@code need_seqretry}): only a lockless attempt that a writer overlapped must.
     *
     * @param sequence the value {@link #readBeginOrLock(int)} returned
     * @return whether to begin another attempt
     */
    public boolean needRetry(int sequence) {
        return (sequence & 1) == 0 && count.readRetry(sequence);
    }

    /**
     * Finishes a read begun by {@link #readBeginOrLock(int)} ({@code done_seqretry}): releases the lock if
     * the last attempt took it. Call it once, after the last attempt.
     *
     * @param sequence the value the last {@link #readBeginOrLock(int)} returned
     */
    public void doneRetry(int sequence) {
        if ((sequence & 1) != 0) {
            lock.unlock();
        }
    }

    /**
     * Tells whether a writer is inside a write section now; a snapshot for assertions.
     *
     * @return whether a write section is in progress
     */
    public boolean isWriteLocked() {
        return count.isWriting();
    }

    @Override
    public String toString() {
        return super.toString() + "[" + count + ", " + lock + "]";
    }
}
