package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class InputDelayTest {

    private final InputDelay delay = new InputDelay(1000);

    @Test
    void nothingReadIsNoDelay() {
        assertEquals(0, delay.behindMs(5_000));
    }

    @Test
    void aMonitorReadingOldRecordsIsBehindByTheFreshestOnesAge() {
        delay.seen(10_000, 14_000);
        delay.seen(10_200, 14_100);
        assertEquals(3_900, delay.behindMs(14_100));
    }

    @Test
    void oneAgentWithAClockBehindCannotHoldBackTheOthers() {
        delay.seen(4_000, 10_000); // its clock is 6 s behind
        delay.seen(9_980, 10_010); // everyone else: 30 ms
        assertEquals(30, delay.behindMs(10_010));
    }

    @Test
    void anAgentWithAClockAheadReadsAsNoDelay() {
        delay.seen(12_000, 10_000);
        assertEquals(0, delay.behindMs(10_000));
    }

    @Test
    void theDelayIsForgottenAfterTwoWindowsWithoutARecordAndNeverGrowsWhileIdle() {
        delay.seen(7_000, 10_000);
        assertEquals(3_000, delay.behindMs(10_500));
        assertEquals(3_000, delay.behindMs(11_500), "still the previous window's");
        assertEquals(0, delay.behindMs(12_100), "nothing read for two windows: caught up, judged on the wall clock");
    }

    @Test
    void catchingUpShrinksTheDelay() {
        delay.seen(5_000, 10_000);
        delay.seen(10_900, 11_000);
        assertEquals(100, delay.behindMs(11_000));
    }

    @Test
    void aWindowMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new InputDelay(0));
    }
}
