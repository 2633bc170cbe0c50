package io.ksync.workqueue;

import static io.ksync.testing.Waits.await;
import static io.ksync.testing.Waits.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** The workqueue's JFR events, read back from a real recording. */
class JfrEventsTest extends WorkqueueTestBase {

    /** A work function with a class name of its own, to find its events. */
    private static final class Marked implements Runnable {
        @Override
        public void run() {
            // nothing: the event is the point
        }
    }

    @Test
    void aRecordingGetsOneWorkEventPerRunWithItsQueuePoolAndLatency() throws IOException {
        pools(builder -> builder.cpus(1));
        final Workqueue wq = queue("recorded");
        final List<RecordedEvent> events = record("io.ksync.workqueue.Work", () -> {
            for (int i = 0; i < 10; i++) {
                wq.queue(new Work(new Marked()));
            }
            wq.flush();
        });
        final List<RecordedEvent> ours = events.stream()
                .filter(event -> "recorded".equals(event.getString("workqueue"))).collect(Collectors.toList());
        assertEquals(10, ours.size(), "one event per run: " + events);
        for (RecordedEvent event : ours) {
            assertEquals(Marked.class.getName(), event.getString("work"));
            assertEquals("0", event.getString("pool"));
            assertTrue(event.getLong("latency") >= 0, "latency " + event.getLong("latency"));
            assertFalse(event.getDuration().isNegative());
        }
    }

    @Test
    void aWatchdogLockupIsRecordedWithThePoolAndTheStuckWork() throws IOException {
        pools(builder -> builder.cpus(1).watchdogThreshold(100, TimeUnit.MILLISECONDS));
        final Workqueue wq = queue("q");
        final List<RecordedEvent> events = record("io.ksync.workqueue.Lockup", () -> {
            final CountDownLatch plain = new CountDownLatch(1);
            final CountDownLatch firstDone = new CountDownLatch(1);
            wq.queue(new Work(() -> {
                await(plain); // a j.u.c latch, not declared: the pool stalls until the watchdog acts
                firstDone.countDown();
            }));
            wq.queue(new Work(plain::countDown));
            await(firstDone);
            awaitCondition("the lockup is reported", () -> !reported.isEmpty());
        });
        reported.clear();
        assertFalse(events.isEmpty(), "no lockup event recorded");
        final RecordedEvent lockup = events.get(0);
        assertEquals("test/0", lockup.getString("pool"));
        assertTrue(lockup.getLong("stalled") >= TimeUnit.MILLISECONDS.toNanos(100), "stalled " + lockup.getLong("stalled"));
        assertEquals(1, lockup.getInt("pending"));
        assertTrue(lockup.getString("stuck").contains("kworker-test/0:"), lockup.getString("stuck"));
    }

    /** Runs {@code body} under a recording of {@code eventName} (no threshold) and returns its events. */
    private static List<RecordedEvent> record(String eventName, Runnable body) throws IOException {
        final Path file = Files.createTempFile("ksync-workqueue", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                recording.enable(eventName).withThreshold(Duration.ZERO);
                recording.start();
                body.run();
                recording.stop();
                recording.dump(file);
            }
            return RecordingFile.readAllEvents(file).stream()
                    .filter(event -> event.getEventType().getName().equals(eventName)).collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
