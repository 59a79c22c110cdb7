package dev.marina.provisioner.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetentionIntervalTest {

    @Test
    void refuses_an_interval_below_a_second_and_names_the_setting() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(999), Duration.ofSeconds(-5)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetentionService.checkedInterval(bad));
            assertEquals(true, e.getMessage().contains("marina.provisioner.retention-interval"), e.getMessage());
        }
    }

    @Test
    void accepts_a_second_and_more() {
        assertEquals(Duration.ofSeconds(1), RetentionService.checkedInterval(Duration.ofSeconds(1)));
        assertEquals(Duration.ofMinutes(1), RetentionService.checkedInterval(Duration.ofMinutes(1)));
    }
}
