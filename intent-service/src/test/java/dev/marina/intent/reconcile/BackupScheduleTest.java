package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackupScheduleTest {

    @ParameterizedTest(name = "{0} at {1}: latest slot {2}, next {3}")
    @CsvSource(delimiter = '|', textBlock = """
            hourly       | 2026-12-02T10:37:12Z | 2026-12-02T10:00:00Z | 2026-12-02T11:00:00Z
            hourly       | 2026-12-02T10:00:00Z | 2026-12-02T10:00:00Z | 2026-12-02T11:00:00Z
            nightly      | 2026-12-02T02:59:59Z | 2026-12-01T03:00:00Z | 2026-12-02T03:00:00Z
            nightly      | 2026-12-02T03:00:30Z | 2026-12-02T03:00:00Z | 2026-12-03T03:00:00Z
            daily        | 2026-12-02T10:00:00Z | 2026-12-02T00:00:00Z | 2026-12-03T00:00:00Z
            weekly       | 2026-12-02T10:00:00Z | 2026-11-29T03:00:00Z | 2026-12-06T03:00:00Z
            */15 * * * * | 2026-12-02T10:44:00Z | 2026-12-02T10:30:00Z | 2026-12-02T10:45:00Z
            0 3 * * 1-5  | 2026-12-06T12:00:00Z | 2026-12-04T03:00:00Z | 2026-12-07T03:00:00Z
            30 1 1 * *   | 2026-12-02T10:00:00Z | 2026-12-01T01:30:00Z | 2027-01-01T01:30:00Z
            0 0 29 2 *   | 2026-12-02T10:00:00Z | 2024-02-29T00:00:00Z | 2028-02-29T00:00:00Z
            0 4 1 * 0    | 2026-12-02T10:00:00Z | 2026-12-01T04:00:00Z | 2026-12-06T04:00:00Z
            0 4 * * 7    | 2026-12-02T10:00:00Z | 2026-11-29T04:00:00Z | 2026-12-06T04:00:00Z
            5,10 2-3 * * * | 2026-12-02T02:07:00Z | 2026-12-02T02:05:00Z | 2026-12-02T02:10:00Z
            """)
    void slots(String schedule, String now, String latest, String next) {
        BackupSchedule parsed = BackupSchedule.parse(schedule.trim());
        assertEquals(Optional.of(Instant.parse(latest)), parsed.latestAtOrBefore(Instant.parse(now)));
        assertEquals(Optional.of(Instant.parse(next)), parsed.nextAfter(Instant.parse(now)));
    }

    @ParameterizedTest(name = "\"{0}\" refused: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            sometimes         | has 1 fields
            0 3 * *           | has 4 fields
            60 3 * * *        | minute 60 is outside 0-59
            0 24 * * *        | hour 24 is outside 0-23
            0 3 0 * *         | day of month 0 is outside 1-31
            0 3 * 13 *        | month 13 is outside 1-12
            0 3 * * 8         | day of week 8 is outside 0-7
            0 3 5-1 * *       | runs backwards
            0 x * * *         | hour "x" is not a number
            0 3 31 2 *        | never matches
            */0 * * * *       | minute step 0 is outside
            """)
    void refused(String schedule, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackupSchedule.parse(schedule.trim()));
        assertTrue(e.getMessage().contains(reason.trim()), e.getMessage());
        assertEquals(Optional.of(e.getMessage()), BackupSchedule.problem(schedule.trim()));
    }
}
