package dev.marina.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class SamplingGateTest {

    private final SamplingGate gate = new SamplingGate();

    @Test
    void is_open_when_nothing_stops_the_database() {
        assertTrue(enterFromAnotherThread());
        assertTrue(enterFromAnotherThread(), "and again after a sample left it");
    }

    @Test
    void a_tick_finds_it_shut_while_the_database_is_stopped() {
        AtomicBoolean entered = new AtomicBoolean(true);
        gate.shutWhile(() -> entered.set(enterFromAnotherThread()));
        assertFalse(entered.get());
        assertTrue(enterFromAnotherThread(), "open again afterwards");
    }

    @Test
    void stopping_waits_for_the_sample_in_progress_and_no_new_sample_starts_meanwhile() {
        assertTrue(gate.tryEnter()); // a sample in progress on this thread
        AtomicBoolean stopped = new AtomicBoolean();
        CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> gate.shutWhile(() -> stopped.set(true)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(gate::isShut);
        assertFalse(enterFromAnotherThread(), "no new sample once a stop is waiting");
        assertFalse(stopped.get(), "the stop cannot begin while the sample holds the gate");
        gate.exit();
        stop.join();
        assertTrue(stopped.get());
        assertTrue(enterFromAnotherThread());
    }

    private boolean enterFromAnotherThread() {
        return CompletableFuture.supplyAsync(() -> {
            boolean entered = gate.tryEnter();
            if (entered) {
                gate.exit();
            }
            return entered;
        }).join();
    }
}
