package io.ksync.rcu;

import io.ksync.lock.Mutex;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A hash map whose readers never lock or write: the kernel's RCU hash lists ({@code hlist_add_head_rcu},
 * {@code hlist_del_rcu}, {@code hlist_for_each_entry_rcu}) with striped writer locks and a resize that readers
 * never wait for.
 *
 * <p>{@link #get(Object)} and the other lookups are lock-free traversals of a bucket's chain; writers lock one
 * stripe of the buckets (a {@link Mutex}), so writers of different stripes run in parallel. A value that is
 * removed or replaced and is {@link AutoCloseable} is {@linkplain RcuDomain#retire(AutoCloseable) retired} through
 * the map's domain: closed only after every read-side section that could have obtained it has ended. Readers that
 * use an AutoCloseable value hold a read-side section of that domain from the lookup to the last use; for values
 * the garbage collector reclaims, no section is needed at all.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>{@link ConcurrentMap} semantics: every operation is atomic per key, and a lookup returns a value that was
 *   mapped at some point during the lookup (linearizable). {@code compute}, {@code computeIfAbsent},
 *   {@code computeIfPresent} and {@code merge} run their function once, under the key's stripe lock (as
 *   {@code ConcurrentHashMap} runs it under its bin lock): it must be short and must not use the map.</li>
 *   <li>Ownership: the map owns its AutoCloseable values. An instance must be mapped under at most one key, and
 *   must not be put again after it was removed or replaced (it will be closed); putting the instance a key
 *   already maps to changes nothing and retires nothing.</li>
 *   <li>Publication: a value (and the key) is fully visible to a reader that obtains it.</li>
 *   <li>Resize: the table doubles when the entries exceed three quarters of it; readers keep using the table they
 *   started with, writers wait for the copy (all stripes are locked while it runs).</li>
 *   <li>Iteration ({@link #entrySet()}, {@link #forEach(BiConsumer)}) is weakly consistent, as
 *   {@link java.util.concurrent.ConcurrentHashMap}'s, and never throws {@code ConcurrentModificationException}.</li>
 *   <li>Null keys and values are rejected with {@link NullPointerException}.</li>
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class RcuHashMap<K, V> extends AbstractMap<K, V> implements ConcurrentMap<K, V> {

    /*
     * Implementation notes.
     *
     * Table: an array of chains of Nodes (final hash and key, volatile value and next), published through the
     * `table` field with setRelease and read with getAcquire. Buckets and `next` fields are written with setRelease
     * once the node is built (rcu_assign_pointer) and read with getAcquire (rcu_dereference; plain moves on x86).
     * A new key is linked at the head of its chain. Removal points the predecessor (or the bucket) past the node and
     * leaves the node's own `next`, so a reader standing on it carries on into the chain (hlist_del_rcu). A value is
     * replaced in place with setRelease on the node's `value`; readers load it with getAcquire.
     *
     * Stripes: the number of stripes S is a power of two no larger than the table, so bucket b belongs to stripe
     * b & (S - 1) whatever the table's size. A writer takes its stripe, then reads `table` again (a resize swaps it
     * only while holding every stripe), and counts its entries in the stripe's counter.
     *
     * Resize: takes every stripe in order, copies every node into a new table (fresh nodes: the old chains are never
     * written again, so a reader still on the old table sees a frozen state that was current after its table load,
     * which keeps lookups linearizable), publishes it with setRelease and releases the stripes.
     *
     * Retiring: old values are retired after the stripe is released (retire may wait on a callback flood).
     */

    private static final int MAXIMUM_CAPACITY = 1 << 30;
    private static final int DEFAULT_CAPACITY = 16;
    private static final int MAX_STRIPES = 256;
    /** Stripe counters 64 bytes apart: writers of different stripes do not share a line. */
    private static final int COUNT_STRIDE = 16;

    private final RcuDomain domain;
    private final Mutex[] stripes;
    /** Entries per stripe, written under the stripe's lock, read opaque by size(). */
    private final int[] counts;
    private volatile Node<K, V>[] table;

    /**
     * Creates an empty map with a default capacity, whose removed values are retired through {@code domain}.
     *
     * @param domain the domain whose grace periods protect the map's readers
     */
    public RcuHashMap(RcuDomain domain) {
        this(domain, DEFAULT_CAPACITY);
    }

    /**
     * Creates an empty map sized for {@code expectedSize} entries without a resize.
     *
     * @param domain       the domain whose grace periods protect the map's readers
     * @param expectedSize the number of entries expected
     * @throws IllegalArgumentException if {@code expectedSize} is negative
     */
    public RcuHashMap(RcuDomain domain, int expectedSize) {
        this.domain = Objects.requireNonNull(domain, "domain");
        if (expectedSize < 0) {
            throw new IllegalArgumentException("expectedSize must be >= 0, was " + expectedSize);
        }
        final long wanted = Math.max(DEFAULT_CAPACITY, (long) Math.ceil(expectedSize / 0.75));
        final int stripeCount = Math.min(MAX_STRIPES,
                Integer.highestOneBit(Math.max(1, 4 * Runtime.getRuntime().availableProcessors() - 1)) << 1);
        final int capacity = (int) Math.min(MAXIMUM_CAPACITY,
                Math.max(stripeCount, Long.highestOneBit(wanted - 1) << 1));
        this.stripes = new Mutex[stripeCount];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Mutex();
        }
        this.counts = new int[stripes.length * COUNT_STRIDE];
        TABLE.setRelease(this, newTable(capacity));
    }

    /** The domain that retires removed values. */
    public RcuDomain domain() {
        return domain;
    }

    // -------------------------------------------------------------------------------------------------------
    // Readers: no lock, no write

    @Override
    public V get(Object key) {
        final Node<K, V> node = find(key);
        return node == null ? null : node.value();
    }

    @Override
    public V getOrDefault(Object key, V defaultValue) {
        final V value = get(key);
        return value == null ? defaultValue : value;
    }

    @Override
    public boolean containsKey(Object key) {
        return find(key) != null;
    }

    private Node<K, V> find(Object key) {
        final int hash = spread(key.hashCode());
        final Node<K, V>[] tab = table();
        for (Node<K, V> node = bucket(tab, hash & (tab.length - 1)); node != null; node = node.next()) {
            if (node.hash == hash && (node.key == key || key.equals(node.key))) {
                return node;
            }
        }
        return null;
    }

    @Override
    public int size() {
        long total = 0;
        for (int i = 0; i < counts.length; i += COUNT_STRIDE) {
            total += (int) COUNTS.getOpaque(counts, i);
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, total));
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
        Objects.requireNonNull(action, "action");
        final Node<K, V>[] tab = table();
        for (int i = 0; i < tab.length; i++) {
            for (Node<K, V> node = bucket(tab, i); node != null; node = node.next()) {
                action.accept(node.key, node.value());
            }
        }
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                return new EntryIterator();
            }

            @Override
            public int size() {
                return RcuHashMap.this.size();
            }

            @Override
            public boolean contains(Object o) {
                if (!(o instanceof Map.Entry)) {
                    return false;
                }
                final Map.Entry<?, ?> entry = (Map.Entry<?, ?>) o;
                final V value = entry.getKey() == null ? null : get(entry.getKey());
                return value != null && value.equals(entry.getValue());
            }

            @Override
            public boolean remove(Object o) {
                if (!(o instanceof Map.Entry)) {
                    return false;
                }
                final Map.Entry<?, ?> entry = (Map.Entry<?, ?>) o;
                return entry.getKey() != null && entry.getValue() != null
                        && RcuHashMap.this.remove(entry.getKey(), entry.getValue());
            }

            @Override
            public void clear() {
                RcuHashMap.this.clear();
            }
        };
    }

    // -------------------------------------------------------------------------------------------------------
    // Writers: one stripe each

    @Override
    public V put(K key, V value) {
        return putValue(key, value, false);
    }

    @Override
    public V putIfAbsent(K key, V value) {
        return putValue(key, value, true);
    }

    private V putValue(K key, V value, boolean onlyIfAbsent) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        final int hash = spread(key.hashCode());
        final int stripe = hash & (stripes.length - 1);
        V old = null;
        boolean grow = false;
        stripes[stripe].lock();
        try {
            final Node<K, V>[] tab = table;
            final int index = hash & (tab.length - 1);
            final Node<K, V> head = bucket(tab, index);
            final Node<K, V> node = find(head, hash, key);
            if (node != null) {
                old = node.value();
                if (!onlyIfAbsent) {
                    VALUE.setRelease(node, value);
                }
            } else {
                grow = link(tab, index, head, new Node<>(hash, key, value), stripe);
            }
        } finally {
            stripes[stripe].unlock();
        }
        if (grow) {
            resize();
        }
        if (old != null && !onlyIfAbsent && old != value) {
            retire(old);
        }
        return old;
    }

    @Override
    public V remove(Object key) {
        return removeNode(key, null);
    }

    @Override
    public boolean remove(Object key, Object value) {
        Objects.requireNonNull(value, "value");
        return removeNode(key, value) != null;
    }

    /** Removes the key's node if its value equals {@code expected} (any value if null); returns the old value. */
    private V removeNode(Object key, Object expected) {
        Objects.requireNonNull(key, "key");
        final int hash = spread(key.hashCode());
        final int stripe = hash & (stripes.length - 1);
        V old = null;
        stripes[stripe].lock();
        try {
            final Node<K, V>[] tab = table;
            final int index = hash & (tab.length - 1);
            Node<K, V> previous = null;
            for (Node<K, V> node = bucket(tab, index); node != null; previous = node, node = node.next()) {
                if (node.hash == hash && (node.key == key || key.equals(node.key))) {
                    final V value = node.value();
                    if (expected != null && !expected.equals(value)) {
                        return null;
                    }
                    unlink(tab, index, previous, node, stripe);
                    old = value;
                    break;
                }
            }
        } finally {
            stripes[stripe].unlock();
        }
        if (old != null) {
            retire(old);
        }
        return old;
    }

    @Override
    public V replace(K key, V value) {
        Objects.requireNonNull(value, "value");
        return replaceValue(key, null, value);
    }

    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        Objects.requireNonNull(oldValue, "oldValue");
        Objects.requireNonNull(newValue, "newValue");
        return replaceValue(key, oldValue, newValue) != null;
    }

    /** Replaces the key's value if it equals {@code expected} (any value if null); returns the old value. */
    private V replaceValue(K key, V expected, V value) {
        Objects.requireNonNull(key, "key");
        final int hash = spread(key.hashCode());
        final int stripe = hash & (stripes.length - 1);
        V old = null;
        stripes[stripe].lock();
        try {
            final Node<K, V>[] tab = table;
            final Node<K, V> node = find(bucket(tab, hash & (tab.length - 1)), hash, key);
            if (node != null) {
                final V current = node.value();
                if (expected == null || expected.equals(current)) {
                    VALUE.setRelease(node, value);
                    old = current;
                }
            }
        } finally {
            stripes[stripe].unlock();
        }
        if (old != null && old != value) {
            retire(old);
        }
        return old;
    }

    /** Removes every entry; AutoCloseable values are retired. Takes one stripe at a time. */
    @Override
    public void clear() {
        final List<V> removed = new ArrayList<>();
        for (int stripe = 0; stripe < stripes.length; stripe++) {
            stripes[stripe].lock();
            try {
                final Node<K, V>[] tab = table;
                for (int index = stripe; index < tab.length; index += stripes.length) {
                    for (Node<K, V> node = bucket(tab, index); node != null; node = node.next()) {
                        removed.add(node.value());
                    }
                    BUCKETS.setRelease(tab, index, null);
                }
                COUNTS.setOpaque(counts, stripe * COUNT_STRIDE, 0);
            } finally {
                stripes[stripe].unlock();
            }
        }
        removed.forEach(this::retire);
    }

    /**
     * Links a new node at the head of its bucket (under the stripe's lock) and counts it (hlist_add_head_rcu): its
     * {@code next} with a plain store (not yet published), then the bucket with a release store.
     *
     * @return whether the map should grow (see {@link #countAdded})
     */
    private boolean link(Node<K, V>[] tab, int index, Node<K, V> head, Node<K, V> added, int stripe) {
        NEXT.set(added, head);
        BUCKETS.setRelease(tab, index, added);
        return countAdded(stripe, tab.length);
    }

    /**
     * Unlinks a node (under the stripe's lock) and uncounts it (hlist_del_rcu): its predecessor, or the bucket,
     * points past it with a release store; the node's own {@code next} stays, for readers standing on it.
     */
    private void unlink(Node<K, V>[] tab, int index, Node<K, V> previous, Node<K, V> node, int stripe) {
        if (previous == null) {
            BUCKETS.setRelease(tab, index, node.next());
        } else {
            NEXT.setRelease(previous, node.next());
        }
        COUNTS.setOpaque(counts, stripe * COUNT_STRIDE, counts[stripe * COUNT_STRIDE] - 1);
    }

    /**
     * Counts an entry added to a stripe (under its lock) and says whether the map should grow. A stripe past half
     * its share of three quarters of the table looks at the whole map (no lock); if every stripe is below half its
     * share, the map is below three eighths full, so the look is skipped without missing a needed resize for long.
     */
    private boolean countAdded(int stripe, int tableLength) {
        final int count = counts[stripe * COUNT_STRIDE] + 1;
        COUNTS.setOpaque(counts, stripe * COUNT_STRIDE, count);
        final long share = (long) tableLength / stripes.length * 3 / 4;
        return count > Math.max(1, share / 2) && tableLength < MAXIMUM_CAPACITY && size() > tableLength * 3L / 4;
    }

    // -------------------------------------------------------------------------------------------------------
    // compute, computeIfAbsent, computeIfPresent, merge: atomic, the function runs under the key's stripe lock
    // (as ConcurrentHashMap's runs under its bin lock): it must be short and must not use this map

    @Override
    public V computeIfAbsent(K key, Function<? super K, ? extends V> mappingFunction) {
        Objects.requireNonNull(mappingFunction, "mappingFunction");
        final V present = get(key); // lock-free fast path
        if (present != null) {
            return present;
        }
        return computeLocked(key, (k, old) -> old != null ? old : mappingFunction.apply(k));
    }

    @Override
    public V computeIfPresent(K key, BiFunction<? super K, ? super V, ? extends V> remappingFunction) {
        Objects.requireNonNull(remappingFunction, "remappingFunction");
        return computeLocked(key, (k, old) -> old == null ? null : remappingFunction.apply(k, old));
    }

    @Override
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> remappingFunction) {
        Objects.requireNonNull(remappingFunction, "remappingFunction");
        return computeLocked(key, remappingFunction);
    }

    @Override
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> remappingFunction) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(remappingFunction, "remappingFunction");
        return computeLocked(key, (k, old) -> old == null ? value : remappingFunction.apply(old, value));
    }

    /**
     * Maps the key to what {@code function} returns for its current value (null: absent), under the key's stripe
     * lock; a null result removes the mapping. The replaced or removed value is retired.
     */
    private V computeLocked(K key, BiFunction<? super K, ? super V, ? extends V> function) {
        Objects.requireNonNull(key, "key");
        final int hash = spread(key.hashCode());
        final int stripe = hash & (stripes.length - 1);
        V old = null;
        V result;
        boolean grow = false;
        stripes[stripe].lock();
        try {
            final Node<K, V>[] tab = table;
            final int index = hash & (tab.length - 1);
            final Node<K, V> head = bucket(tab, index);
            Node<K, V> previous = null;
            Node<K, V> node = head;
            while (node != null && !(node.hash == hash && (node.key == key || key.equals(node.key)))) {
                previous = node;
                node = node.next();
            }
            final V current = node == null ? null : node.value();
            result = function.apply(key, current);
            if (node != null && result == null) {
                unlink(tab, index, previous, node, stripe);
                old = current;
            } else if (node != null) {
                if (result != current) {
                    VALUE.setRelease(node, result);
                    old = current;
                }
            } else if (result != null) {
                grow = link(tab, index, head, new Node<>(hash, key, result), stripe);
            }
        } finally {
            stripes[stripe].unlock();
        }
        if (grow) {
            resize();
        }
        if (old != null) {
            retire(old);
        }
        return result;
    }

    private void resize() {
        lockAllStripes();
        try {
            final Node<K, V>[] old = table;
            long entries = 0;
            for (int i = 0; i < counts.length; i += COUNT_STRIDE) {
                entries += counts[i];
            }
            if (entries <= old.length * 3L / 4 || old.length >= MAXIMUM_CAPACITY) {
                return; // another writer resized first, or the stripe was only locally crowded
            }
            final Node<K, V>[] grown = newTable(old.length * 2);
            for (int index = 0; index < old.length; index++) {
                for (Node<K, V> node = bucket(old, index); node != null; node = node.next()) {
                    final int to = node.hash & (grown.length - 1);
                    final Node<K, V> copy = new Node<>(node.hash, node.key, node.value());
                    NEXT.set(copy, grown[to]); // plain: the new table is not published yet
                    grown[to] = copy;
                }
            }
            TABLE.setRelease(this, grown);
        } finally {
            unlockAllStripes();
        }
    }

    /** Takes every stripe, in order (writers take one, so no lock-order cycle). */
    private void lockAllStripes() {
        for (Mutex stripe : stripes) {
            stripe.lock();
        }
    }

    private void unlockAllStripes() {
        for (int i = stripes.length - 1; i >= 0; i--) {
            stripes[i].unlock();
        }
    }

    /** Runs {@code body} holding every stripe, as a resize does; for tests (readers must not notice). */
    void whileAllStripesHeldForTesting(Runnable body) {
        lockAllStripes();
        try {
            body.run();
        } finally {
            unlockAllStripes();
        }
    }

    private void retire(V value) {
        if (value instanceof AutoCloseable) {
            domain.retire((AutoCloseable) value);
        }
    }

    /** The number of buckets now (for tests and monitoring). */
    int capacity() {
        return table().length;
    }

    // -------------------------------------------------------------------------------------------------------
    // Mechanics

    private static int spread(int hash) {
        return (hash ^ (hash >>> 16)) & 0x7fffffff;
    }

    private static <K, V> Node<K, V> find(Node<K, V> head, int hash, Object key) {
        for (Node<K, V> node = head; node != null; node = node.next()) {
            if (node.hash == hash && (node.key == key || key.equals(node.key))) {
                return node;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private Node<K, V>[] table() {
        return (Node<K, V>[]) TABLE.getAcquire(this);
    }

    @SuppressWarnings("unchecked")
    private static <K, V> Node<K, V> bucket(Node<K, V>[] tab, int index) {
        return (Node<K, V>) BUCKETS.getAcquire(tab, index);
    }

    @SuppressWarnings("unchecked")
    private static <K, V> Node<K, V>[] newTable(int capacity) {
        return (Node<K, V>[]) new Node<?, ?>[capacity];
    }

    private final class EntryIterator implements Iterator<Map.Entry<K, V>> {
        private final Node<K, V>[] tab = table();
        private int index = -1;
        private Node<K, V> nextNode;
        private K lastKey;

        EntryIterator() {
            advance(null);
        }

        private void advance(Node<K, V> from) {
            Node<K, V> node = from == null ? null : from.next();
            while (node == null && ++index < tab.length) {
                node = bucket(tab, index);
            }
            nextNode = node;
        }

        @Override
        public boolean hasNext() {
            return nextNode != null;
        }

        @Override
        public Map.Entry<K, V> next() {
            final Node<K, V> node = nextNode;
            if (node == null) {
                throw new NoSuchElementException();
            }
            advance(node);
            lastKey = node.key;
            return new WriteThroughEntry(node.key, node.value());
        }

        @Override
        public void remove() {
            if (lastKey == null) {
                throw new IllegalStateException("remove() before next(), or twice for one entry");
            }
            RcuHashMap.this.remove(lastKey);
            lastKey = null;
        }
    }

    /** An entry whose setValue() writes through to the map. */
    private final class WriteThroughEntry extends AbstractMap.SimpleEntry<K, V> {
        private static final long serialVersionUID = 1L;

        WriteThroughEntry(K key, V value) {
            super(key, value);
        }

        @Override
        public V setValue(V value) {
            Objects.requireNonNull(value, "value");
            put(getKey(), value);
            return super.setValue(value);
        }
    }

    static final class Node<K, V> {
        final int hash;
        final K key;
        volatile V value;
        volatile Node<K, V> next;

        Node(int hash, K key, V value) {
            this.hash = hash;
            this.key = key;
            VALUE.set(this, value); // plain: published by the link that follows
        }

        @SuppressWarnings("unchecked")
        V value() {
            return (V) VALUE.getAcquire(this);
        }

        @SuppressWarnings("unchecked")
        Node<K, V> next() {
            return (Node<K, V>) NEXT.getAcquire(this);
        }
    }

    private static final VarHandle TABLE;
    private static final VarHandle VALUE;
    private static final VarHandle NEXT;
    private static final VarHandle BUCKETS = MethodHandles.arrayElementVarHandle(Node[].class);
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(int[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TABLE = lookup.findVarHandle(RcuHashMap.class, "table", Node[].class);
            VALUE = lookup.findVarHandle(Node.class, "value", Object.class);
            NEXT = lookup.findVarHandle(Node.class, "next", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
