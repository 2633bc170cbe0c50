package io.ksync.lock;

import io.ksync.percpu.PerCpuRwSemaphore;
import java.util.concurrent.locks.Lock;

/**
 * The write side of {@link PerCpuRwSemaphore} passes {@link LockContract}; the rest of its behaviour is checked by
 * {@code io.ksync.percpu.PerCpuRwSemaphoreTest}.
 */
class PerCpuRwSemaphoreWriteLockTest extends LockContract {

    @Override
    Lock newLock() {
        return new PerCpuRwSemaphore().writeLock();
    }

    @Override
    String conditionRefusalReason() {
        return "has no conditions";
    }
}
