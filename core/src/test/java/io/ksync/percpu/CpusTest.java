package io.ksync.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CpusTest {

    @Test
    void countIsTheProcessorsThisJvmMayUse() {
        assertEquals(Runtime.getRuntime().availableProcessors(), Cpus.count());
    }

    @Test
    void currentIsAlwaysInRangeOnEveryThread() throws InterruptedException {
        Thread[] threads = new Thread[8];
        boolean[] inRange = new boolean[threads.length];
        for (int t = 0; t < threads.length; t++) {
            final int id = t;
            threads[t] = new Thread(() -> {
                boolean ok = true;
                for (int i = 0; i < 10_000; i++) {
                    int cpu = Cpus.current();
                    ok &= cpu >= 0 && cpu < Cpus.count();
                }
                inRange[id] = ok;
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        for (boolean ok : inRange) {
            assertTrue(ok);
        }
    }

    @Test
    void threadHashIsStableAndInRange() throws InterruptedException {
        Set<Integer> slots = new HashSet<>();
        int threads = 32 * Cpus.count(); // coupon collector: misses a slot with probability ~ count * e^-32
        for (int i = 0; i < threads; i++) {
            Thread thread = new Thread(() -> { });
            int slot = Cpus.threadHash(thread);
            assertEquals(slot, Cpus.threadHash(thread), "a thread keeps its slot");
            assertTrue(slot >= 0 && slot < Cpus.count());
            slots.add(slot);
        }
        assertEquals(Cpus.count(), slots.size(), threads + " threads should cover every slot");
    }

    /** The native path is taken exactly where it can be: JDK 22+ on Linux. */
    @Test
    void sourceMatchesTheRunningJdk() {
        boolean nativePossible = Runtime.version().feature() >= 22
                && System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux");
        Cpus.Source expected = nativePossible ? Cpus.Source.SCHED_GETCPU : Cpus.Source.THREAD_HASH;
        System.out.println("Cpus.source() on JDK " + Runtime.version().feature() + ": " + Cpus.source());
        assertEquals(expected, Cpus.source());
        if (expected == Cpus.Source.THREAD_HASH) {
            assertEquals(Cpus.threadHash(Thread.currentThread()), Cpus.current());
        }
    }

    @Test
    void nativePathCanBeSwitchedOff() throws Exception {
        assertEquals("THREAD_HASH", sourceInFreshJvm("-Dksync.cpus.native=false"));
    }

    /** Runs {@link PrintSource} in a new JVM with the given option and returns what it printed. */
    private static String sourceInFreshJvm(String option) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process process = new ProcessBuilder(List.of(java, option, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), PrintSource.class.getName()))
                .redirectErrorStream(true)
                .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    /** Child JVM entry point. */
    public static final class PrintSource {
        public static void main(String[] args) {
            System.out.print(Cpus.source());
        }
    }
}
