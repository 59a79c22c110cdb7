package dev.marina.intent.reconcile;

import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchiveState;
import dev.marina.schemas.v1.BinlogArchiveSettings;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The binary-log archive: what the primary is told (ARCHIVE_BINLOGS) and what is published of its coverage on
 * {@code binlog-archive}. Pure; one step of the planner's chain, after the roles are settled.
 *
 * <p>Invariants:
 * <ul>
 *   <li>With {@code spec.backups} set, the writable primary archives (with the deployment's backup key) and keeps
 *       the binary logs after the newest complete backup's position, so a replica seeded from that backup catches
 *       up from it. Without, it does not archive (told so only if an instance was ever told to archive).</li>
 *   <li>The primary is told whenever what it acknowledged (instance, epoch, settings) differs from what is wanted:
 *       a failover or switchover makes a new primary at a new epoch, which is told as soon as it is writable.</li>
 *   <li>The coverage is published when it changed in substance (anything but {@code computed_at}), at most every
 *       {@link #QUIET} for the ticks of a growing run; a new primary, a failure, a recovery or a new gap goes out at
 *       once. On delete it is published with {@code deployment_deleted} (the archive stays until retention).</li>
 * </ul>
 */
final class ArchivePlanner {
    private ArchivePlanner() {}

    /** The least time between two publications of a coverage that only grew. */
    static final Duration QUIET = Duration.ofSeconds(10);

    static void plan(Pass pass, PlanSettings settings) {
        noteOldestBackup(pass);
        tellPrimary(pass, settings);
        publish(pass);
    }

    /** What the primary should do now: archive (and keep what the newest backup needs) or not. */
    static BinlogArchiveSettings wanted(ReconcilerState.Builder state) {
        Intent desired = state.getDesired();
        if (!desired.getSpec().hasBackups() || !desired.hasBackupKey()) {
            return BinlogArchiveSettings.newBuilder().setEnabled(false).build();
        }
        String keep = state.getBackups().hasLatestComplete()
                ? state.getBackups().getLatestComplete().getManifest().getGtidPosition() : "";
        return BinlogArchiveSettings.newBuilder().setEnabled(true).setKeepAfterGtid(keep).build();
    }

    private static void tellPrimary(Pass pass, PlanSettings settings) {
        if (pass.state.getDesired().getDeleted()) {
            // the primary archives on while a final backup is taken; then it is stopped
            Ledger.forgetArchiveExcept(pass.state, Optional.empty());
            return;
        }
        BinlogArchiveSettings wanted = wanted(pass.state);
        ArchiveState archive = pass.state.getArchive();
        Optional<ObservedInstance> told = Facts.primary(pass.state)
                .filter(p -> Facts.writable(pass.state.getEpoch(), p))
                .filter(p -> wanted.getEnabled() || archive.getEverEnabled())
                .filter(p -> !(archive.getAckedInstance().equals(p.getInstanceId())
                        && archive.getAckedEpoch() == pass.state.getEpoch() && archive.getAcked().equals(wanted)));
        Optional<ActionKey> key = told.map(p -> Ledger.archiveBinlogs(p.getInstanceId(), pass.state.getEpoch(), wanted));
        Ledger.forgetArchiveExcept(pass.state, key);
        if (told.isEmpty()) {
            return;
        }
        ObservedInstance primary = told.get();
        if (wanted.getEnabled() && !archive.getEverEnabled()) {
            pass.state.setArchive(archive.toBuilder().setEverEnabled(true));
        }
        Intent desired = pass.state.getDesired();
        pass.ensure(key.get(), settings.ha().agentTimeout(), Topics.AGENT_COMMANDS, issue -> AgentCommand.newBuilder()
                .setCommandId(issue.commandId())
                .setAction(issue.action())
                .setDeployment(desired.getDeployment())
                .setInstanceId(primary.getInstanceId())
                .setOp(AgentOp.AGENT_OP_ARCHIVE_BINLOGS)
                .setRole(Role.ROLE_PRIMARY)
                .setEpoch(pass.state.getEpoch())
                .setGeneration(desired.getGeneration())
                .setArchive(wanted)
                // the key the archived files are encrypted with: the backups' own, as BACKUP carries it
                .setBackupKey(desired.getBackupKey())
                .setBackupKeyId(BackupPlanner.keyId(desired.getBackupKey()))
                .setIssuedAt(Timestamps.of(pass.now))
                .build());
    }

    /** Remembers the first complete backup's position: a gap in the archive after it is worth reporting. */
    private static void noteOldestBackup(Pass pass) {
        ArchiveState archive = pass.state.getArchive();
        if (archive.getOldestBackupGtid().isEmpty() && pass.state.getBackups().hasLatestComplete()) {
            pass.state.setArchive(archive.toBuilder()
                    .setOldestBackupGtid(pass.state.getBackups().getLatestComplete().getManifest().getGtidPosition()));
        }
    }

    /** Publishes the coverage when it changed in substance, keeping the topic quiet (see the class comment). */
    private static void publish(Pass pass) {
        Optional<ArchiveCoverage> due = due(pass.state.build(), pass.now);
        due.ifPresent(coverage -> {
            pass.emit(Topics.BINLOG_ARCHIVE, coverage);
            pass.state.setArchive(pass.state.getArchive().toBuilder().setPublished(coverage)
                    .setPublishedAt(Timestamps.of(pass.now)));
        });
    }

    /** The coverage to publish now, if any. */
    static Optional<ArchiveCoverage> due(ReconcilerState state, Instant now) {
        ArchiveState archive = state.getArchive();
        if (!archive.hasCoverage()) {
            return Optional.empty();
        }
        ArchiveCoverage.Builder coverage = archive.getCoverage().toBuilder();
        if (coverage.getDeployment().getName().isEmpty()) {
            coverage.setDeployment(state.getDesired().getDeployment());
        }
        if (state.getDesired().getDeleted()) {
            coverage.setDeploymentDeleted(true);
        }
        ArchiveCoverage next = coverage.build();
        if (!archive.hasPublished()) {
            return Optional.of(next);
        }
        ArchiveCoverage last = archive.getPublished();
        if (substance(next).equals(substance(last))) {
            return Optional.empty();
        }
        boolean quietEnough = !Timestamps.toInstant(archive.getPublishedAt()).plus(QUIET).isAfter(now);
        return quietEnough || turned(last, next) ? Optional.of(next) : Optional.empty();
    }

    /** Whether a resync should plan the deployment: a coverage held back to keep the topic quiet may go out now. */
    static boolean timeDue(ReconcilerState state, Instant now) {
        return due(state, now).isPresent();
    }

    /** Everything but the time it was computed. */
    private static ArchiveCoverage substance(ArchiveCoverage c) {
        return c.toBuilder().clearComputedAt().build();
    }

    /** A change worth publishing at once: another primary, archiving on or off, a failure, a new gap, a delete. */
    private static boolean turned(ArchiveCoverage last, ArchiveCoverage next) {
        return !last.getInstanceId().equals(next.getInstanceId()) || last.getEpoch() != next.getEpoch()
                || last.getArchiving() != next.getArchiving() || !last.getLastError().equals(next.getLastError())
                || !last.getLastErrorAt().equals(next.getLastErrorAt()) || last.getRunsCount() != next.getRunsCount()
                || last.getDeploymentDeleted() != next.getDeploymentDeleted();
    }
}
