package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class InputDelayTest {

    /** Windows of 1 s, a measured delay held 10 s with nothing read. */
    private final InputDelay delay = new InputDelay(1_000, 10_000);

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
    void aGrowingBacklogIsFollowedWithinTwoWindows() {
        // A starved monitor: each burst it reads is later than the one before.
        delay.seen(10_000, 11_000);
        assertEquals(1_000, delay.behindMs(11_000));
        delay.seen(10_500, 12_500);
        assertEquals(1_000, delay.behindMs(12_500), "the previous window's fresher record still counts");
        delay.seen(11_000, 14_100);
        assertEquals(3_100, delay.behindMs(14_100), "not the 1 s of a backlog that has since grown");
    }

    @Test
    void theLastDelayHoldsWhileNothingIsReadThenIsForgotten() {
        delay.seen(7_000, 10_000);
        assertEquals(3_000, delay.behindMs(10_500));
        assertEquals(3_000, delay.behindMs(15_000), "a task visited seldom reads in bursts: held between them");
        assertEquals(3_000, delay.behindMs(20_000), "held up to the hold");
        assertEquals(0, delay.behindMs(20_001), "nothing read for the hold: caught up, judged on the wall clock");
    }

    @Test
    void catchingUpShrinksTheDelay() {
        delay.seen(5_000, 10_000);
        delay.seen(10_900, 11_000);
        assertEquals(100, delay.behindMs(11_000));
    }

    @Test
    void aWindowMustBePositiveAndAHoldNotNegative() {
        assertThrows(IllegalArgumentException.class, () -> new InputDelay(0, 1_000));
        assertThrows(IllegalArgumentException.class, () -> new InputDelay(1_000, -1));
    }
}
