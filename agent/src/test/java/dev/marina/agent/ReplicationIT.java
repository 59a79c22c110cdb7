package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.decision.Lease;
import dev.marina.agent.kafka.HeartbeatLoop;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.agent.replication.GtidPosition;
import dev.marina.agent.tls.TestCa;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.AgentReason;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replication on three real {@code mariadbd} through the agent's {@link CommandHandler}: a primary and two
 * replicas with certificates of a test CA, GTID replication over verified TLS with semi-sync, a failover
 * after kill -9 of the primary, the old primary back read-only and rejoining, a diverged history refused,
 * and a switchover under a writer without a lost row.
 */
class ReplicationIT {

    private static final String ADMIN = "shop_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final String REPLICATION_PASSWORD = "repl-" + UUID.randomUUID();
    private static final String DEPLOYMENT = "ha/orders";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static Path home;
    private static SecretBox box;
    private static TestCa ca;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        home = Files.createTempDirectory("marina-replication-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
        ca = TestCa.root("marina replication IT CA");
        String version = new MariaDbServer(new InstanceFiles(home), "127.0.0.1", home, MariaDbSettings.defaults()).version();
        TemplateDataDirectory.ensure(home, version, LocalServers.INSTALL_DB);
    }

    @AfterAll
    static void tearDown() {
        if (home != null) {
            LocalServers.killServersUnder(home);
            TemplateDataDirectory.deleteTree(home);
        }
    }

    @Test
    void replicates_fails_over_rejoins_refuses_a_diverged_history_and_switches_over_without_losing_a_row() throws Exception {
        long started = System.nanoTime();
        Set<String> taken = new HashSet<>();
        Node a = new Node("ha-orders-1", taken);
        Node b = new Node("ha-orders-2", taken);
        Node c = new Node("ha-orders-3", taken);
        try {
            // --- Deploy: a primary, two replicas. Replicas write nothing of their own.
            assertReady(a.handle(a.deploy(Role.ROLE_PRIMARY)));
            assertReady(b.handle(b.deploy(Role.ROLE_REPLICA)));
            assertReady(c.handle(c.deploy(Role.ROLE_REPLICA)));
            assertEquals("", b.agentQuery("SELECT @@gtid_binlog_pos"), "a replica's deploy creates no GTID of its own");
            assertEquals("", c.agentQuery("SELECT @@gtid_binlog_pos"));
            assertEquals("1", b.agentQuery("SELECT @@read_only"));
            assertEquals("0", a.agentQuery("SELECT @@read_only"));
            assertEquals("ON", a.agentQuery("SELECT IF(@@rpl_semi_sync_master_enabled, 'ON', 'OFF')"));

            // --- TLS: the primary's certificate first. A replica that trusts only its own bootstrap certificate
            // (an unrelated CA) cannot connect although MASTER_SSL_VERIFY_SERVER_CERT=0: the chain is verified.
            a.installCertificate();
            AgentEvent unverified = b.handle(b.replicate(a, 1));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, unverified.getOutcome(), unverified.getReason());
            assertTrue(unverified.getReason().contains("not connected yet: connection (2026)"), unverified.getReason());
            assertEquals(AgentReason.AGENT_REASON_NOT_CONNECTED_YET, unverified.getReasonCode());
            System.out.printf("ReplicationIT: a primary whose CA the replica does not trust: %s%n", unverified.getReason());
            Heartbeat refused = b.heartbeat();
            assertFalse(refused.getReplicationConnected());
            assertTrue(refused.getReplicationError().contains("SSL"), refused.getReplicationError());
            assertEquals(ReplicationFault.REPLICATION_FAULT_CONNECTION, refused.getReplicationFault());
            // Its own certificate brings the CA into its bundle: the link comes up by itself (it retries every second).
            b.installCertificate();
            await("b connects once it trusts the CA", () -> b.heartbeat().getReplicationConnected());
            c.installCertificate();
            assertEquals("", c.agentQuery("SELECT @@gtid_binlog_pos"), "installing a certificate writes no GTID either");
            AgentEvent streaming = c.handle(c.replicate(a, 1));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, streaming.getOutcome(), streaming.getReason());
            assertEquals("replicating from ha-orders-1 (" + a.address + ")", streaming.getReason());
            AgentEvent again = c.handle(c.replicate(a, 1));
            assertTrue(again.getReason().startsWith("already replicating"), again.getReason());
            await("semi-sync replicas attached", () -> a.status("Rpl_semi_sync_master_clients").equals("2"));

            // --- Rows written on the primary reach both replicas, acknowledged semi-synchronously.
            long yesBefore = Long.parseLong(a.status("Rpl_semi_sync_master_yes_tx"));
            a.adminExecute("CREATE DATABASE shop");
            a.adminExecute("CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))");
            List<Integer> acknowledged = new ArrayList<>();
            for (int id = 1; id <= 20; id++) {
                a.adminExecute("INSERT INTO shop.orders VALUES (" + id + ", 'boat')");
                acknowledged.add(id);
            }
            assertEquals("ON", a.status("Rpl_semi_sync_master_status"));
            long yesAfter = Long.parseLong(a.status("Rpl_semi_sync_master_yes_tx"));
            assertTrue(yesAfter >= yesBefore + 22, "semi-sync acknowledged every transaction: " + yesBefore + " -> " + yesAfter);
            await("rows on b", () -> b.count() == 20);
            await("rows on c", () -> c.count() == 20);
            // The admin user arrived by replication, and read_only stops it on a replica.
            SQLException readOnly = assertThrows(SQLException.class, () -> b.adminExecute("INSERT INTO shop.orders VALUES (999, 'x')"));
            assertEquals(1290, readOnly.getErrorCode(), readOnly.getMessage());

