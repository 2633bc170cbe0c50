package io.ksync.atomic;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A fixed-size bitmap with atomic bit operations: the kernel's bitops and bitmap functions
 * ({@code include/linux/bitops.h}, {@code include/asm-generic/bitops/atomic.h} and {@code lock.h},
 * {@code include/linux/find.h}, {@code include/linux/bitmap.h}). {@link #setBit(int)} is {@code set_bit},
 * {@link #clearBit(int)} {@code clear_bit}, {@link #changeBit(int)} {@code change_bit}, {@link #testBit(int)}
 * {@code test_bit}, {@link #testBitAcquire(int)} {@code test_bit_acquire}, {@link #testAndSetBit(int)}
 * {@code test_and_set_bit}, {@link #testAndClearBit(int)} {@code test_and_clear_bit},
 * {@link #testAndChangeBit(int)} {@code test_and_change_bit}, {@link #testAndSetBitLock(int)}
 * {@code test_and_set_bit_lock}, {@link #clearBitUnlock(int)} {@code clear_bit_unlock},
 * {@link #findFirstBit()} {@code find_first_bit}, {@link #findNextBit(int)} {@code find_next_bit},
 * {@link #findFirstZeroBit()} {@code find_first_zero_bit}, {@link #findNextZeroBit(int)}
 * {@code find_next_zero_bit}, {@link #weight()} {@code bitmap_weight}, {@link #clear()} {@code bitmap_zero},
 * {@link #fill()} {@code bitmap_fill}.
 *
 * <p>Bits are numbered {@code 0} to {@code size() - 1}; an index outside that range throws
 * {@link IndexOutOfBoundsException}. Each single-bit operation is atomic: concurrent operations on different
 * bits, even of the same 64-bit word, never lose each other's updates. The operations that read several words
 * ({@code find...}, {@link #weight()}, {@link #clear()}, {@link #fill()}, {@link #toString()}) are not atomic
 * as a whole: they see or write each word once, and concurrent updates of other words may or may not be
 * included, as in the kernel.
 *
 * <p>Memory effects, as {@code Documentation/atomic_bitops.txt}:
 * <ul>
 *   <li>{@link #setBit(int)}, {@link #clearBit(int)}, {@link #changeBit(int)}: atomic, no ordering promised;</li>
 *   <li>{@link #testAndSetBit(int)}, {@link #testAndClearBit(int)}, {@link #testAndChangeBit(int)}: fully
 *   ordered, like a volatile read and write;</li>
 *   <li>{@link #testAndSetBitLock(int)} that returns {@code false} (the bit lock was taken): acquire;
 *   {@link #clearBitUnlock(int)}: release. Actions before {@code clearBitUnlock(i)} happen-before the actions
 *   after the next successful {@code testAndSetBitLock(i)}, so a bit works as a spinlock;</li>
 *   <li>{@link #testBit(int)}: opaque ({@code READ_ONCE}); {@link #testBitAcquire(int)}: acquire, pairs with
 *   {@link #clearBitUnlock(int)} for a thread that waits for a bit lock to be released.</li>
 * </ul>
 *
 * <pre>{@code
 * final class SlotAllocator {                // hands out slot numbers 0..capacity-1 to many threads
 *     private final AtomicBits used;
 *
 *     SlotAllocator(int capacity) {
 *         used = new AtomicBits(capacity);
 *     }
 *
 *     int allocate() {                       // returns -1 when full
 *         for (int i = used.findFirstZeroBit(); i < used.size(); i = used.findNextZeroBit(i + 1)) {
 *             if (!used.testAndSetBit(i)) {
 *                 return i;                  // we set it: the slot is ours
 *             }
 *         }
 *         return -1;
 *     }
 *
 *     void free(int slot) {
 *         if (!used.testAndClearBit(slot)) {
 *             throw new IllegalStateException("slot " + slot + " was not allocated");
 *         }
 *     }
 * }
 * }</pre>
 */
public final class AtomicBits {

    /*
     * Implementation notes.
     *
     * words[i] holds bits 64*i .. 64*i+63, bit b at (words[b >>> 6] >>> (b & 63)) & 1, as the kernel's
     * BIT_WORD/BIT_MASK with 64-bit longs. Invariant: the bits of the last word at positions >= size are
     * always 0 (fill() masks them, every single-bit operation checks its index), so the set-bit searches and
     * weight() need no masking, and the zero-bit searches clamp their result to size.
     *
     * All accesses go through the array element VarHandle, never a plain array access:
     *   setBit/clearBit/changeBit:   getAndBitwiseOr/And/Xor (volatile)   set_bit etc. are relaxed atomic RMWs;
     *                                                                     VarHandle has no relaxed RMW
     *   testAndSet/Clear/ChangeBit:  getAndBitwiseOr/And/Xor (volatile)   fully ordered in the kernel
     *   testAndSetBitLock:           getOpaque, then getAndBitwiseOrAcquire
     *                                the opaque pre-check (as asm-generic/bitops/lock.h) keeps waiters that spin
     *                                on a held bit lock from writing its cache line; a held bit needs no
     *                                ordering. acquire: pairs with the release in clearBitUnlock
     *   clearBitUnlock:              getAndBitwiseAndRelease              release: pairs with the acquire above
     *                                and with testBitAcquire; an RMW, not a store, because other bits of the word
     *                                may change concurrently
     *   testBit:                     getOpaque                            test_bit is a READ_ONCE
     *   testBitAcquire:              getAcquire                           pairs with clearBitUnlock's release
     *   find..., weight:             getOpaque per word                   plain loads in the kernel; opaque keeps
     *                                                                     each word read once and untorn
     *   clear, fill:                 setOpaque per word                   memset in the kernel; not atomic as a
     *                                                                     whole, a concurrent update of a word
     *                                                                     may be overwritten
     * Methods that loop over the array copy the field into a final local of the same name first.
     */

    private static final int ADDRESS_BITS_PER_WORD = 6;

    private final long[] words;
    private final int size;

    /**
     * Creates a bitmap of {@code size} bits, all clear ({@code DECLARE_BITMAP}, {@code bitmap_zalloc}).
     *
     * @param size the number of bits, {@code > 0}
     * @throws IllegalArgumentException if {@code size <= 0}
     */
    public AtomicBits(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("AtomicBits size must be > 0, was " + size);
        }
        this.size = size;
        this.words = new long[((size - 1) >>> ADDRESS_BITS_PER_WORD) + 1];
    }

    /**
     * Returns the number of bits, fixed at construction; the {@code find...} methods return it when they
     * find nothing.
     *
     * @return the number of bits
     */
    public int size() {
        return size;
    }

    /**
     * Sets a bit ({@code set_bit}). Atomic; no ordering promised.
     *
     * @param index the bit
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public void setBit(int index) {
        WORDS.getAndBitwiseOr(words, wordIndex(index), 1L << index);
    }

    /**
     * Clears a bit ({@code clear_bit}). Atomic; no ordering promised (use {@link #clearBitUnlock(int)} to
     * release a bit lock).
     *
     * @param index the bit
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public void clearBit(int index) {
        WORDS.getAndBitwiseAnd(words, wordIndex(index), ~(1L << index));
    }

    /**
     * Flips a bit ({@code change_bit}). Atomic; no ordering promised.
     *
     * @param index the bit
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public void changeBit(int index) {
        WORDS.getAndBitwiseXor(words, wordIndex(index), 1L << index);
    }

    /**
     * Tells whether a bit is set ({@code test_bit}). Opaque: no ordering of other accesses.
     *
     * @param index the bit
     * @return whether the bit is set
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public boolean testBit(int index) {
        return ((long) WORDS.getOpaque(words, wordIndex(index)) & (1L << index)) != 0;
    }

    /**
     * Tells whether a bit is set, with acquire ordering ({@code test_bit_acquire}): a thread that sees a bit
     * lock released by {@link #clearBitUnlock(int)} also sees what the holder did before releasing it.
     *
     * @param index the bit
     * @return whether the bit is set
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public boolean testBitAcquire(int index) {
        // acquire: pairs with getAndBitwiseAndRelease in clearBitUnlock()
        return ((long) WORDS.getAcquire(words, wordIndex(index)) & (1L << index)) != 0;
    }

    /**
     * Sets a bit and returns its old value ({@code test_and_set_bit}). Atomic and fully ordered: exactly one
     * of several concurrent callers sees {@code false}.
     *
     * @param index the bit
     * @return whether the bit was already set
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public boolean testAndSetBit(int index) {
        final long mask = 1L << index;
        return ((long) WORDS.getAndBitwiseOr(words, wordIndex(index), mask) & mask) != 0;
    }

    /**
     * Clears a bit and returns its old value ({@code test_and_clear_bit}). Atomic and fully ordered.
     *
     * @param index the bit
     * @return whether the bit was set
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public boolean testAndClearBit(int index) {
        final long mask = 1L << index;
        return ((long) WORDS.getAndBitwiseAnd(words, wordIndex(index), ~mask) & mask) != 0;
    }

    /**
     * Flips a bit and returns its old value ({@code test_and_change_bit}). Atomic and fully ordered.
     *
     * @param index the bit
     * @return whether the bit was set before the flip
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public boolean testAndChangeBit(int index) {
        final long mask = 1L << index;
        return ((long) WORDS.getAndBitwiseXor(words, wordIndex(index), mask) & mask) != 0;
    }

    /**
     * Tries to take a bit lock: sets the bit and returns its old value ({@code test_and_set_bit_lock}). When
     * it returns {@code false} the caller holds the bit lock, with acquire ordering: the actions of the
     * previous holder before its {@link #clearBitUnlock(int)} happen-before the caller's next actions. When
     * the bit is already set it returns {@code true} without writing and without ordering.
     *
     * @param index the bit
     * @return {@code false} if the bit was clear and this call set it (lock taken), {@code true} if it was set
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public boolean testAndSetBitLock(int index) {
        final int word = wordIndex(index);
        final long mask = 1L << index;
        if (((long) WORDS.getOpaque(words, word) & mask) != 0) {
            return true; // held: spinning callers only read the line
        }
        // acquire: pairs with getAndBitwiseAndRelease in clearBitUnlock()
        return ((long) WORDS.getAndBitwiseOrAcquire(words, word, mask) & mask) != 0;
    }

    /**
     * Releases a bit lock: clears the bit with release ordering ({@code clear_bit_unlock}). The caller's
     * actions before it happen-before the actions of the next thread that takes the bit lock with
     * {@link #testAndSetBitLock(int)} or sees it clear with {@link #testBitAcquire(int)}.
     *
     * @param index the bit
     * @throws IndexOutOfBoundsException    if {@code index} is not in {@code [0, size())}
     * @throws IllegalMonitorStateException if the bit was not set: the bit lock was not held (the bitmap is
     *                                      unchanged)
     */
    public void clearBitUnlock(int index) {
        final long mask = 1L << index;
        // release: pairs with getAndBitwiseOrAcquire in testAndSetBitLock() and getAcquire in testBitAcquire()
        final long old = (long) WORDS.getAndBitwiseAndRelease(words, wordIndex(index), ~mask);
        if ((old & mask) == 0) {
            throw new IllegalMonitorStateException("AtomicBits.clearBitUnlock(" + index + ") while bit " + index
                    + " was clear: release only a bit lock you took with testAndSetBitLock(), once");
        }
    }

    /**
     * Returns the lowest set bit ({@code find_first_bit}), or {@link #size()} if none is set.
     *
     * @return the index of the first set bit, or {@code size()}
     */
    public int findFirstBit() {
        return findNextBit(0);
    }

    /**
     * Returns the lowest set bit at or after {@code from} ({@code find_next_bit}), or {@link #size()} if there
     * is none; {@code from >= size()} returns {@code size()}, so
     * {@code for (i = findFirstBit(); i < size(); i = findNextBit(i + 1))} visits every set bit
     * ({@code for_each_set_bit}).
     *
     * @param from the first bit to look at, {@code >= 0}
     * @return the index of the next set bit, or {@code size()}
     * @throws IndexOutOfBoundsException if {@code from} is negative
     */
    public int findNextBit(int from) {
        checkFrom(from);
        if (from >= size) {
            return size;
        }
        final long[] words = this.words;
        int w = from >>> ADDRESS_BITS_PER_WORD;
        long word = (long) WORDS.getOpaque(words, w) & (-1L << from);
        while (word == 0) {
            if (++w == words.length) {
                return size;
            }
            word = (long) WORDS.getOpaque(words, w);
        }
        return (w << ADDRESS_BITS_PER_WORD) + Long.numberOfTrailingZeros(word); // tail bits are 0: < size
    }

    /**
     * Returns the lowest clear bit ({@code find_first_zero_bit}), or {@link #size()} if all are set.
     *
     * @return the index of the first clear bit, or {@code size()}
     */
    public int findFirstZeroBit() {
        return findNextZeroBit(0);
    }

    /**
     * Returns the lowest clear bit at or after {@code from} ({@code find_next_zero_bit}), or {@link #size()}
     * if there is none; {@code from >= size()} returns {@code size()}.
     *
     * @param from the first bit to look at, {@code >= 0}
     * @return the index of the next clear bit, or {@code size()}
     * @throws IndexOutOfBoundsException if {@code from} is negative
     */
    public int findNextZeroBit(int from) {
        checkFrom(from);
        if (from >= size) {
            return size;
        }
        final long[] words = this.words;
        int w = from >>> ADDRESS_BITS_PER_WORD;
        long word = ~(long) WORDS.getOpaque(words, w) & (-1L << from);
        while (word == 0) {
            if (++w == words.length) {
                return size;
            }
            word = ~(long) WORDS.getOpaque(words, w);
        }
        // the tail bits past size are 0, so they look clear here: clamp
        return Math.min(size, (w << ADDRESS_BITS_PER_WORD) + Long.numberOfTrailingZeros(word));
    }

    /**
     * Returns the number of set bits ({@code bitmap_weight}); not an atomic snapshot under concurrent updates.
     *
     * @return the number of set bits
     */
    public int weight() {
        final long[] words = this.words;
        int count = 0;
        for (int w = 0; w < words.length; w++) {
            count += Long.bitCount((long) WORDS.getOpaque(words, w));
        }
        return count;
    }

    /**
     * Clears every bit ({@code bitmap_zero}). Each word is written once, not atomically as a whole: a
     * concurrent update of a word written here may be lost, as in the kernel.
     */
    public void clear() {
        final long[] words = this.words;
        for (int w = 0; w < words.length; w++) {
            WORDS.setOpaque(words, w, 0L);
        }
    }

    /**
     * Sets every bit ({@code bitmap_fill}). Each word is written once, not atomically as a whole: a
     * concurrent update of a word written here may be lost, as in the kernel.
     */
    public void fill() {
        final long[] words = this.words;
        final int last = words.length - 1;
        for (int w = 0; w < last; w++) {
            WORDS.setOpaque(words, w, -1L);
        }
        WORDS.setOpaque(words, last, -1L >>> (-size & (Long.SIZE - 1))); // keep the tail past size clear
    }

    /**
     * Returns the size and the set bits as ranges, as the kernel's {@code %*pbl} prints a bitmap:
     * {@code AtomicBits[size=100, {0-3,7,64-65}]}. Not an atomic snapshot.
     */
    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("AtomicBits[size=").append(size).append(", {");
        int from = findFirstBit();
        while (from < size) {
            final int to = Math.max(from, findNextZeroBit(from) - 1); // max: the bit may be cleared meanwhile
            if (sb.charAt(sb.length() - 1) != '{') {
                sb.append(',');
            }
            sb.append(from);
            if (to > from) {
                sb.append('-').append(to);
            }
            from = findNextBit(to + 1);
        }
        return sb.append("}]").toString();
    }

    private int wordIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(
                    "AtomicBits bit index " + index + " out of range [0, " + size + ")");
        }
        return index >>> ADDRESS_BITS_PER_WORD;
    }

    private static void checkFrom(int from) {
        if (from < 0) {
            throw new IndexOutOfBoundsException("AtomicBits search start " + from + " must be >= 0");
        }
    }

    // VarHandle mechanics
    private static final VarHandle WORDS;

    static {
        WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    }
}
