/**
 * jcstress tests for {@code io.ksync.rcu}: the grace-period guarantee ({@code RcuGracePeriodTest}: a reader whose
 * section began before {@code synchronize()} never sees what the writer reclaimed after it; {@code RcuSharedGracePeriodTest}
 * the same with two writers whose grace periods may be shared: three actors, so jcstress runs it only on machines
 * with at least three CPUs; on two, the unit test {@code RcuTest.readersNeverSeeAReclaimedVersion} covers two
 * writers) and publication through
 * {@code RcuReference} ({@code RcuReferenceMPTest}: a dereferenced version is fully built). The busted control
 * {@code io.ksync.stress.busted.NoGracePeriodRcuTest} reclaims without waiting and must fail.
 */
package io.ksync.stress.rcu;
