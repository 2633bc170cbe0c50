/**
 * ksync RCU: read-copy-update for the JVM (the kernel's {@code kernel/rcu/}).
 *
 * <p>Epoch-based and quiescent-state-based RCU domains, sleepable RCU, RCU-protected references and
 * collections, and deferred reclamation of resources the garbage collector does not manage. See
 * {@code io.ksync.rcu} for what the package holds.
 */
module io.ksync.rcu {
    requires transitive io.ksync.core;
    requires org.jctools.core;

    exports io.ksync.rcu;
}
