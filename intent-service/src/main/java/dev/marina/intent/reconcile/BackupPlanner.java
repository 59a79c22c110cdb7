package dev.marina.intent.reconcile;

import dev.marina.schemas.gtid.Gtids;
import dev.marina.schemas.topics.BackupKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupSource;
import dev.marina.schemas.v1.BackupSpec;
import dev.marina.schemas.v1.BackupState;
import dev.marina.schemas.v1.BackupTrigger;
import dev.marina.schemas.v1.BackupsState;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.RestoreSource;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The deployment's backups: when one starts (on demand, on the schedule, before a delete), which instance
 * takes it, and what the catalogue on {@code backups} says about it. Pure; one step of the planner's chain.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Scheduled and on-demand backups start once the deployment has been Ready (then Degraded counts too):
 *       a new deployment's replicas are caught up by then, so the first backup is not taken off the primary.
 *       A deployment never Ready gets them once its primary has served for ten minutes.</li>
 *   <li>At most one backup of a deployment runs at a time; a request or a slot that comes meanwhile waits
 *       for it to end (a slot is served once, late, never twice).</li>
 *   <li>Every change of a backup's state is published on the catalogue, keyed {@code tenant/name#id}; a
 *       backup is COMPLETE only with the agent's manifest (written last in the store).</li>
 *   <li>A failed attempt is retried with the same id after a doubling wait, from the best source at that
 *       time; after {@code attempts} it is recorded FAILED and counted in BackupsHealthy.</li>
 *   <li>On delete, a deployment with scheduled backups keeps its instances until its final backup ended
 *       (complete or failed for good), unless {@code skipFinalBackup}.</li>
 * </ul>
 */
final class BackupPlanner {
    private BackupPlanner() {}

