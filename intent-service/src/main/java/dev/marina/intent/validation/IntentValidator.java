package dev.marina.intent.validation;

import dev.marina.intent.reconcile.BackupSchedule;
import dev.marina.intent.reconcile.MaintenanceWindow;
import dev.marina.schemas.engine.ServerParameters;
import dev.marina.schemas.v1.MaintenanceSpec;
import dev.marina.schemas.v1.BackupSource;
import dev.marina.schemas.v1.BackupSpec;
import dev.marina.schemas.v1.RestoreSpec;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.IntentOp;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.schemas.v1.TlsSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The one validator for intents, whether they come through REST, gRPC or straight onto the
 * {@code intent-events} topic. Pure: no I/O, no clock. {@link #withDefaults} fills what a user may
 * leave out; {@link #validate} lists every violation, not just the first.
 */
public final class IntentValidator {

    public static final int MAX_REPLICAS = 5;
    /** The most replicas autoscaling may reach ({@code spec.autoscaling.maxReplicas}): the same cap as spec.replicas. */
    public static final int MAX_AUTOSCALED_REPLICAS = MAX_REPLICAS;
    /** The shortest cooldown a spec may give, and the shortest idle time before a pause. */
    public static final java.time.Duration MIN_COOLDOWN = java.time.Duration.ofSeconds(10);
    public static final java.time.Duration MIN_PAUSE_AFTER_IDLE = java.time.Duration.ofMinutes(1);
    /** Tenant and name become DNS labels ({@code <name>.<tenant>.<zone>}) and instance ids. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z]([a-z0-9-]{0,30}[a-z0-9])?");
    private static final Pattern DNS_NAME = Pattern.compile(
            "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?\\.?");
    /** A backup's id names its objects in the store ({@code <tenant>/<name>/backups/<id>/}). */
    public static final Pattern BACKUP_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /** How long backups are kept when the spec schedules them without saying. */
    public static final int DEFAULT_RETENTION_DAYS = 7;

    private final EngineCatalog engines;

    public IntentValidator(EngineCatalog engines) {
        this.engines = engines;
    }

    /**
     * The spec with the defaults a user may leave out: size small, semi-synchronous replication, TLS off,
     * backups (when scheduled) kept 7 days.
     */
    public static DeploymentSpec withDefaults(DeploymentSpec spec) {
        DeploymentSpec.Builder b = spec.toBuilder();
        if (b.getSize() == Size.SIZE_UNSPECIFIED) {
            b.setSize(Size.SIZE_SMALL);
        }
        if (b.getDurability() == Durability.DURABILITY_UNSPECIFIED) {
            b.setDurability(Durability.DURABILITY_SEMI_SYNC);
        }
        if (!b.getBackups().getSchedule().isEmpty() && b.getBackups().getRetentionDays() == 0) {
            b.setBackups(b.getBackups().toBuilder().setRetentionDays(DEFAULT_RETENTION_DAYS));
        }
        if (b.getTls().getMode() == TlsMode.TLS_MODE_UNSPECIFIED) {
            b.setTls(TlsSpec.newBuilder(b.getTls()).setMode(TlsMode.TLS_MODE_DISABLED));
        }
        return b.build();
    }

    public List<Violation> validate(IntentEvent event) {
        List<Violation> violations = new ArrayList<>();
        if (event.getRequestId().length() > 128) {
            violations.add(new Violation("requestId", "must be at most 128 characters"));
        }
        checkDeployment(event.getDeployment(), violations);
        if (event.getExpectedGeneration() < 0) {
            violations.add(new Violation("expectedGeneration", "must not be negative"));
        }
        IntentOp op = event.getOp();
        if (op == IntentOp.INTENT_OP_APPLY) {
            checkSpec(event.getSpec(), violations);
        } else if (op == IntentOp.INTENT_OP_SWITCHOVER) {
            String target = event.getTargetInstanceId();
            if (!target.isEmpty() && (target.length() > 80 || !target.matches("[a-z0-9][a-z0-9-]*"))) {
                violations.add(new Violation("targetInstanceId", Shown.quoted(target) + " is not an instance id"));
            }
        } else if (op == IntentOp.INTENT_OP_BACKUP) {
            if (!BACKUP_ID.matcher(event.getRequestId()).matches()) {
                violations.add(new Violation("requestId", Shown.quoted(event.getRequestId())
                        + " cannot be a backup id: lower-case letters, digits and dashes, at most 63"));
            }
        } else if (op != IntentOp.INTENT_OP_DELETE && op != IntentOp.INTENT_OP_RENEW_CERTIFICATES
                && op != IntentOp.INTENT_OP_PAUSE && op != IntentOp.INTENT_OP_RESUME) {
            violations.add(new Violation("op", "must be INTENT_OP_APPLY, INTENT_OP_DELETE, INTENT_OP_RENEW_CERTIFICATES,"
                    + " INTENT_OP_SWITCHOVER, INTENT_OP_BACKUP, INTENT_OP_PAUSE or INTENT_OP_RESUME"));
        }
        return violations;
    }

    public static void checkDeployment(DeploymentRef ref, List<Violation> violations) {
        checkLabel("deployment.tenant", ref.getTenant(), violations);
        checkLabel("deployment.name", ref.getName(), violations);
    }

    private static void checkLabel(String field, String value, List<Violation> violations) {
        if (value.isEmpty()) {
            violations.add(new Violation(field, "is required"));
        } else if (!DNS_LABEL.matcher(value).matches()) {
            violations.add(new Violation(field, Shown.quoted(value) + " is not a DNS label: lowercase letters, digits and '-',"
                    + " starting with a letter, not ending with '-', at most 32 characters"));
        }
    }

    private void checkSpec(DeploymentSpec spec, List<Violation> violations) {
        Engine engine = spec.getEngine();
        if (engine == Engine.ENGINE_UNSPECIFIED) {
            violations.add(new Violation("spec.engine", "is required; offered: " + engines.offeredEngines()));
        } else if (engine == Engine.UNRECOGNIZED || !engines.offers(engine)) {
            violations.add(new Violation("spec.engine", (engine == Engine.UNRECOGNIZED ? "unknown engine" : engine.name()
                    + " is not offered here") + "; offered: " + engines.offeredEngines()));
        } else if (spec.getVersion().isEmpty()) {
            violations.add(new Violation("spec.version", "is required; offered for " + engine.name() + ": "
                    + engines.versionsOf(engine)));
        } else if (engines.resolve(engine, spec.getVersion()).isEmpty()) {
            violations.add(new Violation("spec.version", Shown.quoted(spec.getVersion()) + " is not offered for "
                    + engine.name() + "; offered: " + engines.versionsOf(engine) + " (a series means its newest build)"));
        }
        new java.util.TreeMap<>(spec.getParametersMap()).forEach((name, value) -> ServerParameters.problem(name, value)
                .ifPresent(problem -> violations.add(new Violation("spec.parameters." + name, problem))));
        MaintenanceSpec maintenance = spec.getMaintenance();
        if (!maintenance.getWindow().isEmpty()) {
            MaintenanceWindow.problem(maintenance.getWindow()).ifPresent(problem -> violations.add(
                    new Violation("spec.maintenance.window", Shown.quoted(maintenance.getWindow()) + " " + problem)));
        } else if (maintenance.getApplyInWindow()) {
            violations.add(new Violation("spec.maintenance.applyInWindow", "needs a window (spec.maintenance.window, e.g."
                    + " sun:03:00-sun:04:00 in UTC) to wait for"));
        }
        if (spec.getSize() == Size.UNRECOGNIZED) {
            violations.add(new Violation("spec.size", "unknown size; use SIZE_SMALL, SIZE_MEDIUM or SIZE_LARGE"));
        }
        if (spec.getReplicas() < 0 || spec.getReplicas() > MAX_REPLICAS) {
            violations.add(new Violation("spec.replicas", "is " + spec.getReplicas() + ", must be between 0 and " + MAX_REPLICAS));
        }
        if (spec.getTls().getMode() == TlsMode.UNRECOGNIZED) {
            violations.add(new Violation("spec.tls.mode", "unknown TLS mode"));
        }
        if (spec.getDurability() == Durability.UNRECOGNIZED) {
            violations.add(new Violation("spec.durability", "unknown durability"));
        }
        String dnsName = spec.getDns().getName();
        if (!dnsName.isEmpty() && (dnsName.length() > 253 || !DNS_NAME.matcher(dnsName).matches())) {
            violations.add(new Violation("spec.dns.name", Shown.quoted(dnsName) + " is not a valid DNS name"));
        }
        BackupSpec backups = spec.getBackups();
        if (!backups.getSchedule().isEmpty()) {
            BackupSchedule.problem(backups.getSchedule()).ifPresent(problem -> violations.add(
                    new Violation("spec.backups.schedule", Shown.quoted(backups.getSchedule()) + " " + problem)));
        }
        if (backups.getSource() == BackupSource.UNRECOGNIZED) {
            violations.add(new Violation("spec.backups.source", "unknown backup source"));
        }
        if (spec.hasRestore()) {
            checkRestore(spec.getRestore(), violations);
        }
        if (backups.getRetentionDays() < 0 || backups.getRetentionDays() > 3650) {
            violations.add(new Violation("spec.backups.retentionDays", "must be between 0 and 3650"));
        }
        if (spec.hasAutoscaling()) {
            checkAutoscaling(spec.getAutoscaling(), spec.getReplicas(), violations);
        }
    }

    /**
     * spec.autoscaling: {@code 0 <= minReplicas <= replicas <= maxReplicas <= }{@link #MAX_AUTOSCALED_REPLICAS}
     * (replicas is where it starts; only replicas the autoscaler added are removed); a target names a metric and a
     * positive value (CPU in percent of one core, so above 100 is allowed); cooldowns at least 10 s, pauseAfterIdle at
     * least 1 m, in the spec's durations ({@link dev.marina.intent.reconcile.SpecDuration}). Autoscaling with only
     * pauseAfterIdle (no target) is fine: it pauses an idle deployment and never scales.
     */
    static void checkAutoscaling(dev.marina.schemas.v1.AutoscalingSpec a, int replicas, List<Violation> violations) {
        String at = "spec.autoscaling.";
        if (a.getMinReplicas() < 0) {
            violations.add(new Violation(at + "minReplicas", "is " + a.getMinReplicas() + ", must not be negative"));
        } else if (a.getMinReplicas() > replicas) {
            violations.add(new Violation(at + "minReplicas", "is " + a.getMinReplicas() + ", above spec.replicas " + replicas
                    + ": spec.replicas is where autoscaling starts, so min <= replicas <= max"));
        }
        if (a.getMaxReplicas() < replicas) {
            violations.add(new Violation(at + "maxReplicas", "is " + a.getMaxReplicas() + ", below spec.replicas " + replicas
                    + ": spec.replicas is where autoscaling starts, so min <= replicas <= max"));
        } else if (a.getMaxReplicas() > MAX_AUTOSCALED_REPLICAS) {
            violations.add(new Violation(at + "maxReplicas", "is " + a.getMaxReplicas() + ", must be at most " + MAX_AUTOSCALED_REPLICAS));
        }
        if (a.hasTarget()) {
            var metric = a.getTarget().getMetric();
            if (metric == dev.marina.schemas.v1.AutoscaleMetric.AUTOSCALE_METRIC_UNSPECIFIED
                    || metric == dev.marina.schemas.v1.AutoscaleMetric.UNRECOGNIZED) {
                violations.add(new Violation(at + "target.metric", "is required: AUTOSCALE_METRIC_CPU_PERCENT,"
                        + " AUTOSCALE_METRIC_CONNECTIONS_PER_READER or AUTOSCALE_METRIC_QUERIES_PER_SECOND_PER_READER"));
            }
            double value = a.getTarget().getValue();
            if (!(value > 0) || Double.isInfinite(value)) {
                violations.add(new Violation(at + "target.value", "is " + value + ", must be a positive number"));
            }
        }
        checkDuration(at + "scaleOutCooldown", a.getScaleOutCooldown(), MIN_COOLDOWN, violations);
        checkDuration(at + "scaleInCooldown", a.getScaleInCooldown(), MIN_COOLDOWN, violations);
        checkDuration(at + "pauseAfterIdle", a.getPauseAfterIdle(), MIN_PAUSE_AFTER_IDLE, violations);
    }

    private static void checkDuration(String field, String value, java.time.Duration least, List<Violation> violations) {
        if (value.isEmpty()) {
            return;
        }
        var problem = dev.marina.intent.reconcile.SpecDuration.problem(value);
        if (problem.isPresent()) {
            violations.add(new Violation(field, Shown.quoted(value) + " " + problem.get()));
        } else if (dev.marina.intent.reconcile.SpecDuration.parse(value).orElseThrow().compareTo(least) < 0) {
            violations.add(new Violation(field, Shown.quoted(value) + " is shorter than "
                    + dev.marina.intent.reconcile.SpecDuration.format(least)));
        }
    }

    /**
     * The restore's shape: a source deployment and exactly one of a backup id or a point in time. Whether that
     * backup exists and is complete, or that time can be reached (a backup before it, the archive covering it
     * from there), is the intake's check: it reads the catalogue and the archives' coverage.
     */
    private static void checkRestore(RestoreSpec restore, List<Violation> violations) {
        String[] source = restore.getSource().split("/", -1);
        if (source.length != 2) {
            violations.add(new Violation("spec.restore.source", Shown.quoted(restore.getSource())
                    + " is not a deployment: give it as tenant/name"));
        } else {
            checkLabel("spec.restore.source", source[0], violations);
            checkLabel("spec.restore.source", source[1], violations);
        }
        if (restore.hasPointInTime() && !restore.getBackupId().isEmpty()) {
            violations.add(new Violation("spec.restore", "give either backupId (a backup as it is) or pointInTime (the newest"
                    + " backup before it, replayed up to it), not both"));
        } else if (restore.hasPointInTime()) {
            if (restore.getPointInTime().getSeconds() <= 0 || restore.getPointInTime().getNanos() < 0) {
                violations.add(new Violation("spec.restore.pointInTime", "is not a time after 1970"));
            }
        } else if (restore.getBackupId().isEmpty()) {
            violations.add(new Violation("spec.restore.backupId", "is required (or pointInTime): which backup of the source to"
                    + " start from (./marina backups " + restore.getSource() + " lists them)"));
        } else if (!BACKUP_ID.matcher(restore.getBackupId()).matches()) {
            violations.add(new Violation("spec.restore.backupId", Shown.quoted(restore.getBackupId()) + " is not a backup id"));
        }
    }

    /**
     * A valid spec as the platform keeps it: its version resolved to the exact build it means now (a series to its
     * newest offered build, so a build offered later never rolls a deployment by itself) and its parameters in their
     * one spelling ({@link ServerParameters#normalized}), so an equal wish compares equal.
     */
    public DeploymentSpec resolved(DeploymentSpec spec) {
        DeploymentSpec.Builder b = spec.toBuilder();
        engines.resolve(spec.getEngine(), spec.getVersion()).ifPresent(v -> b.setVersion(v.toString()));
        b.clearParameters().putAllParameters(ServerParameters.normalized(spec.getParametersMap()));
        return b.build();
    }
}