            // Heartbeats: roles, positions, the link.
            Heartbeat primaryBeat = a.heartbeat();
            assertEquals(Role.ROLE_PRIMARY, primaryBeat.getRole());
            assertFalse(primaryBeat.getReadOnly());
            assertFalse(primaryBeat.getFenced());
            assertEquals(a.agentQuery("SELECT @@gtid_binlog_pos"), primaryBeat.getGtidPosition());
            await("b's heartbeat shows when it last heard from its primary", () -> b.heartbeat().getPrimaryLastSeenMs() >= 0);
            Heartbeat replicaBeat = b.heartbeat();
            assertEquals(Role.ROLE_REPLICA, replicaBeat.getRole());
            assertTrue(replicaBeat.getReadOnly());
            assertTrue(replicaBeat.getReplicationConnected());
            assertEquals("ha-orders-1", replicaBeat.getReplicationSource());
            assertEquals("", replicaBeat.getReplicationError());
            assertEquals(ReplicationFault.REPLICATION_FAULT_UNSPECIFIED, replicaBeat.getReplicationFault());
            assertTrue(replicaBeat.getReplicationLagMs() >= 0, "lag " + replicaBeat.getReplicationLagMs());
            assertTrue(replicaBeat.getPrimaryLastSeenMs() < 2_000, "last seen " + replicaBeat.getPrimaryLastSeenMs());
            assertEquals(primaryBeat.getGtidPosition(), replicaBeat.getGtidPosition());

