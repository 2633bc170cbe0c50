package io.ksync.atomic;

import java.lang.invoke.VarHandle;

/**
 * The kernel's memory barriers ({@code include/asm-generic/barrier.h}, {@code Documentation/memory-barriers.txt},
 * {@code Documentation/atomic_t.txt}) as {@link VarHandle} fences, and the map from the kernel's marked
 * accesses onto VarHandle access modes. {@link #fullFence()} is {@code smp_mb}, {@link #readFence()}
 * {@code smp_rmb}, {@link #writeFence()} {@code smp_wmb}, {@link #acquireFence()} the fence half of
 * {@code smp_load_acquire} (and {@code smp_acquire__after_ctrl_dep}), {@link #releaseFence()} the fence half
 * of {@code smp_store_release}, {@link #beforeAtomic()} {@code smp_mb__before_atomic} and
 * {@link #afterAtomic()} {@code smp_mb__after_atomic}.
 *
 * <p>Fences order the accesses of the calling thread; like the kernel's barriers they do nothing on their
 * own and must pair with a matching fence or access in the other thread. Where a single variable carries the
 * ordering, prefer its access mode to a fence: {@code x.setRelease(v)} rather than
 * {@code releaseFence(); x.setOpaque(v)}; it says which access is ordered and is never slower.
 *
 * <h2>The kernel's accesses as VarHandle access modes</h2>
 * <table class="striped">
 *   <caption>Kernel marked accesses, barriers and atomics, their VarHandle counterparts, and why</caption>
 *   <thead><tr><th>kernel</th><th>VarHandle</th><th>why it is the right mapping</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code READ_ONCE(x)}, {@code atomic_read}</td><td>{@code getOpaque}</td>
 *         <td>{@code READ_ONCE} forbids the compiler to tear, fuse, repeat or hoist the load, and orders
 *         nothing else. Opaque is exactly that: never torn (also for {@code long} and {@code double}),
 *         read each time it is executed, and coherent per variable (a thread never sees a variable go back
 *         to an older value), with no ordering of other variables. A plain read may be hoisted out of a
 *         spin loop and spin forever. Unlike {@code READ_ONCE}, opaque does not promise address-dependency
 *         ordering: to follow a published reference, use {@code getAcquire}.</td></tr>
 *     <tr><td>{@code WRITE_ONCE(x, v)}, {@code atomic_set}</td><td>{@code setOpaque}</td>
 *         <td>The store side of the same contract: untorn, not elided or merged, no ordering.</td></tr>
 *     <tr><td>{@code smp_load_acquire(p)}, {@code atomic_read_acquire}</td><td>{@code getAcquire}</td>
 *         <td>Both order the load before every later load and store of the thread, and nothing
 *         more.</td></tr>
 *     <tr><td>{@code smp_store_release(p, v)}, {@code atomic_set_release}</td><td>{@code setRelease}</td>
 *         <td>Both order every earlier load and store of the thread before the store. A
 *         {@code getAcquire} that reads the value makes the writer's earlier accesses happen-before the
 *         reader's later ones, the kernel's release-acquire message passing.</td></tr>
 *     <tr><td>{@code rcu_dereference}, address dependencies ({@code smp_read_barrier_depends})</td>
 *         <td>{@code getAcquire}</td>
 *         <td>The JMM gives no dependency ordering; acquire is the weakest mode that guarantees the
 *         fields of the object read are seen initialised. It costs a plain load on x86 and an {@code ldar}
 *         on AArch64.</td></tr>
 *     <tr><td>{@code atomic_*_relaxed} RMW, {@code set_bit}, {@code clear_bit}, {@code atomic_inc},
 *         {@code atomic_add}</td>
 *         <td>the default (volatile) RMW: {@code getAndAdd}, {@code compareAndExchange},
 *         {@code getAndBitwiseOr}; {@code weakCompareAndSetPlain} inside a CAS loop</td>
 *         <td>VarHandle has no relaxed fetch-add, exchange or bitwise RMW, and its only relaxed CAS may fail
 *         spuriously, so it suits retry loops only. The stronger volatile RMW costs the same locked
 *         instruction on x86. Code must not rely on the extra ordering where the kernel promises
 *         none.</td></tr>
 *     <tr><td>{@code atomic_*_acquire} RMW, {@code test_and_set_bit_lock}</td>
 *         <td>{@code getAndAddAcquire}, {@code compareAndExchangeAcquire}, {@code getAndBitwiseOrAcquire}</td>
 *         <td>The same acquire semantics on the load half of the RMW.</td></tr>
 *     <tr><td>{@code atomic_*_release} RMW, {@code clear_bit_unlock}, the decrement of
 *         {@code refcount_dec_and_test}</td>
 *         <td>{@code getAndAddRelease}, {@code compareAndExchangeRelease}, {@code getAndBitwiseAndRelease}</td>
 *         <td>The same release semantics on the store half of the RMW. A later RMW of the same variable by
 *         any thread continues the release sequence, as in the kernel model.</td></tr>
 *     <tr><td>fully ordered RMW: {@code atomic_*_return}, {@code atomic_fetch_*}, {@code xchg},
 *         {@code cmpxchg}, {@code test_and_set_bit}</td>
 *         <td>the default (volatile) RMW: {@code getAndAdd}, {@code getAndSet}, {@code compareAndExchange},
 *         {@code getAndBitwiseOr}</td>
 *         <td>A volatile RMW is a volatile read and a volatile write in one atomic step: acquire for what
 *         follows, release for what precedes, and a place in the single total order of volatile accesses.
 *         The JIT keeps other accesses on their side of it, and HotSpot emits the instructions the kernel
 *         uses for its fully ordered atomics ({@code lock}-prefixed on x86; {@code ...AL} atomics, or LL/SC
 *         followed by {@code dmb}, on AArch64).</td></tr>
 *     <tr><td>{@code smp_mb()}</td><td>{@link #fullFence()}: {@code VarHandle.fullFence()}</td>
 *         <td>Both order every earlier load and store before every later load and store, including the
 *         store-to-load order that acquire and release do not give (the store-buffering, SB, shape).</td></tr>
 *     <tr><td>{@code smp_rmb()}</td><td>{@link #readFence()}: {@code VarHandle.loadLoadFence()}</td>
 *         <td>Both order earlier loads before later loads, and nothing else.</td></tr>
 *     <tr><td>{@code smp_wmb()}</td><td>{@link #writeFence()}: {@code VarHandle.storeStoreFence()}</td>
 *         <td>Both order earlier stores before later stores, and nothing else.</td></tr>
 *     <tr><td>{@code smp_load_acquire} as a fence; {@code smp_acquire__after_ctrl_dep}</td>
 *         <td>{@link #acquireFence()}: {@code VarHandle.acquireFence()}</td>
 *         <td>The fence orders earlier loads before later loads and stores: placed after a load, that load
 *         becomes at least an acquire load. After a branch on a load it supplies the acquire that the
 *         kernel builds from the control dependency, which the JMM does not honour.</td></tr>
 *     <tr><td>{@code smp_store_release} as a fence</td>
 *         <td>{@link #releaseFence()}: {@code VarHandle.releaseFence()}</td>
 *         <td>The fence orders earlier loads and stores before later stores: placed before a store, that
 *         store becomes at least a release store.</td></tr>
 *     <tr><td>{@code smp_mb__before_atomic()}, {@code smp_mb__after_atomic()}</td>
 *         <td>{@link #beforeAtomic()}, {@link #afterAtomic()}: no-ops</td>
 *         <td>They upgrade a non-value-returning kernel atomic to a fully ordered one. In Java that atomic is
 *         already a volatile RMW, which is fully ordered (above): nothing is left to add, as on x86 where
 *         the kernel also makes them compiler barriers only.</td></tr>
 *     <tr><td>{@code barrier()}</td><td>no counterpart</td>
 *         <td>A compiler-only barrier does not exist in Java: the JIT is constrained by access modes, so mark
 *         the accesses that matter opaque (or stronger) instead.</td></tr>
 *   </tbody>
 * </table>
 *
 * <pre>{@code
 * // message passing (the MP litmus shape) with fences, as in kernel code that uses smp_wmb/smp_rmb
 * int data;                       // plain
 * int ready;                      // accessed through the VarHandle READY
 *
 * void publish(int value) {       // writer
 *     data = value;
 *     Barriers.writeFence();      // smp_wmb: data before ready
 *     READY.setOpaque(this, 1);   // WRITE_ONCE
 * }
 *
 * Integer poll() {                // reader
 *     if ((int) READY.getOpaque(this) == 0) {   // READ_ONCE
 *         return null;
 *     }
 *     Barriers.readFence();       // smp_rmb: ready before data
 *     return data;
 * }
 * }</pre>
 */
