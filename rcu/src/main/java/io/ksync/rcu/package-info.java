/**
 * Read-copy-update (the kernel's {@code include/linux/rcupdate.h}, {@code include/linux/srcu.h},
 * {@code kernel/rcu/}).
 *
 * <p>This package will hold the RCU domains ({@code Rcu}, {@code QsbrRcu}, {@code Srcu}), RCU-protected
 * references and collections, and deferred reclamation, as specified in the project's design document
 * (section 3.10). It is empty in this release: the module exists so that its name, dependencies and
 * exported package are fixed before the first primitive lands.
 */
package io.ksync.rcu;
