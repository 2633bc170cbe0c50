package io.ksync.timer;

import java.util.Arrays;

/**
 * One base's queue of {@link HrTimer}s: a binary min-heap by hard expiry, ties in arming order (the kernel's
 * per-CPU {@code timerqueue}, an rbtree with a cached leftmost node). Not thread-safe: guarded by the base's lock.
 */
final class HrTimerHeap {

    /*
     * Implementation notes. The heap is an array of timers; each timer records its index (heapIndex, -1 when not
     * queued), so removal of any timer is O(log n) without a search, as in the JDK's DelayedWorkQueue. The order
     * is (hard expiry by wrap-around difference, then sequence): the sequence is taken from a per-heap counter
     * at each queueing, so equal expiries run in arming order as the kernel's rbtree inserts equal keys to the
     * right. The array grows by doubling and never shrinks below its initial size; queueing allocates only when
     * it grows.
     *
     * A pass first moves every due timer, in order, from the heap to the expiring list (linked through the
     * timers, heapIndex EXPIRING), then runs them from there: timers that callbacks queue meanwhile wait in the
     * heap for the next pass, so a callback that re-arms at a time already past cannot keep one pass going or
     * starve the others, and a due timer cancelled before its turn (still queued, in the list) does not run.
     */

    /** heapIndex of a timer in the expiring list: due in this pass, not yet run; still queued. */
    static final int EXPIRING = -2;

    private static final int INITIAL_CAPACITY = 16;

    private HrTimer[] heap = new HrTimer[INITIAL_CAPACITY];
    private int size;
    private long nextSequence;
    /** The expiring list, oldest first. */
    private HrTimer expiringFirst;
    private HrTimer expiringLast;
    private int expiring;

    /** Timers queued: in the heap or in the expiring list. */
    int size() {
        return size + expiring;
    }

    /**
     * Moves every timer whose soft expiry is at or before {@code now} to the expiring list, in hard-expiry order,
     * stopping at the first that is not due (__hrtimer_run_queues).
     */
    void collectDue(long now) {
        HrTimer first;
        while (size > 0 && (first = heap[0]).softExpires - now <= 0) {
            removeAt(0, first);
            first.expiringPrevious = expiringLast;
            first.expiringNext = null;
            if (expiringLast == null) {
                expiringFirst = first;
            } else {
                expiringLast.expiringNext = first;
            }
            expiringLast = first;
            expiring++;
            first.setHeapIndexRelease(EXPIRING);
        }
    }

    /**
     * Takes the first timer of the expiring list, or null. Its heap index is -1 then; its QUEUED mark is the
     * caller's to change (to RUNNING, in one store).
     */
    HrTimer pollExpiring() {
        final HrTimer first = expiringFirst;
        if (first != null) {
            unlinkExpiring(first);
        }
        return first;
    }

    /** The timer with the earliest hard expiry, or null. */
    HrTimer peek() {
        return size == 0 ? null : heap[0];
    }

    void add(HrTimer timer) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        timer.sequence = nextSequence++;
        siftUp(size++, timer);
        timer.markQueuedLocked();
    }

    /** Removes a queued timer, from the heap or the expiring list; returns whether it was queued here. */
    boolean remove(HrTimer timer) {
        final int index = timer.heapIndex;
        if (index == EXPIRING) {
            unlinkExpiring(timer);
            timer.markDequeuedLocked();
            return true;
        }
        if (index < 0 || index >= size || heap[index] != timer) {
            return false;
        }
        removeAt(index, timer);
        timer.setHeapIndexRelease(-1);
        timer.markDequeuedLocked();
        return true;
    }

    /** Dequeues every timer. */
    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].setHeapIndexRelease(-1);
            heap[i].markDequeuedLocked();
            heap[i] = null;
        }
        size = 0;
        HrTimer timer;
        while ((timer = pollExpiring()) != null) {
            timer.markDequeuedLocked();
        }
    }

    private void removeAt(int index, HrTimer timer) {
        final HrTimer last = heap[--size];
        heap[size] = null;
        if (last != timer) {
            siftDown(index, last);
            if (heap[index] == last) {
                siftUp(index, last);
            }
        }
    }

    private void unlinkExpiring(HrTimer timer) {
        final HrTimer previous = timer.expiringPrevious;
        final HrTimer next = timer.expiringNext;
        if (previous == null) {
            expiringFirst = next;
        } else {
            previous.expiringNext = next;
        }
        if (next == null) {
            expiringLast = previous;
        } else {
            next.expiringPrevious = previous;
        }
        timer.expiringPrevious = null;
        timer.expiringNext = null;
        expiring--;
        timer.setHeapIndexRelease(-1);
    }

    private static boolean before(HrTimer a, HrTimer b) {
        final long difference = a.hardExpires - b.hardExpires;
        return difference < 0 || (difference == 0 && a.sequence - b.sequence < 0);
    }

    private void siftUp(int index, HrTimer timer) {
        while (index > 0) {
            final int parent = (index - 1) >>> 1;
            final HrTimer above = heap[parent];
            if (!before(timer, above)) {
                break;
            }
            heap[index] = above;
            above.heapIndex = index;
            index = parent;
        }
        heap[index] = timer;
        timer.setHeapIndexRelease(index);
    }

    private void siftDown(int index, HrTimer timer) {
        final int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            HrTimer below = heap[child];
            final int right = child + 1;
            if (right < size && before(heap[right], below)) {
                child = right;
                below = heap[child];
            }
            if (!before(below, timer)) {
                break;
            }
            heap[index] = below;
            below.heapIndex = index;
            index = child;
        }
        heap[index] = timer;
        timer.setHeapIndexRelease(index);
    }
}