            // --- Failover: kill -9 of the primary's server; PROMOTE the most advanced replica.
            LocalServers.signal(a.serverPid(), "KILL");
            await("replicas notice", () -> !b.heartbeat().getReplicationConnected());
            Node promoted = GtidPosition.parse(b.heartbeat().getGtidPosition()).includes(GtidPosition.parse(c.heartbeat().getGtidPosition()))
                    ? b : c;
            Node other = promoted == b ? c : b;
            long promoteStarted = System.nanoTime();
            AgentEvent promotion = promoted.handle(promoted.command("promote-2", AgentOp.AGENT_OP_PROMOTE, 2)
                    .setDurability(Durability.DURABILITY_SEMI_SYNC).build());
            long promoteMs = (System.nanoTime() - promoteStarted) / 1_000_000;
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promotion.getOutcome(), promotion.getReason());
            assertEquals(promoted.agentQuery("SELECT @@gtid_binlog_pos"), promotion.getGtidPosition());
            assertEquals("0", promoted.agentQuery("SELECT @@read_only"));
            assertEquals(acknowledged.size(), promoted.count(), "every acknowledged row survived");
            // Lossless: a promoted replica's commits wait for a replica, so the other one is re-pointed first.
            AgentEvent moved = other.handle(other.replicate(promoted, 2));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, moved.getOutcome(), moved.getReason());
            await("semi-sync replica attached to the new primary", () -> promoted.status("Rpl_semi_sync_master_clients").equals("1"));
            long firstWriteWithReplica = promoted.timedAdminExecute("INSERT INTO shop.orders VALUES (21, 'after failover')");
            assertEquals("ON", promoted.status("Rpl_semi_sync_master_status"));
            long secondWrite = promoted.timedAdminExecute("INSERT INTO shop.orders VALUES (22, 'with a replica')");
            await("the other replica follows the new primary", () -> other.count() == 22);
            System.out.printf("ReplicationIT figures: promote_ms=%d first_write_with_replica_ms=%d second_write_ms=%d%n",
                    promoteMs, firstWriteWithReplica, secondWrite);

            // A command of the epoch before is refused now.
            AgentEvent stale = other.handle(other.replicate(a, 1));
            assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, stale.getOutcome());
            assertTrue(stale.getReason().startsWith("stale epoch 1"), stale.getReason());
            assertEquals(AgentReason.AGENT_REASON_STALE_EPOCH, stale.getReasonCode());

            // --- The old primary's agent restarts: its server comes back read-only and fenced, never writable on its own.
            Node oldPrimary = a.restartAgent();
            AgentEvent back = oldPrimary.handler.recover().orElseThrow();
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, back.getOutcome(), back.getReason());
            assertTrue(back.getReason().contains("read-only until PROMOTE"), back.getReason());
            assertEquals("1", oldPrimary.agentQuery("SELECT @@read_only"));
            assertTrue(oldPrimary.heartbeat().getFenced());
            assertEquals(1290, assertThrows(SQLException.class,
                    () -> oldPrimary.adminExecute("INSERT INTO shop.orders VALUES (998, 'x')")).getErrorCode());
            // Its history is a prefix of the new primary's: it catches up.
            AgentEvent rejoined = oldPrimary.handle(oldPrimary.replicate(promoted, 2));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, rejoined.getOutcome(), rejoined.getReason());
            await("the old primary catches up", () -> oldPrimary.count() == 22);
            assertFalse(oldPrimary.heartbeat().getFenced());
            assertEquals(Role.ROLE_REPLICA, oldPrimary.heartbeat().getRole());

            // --- A diverged history: a transaction written on the old primary while cut off, one on the primary.
            oldPrimary.agentExecute("STOP SLAVE");
            oldPrimary.agentExecute("INSERT INTO shop.orders VALUES (500, 'written while cut off')");
            promoted.adminExecute("INSERT INTO shop.orders VALUES (23, 'on the primary')");
            AgentEvent diverged = oldPrimary.handle(oldPrimary.replicate(promoted, 2));
            assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, diverged.getOutcome(), diverged.getReason());
            assertTrue(diverged.getReason().startsWith("diverged: "), diverged.getReason());
            assertTrue(oldPrimary.heartbeat().getReplicationError().startsWith("diverged: "), oldPrimary.heartbeat().getReplicationError());
            assertEquals(AgentReason.AGENT_REASON_DIVERGED, diverged.getReasonCode());
            assertEquals(ReplicationFault.REPLICATION_FAULT_DIVERGED, diverged.getReplicationFault());
            assertEquals(ReplicationFault.REPLICATION_FAULT_DIVERGED, oldPrimary.heartbeat().getReplicationFault());
            assertEquals("1", oldPrimary.agentQuery("SELECT @@read_only"));

            // --- Switchover under a writer: FENCE the primary, PROMOTE the replica at the fenced position, REPLICATE the old one.
            await("the replica holds everything before the switchover", () -> other.count() == 23);
            Node from = promoted;
            Node to = other;
            // A target that cannot reach the position in time: FAILED, and it stays a replica.
            AgentEvent tooFar = to.handle(to.command("promote-too-far", AgentOp.AGENT_OP_PROMOTE, 2).setWaitForGtid("0-1-99999").build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, tooFar.getOutcome(), tooFar.getReason());
            assertEquals("1", to.agentQuery("SELECT @@read_only"));
            await("the link is back after the failed promote", () -> to.heartbeat().getReplicationConnected());

            List<Integer> committed = new CopyOnWriteArrayList<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                try (Connection w = from.admin(); PreparedStatement insert = w.prepareStatement("INSERT INTO shop.orders VALUES (?, 'writer')")) {
                    for (int id = 1000; writing.get(); id++) {
                        insert.setInt(1, id);
                        insert.executeUpdate();
                        committed.add(id);
                    }
                } catch (SQLException fenced) {
                    System.out.printf("ReplicationIT: the writer stopped: %s%n", fenced.getMessage());
                }
            }, "writer");
            writer.start();
            await("the writer commits", () -> committed.size() >= 20);
            long switchStarted = System.nanoTime();
            AgentEvent fenced = from.handle(from.command("fence-3", AgentOp.AGENT_OP_FENCE, 3).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, fenced.getOutcome(), fenced.getReason());
            AgentEvent switched = to.handle(to.command("promote-3", AgentOp.AGENT_OP_PROMOTE, 3).setWaitForGtid(fenced.getGtidPosition()).build());
            long switchMs = (System.nanoTime() - switchStarted) / 1_000_000;
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, switched.getOutcome(), switched.getReason());
            writing.set(false);
            writer.join(10_000);
            assertTrue(GtidPosition.parse(switched.getGtidPosition()).includes(GtidPosition.parse(fenced.getGtidPosition())));
            AgentEvent follows = from.handle(from.replicate(to, 3));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, follows.getOutcome(), follows.getReason());
            Set<Integer> onNewPrimary = to.ids();
            for (int id : committed) {
                assertTrue(onNewPrimary.contains(id), "row " + id + " was committed on the old primary and is on the new one");
            }
            to.adminExecute("INSERT INTO shop.orders VALUES (24, 'after the switchover')");
            await("the old primary follows the new one", () -> from.ids().contains(24));
            assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED,
                    from.handle(from.command("promote-stale", AgentOp.AGENT_OP_PROMOTE, 2).build()).getOutcome(), "stale epoch");
            System.out.printf("ReplicationIT figures: switchover_fence_to_promoted_ms=%d rows_committed_by_writer=%d whole_walk_ms=%d%n",
                    switchMs, committed.size(), (System.nanoTime() - started) / 1_000_000);
        } finally {
            for (Node n : List.of(a, b, c)) {
                n.database.close();
                LocalServers.killServersUnder(n.files.dir());
            }
        }
    }

    /**
     * DURABILITY_SEMI_SYNC is lossless: a primary's commit is acknowledged only once a replica holds it. Before any
     * replica attached (as in a deployment of none) commits are not held up; once one did, a commit with no replica
     * connected does not return; a promoted replica waits for a replica from its first write on, and that first write
     * returns as soon as the re-pointed replica holds it (no stall for a timeout).
     */
    @Test
    void with_semi_sync_a_commit_is_acknowledged_only_once_a_replica_holds_it_also_right_after_a_promotion() throws Exception {
        Set<String> taken = new HashSet<>();
        Node a = new Node("ha-orders-6", taken);
        Node b = new Node("ha-orders-7", taken);
        Node c = new Node("ha-orders-8", taken);
        ExecutorService clients = Executors.newCachedThreadPool();
        try {
            assertReady(a.handle(a.deploy(Role.ROLE_PRIMARY, TlsMode.TLS_MODE_DISABLED)));
            assertReady(b.handle(b.deploy(Role.ROLE_REPLICA, TlsMode.TLS_MODE_DISABLED)));
            assertReady(c.handle(c.deploy(Role.ROLE_REPLICA, TlsMode.TLS_MODE_DISABLED)));

            // --- No replica attached yet (a deployment of none looks the same to the agent): commits go through.
            a.adminExecute("CREATE DATABASE shop");
            a.adminExecute("CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))");
            assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA, a.heartbeat().getSemiSyncWait());

            // --- Replicas attach: from now on the primary is lossless.
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, b.handle(b.replicate(a, 1)).getOutcome());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, c.handle(c.replicate(a, 1)).getOutcome());
            await("lossless with both replicas attached", () -> {
                Heartbeat beat = a.heartbeat();
                return beat.getSemiSyncWait() == SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS && beat.getSemiSyncReplicasConnected() == 2;
            });
            assertEquals("AFTER_SYNC", a.agentQuery("SELECT @@rpl_semi_sync_master_wait_point"));

            // --- With a replica connected: acknowledged, and the replicas hold it.
            a.adminExecute("INSERT INTO shop.orders VALUES (1, 'acknowledged')");
            await("the replicas hold row 1", () -> b.ids().contains(1) && c.ids().contains(1));

            // --- No replica connected: the commit does not return (the client gives up after 3 s).
            b.agentExecute("STOP SLAVE");
            c.agentExecute("STOP SLAVE");
            await("no replica connected", () -> a.heartbeat().getSemiSyncReplicasConnected() == 0);
            Future<?> unacknowledged = clients.submit(() -> {
                a.adminExecute("INSERT INTO shop.orders VALUES (2, 'never acknowledged')", 3_000);
                return null;
            });
            await("the commit waits, and the heartbeat says so", () -> a.heartbeat().getCommitsWaiting() == 1);
            Heartbeat blocked = a.heartbeat();
            assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS, blocked.getSemiSyncWait());
            assertEquals(0, blocked.getSemiSyncReplicasConnected());
            ExecutionException timedOut = assertThrows(ExecutionException.class, () -> unacknowledged.get(20, TimeUnit.SECONDS));
            System.out.printf("ReplicationIT: a commit with no replica connected: %s%n", timedOut.getCause().getMessage());
            assertTrue(timedOut.getCause() instanceof SQLException, String.valueOf(timedOut.getCause()));

            // --- The primary dies. The promoted replica holds every acknowledged row, and not the one never acknowledged.
            LocalServers.signal(a.serverPid(), "KILL");
            AgentEvent promotion = b.handle(b.command("promote-2", AgentOp.AGENT_OP_PROMOTE, 2)
                    .setDurability(Durability.DURABILITY_SEMI_SYNC).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promotion.getOutcome(), promotion.getReason());
            assertEquals(Set.of(1), b.ids());
            Heartbeat promotedBeat = b.heartbeat();
            assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS, promotedBeat.getSemiSyncWait(), "lossless before its first write");

            // --- The first write right after the promotion, the other replica re-pointed at once (as the reconciler does):
            // acknowledged only once the replica holds it, and without waiting for a timeout.
            long writeStarted = System.nanoTime();
            Future<Long> first = clients.submit(() -> {
                b.adminExecute("INSERT INTO shop.orders VALUES (3, 'first after the promotion')", 20_000);
                return System.nanoTime();
            });
            long repointStarted = System.nanoTime();
            AgentEvent moved = c.handle(c.replicate(b, 2));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, moved.getOutcome(), moved.getReason());
            long acknowledgedAt = first.get(20, TimeUnit.SECONDS);
            long firstWriteMs = (acknowledgedAt - writeStarted) / 1_000_000;
            long afterRepointMs = (acknowledgedAt - repointStarted) / 1_000_000;
            assertTrue(acknowledgedAt > repointStarted, "acknowledged only once a replica could hold it");
            await("the replica holds the acknowledged row (received before the acknowledgement, applied now)", () -> c.ids().contains(3));
            assertTrue(firstWriteMs < 10_000, "first write " + firstWriteMs + " ms");

            // --- A switchover: the replica is re-pointed right after PROMOTE, then the first write is timed.
            AgentEvent fenced = b.handle(b.command("fence-3", AgentOp.AGENT_OP_FENCE, 3).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, fenced.getOutcome(), fenced.getReason());
            AgentEvent switched = c.handle(c.command("promote-3", AgentOp.AGENT_OP_PROMOTE, 3).setWaitForGtid(fenced.getGtidPosition())
                    .setDurability(Durability.DURABILITY_SEMI_SYNC).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, switched.getOutcome(), switched.getReason());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, b.handle(b.replicate(c, 3)).getOutcome());
            long firstWithReplicaMs = c.timedAdminExecute("INSERT INTO shop.orders VALUES (4, 'first after the switchover')");
            await("the replica holds row 4", () -> b.ids().contains(4));
            assertTrue(firstWithReplicaMs < 10_000, "first write " + firstWithReplicaMs + " ms");
            System.out.printf("ReplicationIT figures: lossless first_write_after_failover_ms=%d (of which after REPLICATE began %d ms) "
                    + "first_write_after_switchover_with_replica_ready_ms=%d%n", firstWriteMs, afterRepointMs, firstWithReplicaMs);
        } finally {
            clients.shutdownNow();
            for (Node n : List.of(a, b, c)) {
                n.database.close();
                LocalServers.killServersUnder(n.files.dir());
            }
        }
    }

    /**
     * A primary with a single replica, lossless. The replica's server restarts while it holds the transaction a commit
     * waits for, the acknowledgement lost (in the field: the replica stopped right after receiving it; made deterministic
     * here by receiving it asynchronously). It reconnects by GTID after that transaction, which the primary never sends
     * again: the commit returns only because the agent releases it, and FENCE then makes the primary read-only.
     */
    @Test
    void a_restarted_sole_replica_that_holds_the_waiting_commit_releases_it() throws Exception {
        Set<String> taken = new HashSet<>();
        Node a = new Node("ha-orders-20", taken);
        Node b = new Node("ha-orders-21", taken);
        ExecutorService clients = Executors.newCachedThreadPool();
        try {
            soleReplica(a, b);

            // --- The replica receives row 2, but the primary gets no acknowledgement for it.
            b.agentExecute("STOP SLAVE");
            b.agentExecute("SET GLOBAL rpl_semi_sync_slave_enabled=OFF");
            b.agentExecute("START SLAVE");
            await("no semi-sync replica connected", () -> a.heartbeat().getSemiSyncReplicasConnected() == 0);
            Future<Long> held = clients.submit(() -> {
                a.adminExecute("INSERT INTO shop.orders VALUES (2, 'held by the replica')", 60_000);
                return System.nanoTime();
            });
            await("the replica holds row 2", () -> b.ids().contains(2));
            await("the commit of row 2 waits", () -> a.heartbeat().getCommitsWaiting() == 1);

            // --- The replica's server restarts (as UPDATE does), semi-sync again: it resumes after row 2.
            b.database.stop();
            b.database.start(Size.SIZE_SMALL, false, true);
            await("the replica attached again", () -> a.heartbeat().getSemiSyncReplicasConnected() == 1);
            long attached = System.nanoTime();
            // Heartbeats go on as in the agent; no other client writes.
            await("the commit of row 2 returns", () -> {
                a.heartbeat();
                return held.isDone();
            });
            long releasedMs = (held.get() - attached) / 1_000_000;
            assertEquals(Set.of(1, 2), a.ids());
            assertEquals(Set.of(1, 2), b.ids(), "the replica holds every acknowledged row");

            // --- FENCE makes the primary read-only, at a position the replica holds.
            AgentEvent fenced = a.handle(a.command("fence-2", AgentOp.AGENT_OP_FENCE, 2).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, fenced.getOutcome(), fenced.getReason());
            assertEquals("1", a.agentQuery("SELECT @@read_only"));
            await("the replica holds the fenced position", () -> GtidPosition.parse(b.column("SELECT @@gtid_current_pos").get(0))
                    .includes(GtidPosition.parse(fenced.getGtidPosition())));
            System.out.printf("ReplicationIT figures: stalled_commit_released_after_reattach_ms=%d%n", releasedMs);
        } finally {
            clients.shutdownNow();
            for (Node n : List.of(a, b)) {
                n.database.close();
                LocalServers.killServersUnder(n.files.dir());
            }
        }
    }

    /**
     * FENCE while a commit waits for a replica that does not hold it (the sole replica stopped): it fails within its
     * bound, saying why, and leaves the server writable, with no statement left behind that would make it read-only
     * later; once the replica is back and acknowledges, FENCE succeeds.
     */
    @Test
    void fence_with_a_commit_waiting_for_an_absent_replica_fails_within_its_bound() throws Exception {
        Set<String> taken = new HashSet<>();
        Node a = new Node("ha-orders-22", taken);
        Node b = new Node("ha-orders-23", taken);
        ExecutorService clients = Executors.newCachedThreadPool();
        try {
            soleReplica(a, b);
            b.agentExecute("STOP SLAVE");
            await("no replica connected", () -> a.heartbeat().getSemiSyncReplicasConnected() == 0);
            Future<?> waiting = clients.submit(() -> {
                a.adminExecute("INSERT INTO shop.orders VALUES (2, 'waits for the replica')", 60_000);
                return null;
            });
            await("the commit waits", () -> a.heartbeat().getCommitsWaiting() == 1);

            long fenceStarted = System.nanoTime();
            AgentEvent refused = a.handle(a.command("fence-2", AgentOp.AGENT_OP_FENCE, 2).build());
            long fenceMs = (System.nanoTime() - fenceStarted) / 1_000_000;
            assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, refused.getOutcome(), refused.getReason());
            assertTrue(refused.getReason().contains("semi-sync acknowledgement"), refused.getReason());
            assertTrue(fenceMs < 9_000, "FENCE answered after " + fenceMs + " ms");
            assertEquals("0", a.agentQuery("SELECT @@read_only"), "a failed FENCE leaves the server writable");
            assertEquals("0", a.agentQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SET GLOBAL read_only%'"),
                    "no read_only statement left waiting");

            // The replica comes back from before row 2: it receives and acknowledges it, as MariaDB does by itself.
            b.agentExecute("START SLAVE");
            waiting.get(20, TimeUnit.SECONDS);
            AgentEvent fenced = a.handle(a.command("fence-3", AgentOp.AGENT_OP_FENCE, 3).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, fenced.getOutcome(), fenced.getReason());
            assertEquals("1", a.agentQuery("SELECT @@read_only"));
            System.out.printf("ReplicationIT figures: fence_refused_ms=%d%n", fenceMs);
        } finally {
            clients.shutdownNow();
            for (Node n : List.of(a, b)) {
                n.database.close();
                LocalServers.killServersUnder(n.files.dir());
            }
        }
    }

    /** {@code a} a lossless primary with {@code b} its only replica, attached, holding row 1 of shop.orders. */
    private static void soleReplica(Node a, Node b) throws Exception {
        assertReady(a.handle(a.deploy(Role.ROLE_PRIMARY, TlsMode.TLS_MODE_DISABLED)));
        assertReady(b.handle(b.deploy(Role.ROLE_REPLICA, TlsMode.TLS_MODE_DISABLED)));
        a.adminExecute("CREATE DATABASE shop");
        a.adminExecute("CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))");
        assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, b.handle(b.replicate(a, 1)).getOutcome());
        await("lossless with the replica attached", () -> {
            Heartbeat beat = a.heartbeat();
            return beat.getSemiSyncWait() == SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS && beat.getSemiSyncReplicasConnected() == 1;
        });
        a.adminExecute("INSERT INTO shop.orders VALUES (1, 'acknowledged')");
        await("the replica holds row 1", () -> b.ids().contains(1));
    }

    /**
     * Replicas scaled N → 0: an armed primary whose only replica was retired blocks every commit until the
     * reconciler tells it the deployment wants no replicas; then the blocked commit returns and the next commits at once.
     */
    @Test
    void a_primary_told_its_replicas_were_retired_stops_waiting_for_one() throws Exception {
        Set<String> taken = new HashSet<>();
        Node a = new Node("ha-orders-11", taken);
        Node b = new Node("ha-orders-12", taken);
        ExecutorService clients = Executors.newCachedThreadPool();
        try {
            assertReady(a.handle(a.deploy(Role.ROLE_PRIMARY, TlsMode.TLS_MODE_DISABLED)));
            assertReady(b.handle(b.deploy(Role.ROLE_REPLICA, TlsMode.TLS_MODE_DISABLED)));
            a.adminExecute("CREATE DATABASE shop");
            a.adminExecute("CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))");
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, b.handle(b.replicate(a, 1)).getOutcome());
            await("lossless with the replica attached", () -> {
                Heartbeat beat = a.heartbeat();
                return beat.getSemiSyncWait() == SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS && beat.getSemiSyncReplicasConnected() == 1;
            });
            a.adminExecute("INSERT INTO shop.orders VALUES (1, 'acknowledged by the replica')");

            // --- The replica is retired: the primary cannot tell that from a dead replica, and its commits block.
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, b.handle(b.command("destroy-b", AgentOp.AGENT_OP_DESTROY, 1)
                    .build()).getOutcome());
            await("no replica connected", () -> a.heartbeat().getSemiSyncReplicasConnected() == 0);
            Future<Long> blocked = clients.submit(() -> {
                a.adminExecute("INSERT INTO shop.orders VALUES (2, 'blocked until told')", 20_000);
                return System.nanoTime();
            });
            await("the commit waits for a replica", () -> a.heartbeat().getCommitsWaiting() == 1);

            // --- The reconciler tells it the deployment wants no replicas.
            long toldAt = System.nanoTime();
            AgentEvent told = a.handle(a.command("replicas-0", AgentOp.AGENT_OP_SET_REPLICAS_WANTED, 1).setRole(Role.ROLE_PRIMARY)
                    .setDurability(Durability.DURABILITY_SEMI_SYNC).setReplicasWanted(0).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, told.getOutcome(), told.getReason());
            assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_OFF, told.getSemiSyncWait());
            long releasedMs = (blocked.get(10, TimeUnit.SECONDS) - toldAt) / 1_000_000;
            long nextMs = a.timedAdminExecute("INSERT INTO shop.orders VALUES (3, 'at once')");
            assertTrue(nextMs < 2_000, "next commit " + nextMs + " ms");
            assertEquals(Set.of(1, 2, 3), a.ids());
            Heartbeat after = a.heartbeat();
            assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_OFF, after.getSemiSyncWait());
            assertEquals(0, after.getCommitsWaiting());
            assertEquals("0", a.agentQuery("SELECT @@read_only"), "still writable");
            System.out.printf("ReplicationIT figures: scaled to 0 blocked_commit_released_after_told_ms=%d next_commit_ms=%d%n",
                    releasedMs, nextMs);
        } finally {
            clients.shutdownNow();
            for (Node n : List.of(a, b)) {
                n.database.close();
                LocalServers.killServersUnder(n.files.dir());
            }
        }
    }

    /**
     * A replica that stopped while its primary wrote on and purged those binary logs cannot continue: REPLICATE
     * answers FAILED with CANNOT_CATCH_UP as code and fault, heartbeats say the same, and a repeat gets the same answer.
     */
    @Test
    void a_replica_whose_primary_purged_the_binlogs_it_needs_cannot_catch_up() throws Exception {
        Set<String> taken = new HashSet<>();
        Node primary = new Node("ha-orders-4", taken);
        Node replica = new Node("ha-orders-5", taken);
        try {
            assertReady(primary.handle(primary.deploy(Role.ROLE_PRIMARY, TlsMode.TLS_MODE_DISABLED)));
            assertReady(replica.handle(replica.deploy(Role.ROLE_REPLICA, TlsMode.TLS_MODE_DISABLED)));
            AgentEvent streaming = replica.handle(replica.replicate(primary, 1));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, streaming.getOutcome(), streaming.getReason());
            assertEquals(AgentReason.AGENT_REASON_UNSPECIFIED, streaming.getReasonCode());
            primary.adminExecute("CREATE DATABASE shop");
            primary.adminExecute("CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40))");
            primary.adminExecute("INSERT INTO shop.orders VALUES (1, 'boat')");
            await("the replica has the first row", () -> replica.count() == 1);

            // The replica stops; the primary writes on, starts a new binary log and purges every older one.
            replica.agentExecute("STOP SLAVE");
            for (int id = 2; id <= 5; id++) {
                primary.adminExecute("INSERT INTO shop.orders VALUES (" + id + ", 'while the replica was away')");
            }
            primary.agentExecute("FLUSH BINARY LOGS");
            String current = primary.agentQuery("SHOW MASTER STATUS");
            // A log the server still needs (its binlog checkpoint, a dump thread still reading it) is kept: ask again.
            await("only the current binary log is left", () -> {
                primary.agentExecute("PURGE BINARY LOGS TO '" + current + "'");
                return primary.column("SHOW BINARY LOGS").equals(List.of(current));
            });

            AgentCommand command = replica.replicate(primary, 2);
            AgentEvent failed = replica.handle(command);
            System.out.printf("ReplicationIT: REPLICATE from a primary that purged the binlogs: %s%n", ProtoJsonSerde.toJson(failed));
            assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, failed.getOutcome(), failed.getReason());
            assertEquals(AgentReason.AGENT_REASON_CANNOT_CATCH_UP, failed.getReasonCode());
            assertEquals(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP, failed.getReplicationFault());
            assertEquals(command.getAction(), failed.getAction());
            assertEquals(command.getCommandId(), failed.getCommandId());
            assertTrue(failed.getReason().startsWith("cannot catch up: "), failed.getReason());
            assertEquals("1", replica.agentQuery("SELECT @@read_only"));

            // the IO thread may still be winding down for a moment after the fatal error: the heartbeat
            // must settle on "not connected", with the fault and its reason
            Heartbeat[] last = new Heartbeat[1];
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).pollInterval(java.time.Duration.ofMillis(200))
                    .until(() -> {
                        last[0] = replica.heartbeat();
                        return !last[0].getReplicationConnected();
                    });
            Heartbeat beat = last[0];
            System.out.printf("ReplicationIT: its heartbeat: %s%n", ProtoJsonSerde.toJson(beat));
            assertEquals(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP, beat.getReplicationFault());
            assertTrue(beat.getReplicationError().startsWith("cannot catch up: "), beat.getReplicationError());
            assertFalse(beat.getReplicationConnected());

            AgentEvent repeated = replica.handle(command);
            assertEquals(AgentOutcome.AGENT_OUTCOME_FAILED, repeated.getOutcome(), repeated.getReason());
            assertEquals(AgentReason.AGENT_REASON_CANNOT_CATCH_UP, repeated.getReasonCode());
            assertEquals(ReplicationFault.REPLICATION_FAULT_CANNOT_CATCH_UP, repeated.getReplicationFault());
            assertEquals(command.getAction(), repeated.getAction());
            assertEquals(1, replica.count(), "nothing arrived");
        } finally {
            for (Node n : List.of(primary, replica)) {
                n.database.close();
                LocalServers.killServersUnder(n.files.dir());
            }
        }
    }

    private static void assertReady(AgentEvent event) {
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, event.getOutcome(), event.getReason());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // e.g. the table has not arrived yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** One instance: its folder, its server, its agent's command handler. */
    private static final class Node {
        final String id;
        final String address;
        final InstanceFiles files;
        final MariaDbServer database;
        final CommandHandler handler;
        final InstanceIdentity identity;
        private long sequence;

        Node(String id, Set<String> taken) {
            this(id, distinctAddress(taken));
        }

        private Node(String id, String address) {
            this.id = id;
            this.address = address;
            this.files = new InstanceFiles(home.resolve("instances").resolve(id));
            this.identity = new InstanceIdentity(id, DEPLOYMENT, address);
            this.database = new MariaDbServer(files, address, home, MariaDbSettings.defaults());
            this.handler = new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()),
                    new SamplingGate(), Clock.systemUTC(), new Lease(Duration.ofSeconds(1)), Duration.ofSeconds(3));
        }

        /** A new agent process on the same folder (the old one's connections closed). */
        Node restartAgent() {
            database.close();
            return new Node(id, address);
        }

        private static String distinctAddress(Set<String> taken) {
            while (true) {
                String address = LocalServers.freeAddress();
                if (taken.add(address)) {
                    return address;
                }
            }
        }

        AgentEvent handle(AgentCommand command) {
            return handler.handle(command);
        }

        AgentCommand.Builder command(String commandId, AgentOp op, long epoch) {
            return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId(id).setOp(op).setEpoch(epoch)
                    .setDeployment(DeploymentKey.parse(DEPLOYMENT));
        }

        AgentCommand deploy(Role role) {
            return deploy(role, TlsMode.TLS_MODE_SELF_SIGNED);
        }

        AgentCommand deploy(Role role, TlsMode tlsMode) {
            return command("deploy-" + id, AgentOp.AGENT_OP_DEPLOY, 1).setEngine(Engine.ENGINE_MARIADB).setVersion("10.11")
                    .setSize(Size.SIZE_SMALL).setAdminUser(ADMIN).setAdminPassword(box.seal(PASSWORD)).setTlsMode(tlsMode)
                    .setRole(role).setReplicationPassword(box.seal(REPLICATION_PASSWORD)).setDurability(Durability.DURABILITY_SEMI_SYNC)
                    .build();
        }

        AgentCommand replicate(Node primary, long epoch) {
            return command("replicate-" + id + "-" + UUID.randomUUID(), AgentOp.AGENT_OP_REPLICATE, epoch)
                    .setAction(ActionKey.newBuilder().setKind(ActionKind.ACTION_KIND_REPLICATE).setInstanceId(id).setEpoch(epoch))
                    .setPrimaryAddress(primary.address).setPrimaryInstanceId(primary.id)
                    .setReplicationPassword(box.seal(REPLICATION_PASSWORD)).setDurability(Durability.DURABILITY_SEMI_SYNC).build();
        }

        void installCertificate() {
            List<String> names = List.of(id + ".ha.db.test");
            AgentEvent csr = handle(command("csr-" + id, AgentOp.AGENT_OP_MAKE_CSR, 1).setCertRequestId("r1").addAllDnsNames(names).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, csr.getOutcome(), csr.getReason());
            AgentEvent installed = handle(command("install-" + id, AgentOp.AGENT_OP_INSTALL_CERT, 1).setCertRequestId("r1")
                    .setCertChainPem(ca.chainPem(ca.sign(csr.getCsrPem()))).setCaBundlePem(ca.pem()).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, installed.getOutcome(), installed.getReason());
        }

        Heartbeat heartbeat() {
            return HeartbeatLoop.heartbeat(identity, database.observe(), handler.roleFacts(), ++sequence, Clock.systemUTC());
        }

        Connection admin() throws SQLException {
            return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=REQUIRED&connectTimeout=2000", ADMIN, PASSWORD);
        }

        /** A client that gives up on a statement after {@code socketTimeoutMs}. */
        void adminExecute(String sql, int socketTimeoutMs) throws SQLException {
            try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=REQUIRED&connectTimeout=2000"
                    + "&socketTimeout=" + socketTimeoutMs, ADMIN, PASSWORD); Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }

        void adminExecute(String sql) throws SQLException {
            try (Connection c = admin(); Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }

        /** Milliseconds the statement took on an open connection (the commit included, autocommit). */
        long timedAdminExecute(String sql) throws SQLException {
            try (Connection c = admin(); Statement s = c.createStatement()) {
                long started = System.nanoTime();
                s.execute(sql);
                return (System.nanoTime() - started) / 1_000_000;
            }
        }

        private Connection agent() throws SQLException, IOException {
            return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=REQUIRED&connectTimeout=2000",
                    MariaDbServer.AGENT_USER, Files.readString(files.agentSecret()).trim());
        }

        String agentQuery(String sql) throws SQLException, IOException {
            try (Connection c = agent(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                assertTrue(r.next(), sql);
                String value = r.getString(1);
                return value == null ? "" : value;
            }
        }

        void agentExecute(String sql) {
            try (Connection c = agent(); Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The first column of every row. */
        List<String> column(String sql) {
            List<String> values = new ArrayList<>();
            try (Connection c = agent(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                while (r.next()) {
                    values.add(r.getString(1));
                }
            } catch (SQLException | IOException e) {
                throw new IllegalStateException(e);
            }
            return values;
        }

        String status(String variable) {
            try (Connection c = agent(); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SHOW GLOBAL STATUS LIKE '" + variable + "'")) {
                assertTrue(r.next(), variable);
                return r.getString(2);
            } catch (SQLException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        int count() {
            try {
                return Integer.parseInt(agentQuery("SELECT COUNT(*) FROM shop.orders WHERE id < 1000"));
            } catch (SQLException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        Set<Integer> ids() {
            Set<Integer> ids = new HashSet<>();
            try (Connection c = agent(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT id FROM shop.orders")) {
                while (r.next()) {
                    ids.add(r.getInt(1));
                }
            } catch (SQLException | IOException e) {
                throw new IllegalStateException(e);
            }
            return ids;
        }

        long serverPid() throws IOException {
            return Long.parseLong(Files.readString(files.pidFile()).trim());
        }
    }
}
