package dev.marina.intent.intake;

import dev.marina.intent.validation.IntentValidator;
import dev.marina.schemas.engine.EngineVersion;
import dev.marina.schemas.engine.ServerParameters;
import dev.marina.schemas.engine.VersionChange;
import dev.marina.intent.validation.Violation;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentSpec;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentEvent;
import dev.marina.schemas.v1.IntentOp;
import dev.marina.schemas.v1.IntentRejection;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import dev.marina.intent.validation.Shown;
import dev.marina.schemas.topics.BackupKey;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.RestoreSpec;
import java.util.function.Supplier;

/**
 * Turns an intent event into the deployment's next desired state, or a rejection. Pure: the
 * current intent, the event, the time and a source of new sealed passwords come in; a decision
 * goes out.
 *
 * <p>Invariants: the generation increases by exactly one with every accepted change and never
 * otherwise (re-applying the same spec, or deleting twice, changes nothing but the request id);
 * generations continue across delete and re-create, so a stale {@code expectedGeneration} from
 * the deployment's previous life never matches; the admin password is generated once per life.
 */
public final class IntakeDecider {

    public static final String ADMIN_USER = "admin";

    private final IntentValidator validator;
    private final Supplier<SealedSecret> newAdminPassword;
    private final Supplier<SealedSecret> newBackupKey;

    /** @param newBackupKey a new deployment's backup key (random, sealed), made once per life like the passwords */
    public IntakeDecider(IntentValidator validator, Supplier<SealedSecret> newAdminPassword, Supplier<SealedSecret> newBackupKey) {
        this.validator = validator;
        this.newAdminPassword = newAdminPassword;
        this.newBackupKey = newBackupKey;
    }

    /**
     * @param recordKey the key the event arrived with ("tenant/name")
     * @param current   the deployment's current intent, or null
     */
    public IntakeDecision decide(String recordKey, IntentEvent event, Intent current, Instant now) {
        return decide(recordKey, event, List.of(), current, now);
    }

    /**
     * @param shape what is wrong with the event's JSON as it arrived (unknown fields, wrong types;
     *              see {@code JsonShape}): refused by name before anything else is looked at
     */
    public IntakeDecision decide(String recordKey, IntentEvent event, List<Violation> shape, Intent current, Instant now) {
        return decide(recordKey, event, shape, current, now, key -> Optional.empty());
    }

    /**
     * @param catalogue the backup catalogue by {@code BackupKey} (a spec's restore is checked against it)
     */
    public IntakeDecision decide(String recordKey, IntentEvent event, List<Violation> shape, Intent current, Instant now,
            Function<String, Optional<BackupRecord>> catalogue) {
        return decide(recordKey, event, shape, current, now, RestoreCatalogue.of(catalogue));
    }

    /**
     * @param catalogue the backup catalogue and the archives' coverage: a spec's restore (a backup, or a point in
     *                  time) is checked against them
     */
    public IntakeDecision decide(String recordKey, IntentEvent event, List<Violation> shape, Intent current, Instant now,
            RestoreCatalogue catalogue) {
        IntentEvent withRef = event.hasDeployment() ? event
                : event.toBuilder().setDeployment(refFromKey(recordKey)).build();
        if (!shape.isEmpty()) {
            return rejectAll(withRef, shape, now);
        }
        if (!recordKey.equals(DeploymentKey.of(withRef.getDeployment()))) {
            return reject(withRef, "deployment", "does not match the record key " + dev.marina.intent.validation.Shown.quoted(recordKey), now);
        }
        List<Violation> violations = validator.validate(withRef);
        if (!violations.isEmpty()) {
            return rejectAll(withRef, violations, now);
        }
        long currentGeneration = current == null ? 0 : current.getGeneration();
        if (withRef.getExpectedGeneration() > 0 && withRef.getExpectedGeneration() != currentGeneration) {
            return reject(withRef, "expectedGeneration", "is " + withRef.getExpectedGeneration()
                    + " but the deployment is at generation " + currentGeneration, now);
        }
        boolean live = current != null && !current.getDeleted();
        return switch (withRef.getOp()) {
            case INTENT_OP_DELETE -> delete(withRef, current, live, now);
            case INTENT_OP_RENEW_CERTIFICATES -> renew(withRef, current, live, now);
            case INTENT_OP_SWITCHOVER -> switchover(withRef, current, live, now);
            case INTENT_OP_BACKUP -> backup(withRef, current, live, now);
            case INTENT_OP_PAUSE, INTENT_OP_RESUME -> pauseOrResume(withRef, current, live, now);
            default -> apply(withRef, current, live, now, catalogue);
        };
    }

