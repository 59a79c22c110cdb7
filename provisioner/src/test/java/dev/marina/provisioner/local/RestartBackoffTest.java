package dev.marina.provisioner.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RestartBackoffTest {

    private final RestartBackoff backoff = new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30));

    @Test
    void answers_a_first_death_at_once_then_doubles_the_wait_up_to_the_ceiling() {
        assertEquals(Duration.ZERO, backoff.delayBefore(0));
        assertEquals(Duration.ofSeconds(1), backoff.delayBefore(1));
        assertEquals(Duration.ofSeconds(2), backoff.delayBefore(2));
        assertEquals(Duration.ofSeconds(16), backoff.delayBefore(5));
        assertEquals(Duration.ofSeconds(30), backoff.delayBefore(6));
        assertEquals(Duration.ofSeconds(30), backoff.delayBefore(1_000));
    }

    @Test
    void forgets_past_deaths_only_after_a_stable_run() {
        Instant launched = Instant.parse("2026-01-01T00:00:00Z");
        assertFalse(backoff.isStable(launched, launched.plusSeconds(29)));
        assertTrue(backoff.isStable(launched, launched.plusSeconds(30)));
    }
}
