package dev.marina.intent.reconcile;

import dev.marina.schemas.gtid.Gtids;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.ArchiveRun;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Reading an {@link ArchiveCoverage}: which run a backup's position continues into, and where the gaps are. Pure.
 * The archive's runs are stretches of GTID domain 0 (sequence numbers grow across primaries under
 * {@code gtid_strict_mode}), so a backup is placed by its position's domain-0 sequence number.
 */
public final class ArchiveRuns {
    private ArchiveRuns() {}

    /** The domain-0 sequence number of a GTID position ({@code "0-167772161-42"} → 42); 0 when it has none. */
    public static long seq(String gtidPosition) {
        return Gtids.parse(gtidPosition).getOrDefault(0L, 0L);
    }

    /**
     * The run a replay from a backup at {@code backupSeq} can use: the backup's position lies within it or just
     * before its first transaction ({@code first_seq ≤ backupSeq + 1} and {@code backupSeq ≤ last_seq}).
     */
    public static Optional<ArchiveRun> from(ArchiveCoverage coverage, long backupSeq) {
        return coverage.getRunsList().stream().filter(r -> r.getFirstSeq() <= backupSeq + 1 && backupSeq <= r.getLastSeq())
                .findFirst();
    }

    /** A stretch of transactions the archive misses: after {@code before}'s last, up to {@code after}'s first. */
    public record Gap(ArchiveRun before, ArchiveRun after) {
        public long firstMissing() {
            return before.getLastSeq() + 1;
        }

        public long lastMissing() {
            return after.getFirstSeq() - 1;
        }
    }

    /** The gaps between runs that miss a transaction after {@code seq} (oldest first). */
    public static List<Gap> gapsAfter(ArchiveCoverage coverage, long seq) {
        List<ArchiveRun> runs = coverage.getRunsList().stream().sorted(Comparator.comparingLong(ArchiveRun::getFirstSeq)).toList();
        List<Gap> gaps = new ArrayList<>();
        for (int i = 1; i < runs.size(); i++) {
            Gap gap = new Gap(runs.get(i - 1), runs.get(i));
            if (gap.lastMissing() >= gap.firstMissing() && gap.lastMissing() > seq) {
                gaps.add(gap);
            }
        }
        return gaps;
    }
}