public final class Barriers {

    /*
     * Implementation notes.
     *
     * Each method is one VarHandle fence (or nothing) and inlines to it. On x86 (TSO) only fullFence emits
     * an instruction (a locked add or mfence); the others cost nothing at run time but still stop the JIT
     * from moving accesses across them as their kind says. On AArch64 each emits a dmb of matching strength.
     *
     * beforeAtomic/afterAtomic are empty on purpose (see the table): a method that exists so that ported code
     * keeps its smp_mb__{before,after}_atomic call sites and the reason for them. If the RMW they accompany
     * is a weaker mode (Plain, Acquire, Release, weakCompareAndSet*), fullFence() is the right call instead.
     *
     * The mappings are checked by the jcstress litmus tests in stress/ (io.ksync.stress.atomic: MP, SB, LB):
     * with the barriers the weak outcome is forbidden; each shape's Plain variant, without them, shows the
     * weak outcome is allowed (and C2 produces it even on x86), and io.ksync.stress.busted.SBWithoutFullFence
     * must fail. The JUnit tests exercise the same shapes through these methods, a smoke test, not a proof.
     */

    private Barriers() {
        throw new AssertionError("Barriers has only static methods");
    }

    /**
     * {@code smp_mb()}: orders every load and store before the call before every load and store after it.
     * The only fence that orders an earlier store before a later load.
     */
    public static void fullFence() {
        VarHandle.fullFence();
    }

