package dev.marina.healthmonitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ReadHorizonTest {

    /** Windows of 1 s, a hold of 5 s, caught up when read within 100 ms, end offsets trusted for 10 s. */
    private final ReadHorizon horizon = new ReadHorizon(1_000, 5_000, 100, 10_000);

    /** End offsets not known: by reading alone. */
    private long judged(long wall) {
        return horizon.judgedAt(wall, null);
    }

    /** The partition's end is {@code offset}, fetched at {@code fetchedAt}, the same since {@code since}. */
    private static PartitionEnd end(long offset, long fetchedAt, long since) {
        return new PartitionEnd(offset, fetchedAt, since);
    }

    // --- by reading alone (end offsets unknown) ---

    @Test
    void nothingReadIsJudgedOnTheWallClock() {
        assertEquals(5_000, judged(5_000));
        assertEquals(0, horizon.behindMs(5_000, null));
    }

    @Test
    void aCaughtUpMonitorJudgesOnTheWallClock() {
        horizon.seen(9_950, 0, 10_000);
        assertEquals(10_000, judged(10_000));
        assertEquals(10_700, judged(10_700), "caught up and nothing more to read: silence is silence");
    }

    @Test
    void aMonitorReadingOldRecordsJudgesAsOfTheNewestItRead() {
        horizon.seen(10_000, 0, 14_000);
        horizon.seen(10_200, 1, 14_100);
        assertEquals(10_200, judged(14_100));
        assertEquals(3_900, horizon.behindMs(14_100, null));
    }

    @Test
    void behindTheJudgementWaitsForTheNextRecordsInsteadOfMovingOnWithTheClock() {
        horizon.seen(10_000, 0, 14_000);
        // the stream thread does not come back to this task for 2 s: its instances are not 2 s more silent
        assertEquals(10_000, judged(16_000));
        horizon.seen(10_200, 1, 16_050);
        assertEquals(10_200, judged(16_050));
    }

    @Test
    void oneAgentWithAClockBehindCannotHoldBackTheOthers() {
        horizon.seen(4_000, 0, 10_000); // its clock is 6 s behind
        horizon.seen(9_980, 1, 10_010); // everyone else: 30 ms, caught up
        assertEquals(10_010, judged(10_010));
    }

    @Test
    void anAgentWithAClockAheadCountsAsReadWhenItWasRead() {
        horizon.seen(12_000, 0, 10_000);
        assertEquals(10_000, judged(10_000));
    }

    @Test
    void aGrowingBacklogIsFollowedRecordByRecord() {
        // A starved monitor: each burst it reads is later than the one before.
        horizon.seen(10_000, 0, 11_000);
        assertEquals(1_000, horizon.behindMs(11_000, null));
        horizon.seen(10_500, 1, 12_500);
        assertEquals(2_000, horizon.behindMs(12_500, null));
        horizon.seen(11_000, 2, 14_100);
        assertEquals(3_100, horizon.behindMs(14_100, null), "not the 1 s of a backlog that has since grown");
    }

    @Test
    void withEndsUnknownThePositionHoldsWhileNothingIsReadThenTheWallClockComesBack() {
        horizon.seen(7_000, 0, 10_000);
        assertEquals(7_000, judged(10_500));
        assertEquals(7_000, judged(13_000), "the windows rolled away: held");
        assertEquals(7_000, judged(15_000), "held up to the hold");
        assertEquals(15_001, judged(15_001), "nothing read for the hold: every instance silent is silent");
    }

    @Test
    void catchingUpReturnsToTheWallClock() {
        horizon.seen(5_000, 0, 10_000);
        horizon.seen(10_950, 1, 11_000);
        assertEquals(11_000, judged(11_000));
    }

    // --- with the partition's end offset ---

    @Test
    void behindWhileThePartitionGrowsTheJudgementWaitsHoweverLongTheTaskIsNotVisited() {
        // Read 5 s late, then the stream thread stays away for 20 s (a rebalance on a starved machine) while the
        // partition's live instances go on writing: their silence is not the monitor's absence.
        horizon.seen(5_000, 41, 10_000);
        assertEquals(5_000, horizon.judgedAt(30_000, end(900, 29_800, 29_600)));
        horizon.seen(5_200, 42, 30_100);
        assertEquals(5_200, horizon.judgedAt(30_100, end(910, 30_050, 30_050)));
    }

    @Test
    void aCaughtUpReadIsNotTheWallClockOnceUnreadRecordsAreKnown() {
        horizon.seen(9_950, 41, 10_000);
        assertEquals(10_400, horizon.judgedAt(10_400, end(42, 10_250, 10_000)), "read to the end at 10.25 s: wall clock");
        assertEquals(9_950, horizon.judgedAt(10_900, end(50, 10_750, 10_750)),
                "8 records written since, none read: as of the last one read");
    }

    @Test
    void aPartitionReadToItsEndIsJudgedAsOfTheFetch() {
        // Every instance of the partition stopped at 10 s; the monitor read everything.
        horizon.seen(9_990, 41, 10_000);
        assertEquals(12_750, horizon.judgedAt(13_000, end(42, 12_750, 10_250)),
                "silence runs on at once, not a hold later");
        assertEquals(20_000, horizon.judgedAt(20_100, end(42, 20_000, 10_250)));
    }

    @Test
    void anEndFetchedBeforeTheLastReadSaysNothingAboutWhatCameAfter() {
        horizon.seen(5_000, 41, 10_000);
        assertEquals(5_000, horizon.judgedAt(12_000, end(42, 9_900, 9_900)), "behind, and the fetch is older than the read");
    }

    @Test
    void aPartitionNoOneWritesToIsSilentAfterTheHoldWhateverIsUnread() {
        horizon.seen(5_000, 41, 10_000);
        assertEquals(5_000, horizon.judgedAt(14_000, end(90, 13_900, 9_000)), "still for 4.9 s: could be a pause");
        assertEquals(14_100, horizon.judgedAt(14_200, end(90, 14_100, 9_000)), "still for 5.1 s: every instance is silent");
    }

    @Test
    void aTaskThatHasReadNothingWhileItsPartitionGrowsWaitsAtItsStart() {
        // Taken over from a killed copy: the backlog is there, this task has not read any of it yet.
        assertEquals(10_000, horizon.judgedAt(10_000, end(500, 9_900, 9_900)));
        assertEquals(10_000, horizon.judgedAt(25_000, end(800, 24_900, 24_900)));
        horizon.seen(3_000, 300, 25_100);
        assertEquals(3_000, horizon.judgedAt(25_100, end(800, 24_900, 24_900)), "then it follows its reading");
    }

    @Test
    void aTaskThatHasReadNothingOfAPartitionNoOneWritesToJudgesOnTheFetch() {
        assertEquals(10_000, horizon.judgedAt(10_000, end(500, 9_900, 9_900)));
        assertEquals(15_000, horizon.judgedAt(15_100, end(500, 15_000, 9_900)));
        assertEquals(0, horizon.behindMs(15_100, end(0, 15_100, 9_000)), "an empty partition: nothing to wait for");
    }

    @Test
    void anEndTooOldIsNotTrustedAndTheHoldByTimeApplies() {
        horizon.seen(5_000, 41, 10_000);
        assertEquals(5_000, horizon.judgedAt(14_000, end(90, 11_000, 11_000)));
        assertEquals(25_000, horizon.judgedAt(25_000, end(90, 11_000, 11_000)), "fetched 14 s ago: not known");
    }

    @Test
    void theHorizonIsNeverAfterTheWallClock() {
        horizon.seen(9_990, 41, 10_000);
        assertEquals(10_000, horizon.judgedAt(10_000, end(42, 10_500, 10_500)), "a fetch stamped by a clock ahead");
    }

    // --- the end offsets' own bookkeeping ---

    @Test
    void anEndThatDoesNotMoveKeepsWhenItWasFirstSeen() {
        PartitionEnd first = PartitionEnd.next(null, 10, 1_000);
        assertEquals(end(10, 1_000, 1_000), first);
        PartitionEnd same = PartitionEnd.next(first, 10, 1_250);
        assertEquals(end(10, 1_250, 1_000), same);
        assertEquals(end(11, 1_500, 1_500), PartitionEnd.next(same, 11, 1_500), "a record written: since now");
        assertEquals(end(10, 900, 900), PartitionEnd.next(same, 10, 900), "a clock stepped back: start again");
    }

    @Test
    void settingsAndEndsMustMakeSense() {
        assertThrows(IllegalArgumentException.class, () -> new ReadHorizon(0, 1_000, 100, 1_000));
        assertThrows(IllegalArgumentException.class, () -> new ReadHorizon(1_000, -1, 100, 1_000));
        assertThrows(IllegalArgumentException.class, () -> new ReadHorizon(1_000, 1_000, -1, 1_000));
        assertThrows(IllegalArgumentException.class, () -> new ReadHorizon(1_000, 1_000, 100, -1));
        assertThrows(IllegalArgumentException.class, () -> end(-1, 1_000, 1_000));
        assertThrows(IllegalArgumentException.class, () -> end(5, 1_000, 1_001));
    }
}
