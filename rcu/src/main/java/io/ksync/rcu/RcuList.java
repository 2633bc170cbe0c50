package io.ksync.rcu;

import io.ksync.lock.Mutex;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A linked list whose readers never lock: the kernel's RCU list ({@code list_add_rcu}, {@code list_add_tail_rcu},
 * {@code list_del_rcu}, {@code list_replace_rcu}, {@code list_for_each_entry_rcu},
 * {@code list_first_or_null_rcu}).
 *
 * <p>Readers iterate ({@link #iterator()}, {@link #forEach}, {@link #contains}, {@link #first()}) while writers
 * add, remove and replace elements. Writers are serialised by the list's own lock (a {@link Mutex}); readers take
 * no lock and write nothing. A removed or replaced element that is {@link AutoCloseable} is
 * {@linkplain RcuDomain#retire(AutoCloseable) retired} through the list's domain: it is closed only after every
 * read-side section that could have reached it has ended. Readers that use elements after they could have been
 * removed, and care whether they are closed, hold a read-side section of that domain while they iterate and use
 * them; for elements the garbage collector reclaims, no section is needed at all.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Publication: an element is fully visible to a reader that reaches it (nodes are linked with release
 *   stores and followed with acquire loads).</li>
 *   <li>Iteration is weakly consistent, as the kernel's: it never fails, never sees an element twice, sees every
 *   element that was in the list for its whole duration, and may or may not see elements added or removed while
 *   it runs; it never visits a node twice, so each addition is seen at most once (an element removed and added
 *   again is a new addition). A replaced element is seen either as the old or as the new one, never both, never
 *   neither.</li>
 *   <li>Ownership: the list owns its AutoCloseable elements. An instance must be in the list at most once, and
 *   must not be added again after its removal (it will be closed).</li>
 *   <li>Nulls are rejected with {@link NullPointerException}.</li>
 * </ul>
 *
 * @param <E> the element type
 */
public final class RcuList<E> implements Iterable<E> {

    /*
     * Implementation notes. A singly linked list with a sentinel head; `tail` (the last node, or the head) and
     * `size` are the writers', under `writeLock`. Each node's `next` is written with setRelease after the node is
     * fully built (rcu_assign_pointer) and read with getAcquire (rcu_dereference). Removal unlinks a node by
     * pointing its predecessor past it and leaves the node's own `next` alone (list_del_rcu keeps ->next, poisons
     * only ->prev): a reader standing on it carries on into the list. Replacement links a new node with the old
     * one's successor, then points the predecessor to it: a reader sees one or the other. Removed elements are
     * retired after the lock is released (retire may wait on a callback flood).
     */

    private final RcuDomain domain;
    private final Mutex writeLock = new Mutex();
    private final Node<E> head = new Node<>(null);
    private Node<E> tail = head;
    private volatile int size;

    /**
     * Creates an empty list whose removed elements are retired through {@code domain}.
     *
     * @param domain the domain whose grace periods protect the list's readers
     */
    public RcuList(RcuDomain domain) {
        this.domain = Objects.requireNonNull(domain, "domain");
    }

    /** The domain that retires removed elements. */
    public RcuDomain domain() {
        return domain;
    }

    /**
     * Adds an element at the front ({@code list_add_rcu}).
     *
     * @param element the element
     */
    public void addFirst(E element) {
        final Node<E> node = new Node<>(Objects.requireNonNull(element, "element"));
        writeLock.lock();
        try {
            NEXT.set(node, head.next); // plain: the node is not published yet
            NEXT.setRelease(head, node);
            if (tail == head) {
                tail = node;
            }
            size++;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Adds an element at the end ({@code list_add_tail_rcu}).
     *
     * @param element the element
     */
    public void addLast(E element) {
        final Node<E> node = new Node<>(Objects.requireNonNull(element, "element"));
        writeLock.lock();
        try {
            NEXT.setRelease(tail, node);
            tail = node;
            size++;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Removes the first element equal to {@code element} ({@code list_del_rcu}); it is retired through the domain
     * if it is {@link AutoCloseable}.
     *
     * @param element the element to remove
     * @return whether one was removed
     */
    public boolean remove(Object element) {
        Objects.requireNonNull(element, "element");
        return removeIf(element::equals, true) > 0;
    }

    /**
     * Removes every element that matches ({@code list_del_rcu} for each); removed elements are retired through the
     * domain if they are {@link AutoCloseable}. The predicate runs under the list's write lock.
     *
     * @param filter which elements to remove
     * @return the number removed
     */
    public int removeIf(Predicate<? super E> filter) {
        return removeIf(Objects.requireNonNull(filter, "filter"), false);
    }

    /**
     * Removes every element; they are retired through the domain if they are {@link AutoCloseable}.
     */
    public void clear() {
        removeIf(e -> true, false);
    }

    private int removeIf(Predicate<? super E> filter, boolean firstOnly) {
        final List<E> removed = new ArrayList<>(firstOnly ? 1 : 4);
        try {
            writeLock.lock();
            try {
                Node<E> previous = head;
                for (Node<E> node = head.next; node != null; node = node.next) {
                    if (filter.test(node.element)) {
                        NEXT.setRelease(previous, node.next); // unlink; node.next stays for readers on it
                        if (tail == node) {
                            tail = previous;
                        }
                        size--;
                        removed.add(node.element);
                        if (firstOnly) {
                            break;
                        }
                    } else {
                        previous = node;
                    }
                }
            } finally {
                writeLock.unlock();
            }
        } finally {
            removed.forEach(this::retire); // also when the filter threw: what was unlinked is retired
        }
        return removed.size();
    }

    /**
     * Replaces the first element equal to {@code oldElement} with {@code newElement} ({@code list_replace_rcu}):
     * a reader sees one or the other. The old element is retired through the domain if it is
     * {@link AutoCloseable}.
     *
     * @param oldElement the element to replace
     * @param newElement its replacement
     * @return whether it was found and replaced
     */
    public boolean replace(E oldElement, E newElement) {
        Objects.requireNonNull(oldElement, "oldElement");
        final Node<E> replacement = new Node<>(Objects.requireNonNull(newElement, "newElement"));
        E replaced = null;
        writeLock.lock();
        try {
            Node<E> previous = head;
            for (Node<E> node = head.next; node != null; previous = node, node = node.next) {
                if (oldElement.equals(node.element)) {
                    NEXT.set(replacement, node.next); // plain: not published yet
                    NEXT.setRelease(previous, replacement);
                    if (tail == node) {
                        tail = replacement;
                    }
                    replaced = node.element;
                    break;
                }
            }
        } finally {
            writeLock.unlock();
        }
        if (replaced == null) {
            return false;
        }
        if (replaced != newElement) {
            retire(replaced);
        }
        return true;
    }

    private void retire(E element) {
        if (element instanceof AutoCloseable) {
            domain.retire((AutoCloseable) element);
        }
    }

    /**
     * The first element, or null if the list is empty ({@code list_first_or_null_rcu}).
     *
     * @return the first element or null
     */
    public E first() {
        final Node<E> first = successor(head);
        return first == null ? null : first.element;
    }

    /**
     * Whether the list holds an element equal to {@code element} (a read-side traversal).
     *
     * @param element the element to look for
     * @return whether it was found
     */
    public boolean contains(Object element) {
        Objects.requireNonNull(element, "element");
        for (Node<E> node = successor(head); node != null; node = successor(node)) {
            if (element.equals(node.element)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code action} on each element, front to back ({@code list_for_each_entry_rcu}); weakly consistent;
     * allocates nothing.
     *
     * @param action what to run
     */
    @Override
    public void forEach(Consumer<? super E> action) {
        Objects.requireNonNull(action, "action");
        for (Node<E> node = successor(head); node != null; node = successor(node)) {
            action.accept(node.element);
        }
    }

    /**
     * A weakly consistent iterator, front to back; {@link Iterator#remove()} removes the element last returned
     * (its first occurrence) as {@link #remove(Object)} does.
     */
    @Override
    public Iterator<E> iterator() {
        return new Iterator<>() {
            private Node<E> nextNode = successor(head);
            private E last;

            @Override
            public boolean hasNext() {
                return nextNode != null;
            }

            @Override
            public E next() {
                final Node<E> node = nextNode;
                if (node == null) {
                    throw new NoSuchElementException();
                }
                nextNode = successor(node);
                last = node.element;
                return last;
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException("remove() before next(), or twice for one element");
                }
                RcuList.this.remove(last);
                last = null;
            }
        };
    }

    /** The number of elements now (maintained by writers). */
    public int size() {
        return size;
    }

    /** Whether the list has no element now. */
    public boolean isEmpty() {
        return successor(head) == null;
    }

    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder("[");
        String separator = "";
        for (Node<E> node = successor(head); node != null; node = successor(node)) {
            text.append(separator).append(node.element);
            separator = ", ";
        }
        return text.append(']').toString();
    }

    @SuppressWarnings("unchecked")
    private static <E> Node<E> successor(Node<E> node) {
        return (Node<E>) NEXT.getAcquire(node);
    }

    private static final class Node<E> {
        final E element;
        volatile Node<E> next;

        Node(E element) {
            this.element = element;
        }
    }

    private static final VarHandle NEXT;

    static {
        try {
            NEXT = MethodHandles.lookup().findVarHandle(Node.class, "next", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
