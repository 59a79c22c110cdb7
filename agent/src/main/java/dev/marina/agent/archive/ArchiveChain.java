package dev.marina.agent.archive;

import dev.marina.agent.replication.GtidPosition;
import dev.marina.schemas.v1.ArchiveRun;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a deployment's archived binary logs cover, in GTID domain 0 (the only one the platform writes; sequence
 * numbers grow across primaries under gtid_strict_mode), and how to replay them from a backup's position to a point
 * in time. Pure: built from the index entries ({@link ArchiveIndex#read}).
 *
 * <p>An entry covers its transactions first_seq..last_seq (the sequence numbers of its first and last GTID).
 *
 * <p><b>Divergence.</b> An entry of epoch e says where its instance stood when it became primary
 * ({@code promoted_at_position}, seq p). Transactions of lower epochs after p are not the deployment's history (lost
 * in that failover): an entry of a lower epoch that starts after p is dropped, one that crosses p is cut there (its
 * step stops at that position's GTID, its last seq and time are capped). An empty promoted_at_position cuts nothing.
 *
 * <p><b>Runs.</b> Entries sorted by first seq (ties: the higher epoch first) are swept: an entry extends the current
 * run when it starts at most one past its end and reaches beyond it (overlap is normal: a promoted replica's first
 * file repeats the transactions it replicated, with the same GTIDs); an entry within the run adds nothing; any other
 * starts a new run: more than one run means gaps, and a replay never crosses one.
 *
 * <p><b>Covered until.</b> The last run covers every transaction committed before its last file's rotation; an
 * earlier run (a gap follows it) only up to its last event.
 */
public final class ArchiveChain {

    /** A replay the archive cannot serve; the message names what it covers (RFC 3339, UTC) and any gap. */
    public static final class ArchiveRefusal extends IllegalStateException {
        public ArchiveRefusal(String message) {
            super(message);
        }
    }

    /**
     * One archived file to replay: the transactions after {@code startAfterGtid} (exclusive; "" = from the file's
     * start), up to and including {@code stopAtGtid} ("" = to the file's end; set where a failover cut the file's
     * epoch). The point in time of the plan applies on top of both.
     */
    public record ReplayStep(ArchivedBinlog entry, String startAfterGtid, String stopAtGtid) {}

    /** The files to replay, in order, from {@code fromPosition} (as given) to before {@code pointInTime}. */
    public record ReplayPlan(List<ReplayStep> steps, String fromPosition, Instant pointInTime) {}

    /** An entry the chain does not use, and why. */
    public record Ignored(ArchivedBinlog entry, String reason) {}

    /** An entry as the chain uses it: its range and times after any cut. */
    private record Link(ArchivedBinlog entry, long firstSeq, long lastSeq, String lastGtid, Instant firstAt, Instant lastAt,
            String stopAt) {}

    private record Run(List<Link> links, ArchiveRun summary) {}

    private final List<ArchivedBinlog> entries;
    private final List<Ignored> ignored;
    private final List<Run> runs;

    private ArchiveChain(List<ArchivedBinlog> entries, List<Ignored> ignored, List<Run> runs) {
        this.entries = List.copyOf(entries);
        this.ignored = List.copyOf(ignored);
        this.runs = List.copyOf(runs);
    }

    public static ArchiveChain of(Collection<ArchivedBinlog> entries) {
        List<Ignored> ignored = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        // The lowest promotion point per epoch (one primary per epoch; the lowest if entries disagree).
        Map<Long, GtidPosition.Gtid> promotedAt = new HashMap<>();
        Map<Long, Instant> epochFirstAt = new HashMap<>();
        for (ArchivedBinlog entry : entries) {
            String why = unusable(entry);
            if (why != null) {
                ignored.add(new Ignored(entry, why));
                continue;
            }
            GtidPosition.Gtid promoted = domainZero(entry.getPromotedAtPosition());
            if (promoted != null) {
                promotedAt.merge(entry.getEpoch(), promoted, (a, b) -> Long.compareUnsigned(a.sequence(), b.sequence()) <= 0 ? a : b);
            }
            epochFirstAt.merge(entry.getEpoch(), Timestamps.toInstant(entry.getFirstEventAt()), (a, b) -> a.isBefore(b) ? a : b);
        }
        for (ArchivedBinlog entry : entries) {
            if (unusable(entry) != null) {
                continue;
            }
            GtidPosition.Gtid first = single(entry.getFirstGtid());
            GtidPosition.Gtid last = single(entry.getLastGtid());
            long lastSeq = last.sequence();
            String lastGtid = last.toString();
            Instant firstAt = Timestamps.toInstant(entry.getFirstEventAt());
            Instant lastAt = Timestamps.toInstant(entry.getLastEventAt());
            String stopAt = "";
            String dropped = null;
            for (Map.Entry<Long, GtidPosition.Gtid> cut : promotedAt.entrySet()) {
                if (cut.getKey() <= entry.getEpoch()) {
                    continue;
                }
                long p = cut.getValue().sequence();
                if (first.sequence() > p) {
                    dropped = "a lost branch: epoch " + entry.getEpoch() + " after epoch " + cut.getKey() + "'s primary was promoted at "
                            + cut.getValue();
                    break;
                }
                if (lastSeq > p) {
                    lastSeq = p;
                    lastGtid = cut.getValue().toString();
                    stopAt = lastGtid;
                    Instant promotedFirst = epochFirstAt.get(cut.getKey());
                    if (promotedFirst != null && promotedFirst.isBefore(lastAt)) {
                        lastAt = promotedFirst.isBefore(firstAt) ? firstAt : promotedFirst;
                    }
                }
            }
            if (dropped != null) {
                ignored.add(new Ignored(entry, dropped));
                continue;
            }
            links.add(new Link(entry, first.sequence(), lastSeq, lastGtid, firstAt, lastAt, stopAt));
        }
        links.sort(Comparator.comparingLong(Link::firstSeq)
                .thenComparing(Comparator.comparingLong((Link l) -> l.entry().getEpoch()).reversed())
                .thenComparing(Comparator.comparingLong(Link::lastSeq).reversed()));
        List<List<Link>> swept = new ArrayList<>();
        List<Link> current = null;
        long end = 0;
        for (Link link : links) {
            if (current != null && link.firstSeq() <= end + 1) {
                if (link.lastSeq() <= end) {
                    continue; // within the run already: nothing new (e.g. the same transactions on a replica's file)
                }
                current.add(link);
                end = link.lastSeq();
                continue;
            }
            current = new ArrayList<>();
            current.add(link);
            swept.add(current);
            end = link.lastSeq();
        }
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < swept.size(); i++) {
            runs.add(new Run(List.copyOf(swept.get(i)), summary(swept.get(i), i == swept.size() - 1)));
        }
        return new ArchiveChain(new ArrayList<>(entries), ignored, runs);
    }

    private static ArchiveRun summary(List<Link> links, boolean lastRun) {
        Link first = links.get(0);
        Link last = links.get(links.size() - 1);
        GtidPosition.Gtid start = domainZero(first.entry().getStartState());
        Instant coveredUntil = last.lastAt();
        if (lastRun && last.stopAt().isEmpty() && last.entry().hasRotatedAt()) {
            Instant rotated = Timestamps.toInstant(last.entry().getRotatedAt());
            if (rotated.isAfter(coveredUntil)) {
                coveredUntil = rotated;
            }
        }
        return ArchiveRun.newBuilder()
                .setFirstSeq(first.firstSeq())
                .setLastSeq(last.lastSeq())
                .setStartPosition(start == null ? "" : start.toString())
                .setEndPosition(last.lastGtid())
                .setFirstEventAt(Timestamps.of(first.firstAt()))
                .setLastEventAt(Timestamps.of(last.lastAt()))
                .setCoveredUntil(Timestamps.of(coveredUntil))
                .build();
    }

    /** Why the chain cannot use the entry, or null. */
    private static String unusable(ArchivedBinlog entry) {
        if (entry.getFirstGtid().isEmpty() || entry.getLastGtid().isEmpty()) {
            return "no transactions in " + entry.getFileName();
        }
        GtidPosition.Gtid first;
        GtidPosition.Gtid last;
        try {
            first = single(entry.getFirstGtid());
            last = single(entry.getLastGtid());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (first.domain() != 0 || last.domain() != 0) {
            return "GTID domain " + (first.domain() != 0 ? first.domain() : last.domain())
                    + ": only domain 0 is archived (the platform writes no other)";
        }
        if (Long.compareUnsigned(first.sequence(), last.sequence()) > 0) {
            return "first GTID " + first + " after last " + last;
        }
        if (!entry.hasFirstEventAt() || !entry.hasLastEventAt()) {
            return "no event times";
        }
        return null;
    }

    private static GtidPosition.Gtid single(String gtid) {
        GtidPosition position = GtidPosition.parse(gtid);
        if (position.byDomain().size() != 1) {
            throw new IllegalArgumentException("\"" + gtid + "\" is not one GTID");
        }
        return position.byDomain().values().iterator().next();
    }

    /** The domain-0 GTID of a position ("" or no domain 0: null); throws on what is not a position. */
    static GtidPosition.Gtid domainZero(String position) {
        if (position == null || position.isBlank()) {
            return null;
        }
        return GtidPosition.parse(position).byDomain().get(0L);
    }

    /** The entries the chain was built from, as given. */
    public List<ArchivedBinlog> entries() {
        return entries;
    }

    /** Entries left out (another domain, no transactions, a lost branch), with the reason. */
    public List<Ignored> ignored() {
        return ignored;
    }

    /** Oldest first; more than one means gaps between them. */
    public List<ArchiveRun> runs() {
        return runs.stream().map(Run::summary).toList();
    }

    /** Whether one run holds every transaction firstSeq..lastSeq (domain 0): a file of them adds nothing. */
    public boolean covers(long firstSeq, long lastSeq) {
        for (Run run : runs) {
            if (run.summary().getFirstSeq() <= firstSeq && lastSeq <= run.summary().getLastSeq()) {
                return true;
            }
        }
        return false;
    }

    /** The last run's last seq; 0 when empty. */
    public long endSeq() {
        return runs.isEmpty() ? 0 : runs.get(runs.size() - 1).summary().getLastSeq();
    }

    /** The last run's last GTID; "" when empty. */
    public String endPosition() {
        return runs.isEmpty() ? "" : runs.get(runs.size() - 1).summary().getEndPosition();
    }

    /**
     * The files to replay after a backup at {@code fromPosition} (its domain-0 part; other domains are ignored) to
     * before {@code pointInTime}. Refused ({@link ArchiveRefusal}) when no run holds the position, when the time is
     * after what that run covers, or when the archive shows the backup already holds a transaction at or after it.
     * A file whose first event is at or after the time is not needed, nor any after it. The archive only proves a time
     * is before the backup when a file within the backup has an event at/after it: a caller also checks the time
     * against the backup's own (its manifest's finished_at).
     */
    public ReplayPlan plan(String fromPosition, Instant pointInTime) {
        GtidPosition.Gtid from;
        try {
            from = domainZero(fromPosition);
        } catch (IllegalArgumentException e) {
            throw new ArchiveRefusal("the backup position is not a GTID position: " + e.getMessage());
        }
        long fromSeq = from == null ? 0 : from.sequence();
        if (runs.isEmpty()) {
            throw new ArchiveRefusal("the archive holds no binary logs" + ignoredNote());
        }
        Run run = null;
        for (Run candidate : runs) {
            ArchiveRun r = candidate.summary();
            if (r.getFirstSeq() <= fromSeq + 1 && fromSeq <= r.getLastSeq()) {
                run = candidate;
                break;
            }
        }
        if (run == null) {
            throw new ArchiveRefusal("the backup position " + (from == null ? "(empty)" : from.toString()) + " (seq " + fromSeq
                    + ") is not in the archive: " + describe());
        }
        Instant coveredUntil = Timestamps.toInstant(run.summary().getCoveredUntil());
        if (pointInTime.isAfter(coveredUntil)) {
            throw new ArchiveRefusal("point in time " + pointInTime + " is after what the archive covers from the backup position (seq "
                    + fromSeq + "), until " + coveredUntil + ": " + describe());
        }
        List<ReplayStep> steps = new ArrayList<>();
        Link previous = null;
        for (Link link : run.links()) {
            if (link.lastSeq() <= fromSeq) {
                if (!link.lastAt().isBefore(pointInTime)) {
                    throw new ArchiveRefusal("point in time " + pointInTime + " is before the backup position (seq " + fromSeq
                            + "): the backup holds a transaction of " + link.lastAt() + " (file " + link.entry().getFileName() + ")");
                }
                previous = link;
                continue;
            }
            if (link.firstSeq() <= fromSeq && !link.firstAt().isBefore(pointInTime)) {
                throw new ArchiveRefusal("point in time " + pointInTime + " is before the backup position (seq " + fromSeq
                        + "): the backup holds a transaction of " + link.firstAt() + " (file " + link.entry().getFileName() + ")");
            }
            if (!link.firstAt().isBefore(pointInTime)) {
                break;
            }
            String startAfter = steps.isEmpty() ? (from == null ? "" : from.toString()) : previous.lastGtid();
            steps.add(new ReplayStep(link.entry(), startAfter, link.stopAt()));
            previous = link;
        }
        return new ReplayPlan(List.copyOf(steps), fromPosition, pointInTime);
    }

    /** The runs and gaps, for people: "seq 1..120 (from … until …); gap: seq 121..149 missing; seq 150..200 (…)". */
    public String describe() {
        if (runs.isEmpty()) {
            return "the archive holds no binary logs" + ignoredNote();
        }
        StringBuilder text = new StringBuilder("the archive covers ");
        ArchiveRun previous = null;
        for (Run run : runs) {
            ArchiveRun r = run.summary();
            if (previous != null) {
                text.append("; gap: seq ").append(previous.getLastSeq() + 1).append("..").append(r.getFirstSeq() - 1)
                        .append(" missing; ");
            }
            text.append("seq ").append(r.getFirstSeq()).append("..").append(r.getLastSeq()).append(" (")
                    .append(Timestamps.toInstant(r.getFirstEventAt())).append(" until ")
                    .append(Timestamps.toInstant(r.getCoveredUntil())).append(")");
            previous = r;
        }
        return text + ignoredNote();
    }

    private String ignoredNote() {
        return ignored.isEmpty() ? "" : "; " + ignored.size() + " entries not used (" + ignored.get(0).entry().getFileName() + ": "
                + ignored.get(0).reason() + (ignored.size() > 1 ? ", …" : "") + ")";
    }
}