    /**
     * A switchover request: the count goes up and the target is remembered; the spec and the generation
     * stay. Whether it can happen (a healthy replica that has caught up) is the reconciler's call, and
     * its outcome shows in the status and on {@code role-changes}.
     */
    private IntakeDecision switchover(IntentEvent event, Intent current, boolean live, Instant now) {
        if (!live) {
            return reject(event, "deployment", "no such deployment", now);
        }
        if (current.getSpec().getReplicas() < 1) {
            return reject(event, "spec.replicas", "is 0: a switchover needs a replica to hand the primary role to", now);
        }
        Intent next = touch(current, event, now).toBuilder()
                .setSwitchoversRequested(current.getSwitchoversRequested() + 1)
                .setSwitchoverTarget(event.getTargetInstanceId())
                .build();
        return new IntakeDecision.Accepted(next, true);
    }

    /**
     * A pause or a resume: the count goes up and the latest meaning is kept; the spec and the generation stay. Whether
     * and when it happens (a pause waits for a running backup or roll) is the reconciler's call, shown in the status.
     * Refused for a deployment that does not exist or is deleted.
     */
    private IntakeDecision pauseOrResume(IntentEvent event, Intent current, boolean live, Instant now) {
        if (!live) {
            return reject(event, "deployment", "no such deployment", now);
        }
        Intent next = touch(current, event, now).toBuilder()
                .setPauseRequests(current.getPauseRequests() + 1)
                .setPauseRequested(event.getOp() == IntentOp.INTENT_OP_PAUSE)
                .build();
        return new IntakeDecision.Accepted(next, true);
    }

    /**
     * A backup now: the count goes up and the request id becomes the backup's id; the spec and the
     * generation stay. The reconciler takes it when no other backup runs.
     */
    private IntakeDecision backup(IntentEvent event, Intent current, boolean live, Instant now) {
        if (!live) {
            return reject(event, "deployment", "no such deployment", now);
        }
        if (event.getRequestId().equals(current.getBackupRequestId())) {
            return new IntakeDecision.Accepted(touch(current, event, now), false);
        }
        Intent next = withBackupKey(touch(current, event, now).toBuilder())
                .setBackupsRequested(current.getBackupsRequested() + 1)
                .setBackupRequestId(event.getRequestId())
                .build();
        return new IntakeDecision.Accepted(next, true);
    }

    /** Deployments made before backups existed get their key when they are next touched. */
    private Intent.Builder withBackupKey(Intent.Builder intent) {
        return intent.hasBackupKey() ? intent : intent.setBackupKey(newBackupKey.get());
    }

    /**
     * A forced renewal of every certificate of the deployment: the count goes up, the spec and the
     * generation stay (nothing the user declared changed).
     */
    private IntakeDecision renew(IntentEvent event, Intent current, boolean live, Instant now) {
        if (!live) {
            return reject(event, "deployment", "no such deployment", now);
        }
        TlsMode mode = current.getSpec().getTls().getMode();
        if (mode != TlsMode.TLS_MODE_SELF_SIGNED && mode != TlsMode.TLS_MODE_ACME) {
            return reject(event, "spec.tls.mode", "is " + mode + ": the deployment has no certificates to renew", now);
        }
        Intent renewed = touch(current, event, now).toBuilder()
                .setCertRenewalsRequested(current.getCertRenewalsRequested() + 1)
                .build();
        return new IntakeDecision.Accepted(renewed, true);
    }

