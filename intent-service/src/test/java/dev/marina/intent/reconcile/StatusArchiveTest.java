package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchiveRun;
import dev.marina.schemas.v1.ArchiveState;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupSpec;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.BackupsState;
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the status says of the binary-log archive: the coverage, the latest restorable time, BackupsHealthy. */
class StatusArchiveTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final Instant BACKUP_END = Instant.parse("2026-12-01T03:00:40Z");

    private static ArchiveRun run(long first, long last, String coveredUntil) {
        return ArchiveRun.newBuilder().setFirstSeq(first).setLastSeq(last).setStartPosition("0-1-" + (first - 1))
                .setEndPosition("0-1-" + last).setFirstEventAt(Timestamps.of(Instant.parse(coveredUntil).minusSeconds(600)))
                .setLastEventAt(Timestamps.of(Instant.parse(coveredUntil).minusSeconds(1)))
                .setCoveredUntil(Timestamps.of(Instant.parse(coveredUntil))).build();
    }

    private static ArchiveCoverage coverage(ArchiveRun... runs) {
        return ArchiveCoverage.newBuilder().setInstanceId("acme-orders-1").setEpoch(1).setArchiving(true)
                .addAllRuns(java.util.List.of(runs)).setLastUploadAt(Timestamps.of(NOW.minusSeconds(30))).build();
    }

    /** A deployment with a schedule, its newest complete backup at {@code backupGtid}, and the archive as given. */
    private static ReconcilerState state(String backupGtid, ArchiveCoverage coverage) {
        Intent intent = Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(1)
                .setSpec(Fixtures.mariadb().toBuilder().setBackups(BackupSpec.newBuilder().setSchedule("nightly"))).build();
        ReconcilerState.Builder state = ReconcilerState.newBuilder().setDesired(intent).setEpoch(1);
        if (backupGtid != null) {
            state.setBackups(BackupsState.newBuilder().setLatestComplete(BackupRecord.newBuilder().setBackupId("s-1")
                    .setState(BackupState.BACKUP_STATE_COMPLETE)
                    .setManifest(BackupManifest.newBuilder().setGtidPosition(backupGtid).setFinishedAt(Timestamps.of(BACKUP_END)))));
        }
        if (coverage != null) {
            state.setArchive(ArchiveState.newBuilder().setCoverage(coverage).setPublished(coverage));
        }
        return state.build();
    }

    /**
     * Intake checks a point in time against binlog-archive, which a growing run reaches only every few seconds: the
     * status promises what was published, not the newer report the reconciler holds back.
     */
    @org.junit.jupiter.api.Test
    void the_status_promises_only_the_coverage_published_on_the_topic() {
        ArchiveCoverage published = coverage(run(1, 80, "2026-12-01T11:58:00Z"));
        ArchiveCoverage newer = coverage(run(1, 90, "2026-12-01T11:59:00Z"));
        ReconcilerState state = state("0-1-42", newer).toBuilder()
                .setArchive(ArchiveState.newBuilder().setCoverage(newer).setPublished(published)).build();
        DeploymentStatus status = StatusBuilder.build(state, NOW, PlanSettings.defaults());
        assertEquals(Instant.parse("2026-12-01T11:58:00Z"), Timestamps.toInstant(status.getLatestRestorableTime()));
        assertEquals(published, status.getBinlogArchive());
    }

    static Stream<Arguments> restorableTimes() {
        return Stream.of(
                Arguments.of("no archive: the backup's end", state("0-1-42", null), BACKUP_END),
                Arguments.of("a run that continues from the backup: its covered_until",
                        state("0-1-42", coverage(run(1, 90, "2026-12-01T11:59:00Z"))), Instant.parse("2026-12-01T11:59:00Z")),
                Arguments.of("a run starting right after the backup's position counts",
                        state("0-1-42", coverage(run(43, 90, "2026-12-01T11:59:00Z"))), Instant.parse("2026-12-01T11:59:00Z")),
                Arguments.of("a run starting later leaves a gap: the backup's end",
                        state("0-1-42", coverage(run(44, 90, "2026-12-01T11:59:00Z"))), BACKUP_END),
                Arguments.of("a run that ends before the backup: the backup's end",
                        state("0-1-42", coverage(run(1, 41, "2026-12-01T02:00:00Z"))), BACKUP_END),
                Arguments.of("with gaps, the run holding the backup: its covered_until",
                        state("0-1-42", coverage(run(1, 50, "2026-12-01T05:00:00Z"), run(60, 90, "2026-12-01T11:59:00Z"))),
                        Instant.parse("2026-12-01T05:00:00Z")),
                Arguments.of("a multi-domain position is placed by domain 0",
                        state("1-5-900,0-167772161-42", coverage(run(1, 90, "2026-12-01T11:59:00Z"))),
                        Instant.parse("2026-12-01T11:59:00Z")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("restorableTimes")
    void the_latest_restorable_time(String behaviour, ReconcilerState state, Instant expected) {
        DeploymentStatus status = StatusBuilder.build(state, NOW, PlanSettings.defaults());
        assertEquals(expected, Timestamps.toInstant(status.getLatestRestorableTime()), behaviour);
        assertEquals(state.getArchive().getCoverage(), status.getBinlogArchive(), "the coverage, as reported");
    }

    static Stream<Arguments> conditions() {
        ArchiveCoverage failing = coverage(run(1, 90, "2026-12-01T11:00:00Z")).toBuilder()
                .setLastError("object store at http://127.0.0.1:9000 unreachable").setLastErrorAt(Timestamps.of(NOW.minusSeconds(5)))
                .setPendingFiles(3).build();
        return Stream.of(
                Arguments.of("archiving without a gap", state("0-1-42", coverage(run(1, 90, "2026-12-01T11:00:00Z"))),
                        true, Reasons.BACKUP_TAKEN, "latest backup"),
                Arguments.of("the last upload failed after the last success", state("0-1-42", failing),
                        false, Reasons.ARCHIVE_FAILING, "unreachable"),
                Arguments.of("a failure that an upload since healed", state("0-1-42", failing.toBuilder()
                        .setLastUploadAt(Timestamps.of(NOW.minusSeconds(1))).build()), true, Reasons.BACKUP_TAKEN, "latest backup"),
                Arguments.of("failing before any upload", state("0-1-42", failing.toBuilder().clearLastUploadAt().build()),
                        false, Reasons.ARCHIVE_FAILING, "nothing uploaded yet"),
                Arguments.of("a gap after the backup", state("0-1-42", coverage(run(1, 50, "2026-12-01T05:00:00Z"),
                        run(60, 90, "2026-12-01T11:00:00Z"))), false, Reasons.ARCHIVE_GAP, "transactions 51..59"),
                Arguments.of("a gap before the oldest backup is no concern", state("0-1-70", coverage(run(1, 50, "2026-12-01T01:00:00Z"),
                        run(60, 90, "2026-12-01T11:00:00Z"))), true, Reasons.BACKUP_TAKEN, "latest backup"),
                Arguments.of("no backup yet: the backups' own reason", state(null, failing), false, Reasons.NO_BACKUP_YET, "no backup yet"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conditions")
    void backups_healthy_tells_of_the_archive(String behaviour, ReconcilerState state, boolean status, String reason, String words) {
        Condition c = StatusBuilder.backupsCondition(state, NOW).orElseThrow();
        assertEquals(reason, c.getReason(), () -> behaviour + ": " + c);
        assertEquals(status, c.getStatus(), behaviour);
        assertTrue(c.getMessage().contains(words), () -> behaviour + ": " + c.getMessage());
    }

    @Test
    void a_gap_before_the_first_backup_seen_stays_reported_after_newer_backups() {
        ReconcilerState state = state("0-1-95", coverage(run(1, 50, "2026-12-01T05:00:00Z"), run(60, 99, "2026-12-01T11:00:00Z")));
        assertFalse(StatusBuilder.archiveProblem(state).isPresent(), "only the newest backup known: the gap is before it");
        ReconcilerState remembered = state.toBuilder().setArchive(state.getArchive().toBuilder().setOldestBackupGtid("0-1-42")).build();
        assertEquals(Reasons.ARCHIVE_GAP, StatusBuilder.archiveProblem(remembered).orElseThrow().getReason(),
                "the oldest backup is before it: a restore from that backup cannot cross it");
    }

    @Test
    void a_deployment_without_an_archive_has_no_coverage_in_its_status() {
        DeploymentStatus status = StatusBuilder.build(state("0-1-42", null), NOW, PlanSettings.defaults());
        assertFalse(status.hasBinlogArchive());
    }
}
