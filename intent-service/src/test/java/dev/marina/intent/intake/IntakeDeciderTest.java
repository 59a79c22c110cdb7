package dev.marina.intent.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.IntentRejection;
import dev.marina.schemas.v1.Size;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class IntakeDeciderTest {

    private final IntakeDecider decider = new IntakeDecider(Fixtures.VALIDATOR, Fixtures.countingPasswords(), Fixtures.countingBackupKeys());
    private final Instant now = Instant.parse("2026-11-21T10:00:00Z");

    private Intent accept(IntentEvent event, Intent current) {
        IntakeDecision d = decider.decide("acme/orders", event, current, now);
        return assertInstanceOf(IntakeDecision.Accepted.class, d, () -> "rejected: " + d).intent();
    }

    private IntentRejection reject(IntentEvent event, Intent current) {
        IntakeDecision d = decider.decide("acme/orders", event, current, now);
        return assertInstanceOf(IntakeDecision.Rejected.class, d, () -> "accepted: " + d).rejection();
    }

    @Test
    void a_first_apply_becomes_generation_one_with_defaults_and_a_generated_admin_password() {
        Intent intent = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        assertEquals(1, intent.getGeneration());
        assertEquals(Size.SIZE_SMALL, intent.getSpec().getSize());
        assertEquals("admin", intent.getAdminUser());
        assertEquals("sealed-1", intent.getAdminPassword().getCiphertext().toStringUtf8());
        assertEquals("r-1", intent.getLastRequestId());
    }

    @Test
    void applying_the_same_intent_twice_changes_nothing_but_answers_the_request() {
        Intent first = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        IntakeDecision again = decider.decide("acme/orders", Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-2"), first, now);
        IntakeDecision.Accepted accepted = assertInstanceOf(IntakeDecision.Accepted.class, again);
        assertFalse(accepted.changed());
        assertEquals(1, accepted.intent().getGeneration());
        assertEquals(first.getAdminPassword(), accepted.intent().getAdminPassword());
        assertEquals("r-2", accepted.intent().getLastRequestId());
    }

    @Test
    void a_changed_spec_increases_the_generation_and_keeps_the_password() {
        Intent first = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        Intent second = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1).build(), "r-2"), first);
        assertEquals(2, second.getGeneration());
        assertEquals(first.getAdminPassword(), second.getAdminPassword());
    }

    private Intent live(int replicas, String version) {
        return accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(replicas).setVersion(version)
                .putParameters("max_connections", "200").build(), "r-1"), null);
    }

    private IntentEvent change(Intent current, java.util.function.UnaryOperator<dev.marina.schemas.v1.DeploymentSpec.Builder> how) {
        return Fixtures.apply("acme", "orders", how.apply(current.getSpec().toBuilder()).build(), "r-2");
    }

    @Test
    void a_series_is_kept_as_the_build_it_means_so_applying_it_again_changes_nothing() {
        Intent first = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        assertEquals("10.11.19", first.getSpec().getVersion(), "10.11 is the newest offered build of it");
        IntakeDecision again = decider.decide("acme/orders", Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-2"), first, now);
        assertFalse(assertInstanceOf(IntakeDecision.Accepted.class, again).changed());
    }

    @Test
    void a_spec_stored_with_a_series_is_not_changed_by_the_same_series_resolved() {
        Intent legacy = live(1, "10.11").toBuilder().setSpec(live(1, "10.11").getSpec().toBuilder().setVersion("10.11")).build();
        assertFalse(IntakeDecider.versionChanged("10.11", "10.11.19"));
        assertTrue(IntakeDecider.versionChanged("10.11.18", "10.11.19"));
        Intent next = accept(change(legacy, s -> s.setVersion("10.11").setSize(Size.SIZE_SMALL).setReplicas(0)), legacy);
        assertEquals("10.11.19", next.getSpec().getVersion(), "scaling a legacy deployment to 0 is no version change");
    }

    @Test
    void a_patch_upgrade_and_a_patch_downgrade_of_a_deployment_with_a_replica_are_accepted() {
        Intent on18 = live(1, "10.11.18");
        Intent on19 = accept(change(on18, s -> s.setVersion("10.11.19")), on18);
        assertEquals(2, on19.getGeneration());
        assertEquals("10.11.18", accept(change(on19, s -> s.setVersion("10.11.18")), on19).getSpec().getVersion());
    }

    @Test
    void a_version_change_across_series_is_refused_with_mariadbs_reason() {
        Intent on18 = live(1, "10.11.18");
        Intent newer = on18.toBuilder().setSpec(on18.getSpec().toBuilder().setVersion("11.4.2")).build();
        IntentRejection r = reject(change(newer, s -> s.setVersion("10.11.19")), newer);
        assertEquals("spec.version", r.getField());
        assertTrue(r.getReason().contains("not supported by MariaDB"), r.getReason());
    }

    @Test
    void a_restarting_change_of_a_deployment_without_replicas_is_accepted_but_not_with_a_change_to_or_from_none() {
        Intent single = live(0, "10.11.18");
        assertEquals("10.11.19", accept(change(single, s -> s.setVersion("10.11.19")), single).getSpec().getVersion(),
                "rolled through a temporary replica");
        accept(change(single, s -> s.setSize(Size.SIZE_LARGE)), single);
        IntentRejection r = reject(change(single, s -> s.putParameters("performance_schema", "ON").setReplicas(1)), single);
        assertEquals("spec.parameters.performance_schema", r.getField());
        assertTrue(r.getReason().contains("change spec.replicas first"), r.getReason());
        Intent replicated = live(1, "10.11.18");
        assertEquals("spec.version", reject(change(replicated, s -> s.setVersion("10.11.19").setReplicas(0)), replicated).getField(),
                "scaling to none in the same change is refused too");
        assertEquals("spec.size", reject(change(single, s -> s.setSize(Size.SIZE_LARGE).setReplicas(2)), single).getField());
    }

    @Test
    void a_dynamic_parameter_changes_a_deployment_without_a_replica() {
        Intent single = live(0, "10.11.18");
        Intent next = accept(change(single, s -> s.putParameters("max_connections", "300").putParameters("slow_query_log", "1")), single);
        assertEquals("ON", next.getSpec().getParametersMap().get("slow_query_log"), "kept in its one spelling");
    }

    @Test
    void a_parameter_taken_out_of_the_spec_is_refused() {
        Intent single = live(1, "10.11.18");
        IntentRejection r = reject(change(single, s -> s.removeParameters("max_connections")), single);
        assertEquals("spec.parameters.max_connections", r.getField());
        assertTrue(r.getReason().contains("set the value wanted instead"), r.getReason());
    }

    @Test
    void an_expected_generation_that_does_not_match_is_rejected() {
        Intent first = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        IntentRejection r = reject(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-2").toBuilder().setExpectedGeneration(5).build(), first);
        assertEquals("expectedGeneration", r.getField());
        assertEquals("is 5 but the deployment is at generation 1", r.getReason());
        assertEquals("r-2", r.getRequestId());
    }

    @Test
    void a_matching_expected_generation_is_accepted() {
        Intent first = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        Intent next = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1).build(), "r-2")
                .toBuilder().setExpectedGeneration(1).build(), first);
        assertEquals(2, next.getGeneration());
    }

    @Test
    void delete_marks_the_intent_deleted_with_a_new_generation_and_a_second_delete_changes_nothing() {
        Intent live = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        Intent deleted = accept(Fixtures.delete("acme", "orders", "r-2"), live);
        assertTrue(deleted.getDeleted());
        assertEquals(2, deleted.getGeneration());
        IntakeDecision again = decider.decide("acme/orders", Fixtures.delete("acme", "orders", "r-3"), deleted, now);
        assertEquals(2, assertInstanceOf(IntakeDecision.Accepted.class, again).intent().getGeneration());
    }

    @Test
    void deleting_an_unknown_deployment_is_rejected() {
        IntentRejection r = reject(Fixtures.delete("acme", "orders", "r-1"), null);
        assertEquals("no such deployment", r.getReason());
    }

    @Test
    void re_creating_after_delete_continues_the_generations_with_a_new_password() {
        Intent live = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        Intent deleted = accept(Fixtures.delete("acme", "orders", "r-2"), live);
        Intent again = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-3"), deleted);
        assertEquals(3, again.getGeneration());
        assertFalse(again.getDeleted());
        // the first life drew sealed-1 (admin) and sealed-2 (replication); the new life draws fresh ones
        assertEquals("sealed-3", again.getAdminPassword().getCiphertext().toStringUtf8());
        assertEquals("sealed-4", again.getReplicationPassword().getCiphertext().toStringUtf8());
    }

    @Test
    void a_first_apply_also_generates_the_replication_password_once() {
        Intent first = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        assertEquals("sealed-2", first.getReplicationPassword().getCiphertext().toStringUtf8());
        Intent changed = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(2).build(), "r-2"), first);
        assertEquals(first.getReplicationPassword(), changed.getReplicationPassword());
    }

    @Test
    void a_switchover_counts_up_with_its_target_and_needs_a_replica() {
        IntentEvent switchover = Fixtures.delete("acme", "orders", "r-2").toBuilder()
                .setOp(dev.marina.schemas.v1.IntentOp.INTENT_OP_SWITCHOVER).setTargetInstanceId("acme-orders-2").build();
        Intent single = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        assertEquals("spec.replicas", reject(switchover, single).getField());
        Intent replicated = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1).build(), "r-3"), single);
        Intent requested = accept(switchover, replicated);
        assertEquals(1, requested.getSwitchoversRequested());
        assertEquals("acme-orders-2", requested.getSwitchoverTarget());
        assertEquals(replicated.getGeneration(), requested.getGeneration());
    }

    @Test
    void pause_and_resume_count_up_with_their_meaning_keep_the_generation_and_need_a_live_deployment() {
        IntentEvent pause = Fixtures.delete("acme", "orders", "p-1").toBuilder().setOp(dev.marina.schemas.v1.IntentOp.INTENT_OP_PAUSE).build();
        IntentEvent resume = pause.toBuilder().setRequestId("p-2").setOp(dev.marina.schemas.v1.IntentOp.INTENT_OP_RESUME).build();
        assertEquals("deployment", reject(pause, null).getField(), "unknown deployment");
        assertEquals("no such deployment", reject(resume, null).getReason());
        Intent live = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        Intent paused = accept(pause, live);
        assertEquals(1, paused.getPauseRequests());
        assertTrue(paused.getPauseRequested());
        assertEquals(live.getGeneration(), paused.getGeneration(), "not a spec change");
        assertEquals(live.getSpec(), paused.getSpec());
        Intent resumed = accept(resume, paused);
        assertEquals(2, resumed.getPauseRequests());
        assertFalse(resumed.getPauseRequested());
        Intent changed = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1).build(), "r-3"), resumed);
        assertEquals(2, changed.getPauseRequests(), "an apply keeps the count");
        Intent deleted = accept(Fixtures.delete("acme", "orders", "r-4"), changed);
        assertEquals("deployment", reject(pause, deleted).getField(), "a deleted deployment");
    }

    @Test
    void a_deployment_gets_its_backup_key_once_and_keeps_it_through_changes() {
        Intent first = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        assertEquals("key-1", first.getBackupKey().getCiphertext().toStringUtf8());
        Intent changed = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(2).build(), "r-2"), first);
        assertEquals(first.getBackupKey(), changed.getBackupKey());
        Intent deleted = accept(Fixtures.delete("acme", "orders", "r-3"), changed);
        Intent again = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-4"), deleted);
        assertEquals("key-2", again.getBackupKey().getCiphertext().toStringUtf8(), "a new life, a new key");
    }

    @Test
    void a_deployment_stored_before_backups_gets_its_key_when_the_same_spec_is_applied_again() {
        Intent old = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null).toBuilder().clearBackupKey().build();
        IntakeDecision again = decider.decide("acme/orders", Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-2"), old, now);
        Intent next = ((IntakeDecision.Accepted) again).intent();
        assertTrue(next.hasBackupKey());
        assertEquals(old.getGeneration(), next.getGeneration(), "no spec change");
    }

    @Test
    void a_backup_request_counts_up_with_its_id_and_a_repeat_of_the_same_id_does_not() {
        IntentEvent backup = Fixtures.delete("acme", "orders", "b-1").toBuilder()
                .setOp(dev.marina.schemas.v1.IntentOp.INTENT_OP_BACKUP).build();
        assertEquals("deployment", reject(backup, null).getField());
        Intent live = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        Intent requested = accept(backup, live);
        assertEquals(1, requested.getBackupsRequested());
        assertEquals("b-1", requested.getBackupRequestId());
        assertEquals(live.getGeneration(), requested.getGeneration());
        assertEquals(1, accept(backup, requested).getBackupsRequested(), "the same request again is one backup");
        Intent second = accept(backup.toBuilder().setRequestId("b-2").build(), requested);
        assertEquals(2, second.getBackupsRequested());
        Intent respecified = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1).build(), "r-5"), second);
        assertEquals(2, respecified.getBackupsRequested(), "an apply keeps the count");
    }

    private static final dev.marina.schemas.v1.BackupRecord OLD_BACKUP = dev.marina.schemas.v1.BackupRecord.newBuilder()
            .setDeployment(Fixtures.ref("acme", "old")).setBackupId("b1")
            .setState(dev.marina.schemas.v1.BackupState.BACKUP_STATE_COMPLETE)
            .setManifest(dev.marina.schemas.v1.BackupManifest.newBuilder().setGtidPosition("0-1-42")).build();

    private IntakeDecision restoring(String source, String backup, Intent current,
            java.util.Map<String, dev.marina.schemas.v1.BackupRecord> catalogue) {
        IntentEvent event = Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setRestore(
                dev.marina.schemas.v1.RestoreSpec.newBuilder().setSource(source).setBackupId(backup)).build(), "r-9");
        return decider.decide("acme/orders", event, java.util.List.of(), current, now, k -> java.util.Optional.ofNullable(catalogue.get(k)));
    }

    @Test
    void a_new_deployment_starts_from_a_complete_backup_of_its_tenant_found_in_the_catalogue() {
        var catalogue = java.util.Map.of("acme/old#b1", OLD_BACKUP, "acme/old#b2",
                OLD_BACKUP.toBuilder().setBackupId("b2").setState(dev.marina.schemas.v1.BackupState.BACKUP_STATE_FAILED).build());
        Intent restored = ((IntakeDecision.Accepted) restoring("acme/old", "b1", null, catalogue)).intent();
        assertEquals(OLD_BACKUP, restored.getRestoreFrom());
        Intent again = ((IntakeDecision.Accepted) restoring("acme/old", "b1", restored, catalogue)).intent();
        assertEquals(OLD_BACKUP, again.getRestoreFrom(), "the same spec again: nothing changes");
        Intent scaled = accept(Fixtures.apply("acme", "orders", restored.getSpec().toBuilder().setReplicas(1).build(), "r-10"), restored);
        assertEquals(OLD_BACKUP, scaled.getRestoreFrom(), "kept through changes");

        IntentRejection missing = ((IntakeDecision.Rejected) restoring("acme/old", "b9", null, catalogue)).rejection();
        assertEquals("spec.restore.backupId", missing.getField());
        assertTrue(missing.getReason().startsWith("no backup \"b9\" of acme/old"), missing.getReason());
        IntentRejection failed = ((IntakeDecision.Rejected) restoring("acme/old", "b2", null, catalogue)).rejection();
        assertTrue(failed.getReason().contains("BACKUP_STATE_FAILED, not complete"), failed.getReason());
        IntentRejection foreign = ((IntakeDecision.Rejected) restoring("globex/old", "b1", null,
                java.util.Map.of("globex/old#b1", OLD_BACKUP))).rejection();
        assertEquals("spec.restore.source", foreign.getField());
        assertTrue(foreign.getReason().contains("only from its own tenant's backups"), foreign.getReason());
        Intent live = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        IntentRejection existing = ((IntakeDecision.Rejected) restoring("acme/old", "b1", live, catalogue)).rejection();
        assertTrue(existing.getReason().contains("only when it is created"), existing.getReason());
    }

    private IntakeDecision restoringAt(String source, Instant time, Intent current, RestoreCatalogue catalogue) {
        IntentEvent event = Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setRestore(
                dev.marina.schemas.v1.RestoreSpec.newBuilder().setSource(source)
                        .setPointInTime(dev.marina.service.Timestamps.of(time))).build(), "r-11");
        return decider.decide("acme/orders", event, java.util.List.of(), current, now, catalogue);
    }

    @Test
    void a_point_in_time_restore_starts_from_the_newest_backup_before_it_and_keeps_the_time() {
        dev.marina.schemas.v1.BackupRecord b1 = OLD_BACKUP.toBuilder().setManifest(OLD_BACKUP.getManifest().toBuilder()
                .setFinishedAt(dev.marina.service.Timestamps.of(now.minusSeconds(7200)))).build();
        dev.marina.schemas.v1.ArchiveCoverage archive = dev.marina.schemas.v1.ArchiveCoverage.newBuilder()
                .addRuns(dev.marina.schemas.v1.ArchiveRun.newBuilder().setFirstSeq(1).setLastSeq(90)
                        .setCoveredUntil(dev.marina.service.Timestamps.of(now.minusSeconds(60)))).build();
        RestoreCatalogue catalogue = RestoreCatalogue.of(java.util.Map.of("acme/old#b1", b1), java.util.Map.of("acme/old", archive));
        Instant time = now.minusSeconds(600);

        Intent restored = ((IntakeDecision.Accepted) restoringAt("acme/old", time, null, catalogue)).intent();
        assertEquals(b1, restored.getRestoreFrom(), "the backup it starts from");
        assertEquals(time, dev.marina.service.Timestamps.toInstant(restored.getSpec().getRestore().getPointInTime()), "and the time");
        assertTrue(restored.getSpec().getRestore().getBackupId().isEmpty(), "the spec stays as given");
        IntakeDecision.Accepted again = (IntakeDecision.Accepted) restoringAt("acme/old", time, restored, catalogue);
        assertEquals(restored.getGeneration(), again.intent().getGeneration(), "the same spec again changes nothing");

        IntentRejection late = ((IntakeDecision.Rejected) restoringAt("acme/old", now.minusSeconds(30), null, catalogue)).rejection();
        assertEquals("spec.restore.pointInTime", late.getField());
        assertTrue(late.getReason().contains("acme/old can be restored to a time between " + now.minusSeconds(7200) + " and "
                + now.minusSeconds(60)), late.getReason());
        IntentRejection future = ((IntakeDecision.Rejected) restoringAt("acme/old", now.plusSeconds(1), null, catalogue)).rejection();
        assertTrue(future.getReason().contains("in the future"), future.getReason());
        IntentRejection foreign = ((IntakeDecision.Rejected) restoringAt("globex/old", time, null, catalogue)).rejection();
        assertEquals("spec.restore.source", foreign.getField());
    }

    @Test
    void an_expired_backup_is_listed_but_never_restored() {
        var catalogue = java.util.Map.of("acme/old#b1", OLD_BACKUP.toBuilder().setState(dev.marina.schemas.v1.BackupState.BACKUP_STATE_EXPIRED)
                .build());
        IntentRejection expired = ((IntakeDecision.Rejected) restoring("acme/old", "b1", null, catalogue)).rejection();
        assertEquals("spec.restore.backupId", expired.getField());
        assertTrue(expired.getReason().contains("expired"), expired.getReason());
        IntentRejection noTime = ((IntakeDecision.Rejected) restoringAt("acme/old", now.minusSeconds(1), null,
                RestoreCatalogue.of(catalogue, java.util.Map.of()))).rejection();
        assertTrue(noTime.getReason().contains("no complete backup"), noTime.getReason());
    }

    @Test
    void an_event_whose_deployment_differs_from_its_key_is_rejected() {
        IntentRejection r = reject(Fixtures.apply("acme", "billing", Fixtures.mariadb(), "r-1"), null);
        assertEquals("deployment", r.getField());
        assertTrue(r.getReason().contains("record key"), r.getReason());
    }

    @Test
    void an_event_without_a_deployment_takes_it_from_the_key() {
        Intent intent = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1").toBuilder().clearDeployment().build(), null);
        assertEquals(Fixtures.ref("acme", "orders"), intent.getDeployment());
    }

    @Test
    void an_invalid_event_is_rejected_with_its_first_violation_and_a_count_of_the_rest() {
        IntentRejection r = reject(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(9).clearVersion().build(), "r-1"), null);
        assertEquals("spec.version", r.getField());
        assertTrue(r.getReason().contains("and 1 more"), r.getReason());
    }

    @Test
    void a_forced_renewal_counts_up_without_changing_the_spec_or_the_generation() {
        Intent live = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder()
                .setTls(dev.marina.schemas.v1.TlsSpec.newBuilder().setMode(dev.marina.schemas.v1.TlsMode.TLS_MODE_ACME)).build(), "r-1"), null);
        IntentEvent renew = Fixtures.delete("acme", "orders", "r-2").toBuilder()
                .setOp(dev.marina.schemas.v1.IntentOp.INTENT_OP_RENEW_CERTIFICATES).build();
        Intent renewed = accept(renew, live);
        assertEquals(1, renewed.getCertRenewalsRequested());
        assertEquals(live.getGeneration(), renewed.getGeneration());
        assertEquals(live.getSpec(), renewed.getSpec());
        assertEquals("r-2", renewed.getLastRequestId());
        assertEquals(2, accept(renew, renewed).getCertRenewalsRequested(), "every request renews again");
    }

    @Test
    void a_forced_renewal_without_tls_or_deployment_is_rejected() {
        IntentEvent renew = Fixtures.delete("acme", "orders", "r-2").toBuilder()
                .setOp(dev.marina.schemas.v1.IntentOp.INTENT_OP_RENEW_CERTIFICATES).build();
        assertEquals("no such deployment", reject(renew, null).getReason());
        Intent plain = accept(Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"), null);
        IntentRejection r = reject(renew, plain);
        assertEquals("spec.tls.mode", r.getField());
        assertTrue(r.getReason().contains("no certificates"), r.getReason());
    }
}
