package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class InputDelayTest {

    /** Windows of 1 s, a position held 5 s with nothing read, caught up when read within 100 ms. */
    private final InputDelay delay = new InputDelay(1_000, 5_000, 100);

    @Test
    void nothingReadIsJudgedOnTheWallClock() {
        assertEquals(5_000, delay.judgedAt(5_000));
        assertEquals(0, delay.behindMs(5_000));
    }

    @Test
    void aCaughtUpMonitorJudgesOnTheWallClock() {
        delay.seen(9_950, 10_000);
        assertEquals(10_000, delay.judgedAt(10_000));
        assertEquals(10_700, delay.judgedAt(10_700), "caught up and nothing more to read: silence is silence");
    }

    @Test
    void aMonitorReadingOldRecordsJudgesAsOfTheNewestItRead() {
        delay.seen(10_000, 14_000);
        delay.seen(10_200, 14_100);
        assertEquals(10_200, delay.judgedAt(14_100));
        assertEquals(3_900, delay.behindMs(14_100));
    }

    @Test
    void behindTheJudgementWaitsForTheNextRecordsInsteadOfMovingOnWithTheClock() {
        delay.seen(10_000, 14_000);
        // the stream thread does not come back to this task for 2 s: its instances are not 2 s more silent
        assertEquals(10_000, delay.judgedAt(16_000));
        delay.seen(10_200, 16_050);
        assertEquals(10_200, delay.judgedAt(16_050));
    }

    @Test
    void oneAgentWithAClockBehindCannotHoldBackTheOthers() {
        delay.seen(4_000, 10_000); // its clock is 6 s behind
        delay.seen(9_980, 10_010); // everyone else: 30 ms, caught up
        assertEquals(10_010, delay.judgedAt(10_010));
    }

    @Test
    void anAgentWithAClockAheadCountsAsReadWhenItWasRead() {
        delay.seen(12_000, 10_000);
        assertEquals(10_000, delay.judgedAt(10_000));
    }

    @Test
    void aGrowingBacklogIsFollowedRecordByRecord() {
        // A starved monitor: each burst it reads is later than the one before.
        delay.seen(10_000, 11_000);
        assertEquals(1_000, delay.behindMs(11_000));
        delay.seen(10_500, 12_500);
        assertEquals(2_000, delay.behindMs(12_500));
        delay.seen(11_000, 14_100);
        assertEquals(3_100, delay.behindMs(14_100), "not the 1 s of a backlog that has since grown");
    }

    @Test
    void thePositionHoldsWhileNothingIsReadThenTheWallClockComesBack() {
        delay.seen(7_000, 10_000);
        assertEquals(7_000, delay.judgedAt(10_500));
        assertEquals(7_000, delay.judgedAt(13_000), "the windows rolled away: held");
        assertEquals(7_000, delay.judgedAt(15_000), "held up to the hold");
        assertEquals(15_001, delay.judgedAt(15_001), "nothing read for the hold: every instance silent is silent");
    }

    @Test
    void catchingUpReturnsToTheWallClock() {
        delay.seen(5_000, 10_000);
        delay.seen(10_950, 11_000);
        assertEquals(11_000, delay.judgedAt(11_000));
    }

    @Test
    void settingsMustMakeSense() {
        assertThrows(IllegalArgumentException.class, () -> new InputDelay(0, 1_000, 100));
        assertThrows(IllegalArgumentException.class, () -> new InputDelay(1_000, -1, 100));
        assertThrows(IllegalArgumentException.class, () -> new InputDelay(1_000, 1_000, -1));
    }
}