    /**
     * {@code smp_rmb()}: orders the loads before the call before the loads after it. Pairs with a
     * {@link #writeFence()}, a {@link #releaseFence()} or a release store in the writing thread.
     */
    public static void readFence() {
        VarHandle.loadLoadFence();
    }

    /**
     * {@code smp_wmb()}: orders the stores before the call before the stores after it. Pairs with a
     * {@link #readFence()}, an {@link #acquireFence()} or an acquire load in the reading thread.
     */
    public static void writeFence() {
        VarHandle.storeStoreFence();
    }

    /**
     * The fence half of {@code smp_load_acquire}, and {@code smp_acquire__after_ctrl_dep}: orders the loads
     * before the call before the loads and stores after it. {@code v = x.getOpaque(); acquireFence()} is at
     * least as strong as {@code smp_load_acquire(&x)}; prefer {@code getAcquire} when one variable is
     * concerned.
     */
    public static void acquireFence() {
        VarHandle.acquireFence();
    }

    /**
     * The fence half of {@code smp_store_release}: orders the loads and stores before the call before the
     * stores after it. {@code releaseFence(); x.setOpaque(v)} is at least as strong as
     * {@code smp_store_release(&x, v)}; prefer {@code setRelease} when one variable is concerned.
     */
    public static void releaseFence() {
        VarHandle.releaseFence();
    }

    /**
     * {@code smp_mb__before_atomic()}: does nothing, because the volatile-mode VarHandle RMW it precedes
     * ({@code getAndAdd}, {@code compareAndSet}, {@code getAndBitwiseOr}, ...) is already fully ordered. Kept
     * so that ported code keeps the call site; before a weaker-mode RMW ({@code ...Plain}, {@code ...Acquire},
     * {@code ...Release}) use {@link #fullFence()}.
     */
    public static void beforeAtomic() {
        // a volatile RMW is fully ordered: nothing to add
    }

    /**
     * {@code smp_mb__after_atomic()}: does nothing, because the volatile-mode VarHandle RMW it follows is
     * already fully ordered. After a weaker-mode RMW use {@link #fullFence()}.
     */
    public static void afterAtomic() {
        // a volatile RMW is fully ordered: nothing to add
    }
}
