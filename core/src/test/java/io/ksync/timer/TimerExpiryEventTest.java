package io.ksync.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksync.timer.HrTimer.Mode;
import io.ksync.timer.HrTimer.Restart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** The timer expiry JFR event, read back from a real recording; virtual time makes the lateness exact. */
class TimerExpiryEventTest {

    private static final String EVENT = "io.ksync.timer.Expiry";
    private static final long MS = 1_000_000L;

    /** A callback with a class name of its own, to find its events. */
    private static final class MarkedCallback implements Consumer<Timer> {
        @Override
        public void accept(Timer timer) {
            // nothing: the event is the point
        }
    }

    /** An HrTimer callback with a class name of its own. */
    private static final class MarkedHrCallback implements HrTimer.Callback {
        @Override
        public Restart expired(HrTimer timer) {
            return Restart.NORESTART;
        }
    }

    @Test
    void eachCallbackRunIsRecordedWithItsBaseKindAndLateness() throws IOException {
        final ManualTimerClock clock = new ManualTimerClock(0);
        final List<RecordedEvent> events;
        try (TimerService service = TimerService.builder().clock(clock).bases(2).name("jfr").build()) {
            events = record(() -> {
                new Timer(service, new MarkedCallback()).addOn(1, clock.nanoTime() + 10 * MS);
                final HrTimer hr = new HrTimer(service, new MarkedHrCallback());
                hr.start(clock.nanoTime() + 3 * MS, Mode.ABS);
                clock.advance(15, TimeUnit.MILLISECONDS); // one pass at t = 15 ms runs both
                service.awaitDue();
            });
        }
        final List<RecordedEvent> wheel = ofCallback(events, MarkedCallback.class);
        assertEquals(1, wheel.size(), "one event per run: " + events);
        assertEquals(1, wheel.get(0).getInt("base"));
        assertFalse(wheel.get(0).getBoolean("highResolution"));
        assertEquals(5 * MS, wheel.get(0).getLong("lateness"), "armed for 10 ms, run in the pass at 15 ms");
        assertFalse(wheel.get(0).getDuration().isNegative());

        final List<RecordedEvent> hr = ofCallback(events, MarkedHrCallback.class);
        assertEquals(1, hr.size(), "one event per run: " + events);
        assertTrue(hr.get(0).getBoolean("highResolution"));
        assertEquals(12 * MS, hr.get(0).getLong("lateness"), "armed for 3 ms, run in the pass at 15 ms");
    }

    @Test
    void withoutARecordingNothingIsRecordedAndCallbacksStillRun() {
        assertFalse(TimerExpiryEvent.isTypeEnabled(), "no recording is on in this JVM");
        final ManualTimerClock clock = new ManualTimerClock(0);
        try (TimerService service = TimerService.builder().clock(clock).bases(1).build()) {
            final int[] runs = new int[1];
            new Timer(service, t -> runs[0]++).add(clock.nanoTime() + MS);
            clock.advance(2, TimeUnit.MILLISECONDS);
            service.awaitDue();
            assertEquals(1, runs[0]);
        }
    }

    private static List<RecordedEvent> ofCallback(List<RecordedEvent> events, Class<?> callback) {
        return events.stream().filter(event -> callback.getName().equals(event.getString("callback")))
                .collect(Collectors.toList());
    }

    /** Runs {@code body} under a recording of the expiry event (no threshold) and returns its events. */
    private static List<RecordedEvent> record(Runnable body) throws IOException {
        final Path file = Files.createTempFile("ksync-timer", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                recording.enable(EVENT).withThreshold(Duration.ZERO);
                recording.start();
                body.run();
                recording.stop();
                recording.dump(file);
            }
            return RecordingFile.readAllEvents(file).stream()
                    .filter(event -> event.getEventType().getName().equals(EVENT)).collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