    private static final DateTimeFormatter SLOT_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);

    static void plan(Pass pass, PlanSettings settings) {
        settleAnswer(pass, settings.backups());
        Intent desired = pass.state.getDesired();
        if (!pass.state.getBackups().hasCurrent() && desired.hasBackupKey()) {
            startDue(pass);
        }
        if (pass.state.getBackups().hasCurrent()) {
            drive(pass, settings.backups());
        }
    }

    /** Whether a resync should plan the deployment for its backups: a retry or a schedule slot is due. */
    static boolean timeDue(dev.marina.schemas.v1.ReconcilerState state, Instant now) {
        BackupsState backups = state.getBackups();
        if (backups.hasRetryAt() && !Timestamps.toInstant(backups.getRetryAt()).isAfter(now)) {
            return true;
        }
        String schedule = state.getDesired().getSpec().getBackups().getSchedule();
        if (schedule.isEmpty() || state.getDesired().getDeleted() || backups.hasCurrent()) {
            return false;
        }
        if (!backups.hasLastSlot()) {
            return true;
        }
        Instant last = Timestamps.toInstant(backups.getLastSlot());
        return BackupSchedule.tryParse(schedule).flatMap(s -> s.latestAtOrBefore(now)).map(s -> s.isAfter(last)).orElse(false);
    }

    /** Whether the delete must wait: the final backup has not ended yet. */
    static boolean holdsRetirement(Pass pass) {
        return finalBackupWanted(pass.state.getDesired()) && !pass.state.getBackups().getFinalSettled();
    }

    static boolean finalBackupWanted(Intent desired) {
        BackupSpec spec = desired.getSpec().getBackups();
        return desired.getDeleted() && !spec.getSchedule().isEmpty() && !spec.getSkipFinalBackup() && desired.hasBackupKey();
    }

    /** The agent answered the current attempt: complete, retry later, or give up. */
    private static void settleAnswer(Pass pass, PlanSettings.BackupSettings settings) {
        BackupsState backups = pass.state.getBackups();
        if (!backups.hasCurrent() || backups.getCurrentOutcome() == AgentOutcome.AGENT_OUTCOME_UNSPECIFIED) {
            return;
        }
        BackupRecord current = backups.getCurrent();
        BackupsState.Builder next = backups.toBuilder().clearCurrentOutcome().clearCurrentReason().clearCurrentSource();
        if (backups.getCurrentOutcome() == AgentOutcome.AGENT_OUTCOME_DONE && current.hasManifest()) {
            BackupRecord complete = current.toBuilder().setState(BackupState.BACKUP_STATE_COMPLETE).clearReason()
                    .setUpdatedAt(Timestamps.of(pass.now)).build();
            publish(pass, complete);
            next.clearCurrent().setLatestComplete(complete).setConsecutiveFailures(0).clearRetryAt();
            settleFinal(next, complete);
        } else {
            String reason = backups.getCurrentReason().isEmpty() ? "the agent answered " + backups.getCurrentOutcome()
                    : backups.getCurrentReason();
            BackupRecord.Builder record = current.toBuilder().setReason(reason).setUpdatedAt(Timestamps.of(pass.now));
            if (current.getAttempts() >= settings.attempts()) {
                BackupRecord failed = record.setState(BackupState.BACKUP_STATE_FAILED).build();
                publish(pass, failed);
                next.clearCurrent().clearRetryAt().setConsecutiveFailures(backups.getConsecutiveFailures() + 1)
                        .setLastFailure(reason).setLastFailureAt(Timestamps.of(pass.now));
                settleFinal(next, failed);
            } else {
                Duration wait = settings.failureRetry().multipliedBy(1L << Math.min(current.getAttempts() - 1, 20));
                if (wait.compareTo(pass.settings().maxBackoff()) > 0) {
                    wait = pass.settings().maxBackoff();
                }
                BackupRecord retrying = record.build();
                publish(pass, retrying);
                next.setCurrent(retrying).setRetryAt(Timestamps.of(pass.now.plus(wait)))
                        .setLastFailure(reason).setLastFailureAt(Timestamps.of(pass.now));
            }
        }
        pass.state.setBackups(next);
    }

    private static void settleFinal(BackupsState.Builder next, BackupRecord ended) {
        if (ended.getTrigger() == BackupTrigger.BACKUP_TRIGGER_FINAL) {
            next.setFinalSettled(true);
        }
    }

    /** Starts the backup that is due, if any: the final one on delete, a request, or the schedule's slot. */
    private static void startDue(Pass pass) {
        Intent desired = pass.state.getDesired();
        BackupsState backups = pass.state.getBackups();
        if (desired.getDeleted()) {
            if (finalBackupWanted(desired) && !backups.getFinalSettled()) {
                if (source(pass).isEmpty()) {
                    // nothing left to copy from: the delete goes on, and says why there is no final backup
                    pass.state.setBackups(backups.toBuilder().setFinalSettled(true)
                            .setLastFailure("no final backup: no instance could take it").setLastFailureAt(Timestamps.of(pass.now)));
                    return;
                }
                start(pass, "final-" + SLOT_ID.format(pass.now), BackupTrigger.BACKUP_TRIGGER_FINAL, backups.toBuilder());
            }
            return;
        }
        if (PausePlanner.inEffect(pass.state)) {
            // paused: nothing changes, so a scheduled slot is skipped (marked served); a requested backup waits
            dueSlot(desired, backups, pass.now).ifPresent(slot -> pass.state.setBackups(
                    pass.state.getBackups().toBuilder().setLastSlot(Timestamps.of(slot))));
            return;
        }
        if (!upForBackups(pass)) {
            return; // not up yet: a new deployment's replicas are still catching up
        }
        backups = pass.state.getBackups(); // upForBackups may have noted the first Ready
        boolean requested = desired.getBackupsRequested() > backups.getOnDemandServed();
        Optional<Instant> slot = requested ? Optional.empty() : dueSlot(desired, backups, pass.now);
        if ((!requested && slot.isEmpty()) || source(pass).isEmpty()) {
            return; // nothing due, or nothing serves: a request or slot waits
        }
        if (requested) {
            start(pass, desired.getBackupRequestId(), BackupTrigger.BACKUP_TRIGGER_ON_DEMAND,
                    backups.toBuilder().setOnDemandServed(desired.getBackupsRequested()));
        } else {
            // the first backup is taken at once: until it exists there is nothing to restore from
            boolean firstEver = !backups.hasLastSlot();
            start(pass, "s-" + SLOT_ID.format(firstEver ? pass.now : slot.get()), BackupTrigger.BACKUP_TRIGGER_SCHEDULED,
                    backups.toBuilder().setLastSlot(Timestamps.of(slot.get())));
        }
    }

    /**
     * The schedule's latest slot when a backup is due for it: a slot after the last one served, or any when
     * none was served yet (a new schedule, even on a deployment with on-demand backups, starts at once).
     */
    private static Optional<Instant> dueSlot(Intent desired, BackupsState backups, Instant now) {
        String schedule = desired.getSpec().getBackups().getSchedule();
        if (schedule.isEmpty()) {
            return Optional.empty();
        }
        Optional<Instant> slot = BackupSchedule.tryParse(schedule).flatMap(s -> s.latestAtOrBefore(now));
        return slot.filter(s -> !backups.hasLastSlot() || s.isAfter(Timestamps.toInstant(backups.getLastSlot())));
    }

    /**
     * Whether backups may start: the deployment was Ready once (so a new one's replicas had caught up) and is
     * Ready or Degraded now; or, never Ready, its primary has served for {@link #NEVER_READY_GRACE} (a
     * deployment whose replica cannot be built still gets its backups, from the primary).
     */
    private static boolean upForBackups(Pass pass) {
        Phase phase = pass.state.getPublishedStatus().getPhase();
        if (phase == Phase.PHASE_READY && !pass.state.getBackups().getWasReady()) {
            pass.state.setBackups(pass.state.getBackups().toBuilder().setWasReady(true));
        }
        if (phase != Phase.PHASE_READY && phase != Phase.PHASE_DEGRADED) {
            return false;
        }
        if (pass.state.getBackups().getWasReady()) {
            return true;
        }
        return Facts.primary(pass.state).filter(p -> p.getPlan().hasServedAt())
                .map(p -> !Timestamps.toInstant(p.getPlan().getServedAt()).plus(NEVER_READY_GRACE).isAfter(pass.now))
                .orElse(false);
    }

    static final Duration NEVER_READY_GRACE = Duration.ofMinutes(10);

    private static void start(Pass pass, String id, BackupTrigger trigger, BackupsState.Builder backups) {
        Intent desired = pass.state.getDesired();
        BackupRecord record = BackupRecord.newBuilder()
                .setDeployment(desired.getDeployment())
                .setBackupId(id)
                .setState(BackupState.BACKUP_STATE_RUNNING)
                .setTrigger(trigger)
                .setRequestedAt(Timestamps.of(pass.now))
                .setRetentionDays(desired.getSpec().getBackups().getRetentionDays())
                .setKey(desired.getBackupKey())
                .setUpdatedAt(Timestamps.of(pass.now))
                .build();
        publish(pass, record);
        pass.state.setBackups(backups.setCurrent(record).clearRetryAt().clearCurrentSource());
    }

    /** Asks the best source for the current backup, again when its answer is overdue. */
    private static void drive(Pass pass, PlanSettings.BackupSettings settings) {
        BackupsState backups = pass.state.getBackups();
        if (backups.hasRetryAt() && Timestamps.toInstant(backups.getRetryAt()).isAfter(pass.now)) {
            return;
        }
        BackupRecord current = backups.getCurrent();
        Optional<ObservedInstance> chosen = Optional.ofNullable(pass.state.getInstancesMap().get(backups.getCurrentSource()))
                .filter(BackupPlanner::usable)
                .or(() -> source(pass));
        if (chosen.isEmpty()) {
            return; // waits for an instance; the status says so
        }
        String sourceId = chosen.get().getInstanceId();
        if (!sourceId.equals(backups.getCurrentSource())) {
            if (!backups.getCurrentSource().isEmpty()) {
                Ledger.remove(pass.state, Ledger.backup(backups.getCurrentSource(), current.getBackupId()));
            }
            // a new attempt: counted when it is first asked of its source
            current = current.toBuilder().setAttempts(current.getAttempts() + 1).build();
            pass.state.setBackups(backups.toBuilder().setCurrentSource(sourceId).setCurrent(current).clearRetryAt());
        }
        BackupRecord asked = current;
        ObservedInstance source = chosen.get();
        pass.ensure(Ledger.backup(sourceId, asked.getBackupId()), settings.timeout(), Topics.AGENT_COMMANDS,
                issue -> AgentCommand.newBuilder()
                        .setCommandId(issue.commandId())
                        .setAction(issue.action())
                        .setDeployment(pass.state.getDesired().getDeployment())
                        .setInstanceId(sourceId)
                        .setOp(AgentOp.AGENT_OP_BACKUP)
                        .setRole(source.getPlan().getRole())
                        .setEpoch(pass.state.getEpoch())
                        .setGeneration(pass.state.getDesired().getGeneration())
                        .setBackupId(asked.getBackupId())
                        .setBackupKey(asked.getKey())
                        .setBackupKeyId(keyId(asked))
                        .setEngine(pass.state.getDesired().getSpec().getEngine())
                        .setIssuedAt(Timestamps.of(pass.now))
                        .build());
    }

    /**
     * Where a backup is taken: a replica that serves reads (most advanced first) unless the spec says
     * primary; the primary when no replica can. mariadb-backup copies without blocking writes, so the
     * primary is a sound fallback.
     */
    static Optional<ObservedInstance> source(Pass pass) {
        Facts.Snapshot facts = Facts.of(pass.state.build(), pass.settings(), pass.now);
        Optional<ObservedInstance> primary = facts.primary().filter(BackupPlanner::usable);
        BackupSource wanted = pass.state.getDesired().getSpec().getBackups().getSource();
        if (wanted == BackupSource.BACKUP_SOURCE_PRIMARY) {
            return primary;
        }
        Optional<ObservedInstance> replica = facts.readers().stream().filter(BackupPlanner::usable)
                .max((a, b) -> Gtids.compare(a.getGtidPosition(), b.getGtidPosition()));
        return replica.or(() -> primary);
    }

    private static boolean usable(ObservedInstance i) {
        return Facts.serving(i) && i.getHealth() != Health.HEALTH_DOWN;
    }

    /** What a DEPLOY of a restored deployment's instance starts from. */
    static RestoreSource restoreSource(BackupRecord backup) {
        return RestoreSource.newBuilder()
                .setSource(backup.getDeployment())
                .setBackupId(backup.getBackupId())
                .setBackupKey(backup.getKey())
                .setBackupKeyId(backup.getManifest().getKeyId().isEmpty() ? keyId(backup) : backup.getManifest().getKeyId())
                .setGtidPosition(backup.getManifest().getGtidPosition())
                .build();
    }

    /** The key's id recorded in manifests: a fingerprint of its sealed form, stable for the deployment's life. */
    static String keyId(BackupRecord record) {
        return keyId(record.getKey());
    }

    /** The id of the deployment's backup key (see {@link #keyId(BackupRecord)}); archived binary logs carry it too. */
    static String keyId(dev.marina.schemas.v1.SealedSecret key) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(key.getNonce().toByteArray());
            sha.update(key.getCiphertext().toByteArray());
            return "bk-" + java.util.HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void publish(Pass pass, BackupRecord record) {
        pass.emit(Topics.BACKUPS, BackupKey.of(record), record);
    }
}
