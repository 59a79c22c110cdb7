package dev.marina.agent.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.archive.ArchiveChain.ArchiveRefusal;
import dev.marina.agent.archive.ArchiveChain.ReplayPlan;
import dev.marina.schemas.v1.ArchiveRun;
import dev.marina.schemas.v1.ArchivedBinlog;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ArchiveChainTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    /** Minute m after T0. */
    private static Instant at(int minute) {
        return T0.plusSeconds(60L * minute);
    }

    /** A file of {@code instance} (server id {@code server}) archived at {@code epoch}; times are minutes after T0. */
    private static ArchivedBinlog file(String instance, int server, String name, long epoch, long firstSeq, long lastSeq,
            int firstMin, int lastMin, int rotatedMin, String promotedAt) {
        return ArchivedBinlog.newBuilder()
                .setDeployment(DeploymentRef.newBuilder().setTenant("acme").setName("shop"))
                .setInstanceId(instance).setEpoch(epoch).setFileName(name)
                .setStartState("0-" + server + "-" + (firstSeq - 1))
                .setFirstGtid("0-" + server + "-" + firstSeq).setLastGtid("0-" + server + "-" + lastSeq)
                .setFirstEventAt(Timestamps.of(at(firstMin))).setLastEventAt(Timestamps.of(at(lastMin)))
                .setRotatedAt(Timestamps.of(at(rotatedMin))).setTransactions(lastSeq - firstSeq + 1)
                .setPromotedAtPosition(promotedAt)
                .build();
    }

    // A single primary a (server 1, epoch 1): 1..10 (min 0-9), 11..20 (min 10-19), 21..30 (min 20-29, rotated at 30).
    private static final ArchivedBinlog A1 = file("a", 1, "bin.000001", 1, 1, 10, 0, 9, 10, "");
    private static final ArchivedBinlog A2 = file("a", 1, "bin.000002", 1, 11, 20, 10, 19, 20, "");
    private static final ArchivedBinlog A3 = file("a", 1, "bin.000003", 1, 21, 30, 20, 29, 30, "");

    record Row(String name, List<ArchivedBinlog> entries, String from, Instant pointInTime, List<String> runs,
            List<String> steps, String refusal) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** runs as "first..last@coveredUntilMinute"; steps as "file>startAfter|stopAt"; refusal: a part of its message. */
    static Stream<Arguments> table() {
        // Failover: b (server 2) seeded at seq 4, replicated to 15 (log_slave_updates), promoted at epoch 2 at 0-1-15.
        ArchivedBinlog b1 = file("b", 2, "bin.000001", 2, 4, 25, 3, 24, 25, "0-1-15");
        // The GTIDs b replicated keep server 1; only its own start at 16. The chain uses sequence numbers only.
        ArchivedBinlog b2 = file("b", 2, "bin.000002", 2, 26, 40, 25, 39, 41, "0-1-15");
        // The same failover with b seeded at seq 13: a's file 11..20 is needed up to the promotion point, 15.
        ArchivedBinlog c1 = file("b", 2, "bin.000001", 2, 13, 25, 12, 24, 25, "0-1-15");
        // a kept writing 16..20 before it was fenced (a2 crosses the promotion point); a3 is wholly after it: lost.
        return Stream.of(
                row("a single primary's files chain into one run", List.of(A2, A1, A3), "0-1-15", at(25),
                        List.of("1..30@30"), List.of("bin.000002>0-1-15|", "bin.000003>0-1-20|"), null),
                row("a backup at a file's end starts at the next file", List.of(A1, A2, A3), "0-1-10", at(15),
                        List.of("1..30@30"), List.of("bin.000002>0-1-10|"), null),
                row("a file whose first event is at the point in time is not needed", List.of(A1, A2, A3), "0-1-5", at(20),
                        List.of("1..30@30"), List.of("bin.000001>0-1-5|", "bin.000002>0-1-10|"), null),
                row("the last run covers until its last file's rotation", List.of(A1, A2, A3), "0-1-5", at(30),
                        List.of("1..30@30"), List.of("bin.000001>0-1-5|", "bin.000002>0-1-10|", "bin.000003>0-1-20|"), null),
                row("uses the domain-0 part of a multi-domain backup position", List.of(A1, A2, A3), "1-7-3,0-1-15", at(25),
                        List.of("1..30@30"), List.of("bin.000002>0-1-15|", "bin.000003>0-1-20|"), null),
                row("an overlap after a failover continues the run", List.of(A1, A2, A3, b1, b2), "0-1-5", at(40),
                        List.of("1..40@41"), List.of("bin.000001>0-1-5|", "bin.000001>0-1-10|", "bin.000002>0-2-25|"), null),
                row("a lower epoch is cut at the promotion point and its lost branch dropped", List.of(A1, A2, A3, c1, b2),
                        "0-1-12", at(30), List.of("1..40@41"),
                        List.of("bin.000002>0-1-12|stop 0-1-15", "bin.000001>0-1-15|", "bin.000002>0-2-25|"), null),
                row("the old primary's file crossing the promotion point is cut there", List.of(A1, A2, A3, c1, b2), "0-1-5",
                        at(40), List.of("1..40@41"), List.of("bin.000001>0-1-5|", "bin.000002>0-1-10|stop 0-1-15",
                                "bin.000001>0-1-15|", "bin.000002>0-2-25|"), null),
                row("a missing file makes a gap: two runs", List.of(A1, A3), "0-1-25", at(28),
                        List.of("1..10@9", "21..30@30"), List.of("bin.000003>0-1-25|"), null),
                row("a replay across a gap is refused, naming the gap", List.of(A1, A3), "0-1-5", at(25),
                        List.of("1..10@9", "21..30@30"), List.of(), "gap: seq 11..20 missing"),
                row("a point in time beyond covered_until is refused", List.of(A1, A2, A3), "0-1-5", at(31),
                        List.of("1..30@30"), List.of(), "until 2026-12-01T10:30:00Z"),
                row("a point in time before the backup position is refused", List.of(A1, A2, A3), "0-1-15", at(5),
                        List.of("1..30@30"), List.of(), "before the backup position"),
                row("a backup position past the archive is refused", List.of(A1, A2, A3), "0-1-40", at(25),
                        List.of("1..30@30"), List.of(), "is not in the archive"),
                row("a backup position before the archive is refused", List.of(A2, A3), "0-1-5", at(25),
                        List.of("11..30@30"), List.of(), "seq 11..30 (2026-12-01T10:10:00Z until 2026-12-01T10:30:00Z)"),
                row("an entry of another domain is ignored", List.of(A1, A2, A3,
                        A3.toBuilder().setFileName("bin.000009").setFirstGtid("1-1-31").setLastGtid("1-1-50").build()), "0-1-15", at(25),
                        List.of("1..30@30"), List.of("bin.000002>0-1-15|", "bin.000003>0-1-20|"), null),
                row("an empty archive refuses every replay", List.of(), "0-1-5", at(1), List.of(), List.of(), "holds no binary logs"));
    }

    private static Arguments row(String name, List<ArchivedBinlog> entries, String from, Instant t, List<String> runs,
            List<String> steps, String refusal) {
        return Arguments.of(new Row(name, entries, from, t, runs, steps, refusal));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void plans(Row row) {
        ArchiveChain chain = ArchiveChain.of(row.entries());
        assertEquals(row.runs(), chain.runs().stream().map(ArchiveChainTest::run).toList(), "runs");
        if (row.refusal() != null) {
            ArchiveRefusal refusal = assertThrows(ArchiveRefusal.class, () -> chain.plan(row.from(), row.pointInTime()));
            assertTrue(refusal.getMessage().contains(row.refusal()), refusal.getMessage());
            return;
        }
        ReplayPlan plan = chain.plan(row.from(), row.pointInTime());
        assertEquals(row.steps(), plan.steps().stream().map(s -> s.entry().getFileName() + ">" + s.startAfterGtid() + "|"
                + (s.stopAtGtid().isEmpty() ? "" : "stop " + s.stopAtGtid())).toList(), "steps");
        assertEquals(row.from(), plan.fromPosition());
        assertEquals(row.pointInTime(), plan.pointInTime());
    }

    private static String run(ArchiveRun run) {
        long minutes = (Timestamps.toInstant(run.getCoveredUntil()).getEpochSecond() - T0.getEpochSecond()) / 60;
        return run.getFirstSeq() + ".." + run.getLastSeq() + "@" + minutes;
    }

    @Test
    void saysWhyEntriesAreLeftOut() {
        ArchivedBinlog b1 = file("b", 2, "bin.000001", 2, 4, 25, 3, 24, 25, "0-1-15");
        ArchivedBinlog other = A1.toBuilder().setFileName("bin.000009").setFirstGtid("1-1-1").setLastGtid("1-1-9").build();
        ArchiveChain chain = ArchiveChain.of(List.of(A1, A2, A3, b1, other));
        assertEquals(List.of("bin.000009: GTID domain 1", "bin.000003: a lost branch"), chain.ignored().stream()
                .map(i -> i.entry().getFileName() + ": " + i.reason().substring(0, 13)).toList());
        assertEquals(25, chain.endSeq());
        assertEquals("0-2-25", chain.endPosition());
    }

    @Test
    void anEmptyChainEndsAtNothing() {
        ArchiveChain chain = ArchiveChain.of(List.of());
        assertEquals(0, chain.endSeq());
        assertEquals("", chain.endPosition());
        assertEquals(List.of(), chain.runs());
    }

    @Test
    void anEarlierRunIsCoveredOnlyUntilItsLastEvent() {
        ArchiveChain chain = ArchiveChain.of(List.of(A1, A3));
        assertEquals(at(9), Timestamps.toInstant(chain.runs().get(0).getCoveredUntil()));
        assertEquals("0-1-0", chain.runs().get(0).getStartPosition());
        assertEquals("0-1-10", chain.runs().get(0).getEndPosition());
        ArchiveRefusal refusal = assertThrows(ArchiveRefusal.class, () -> chain.plan("0-1-5", at(10)));
        assertTrue(refusal.getMessage().contains("until 2026-12-01T10:09:00Z"), refusal.getMessage());
    }
}
