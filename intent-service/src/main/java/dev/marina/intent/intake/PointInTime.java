package dev.marina.intent.intake;

import dev.marina.intent.reconcile.ArchiveRuns;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchiveRun;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.BackupState;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Whether a deployment can be restored to a point in time, and from which backup. Pure.
 *
 * <p>The rule: the time is not in the future; the backup is the newest COMPLETE one of the source that ended at or
 * before it; the archive has one run the backup's position continues into ({@code first_seq ≤ seq + 1},
 * {@code seq ≤ last_seq}) that is covered until at least the time. Anything else is refused, naming the times the
 * source can be restored to (RFC 3339, UTC, exactly as recorded: never rounded to a backup).
 */
public final class PointInTime {
    private PointInTime() {}

    public sealed interface Outcome {}

    /** The backup the restore starts from; its primary replays the archive up to the time. */
    public record Chosen(BackupRecord backup) implements Outcome {}

    public record Refused(String reason) implements Outcome {}

    /**
     * A stretch of times that can be reached, from {@code start} to {@code end} ({@code end} itself too unless
     * {@code endExclusive}: the next backup takes over there, and cannot be replayed from).
     */
    public record Range(Instant start, Instant end, boolean endExclusive) {
        String words() {
            return endExclusive ? "from " + start + " until just before " + end : "between " + start + " and " + end;
        }
    }

    /**
     * @param source   the source deployment as the spec names it ("tenant/name"), for the reasons
     * @param backups  the source's catalogue records (any state)
     * @param coverage the source's archive, as last published on {@code binlog-archive}
     */
    public static Outcome choose(String source, Instant time, Instant now, List<BackupRecord> backups,
            Optional<ArchiveCoverage> coverage) {
        if (time.isAfter(now)) {
            return new Refused("is " + time + ", in the future (it is " + now + " now)");
        }
        List<BackupRecord> complete = complete(backups);
        if (complete.isEmpty()) {
            return new Refused(source + " has no complete backup to start from");
        }
        Optional<BackupRecord> chosen = complete.stream().filter(b -> !end(b).isAfter(time)).reduce((a, b) -> b);
        if (chosen.isEmpty()) {
            return new Refused("is " + time + ", before the oldest complete backup of " + source + " ended (" + end(complete.get(0))
                    + "): there is nothing to start from" + reachable(source, complete, coverage, now, "; "));
        }
        ArchiveCoverage archive = coverage.orElse(ArchiveCoverage.getDefaultInstance());
        Optional<ArchiveRun> run = ArchiveRuns.from(archive, ArchiveRuns.seq(chosen.get().getManifest().getGtidPosition()));
        if (run.isPresent() && run.get().hasCoveredUntil() && !time.isAfter(Timestamps.toInstant(run.get().getCoveredUntil()))) {
            return new Chosen(chosen.get());
        }
        String why = run.isEmpty()
                ? "the archived binary logs of " + source + " do not continue from backup " + chosen.get().getBackupId()
                        + " (the newest that ended before it)"
                : "the archive of " + source + " covers backup " + chosen.get().getBackupId() + " only until "
                        + Timestamps.toInstant(run.get().getCoveredUntil());
        return new Refused("is " + time + ", which cannot be reached: " + why + reachable(source, complete, coverage, now, "; "));
    }

    /** The times the source can be restored to, merged, oldest first: what {@link #choose} accepts. */
    public static List<Range> ranges(List<BackupRecord> backups, Optional<ArchiveCoverage> coverage, Instant now) {
        List<BackupRecord> complete = complete(backups);
        ArchiveCoverage archive = coverage.orElse(ArchiveCoverage.getDefaultInstance());
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i < complete.size(); i++) {
            BackupRecord b = complete.get(i);
            Instant start = end(b);
            Optional<ArchiveRun> run = ArchiveRuns.from(archive, ArchiveRuns.seq(b.getManifest().getGtidPosition()))
                    .filter(ArchiveRun::hasCoveredUntil);
            if (run.isEmpty()) {
                continue;
            }
            Instant coveredUntil = Timestamps.toInstant(run.get().getCoveredUntil());
            Instant end = coveredUntil;
            boolean exclusive = false;
            if (i + 1 < complete.size() && !end(complete.get(i + 1)).isAfter(coveredUntil)) {
                end = end(complete.get(i + 1)); // from there on the next backup is the one chosen
                exclusive = true;
            }
            if (end.isAfter(now)) {
                end = now;
                exclusive = false;
            }
            if (end.isBefore(start) || (exclusive && !end.isAfter(start))) {
                continue;
            }
            Range last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (last != null && last.endExclusive() && last.end().equals(start)) {
                ranges.set(ranges.size() - 1, new Range(last.start(), end, exclusive));
            } else {
                ranges.add(new Range(start, end, exclusive));
            }
        }
        return ranges;
    }

    private static String reachable(String source, List<BackupRecord> complete, Optional<ArchiveCoverage> coverage, Instant now,
            String separator) {
        List<Range> ranges = ranges(complete, coverage, now);
        if (ranges.isEmpty()) {
            return separator + "no time after a backup of " + source + " is covered by its archived binary logs; restore one of"
                    + " its backups by backupId instead (./marina backups " + source + " lists them)";
        }
        return separator + source + " can be restored to a time " + String.join(", or ", ranges.stream().map(Range::words).toList());
    }

    /** The complete backups, by when they ended (then by id, for a stable order). */
    private static List<BackupRecord> complete(List<BackupRecord> backups) {
        return backups.stream().filter(b -> b.getState() == BackupState.BACKUP_STATE_COMPLETE && b.getManifest().hasFinishedAt())
                .sorted(Comparator.comparing(PointInTime::end).thenComparing(BackupRecord::getBackupId)).toList();
    }

    private static Instant end(BackupRecord b) {
        return Timestamps.toInstant(b.getManifest().getFinishedAt());
    }
}