    private IntakeDecision apply(IntentEvent event, Intent current, boolean live, Instant now, RestoreCatalogue catalogue) {
        DeploymentSpec spec = validator.resolved(IntentValidator.withDefaults(event.getSpec()));
        Optional<BackupRecord> restoreFrom = Optional.empty();
        if (spec.hasRestore() && !(live && current.getSpec().getRestore().equals(spec.getRestore()))) {
            if (live) {
                return reject(event, "spec.restore", "a deployment starts from a backup only when it is created;"
                        + " this one exists (delete it first, or create another)", now);
            }
            RestoreSpec restore = spec.getRestore();
            String[] source = restore.getSource().split("/", 2);
            if (!source[0].equals(event.getDeployment().getTenant())) {
                return reject(event, "spec.restore.source", "is tenant " + Shown.quoted(source[0])
                        + "'s: a deployment starts only from its own tenant's backups", now);
            }
            DeploymentRef from = DeploymentRef.newBuilder().setTenant(source[0]).setName(source[1]).build();
            if (restore.hasPointInTime()) {
                PointInTime.Outcome outcome = PointInTime.choose(restore.getSource(), Timestamps.toInstant(restore.getPointInTime()),
                        now, catalogue.backups(from), catalogue.archive(from));
                if (outcome instanceof PointInTime.Refused refused) {
                    return reject(event, "spec.restore.pointInTime", refused.reason(), now);
                }
                // the backup it starts from; the spec keeps the time, which every DEPLOY carries with it
                restoreFrom = Optional.of(((PointInTime.Chosen) outcome).backup());
            } else {
                Optional<BackupRecord> found = catalogue.backup(BackupKey.of(from, restore.getBackupId()));
                if (found.isEmpty() || found.get().getState() != BackupState.BACKUP_STATE_COMPLETE) {
                    return reject(event, "spec.restore.backupId", found.isEmpty()
                            ? "no backup " + Shown.quoted(restore.getBackupId()) + " of " + restore.getSource()
                                    + " in the catalogue (./marina backups " + restore.getSource() + " lists them)"
                            : found.get().getState() == BackupState.BACKUP_STATE_EXPIRED
                                    ? "backup " + restore.getBackupId() + " of " + restore.getSource() + " expired: retention removed"
                                            + " it from the store, so it cannot be restored"
                                    : "backup " + restore.getBackupId() + " of " + restore.getSource() + " is "
                                            + found.get().getState() + ", not complete: only a complete backup can be restored", now);
                }
                restoreFrom = found;
            }
        }
        if (live && current.getSpec().equals(spec)) {
            boolean keyAdded = !current.hasBackupKey();
            return new IntakeDecision.Accepted(withBackupKey(touch(current, event, now).toBuilder()).build(), keyAdded);
        }
        if (live) {
            Optional<Violation> refused = refusedChange(current.getSpec(), spec);
            if (refused.isPresent()) {
                return reject(event, refused.get().field(), refused.get().reason(), now);
            }
        }
        Intent.Builder next = Intent.newBuilder()
                .setDeployment(event.getDeployment())
                .setGeneration((current == null ? 0 : current.getGeneration()) + 1)
                .setSpec(spec)
                .setLastRequestId(event.getRequestId())
                .setUpdatedAt(Timestamps.of(now));
        if (live) {
            next.setAdminUser(current.getAdminUser()).setAdminPassword(current.getAdminPassword())
                    .setReplicationPassword(current.hasReplicationPassword() ? current.getReplicationPassword() : newAdminPassword.get())
                    .setCertRenewalsRequested(current.getCertRenewalsRequested())
                    .setSwitchoversRequested(current.getSwitchoversRequested())
                    .setSwitchoverTarget(current.getSwitchoverTarget())
                    .setBackupsRequested(current.getBackupsRequested())
                    .setBackupRequestId(current.getBackupRequestId())
                    .setPauseRequests(current.getPauseRequests())
                    .setPauseRequested(current.getPauseRequested());
            if (current.hasBackupKey()) {
                next.setBackupKey(current.getBackupKey());
            }
            if (current.hasRestoreFrom()) {
                next.setRestoreFrom(current.getRestoreFrom());
            }
        } else {
            next.setAdminUser(ADMIN_USER).setAdminPassword(newAdminPassword.get()).setReplicationPassword(newAdminPassword.get());
        }
        restoreFrom.ifPresent(next::setRestoreFrom);
        return new IntakeDecision.Accepted(withBackupKey(next).build(), true);
    }

