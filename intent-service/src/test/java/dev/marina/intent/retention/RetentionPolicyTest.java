package dev.marina.intent.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.Intent;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which catalogue records retention makes EXPIRED. */
class RetentionPolicyTest {
    private static final Instant NOW = Instant.parse("2026-12-20T12:00:00Z");

    private static BackupRecord backup(String deployment, String id, BackupState state, Duration endedAgo, int retentionDays) {
        String[] ref = deployment.split("/");
        BackupRecord.Builder b = BackupRecord.newBuilder().setDeployment(Fixtures.ref(ref[0], ref[1])).setBackupId(id).setState(state)
                .setRetentionDays(retentionDays).setRequestedAt(Timestamps.of(NOW.minus(endedAgo).minusSeconds(60)))
                .setUpdatedAt(Timestamps.of(NOW.minus(endedAgo)));
        if (state == BackupState.BACKUP_STATE_COMPLETE) {
            b.setManifest(BackupManifest.newBuilder().setGtidPosition("0-1-9").setFinishedAt(Timestamps.of(NOW.minus(endedAgo))));
        }
        return b.build();
    }

    private static final Duration DAY = Duration.ofDays(1);
    private static final Intent LIVE = Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).build();
    private static final Map<String, Intent> ORDERS_LIVE = Map.of("acme/orders", LIVE);

    static Stream<Arguments> rows() {
        BackupRecord old = backup("acme/orders", "s-old", BackupState.BACKUP_STATE_COMPLETE, DAY.multipliedBy(8), 7);
        BackupRecord newest = backup("acme/orders", "s-new", BackupState.BACKUP_STATE_COMPLETE, DAY.multipliedBy(8).minusHours(1), 7);
        BackupRecord young = backup("acme/orders", "s-young", BackupState.BACKUP_STATE_COMPLETE, DAY.multipliedBy(6), 7);
        BackupRecord failed = backup("acme/orders", "f-old", BackupState.BACKUP_STATE_FAILED, DAY.multipliedBy(8), 7);
        BackupRecord running = backup("acme/orders", "r-old", BackupState.BACKUP_STATE_RUNNING, DAY.multipliedBy(30), 7);
        BackupRecord expired = backup("acme/orders", "e-old", BackupState.BACKUP_STATE_EXPIRED, DAY.multipliedBy(30), 7);
        BackupRecord noDays = backup("acme/orders", "d-0", BackupState.BACKUP_STATE_COMPLETE, DAY.multipliedBy(6), 0);
        BackupRecord noDaysOld = backup("acme/orders", "d-0-old", BackupState.BACKUP_STATE_COMPLETE, DAY.multipliedBy(7).plusSeconds(1), 0);
        return Stream.of(
                Arguments.of("older than its retention: expired", List.of(old, newest, young), ORDERS_LIVE, List.of("s-new", "s-old")),
                Arguments.of("the newest complete of a live deployment is kept however old", List.of(old, newest), ORDERS_LIVE,
                        List.of("s-old")),
                Arguments.of("a failed one expires too; running and expired ones are left", List.of(failed, running, expired, young),
                        ORDERS_LIVE, List.of("f-old")),
                Arguments.of("retention 0 means the default 7 days", List.of(noDays, noDaysOld, young), ORDERS_LIVE, List.of("d-0-old")),
                Arguments.of("a deleted deployment's backups all expire after retention", List.of(old, newest, young),
                        Map.of("acme/orders", LIVE.toBuilder().setDeleted(true).build()), List.of("s-new", "s-old")),
                Arguments.of("a purged deployment too", List.of(old, newest), Map.of(), List.of("s-new", "s-old")),
                Arguments.of("the retention of each record, not the spec's now", List.of(
                        backup("acme/orders", "long", BackupState.BACKUP_STATE_COMPLETE, DAY.multipliedBy(8), 30), young), ORDERS_LIVE,
                        List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void expires(String behaviour, List<BackupRecord> catalogue, Map<String, Intent> intents, List<String> expected) {
        List<BackupRecord> expired = RetentionPolicy.expire(catalogue, intents, NOW);
        assertEquals(expected, expired.stream().map(BackupRecord::getBackupId).sorted().toList(), behaviour);
        for (BackupRecord e : expired) {
            assertEquals(BackupState.BACKUP_STATE_EXPIRED, e.getState());
            assertEquals(NOW, Timestamps.toInstant(e.getUpdatedAt()));
            BackupRecord before = catalogue.stream().filter(b -> b.getBackupId().equals(e.getBackupId())).findFirst().orElseThrow();
            assertEquals(before.toBuilder().clearState().clearUpdatedAt().build(), e.toBuilder().clearState().clearUpdatedAt().build(),
                    "everything else kept");
        }
    }

    @Test
    void the_backup_a_live_deployment_was_restored_from_is_kept_until_it_has_its_own() {
        BackupRecord source = backup("acme/old", "b1", BackupState.BACKUP_STATE_COMPLETE, DAY.multipliedBy(20), 7);
        BackupRecord older = backup("acme/old", "b0", BackupState.BACKUP_STATE_COMPLETE, DAY.multipliedBy(21), 7);
        Intent restored = Intent.newBuilder().setDeployment(Fixtures.ref("acme", "new")).setRestoreFrom(source).build();
        assertEquals(List.of("b0"), RetentionPolicy.expire(List.of(source, older), Map.of("acme/new", restored), NOW).stream()
                .map(BackupRecord::getBackupId).toList(), "acme/old is gone, but acme/new's replicas start from b1");
        BackupRecord own = backup("acme/new", "s-1", BackupState.BACKUP_STATE_COMPLETE, DAY, 7);
        assertTrue(RetentionPolicy.expire(List.of(source, own), Map.of("acme/new", restored), NOW).stream()
                .anyMatch(b -> b.getBackupId().equals("b1")), "once it has its own, the source's backup goes");
    }
}
