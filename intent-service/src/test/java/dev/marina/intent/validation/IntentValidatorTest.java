package dev.marina.intent.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.v1.BackupSpec;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.DnsSpec;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.IntentOp;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IntentValidatorTest {

    private static IntentEvent valid() {
        return Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                row("a tenant that is not a DNS label", e -> e.setDeployment(Fixtures.ref("Acme", "orders")), "deployment.tenant", "not a DNS label"),
                row("a missing name", e -> e.setDeployment(Fixtures.ref("acme", "")), "deployment.name", "is required"),
                row("a name with an underscore", e -> e.setDeployment(Fixtures.ref("acme", "my_db")), "deployment.name", "not a DNS label"),
                row("a name ending in a dash", e -> e.setDeployment(Fixtures.ref("acme", "db-")), "deployment.name", "not a DNS label"),
                row("a name too long", e -> e.setDeployment(Fixtures.ref("acme", "a".repeat(33))), "deployment.name", "at most 32"),
                row("no engine", e -> e.setSpec(spec(s -> s.clearEngine())), "spec.engine", "is required"),
                row("an engine not offered", e -> e.setSpec(spec(s -> s.setEngine(Engine.ENGINE_DOLT))), "spec.engine", "ENGINE_DOLT is not offered"),
                row("an unknown engine number", e -> e.setSpec(spec(s -> s.setEngineValue(42))), "spec.engine", "unknown engine"),
                row("no version", e -> e.setSpec(spec(s -> s.clearVersion())), "spec.version", "is required"),
                row("a version not offered", e -> e.setSpec(spec(s -> s.setVersion("5.5"))), "spec.version", "\"5.5\" is not offered"),
                row("a build not offered", e -> e.setSpec(spec(s -> s.setVersion("10.11.7"))), "spec.version", "offered: [10.11, 10.11.18, 10.11.19]"),
                row("a series not offered", e -> e.setSpec(spec(s -> s.setVersion("11.4"))), "spec.version", "\"11.4\" is not offered"),
                row("a parameter off the allow-list", e -> e.setSpec(spec(s -> s.putParameters("innodb_buffer_pool_size", "1"))), "spec.parameters.innodb_buffer_pool_size", "is not a parameter a deployment may set"),
                row("a parameter value out of range", e -> e.setSpec(spec(s -> s.putParameters("max_connections", "5"))), "spec.parameters.max_connections", ""),
                row("a window without a shape", e -> e.setSpec(spec(s -> s.setMaintenance(dev.marina.schemas.v1.MaintenanceSpec.newBuilder().setWindow("sunday 3am")))), "spec.maintenance.window", "ddd:HH:MM-ddd:HH:MM"),
                row("a window on no day", e -> e.setSpec(spec(s -> s.setMaintenance(dev.marina.schemas.v1.MaintenanceSpec.newBuilder().setWindow("sun:03:00-xyz:04:00")))), "spec.maintenance.window", "names the day xyz"),
                row("a window at 25 o'clock", e -> e.setSpec(spec(s -> s.setMaintenance(dev.marina.schemas.v1.MaintenanceSpec.newBuilder().setWindow("sun:25:00-sun:04:00")))), "spec.maintenance.window", "00:00 to 23:59"),
                row("a window of no length", e -> e.setSpec(spec(s -> s.setMaintenance(dev.marina.schemas.v1.MaintenanceSpec.newBuilder().setWindow("sun:03:00-sun:03:00")))), "spec.maintenance.window", "needs a length"),
                row("waiting for no window", e -> e.setSpec(spec(s -> s.setMaintenance(dev.marina.schemas.v1.MaintenanceSpec.newBuilder().setApplyInWindow(true)))), "spec.maintenance.applyInWindow", "needs a window"),
                row("negative replicas", e -> e.setSpec(spec(s -> s.setReplicas(-1))), "spec.replicas", "between 0 and 5"),
                row("too many replicas", e -> e.setSpec(spec(s -> s.setReplicas(6))), "spec.replicas", "is 6"),
                row("an unknown size", e -> e.setSpec(spec(s -> s.setSizeValue(9))), "spec.size", "unknown size"),
                row("a bad DNS name", e -> e.setSpec(spec(s -> s.setDns(DnsSpec.newBuilder().setName("not a name")))), "spec.dns.name", "not a valid DNS name"),
                row("a schedule that never comes", e -> e.setSpec(spec(s -> s.setBackups(BackupSpec.newBuilder().setSchedule("0 3 30 2 *")))), "spec.backups.schedule", "never matches"),
                row("an unknown backup source", e -> e.setSpec(spec(s -> s.setBackups(BackupSpec.newBuilder().setSourceValue(9)))), "spec.backups.source", "unknown backup source"),
                row("a restore at a backup and a point in time both", e -> e.setSpec(spec(s -> s.setRestore(dev.marina.schemas.v1.RestoreSpec.newBuilder().setSource("acme/old").setBackupId("b1").setPointInTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_800_000_000))))), "spec.restore", "not both"),
                row("a restore at a point in time before 1970", e -> e.setSpec(spec(s -> s.setRestore(dev.marina.schemas.v1.RestoreSpec.newBuilder().setSource("acme/old").setPointInTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(-5))))), "spec.restore.pointInTime", "not a time"),
                row("a restore without a backup", e -> e.setSpec(spec(s -> s.setRestore(dev.marina.schemas.v1.RestoreSpec.newBuilder().setSource("acme/old")))), "spec.restore.backupId", "is required"),
                row("a restore from no deployment", e -> e.setSpec(spec(s -> s.setRestore(dev.marina.schemas.v1.RestoreSpec.newBuilder().setSource("old").setBackupId("b1")))), "spec.restore.source", "give it as tenant/name"),
                row("a backup id that cannot name objects", e -> e.setOp(IntentOp.INTENT_OP_BACKUP).setRequestId("Backup Now!"), "requestId", "cannot be a backup id"),
                row("a bad backup schedule", e -> e.setSpec(spec(s -> s.setBackups(BackupSpec.newBuilder().setSchedule("sometimes")))), "spec.backups.schedule", "has 1 fields; a cron expression has five"),
                row("a negative expected generation", e -> e.setExpectedGeneration(-2), "expectedGeneration", "not be negative"),
                row("no operation", e -> e.clearOp(), "op", "INTENT_OP_APPLY, INTENT_OP_DELETE, INTENT_OP_RENEW_CERTIFICATES, INTENT_OP_SWITCHOVER, INTENT_OP_BACKUP, INTENT_OP_PAUSE or INTENT_OP_RESUME"),
                row("autoscaling with min above replicas", e -> e.setSpec(auto(1, a -> a.setMinReplicas(2).setMaxReplicas(3))), "spec.autoscaling.minReplicas", "is 2, above spec.replicas 1"),
                row("autoscaling with a negative min", e -> e.setSpec(auto(1, a -> a.setMinReplicas(-1).setMaxReplicas(3))), "spec.autoscaling.minReplicas", "must not be negative"),
                row("autoscaling with max below replicas", e -> e.setSpec(auto(2, a -> a.setMinReplicas(1).setMaxReplicas(1))), "spec.autoscaling.maxReplicas", "is 1, below spec.replicas 2"),
                row("autoscaling with max above the cap", e -> e.setSpec(auto(1, a -> a.setMinReplicas(1).setMaxReplicas(9))), "spec.autoscaling.maxReplicas", "at most 5"),
                row("a target without a metric", e -> e.setSpec(auto(1, a -> a.setMaxReplicas(3).setTarget(dev.marina.schemas.v1.AutoscaleTarget.newBuilder().setValue(60)))), "spec.autoscaling.target.metric", "is required"),
                row("a target of zero", e -> e.setSpec(auto(1, a -> a.setMaxReplicas(3).setTarget(dev.marina.schemas.v1.AutoscaleTarget.newBuilder().setMetric(dev.marina.schemas.v1.AutoscaleMetric.AUTOSCALE_METRIC_CPU_PERCENT)))), "spec.autoscaling.target.value", "must be a positive number"),
                row("a negative target", e -> e.setSpec(auto(1, a -> a.setMaxReplicas(3).setTarget(dev.marina.schemas.v1.AutoscaleTarget.newBuilder().setMetric(dev.marina.schemas.v1.AutoscaleMetric.AUTOSCALE_METRIC_CONNECTIONS_PER_READER).setValue(-3)))), "spec.autoscaling.target.value", "is -3.0"),
                row("a cooldown that is not a duration", e -> e.setSpec(auto(1, a -> a.setMaxReplicas(3).setScaleOutCooldown("1 minute"))), "spec.autoscaling.scaleOutCooldown", "\"1 minute\" is not a duration"),
                row("a cooldown under 10 s", e -> e.setSpec(auto(1, a -> a.setMaxReplicas(3).setScaleInCooldown("5s"))), "spec.autoscaling.scaleInCooldown", "shorter than 10s"),
                row("pausing after idle under a minute", e -> e.setSpec(auto(1, a -> a.setMaxReplicas(3).setPauseAfterIdle("30s"))), "spec.autoscaling.pauseAfterIdle", "shorter than 1m"),
                row("pausing after idle in ISO form", e -> e.setSpec(auto(1, a -> a.setMaxReplicas(3).setPauseAfterIdle("PT10M"))), "spec.autoscaling.pauseAfterIdle", "is not a duration"),
                row("a huge request id", e -> e.setRequestId("x".repeat(200)), "requestId", "at most 128"));
    }

    private static Arguments row(String what, UnaryOperator<IntentEvent.Builder> change, String field, String reasonPart) {
        return Arguments.of(what, change, field, reasonPart);
    }

    private static DeploymentSpec auto(int replicas, UnaryOperator<dev.marina.schemas.v1.AutoscalingSpec.Builder> change) {
        return spec(s -> s.setReplicas(replicas).setAutoscaling(change.apply(dev.marina.schemas.v1.AutoscalingSpec.newBuilder())));
    }

    @Test
    void accepts_autoscaling_with_a_target_cooldowns_and_pause_or_pause_alone() {
        var target = dev.marina.schemas.v1.AutoscaleTarget.newBuilder()
                .setMetric(dev.marina.schemas.v1.AutoscaleMetric.AUTOSCALE_METRIC_CPU_PERCENT).setValue(250);
        assertEquals(List.of(), Fixtures.VALIDATOR.validate(valid().toBuilder().setSpec(auto(1, a -> a.setMinReplicas(1)
                .setMaxReplicas(5).setTarget(target).setScaleOutCooldown("10s").setScaleInCooldown("5m")
                .setPauseAfterIdle("1h30m"))).build()), "CPU above 100 (more than one core) is fine");
        assertEquals(List.of(), Fixtures.VALIDATOR.validate(valid().toBuilder().setSpec(auto(0, a -> a.setPauseAfterIdle("10m")))
                .build()), "pause alone: no target, min = max = replicas = 0");
        assertEquals(List.of(), Fixtures.VALIDATOR.validate(valid().toBuilder().setSpec(auto(1, a -> a.setMinReplicas(1).setMaxReplicas(2))
                .toBuilder().setRestore(dev.marina.schemas.v1.RestoreSpec.newBuilder().setSource("acme/old").setBackupId("b1")))
                .build()), "with a restore: the autoscaler holds until the replicas serve reads, like any other time");
    }

    @Test
    void pause_and_resume_need_nothing_but_a_deployment() {
        for (IntentOp op : List.of(IntentOp.INTENT_OP_PAUSE, IntentOp.INTENT_OP_RESUME)) {
            assertEquals(List.of(), Fixtures.VALIDATOR.validate(valid().toBuilder().clearSpec().setOp(op).build()));
        }
    }

    private static DeploymentSpec spec(UnaryOperator<DeploymentSpec.Builder> change) {
        return change.apply(Fixtures.mariadb().toBuilder()).build();
    }

    @ParameterizedTest(name = "rejects {0}")
    @MethodSource("invalid")
    void rejects_with_the_field_and_a_reason(String what, UnaryOperator<IntentEvent.Builder> change, String field, String reasonPart) {
        List<Violation> violations = Fixtures.VALIDATOR.validate(change.apply(valid().toBuilder()).build());
        assertEquals(1, violations.size(), () -> "violations: " + violations);
        assertEquals(field, violations.get(0).field());
        assertTrue(violations.get(0).reason().contains(reasonPart), violations.get(0).reason());
    }

    @Test
    void accepts_a_complete_intent() {
        IntentEvent event = valid().toBuilder().setSpec(Fixtures.mariadb().toBuilder().setReplicas(2).setSize(Size.SIZE_MEDIUM)
                .setDns(DnsSpec.newBuilder().setName("orders.acme.db.example.")).setBackups(BackupSpec.newBuilder()
                        .setSchedule("0 3 * * *").setRetentionDays(7))).build();
        assertEquals(List.of(), Fixtures.VALIDATOR.validate(event));
    }

    @Test
    void a_huge_value_is_shown_by_a_short_prefix_not_echoed() {
        String huge = "v".repeat(900 * 1024);
        List<Violation> violations = Fixtures.VALIDATOR.validate(valid().toBuilder()
                .setSpec(spec(s -> s.setVersion(huge).setDns(DnsSpec.newBuilder().setName(huge)))).build());
        assertEquals(2, violations.size(), () -> "violations: " + violations.size());
        for (Violation v : violations) {
            assertTrue(v.reason().length() < 200, v.field() + ": " + v.reason().length() + " characters");
            assertTrue(v.reason().contains("(" + huge.length() + " characters)"), v.reason().substring(0, 100));
        }
    }

    @Test
    void accepts_an_exact_build_or_a_series_parameters_and_a_window() {
        for (String version : List.of("10.11", "10.11.18", "10.11.19")) {
            assertEquals(List.of(), Fixtures.VALIDATOR.validate(valid().toBuilder().setSpec(spec(s -> s.setVersion(version)
                    .putParameters("max_connections", "500").putParameters("performance_schema", "on")
                    .setMaintenance(dev.marina.schemas.v1.MaintenanceSpec.newBuilder().setWindow("sat:23:00-mon:01:00")
                            .setApplyInWindow(true)))).build()), version);
        }
    }

    @Test
    void a_series_resolves_to_its_newest_offered_build_and_parameters_to_one_spelling() {
        DeploymentSpec resolved = Fixtures.VALIDATOR.resolved(spec(s -> s.setVersion("10.11").putParameters("performance_schema", "1")));
        assertEquals("10.11.19", resolved.getVersion());
        assertEquals("ON", resolved.getParametersMap().get("performance_schema"));
        assertEquals("10.11.18", Fixtures.VALIDATOR.resolved(spec(s -> s.setVersion("10.11.18"))).getVersion());
    }

    @Test
    void a_delete_needs_no_spec() {
        assertEquals(List.of(), Fixtures.VALIDATOR.validate(Fixtures.delete("acme", "orders", "r-2")));
    }

    @Test
    void lists_every_violation_not_just_the_first() {
        IntentEvent event = IntentEvent.newBuilder().setOp(IntentOp.INTENT_OP_APPLY)
                .setSpec(DeploymentSpec.newBuilder().setReplicas(99)).build();
        List<String> fields = Fixtures.VALIDATOR.validate(event).stream().map(Violation::field).toList();
        assertEquals(List.of("deployment.tenant", "deployment.name", "spec.engine", "spec.replicas"), fields);
    }

    @Test
    void defaults_fill_what_a_user_may_leave_out_and_keep_what_they_said() {
        DeploymentSpec filled = IntentValidator.withDefaults(Fixtures.mariadb());
        assertEquals(Size.SIZE_SMALL, filled.getSize());
        assertEquals(Durability.DURABILITY_SEMI_SYNC, filled.getDurability());
        assertEquals(TlsMode.TLS_MODE_DISABLED, filled.getTls().getMode());
        DeploymentSpec said = Fixtures.mariadb().toBuilder().setSize(Size.SIZE_LARGE).setDurability(Durability.DURABILITY_ASYNC).build();
        assertEquals(Size.SIZE_LARGE, IntentValidator.withDefaults(said).getSize());
        assertEquals(Durability.DURABILITY_ASYNC, IntentValidator.withDefaults(said).getDurability());
    }
}
