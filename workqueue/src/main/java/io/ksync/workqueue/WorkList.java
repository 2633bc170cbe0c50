package io.ksync.workqueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An intrusive FIFO of {@link Work} items: the kernel's {@code list_head} worklists ({@code pool->worklist},
 * {@code pwq->inactive_works}). The links live in the works themselves, so queueing allocates nothing and a
 * work is unlinked in O(1) when it is cancelled. Guarded by the lock of the pool that owns the list; a work is
 * on at most one list at a time (its {@code onList} says which).
 */
final class WorkList {

    private Work head;
    private Work tail;
    private int size;

    boolean isEmpty() {
        return head == null;
    }

    /**
     * Whether the list looked empty, read without the lock (opaque): a hint for a worker that spins before it
     * goes idle, confirmed under the lock before anything is decided on it.
     */
    boolean isEmptyOpaque() {
        return HEAD.getOpaque(this) == null;
    }

    int size() {
        return size;
    }

    Work first() {
        return head;
    }

    void addLast(Work work) {
        work.onList = this;
        work.next = null;
        work.prev = tail;
        if (tail == null) {
            head = work;
        } else {
            tail.next = work;
        }
        tail = work;
        size++;
    }

    void addFirst(Work work) {
        work.onList = this;
        work.prev = null;
        work.next = head;
        if (head == null) {
            tail = work;
        } else {
            head.prev = work;
        }
        head = work;
        size++;
    }

    Work pollFirst() {
        final Work work = head;
        if (work != null) {
            remove(work);
        }
        return work;
    }

    /**
     * Unlinks {@code work}, which is on this list. The head's {@code prev} is never read (the head is recognised by
     * identity), so unlinking the head does not write the next work's {@code prev}: a worker taking works in order
     * touches only the work it takes, not the next one, whose line the queuer may be writing at that moment.
     */
    void remove(Work work) {
        final Work next = work.next;
        if (work == head) {
            head = next; // next.prev still names work: stale, and never read while next is the head
            if (next == null) {
                tail = null;
            }
        } else {
            final Work prev = work.prev;
            prev.next = next;
            if (next == null) {
                tail = prev;
            } else {
                next.prev = prev;
            }
        }
        work.prev = null;
        work.next = null;
        work.onList = null;
        size--;
    }

    // VarHandle mechanics
    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(WorkList.class, "head", Work.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