    /**
     * Why a running deployment cannot be changed from one spec to the other (both resolved), or empty when it can:
     * <ul>
     *   <li>a version change MariaDB does not allow ({@link VersionChange#refusal}: across series);</li>
     *   <li>a parameter taken out of the spec: the servers would keep the value they run with, so it would not do what
     *       it says (set the value wanted instead);</li>
     *   <li>a change that restarts servers (version, size, a static parameter) together with a change to or from no
     *       replicas: a deployment with replicas rolls through them, one without through a temporary replica, and a
     *       change that is both would mix the two.</li>
     * </ul>
     */
    static Optional<Violation> refusedChange(DeploymentSpec from, DeploymentSpec to) {
        boolean versionChanged = versionChanged(from.getVersion(), to.getVersion());
        if (versionChanged) {
            Optional<EngineVersion> before = EngineVersion.parse(from.getVersion());
            Optional<EngineVersion> after = EngineVersion.parse(to.getVersion());
            if (before.isPresent() && after.isPresent()) {
                Optional<String> refusal = VersionChange.refusal(before.get(), after.get());
                if (refusal.isPresent()) {
                    return Optional.of(new Violation("spec.version", refusal.get()));
                }
            }
        }
        for (String name : new java.util.TreeSet<>(from.getParametersMap().keySet())) {
            if (!to.getParametersMap().containsKey(name)) {
                return Optional.of(new Violation("spec.parameters." + name, "cannot be taken out of a running deployment's spec:"
                        + " its servers would keep " + name + "=" + from.getParametersMap().get(name) + "; set the value wanted instead"));
            }
        }
        String restarts = versionChanged ? "spec.version"
                : from.getSize() != to.getSize() ? "spec.size"
                : ServerParameters.changed(from.getParametersMap(), to.getParametersMap(), ServerParameters.Apply.STATIC)
                        .keySet().stream().findFirst().map(n -> "spec.parameters." + n).orElse("");
        if (!restarts.isEmpty() && (from.getReplicas() == 0) != (to.getReplicas() == 0)) {
            return Optional.of(new Violation(restarts, "changing it restarts the servers, which is rolled out through a replica"
                    + " (a temporary one when there is none); going to or from no replicas in the same change is not: change"
                    + " spec.replicas first, then this"));
        }
        return Optional.empty();
    }

    /**
     * Whether the build changes. A spec stored before exact builds were offered names a series ("10.11"): its servers
     * run a build of that series, so the same series resolved to a build is no change by itself.
     */
    static boolean versionChanged(String from, String to) {
        if (from.equals(to)) {
            return false;
        }
        Optional<EngineVersion> after = EngineVersion.parse(to);
        return EngineVersion.parse(from).isPresent() || after.isEmpty() || !after.get().series().equals(from);
    }

    private IntakeDecision delete(IntentEvent event, Intent current, boolean live, Instant now) {
        if (current == null) {
            return reject(event, "deployment", "no such deployment", now);
        }
        if (!live) {
            return new IntakeDecision.Accepted(touch(current, event, now), false);
        }
        Intent deleted = current.toBuilder()
                .setGeneration(current.getGeneration() + 1)
                .setDeleted(true)
                .setLastRequestId(event.getRequestId())
                .setUpdatedAt(Timestamps.of(now))
                .build();
        return new IntakeDecision.Accepted(deleted, true);
    }

    /** The same desired state, answering a new request id (so the requester learns the outcome). */
    private static Intent touch(Intent current, IntentEvent event, Instant now) {
        return current.toBuilder().setLastRequestId(event.getRequestId()).setUpdatedAt(Timestamps.of(now)).build();
    }

    /** Rejects naming the first violation; the others are counted and listed in the reason. */
    private static IntakeDecision rejectAll(IntentEvent event, List<Violation> violations, Instant now) {
        Violation first = violations.get(0);
        String reason = violations.size() == 1 ? first.reason()
                : first.reason() + " (and " + (violations.size() - 1) + " more: "
                        + violations.subList(1, Math.min(violations.size(), 6)) + (violations.size() > 6 ? ", …" : "") + ")";
        return reject(event, first.field(), reason, now);
    }

    private static IntakeDecision reject(IntentEvent event, String field, String reason, Instant now) {
        return new IntakeDecision.Rejected(IntentRejection.newBuilder()
                .setRequestId(event.getRequestId())
                .setDeployment(event.getDeployment())
                .setField(field)
                .setReason(reason)
                .setRejectedAt(Timestamps.of(now))
                .build());
    }

    private static DeploymentRef refFromKey(String key) {
        try {
            return DeploymentKey.parse(key);
        } catch (IllegalArgumentException e) {
            return DeploymentRef.getDefaultInstance();
        }
    }
}
