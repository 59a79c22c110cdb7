package dev.marina.intent.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchiveRun;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which backup a point-in-time restore starts from, and why a time that cannot be reached is refused. */
class PointInTimeTest {
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    private static BackupRecord backup(String id, BackupState state, String finishedAt, long seq) {
        return BackupRecord.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setBackupId(id).setState(state)
                .setManifest(BackupManifest.newBuilder().setBackupId(id).setGtidPosition("0-167772161-" + seq)
                        .setFinishedAt(Timestamps.of(Instant.parse(finishedAt)))).build();
    }

    private static final BackupRecord B1 = backup("b1", BackupState.BACKUP_STATE_COMPLETE, "2026-12-01T03:00:00Z", 100);
    private static final BackupRecord B2 = backup("b2", BackupState.BACKUP_STATE_COMPLETE, "2026-12-02T03:00:00Z", 500);
    private static final BackupRecord FAILED = backup("f1", BackupState.BACKUP_STATE_FAILED, "2026-12-01T20:00:00Z", 300);
    private static final BackupRecord EXPIRED = backup("e0", BackupState.BACKUP_STATE_EXPIRED, "2026-11-01T03:00:00Z", 10);

    private static ArchiveRun run(long first, long last, String coveredUntil) {
        return ArchiveRun.newBuilder().setFirstSeq(first).setLastSeq(last).setCoveredUntil(Timestamps.of(Instant.parse(coveredUntil)))
                .build();
    }

    private static Optional<ArchiveCoverage> archive(ArchiveRun... runs) {
        return Optional.of(ArchiveCoverage.newBuilder().addAllRuns(List.of(runs)).build());
    }

    private static final Optional<ArchiveCoverage> WHOLE = archive(run(1, 900, "2026-12-02T11:59:30Z"));
    /** Transactions 301..399 are missing: b1's run ends at 300 (covered until 20:00 on the 1st). */
    private static final Optional<ArchiveCoverage> GAPPED = archive(run(1, 300, "2026-12-01T20:00:00Z"),
            run(400, 900, "2026-12-02T11:59:30Z"));

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("between two backups: the older one", "2026-12-01T15:00:00Z", WHOLE, "b1"),
                Arguments.of("after the newest: the newest", "2026-12-02T11:00:00Z", WHOLE, "b2"),
                Arguments.of("exactly at a backup's end: that backup", "2026-12-02T03:00:00Z", WHOLE, "b2"),
                Arguments.of("exactly where the archive is covered until", "2026-12-02T11:59:30Z", WHOLE, "b2"),
                Arguments.of("a failed backup is never chosen", "2026-12-01T21:00:00Z", WHOLE, "b1"),
                Arguments.of("before a gap: the run the backup continues into", "2026-12-01T19:59:59.250Z", GAPPED, "b1"),
                Arguments.of("after a gap, from the backup beyond it", "2026-12-02T05:00:00Z", GAPPED, "b2"),
                Arguments.of("a run starting right after the backup's position", "2026-12-01T04:00:00Z",
                        archive(run(101, 900, "2026-12-02T11:59:30Z")), "b1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void chooses_the_newest_complete_backup_that_ended_before_the_time(String behaviour, String time,
            Optional<ArchiveCoverage> coverage, String backup) {
        PointInTime.Outcome outcome = PointInTime.choose("acme/orders", Instant.parse(time), NOW, List.of(EXPIRED, B2, FAILED, B1),
                coverage);
        PointInTime.Chosen chosen = assertInstanceOf(PointInTime.Chosen.class, outcome, () -> behaviour + ": " + outcome);
        assertEquals(backup, chosen.backup().getBackupId(), behaviour);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("in the future", "2026-12-02T12:00:01Z", WHOLE, List.of(B1, B2),
                        "in the future (it is 2026-12-02T12:00:00Z now)"),
                Arguments.of("no complete backup", "2026-12-01T15:00:00Z", WHOLE, List.of(FAILED, EXPIRED),
                        "acme/orders has no complete backup to start from"),
                Arguments.of("before the oldest backup ended: its time is named", "2026-12-01T02:59:59Z", WHOLE, List.of(B1, B2),
                        "before the oldest complete backup of acme/orders ended (2026-12-01T03:00:00Z)"),
                Arguments.of("after the archive's end: the range, exactly", "2026-12-02T11:59:31Z", WHOLE, List.of(B1, B2),
                        "acme/orders can be restored to a time between 2026-12-01T03:00:00Z and 2026-12-02T11:59:30Z"),
                Arguments.of("in a gap: each range", "2026-12-01T20:00:00.001Z", GAPPED, List.of(B1, B2),
                        "acme/orders can be restored to a time between 2026-12-01T03:00:00Z and 2026-12-01T20:00:00Z, or between"
                                + " 2026-12-02T03:00:00Z and 2026-12-02T11:59:30Z"),
                Arguments.of("no archive at all: backups by id", "2026-12-02T03:00:00Z", Optional.empty(), List.of(B1, B2),
                        "restore one of its backups by backupId instead"),
                Arguments.of("an archive that starts after the backup", "2026-12-01T04:00:00Z",
                        archive(run(102, 900, "2026-12-02T11:59:30Z")), List.of(B1),
                        "do not continue from backup b1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refuses_a_time_it_cannot_reach_and_says_which_it_can(String behaviour, String time, Optional<ArchiveCoverage> coverage,
            List<BackupRecord> backups, String words) {
        PointInTime.Outcome outcome = PointInTime.choose("acme/orders", Instant.parse(time), NOW, backups, coverage);
        PointInTime.Refused refused = assertInstanceOf(PointInTime.Refused.class, outcome, () -> behaviour + ": " + outcome);
        assertTrue(refused.reason().contains(words), () -> behaviour + ": " + refused.reason());
    }

    @Test
    void the_ranges_named_are_exactly_the_times_accepted() {
        // b1's run is covered beyond b2's end, but from b2's end on b2 is chosen, and b2's position is in no run
        Optional<ArchiveCoverage> coverage = archive(run(1, 450, "2026-12-02T06:00:00Z"));
        List<PointInTime.Range> ranges = PointInTime.ranges(List.of(B1, B2), coverage, NOW);
        assertEquals(List.of(new PointInTime.Range(Instant.parse("2026-12-01T03:00:00Z"), Instant.parse("2026-12-02T03:00:00Z"), true)),
                ranges);
        assertInstanceOf(PointInTime.Chosen.class, PointInTime.choose("acme/orders", Instant.parse("2026-12-02T02:59:59.999Z"), NOW,
                List.of(B1, B2), coverage));
        PointInTime.Refused atB2 = assertInstanceOf(PointInTime.Refused.class, PointInTime.choose("acme/orders",
                Instant.parse("2026-12-02T03:00:00Z"), NOW, List.of(B1, B2), coverage));
        assertTrue(atB2.reason().contains("from 2026-12-01T03:00:00Z until just before 2026-12-02T03:00:00Z"), atB2.reason());

        // contiguous stretches of two backups merge into one
        assertEquals(List.of(new PointInTime.Range(Instant.parse("2026-12-01T03:00:00Z"), Instant.parse("2026-12-02T11:59:30Z"), false)),
                PointInTime.ranges(List.of(B1, B2), WHOLE, NOW));
    }
}
