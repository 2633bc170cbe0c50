/**
 * jcstress tests for {@code io.ksync.rcu}.
 * <ul>
 *   <li>The grace-period guarantee: {@code RcuGracePeriodTest} (a reader whose section began before
 *   {@code synchronize()} never sees what the writer reclaimed after it), {@code SrcuGracePeriodTest} (the same for
 *   {@code Srcu}), {@code RcuCallbackAfterGracePeriodTest} (the same when a {@code call()} callback reclaims), and
 *   {@code RcuSharedGracePeriodTest} (two writers whose grace periods may be shared: three actors, so jcstress runs
 *   it only on machines with at least three CPUs; on two, the unit tests {@code RcuTest} and {@code RcuTortureTest}
 *   cover concurrent writers).</li>
 *   <li>QSBR ordering: {@code QsbrQuiescentStateTest} (reads before a quiescent state never see what a grace period
 *   that waited for it reclaimed; reads after it see the new version or an intact old one) and
 *   {@code QsbrOfflineTest} (the same across {@code offline()}/{@code online()}). The reader goes offline at the
 *   end of each actor call: jcstress makes its actors wait for each other between batches, and an online reader
 *   that reports no quiescent state during that wait would stall the writer's grace period.</li>
 *   <li>Publication: {@code RcuReferenceMPTest} (a dereferenced version is fully built).</li>
 * </ul>
 * The busted controls {@code io.ksync.stress.busted.NoGracePeriodRcuTest} (reclaims without waiting) and
 * {@code QuiescentStateBeforeLastReadQsbrTest} (reports a quiescent state before its last read) must fail.
 */
package io.ksync.stress.rcu;
