package dev.marina.simulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.database.Observation;
import dev.marina.agent.database.SemiSync;
import dev.marina.schemas.gtid.Gtids;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the control plane can see of a simulated server behaves as a MariaDB server's would. */
class SimulatedServerTest {

    private static final List<String> VERSIONS = List.of("10.11.18", "10.11.19");

    /** Three servers of one deployment on a little network. */
    private final Map<String, SimulatedServer> network = new HashMap<>();
    private final SimulatedServer.Neighbours neighbours = new SimulatedServer.Neighbours() {
        @Override
        public Optional<SimulatedServer> at(String address) {
            return Optional.ofNullable(network.get(address));
        }

        @Override
        public Collection<SimulatedServer> peersOf(SimulatedServer server) {
            List<SimulatedServer> peers = new ArrayList<>(network.values());
            peers.remove(server);
            return peers;
        }
    };
    private final SimulatedServer primary = server(11, "198.18.0.1");
    private final SimulatedServer replica = server(22, "198.18.0.2");
    private final SimulatedServer other = server(33, "198.18.0.3");

    private SimulatedServer server(long id, String address) {
        SimulatedServer server = new SimulatedServer(id, address, VERSIONS, neighbours);
        network.put(address, server);
        return server;
    }

    private static void start(SimulatedServer server) {
        server.prepare(Size.SIZE_SMALL);
        server.start(Size.SIZE_SMALL, true, true);
    }

    @Test
    void aWritablePrimaryCommitsOneTransactionPerTickAndAReadOnlyOneNone() {
        start(primary);
        primary.tick();
        assertEquals("", primary.binlogPosition(), "a server starts read-only: nothing is written");
        primary.makeWritable(SemiSync.Master.OFF);
        primary.tick();
        primary.tick();
        assertEquals("0-11-2", primary.binlogPosition());
        assertEquals("0-11-2", primary.makeReadOnly(), "fencing says where the primary stopped");
        primary.tick();
        assertEquals("0-11-2", primary.binlogPosition());
    }

    @Test
    void aReplicaHoldsItsPrimarysPositionAndAPromotedOneContinuesUnderItsOwnServerId() {
        start(primary);
        start(replica);
        primary.makeWritable(SemiSync.Master.UNTIL_FIRST_REPLICA);
        primary.tick();
        DatabaseServer.Replication link = replica.replicate(new DatabaseServer.Source(primary.address(), null), "pw", true,
                Duration.ofSeconds(1));
        assertEquals(DatabaseServer.Link.STREAMING, link.link());
        assertEquals("0-11-1", link.position());
        primary.tick();
        Observation seen = replica.observe();
        assertEquals("0-11-2", seen.gtidPosition());
        assertTrue(seen.readOnly());
        assertTrue(seen.replica().connected());
        assertEquals(DatabaseServer.Link.ALREADY, replica.replicate(new DatabaseServer.Source(primary.address(), null), "pw", true,
                Duration.ofSeconds(1)).link());

        primary.stop(); // the primary's host died
        Observation orphaned = replica.observe();
        assertFalse(orphaned.replica().connected());
        assertEquals(ReplicationFault.REPLICATION_FAULT_CONNECTION, orphaned.replica().error().fault());
        assertEquals("0-11-2", orphaned.gtidPosition(), "a replica keeps what it received");

        replica.stopReplicating("", Duration.ofSeconds(1));
        replica.makeWritable(SemiSync.Master.OFF);
        replica.tick();
        assertEquals("0-22-3", replica.binlogPosition());
        assertTrue(Gtids.compare("0-22-3", "0-11-2") > 0, "the new primary's history continues the old one's");
    }

    @Test
    void aSemiSyncPrimaryBecomesLosslessOnceAReplicaAttached() {
        start(primary);
        start(replica);
        primary.makeWritable(SemiSync.Master.UNTIL_FIRST_REPLICA);
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_UNTIL_FIRST_REPLICA, SemiSync.waitOf(primary.observe().semiSync()));
        replica.replicate(new DatabaseServer.Source(primary.address(), null), "pw", true, Duration.ofSeconds(1));
        SemiSync.Reading reading = primary.observe().semiSync();
        assertEquals(1, reading.replicasConnected());
        assertEquals(SemiSyncWait.SEMI_SYNC_WAIT_LOSSLESS, SemiSync.waitOf(reading));
        assertNull(replica.observe().semiSync(), "a replica reports no primary side");
    }

    @Test
    void aReplicaOfAPrimaryThatDoesNotAnswerKeepsConnecting() {
        start(replica);
        DatabaseServer.Replication link = replica.replicate(new DatabaseServer.Source("198.18.9.9", null), "pw", true,
                Duration.ofSeconds(1));
        assertEquals(DatabaseServer.Link.CONNECTING, link.link());
        assertEquals(ReplicationFault.REPLICATION_FAULT_CONNECTION, link.error().fault());
    }

    @Test
    void buildsAreTheOfferedVersionsAndAnotherIsRefused() {
        assertEquals(VERSIONS, other.versions());
        assertEquals("10.11.19", other.version());
        other.configure(ServerConfig.newBuilder().setVersion("10.11.18").build());
        assertEquals("10.11.18", other.configured().getVersion());
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> other.configure(ServerConfig.newBuilder().setVersion("11.4.2").build()));
        assertTrue(refused.getMessage().contains("not installed"), refused.getMessage());
    }

    @Test
    void whatNeedsRealDataIsRefusedWithAReason() {
        IllegalStateException restore = assertThrows(IllegalStateException.class,
                () -> other.prepareRestored(Size.SIZE_SMALL, Path.of("/nowhere"), false));
        assertTrue(restore.getMessage().startsWith(SimulatedServer.NO_DATA_PLANE), restore.getMessage());
        assertTrue(other.wakeUnavailable().isPresent());
        assertThrows(IllegalStateException.class, () -> other.ensureAdminUser("admin", "pw"), "a stopped server takes no writes");
        assertFalse(other.observe().reachable());
        assertNotNull(other.observe().error());
    }

    @Test
    void destroyingForgetsEverything() {
        start(primary);
        primary.makeWritable(SemiSync.Master.OFF);
        primary.tick();
        primary.removeData();
        assertFalse(primary.hasData());
        assertFalse(primary.answers());
        assertEquals("", primary.binlogPosition());
    }

    @Test
    void addressesStayInTheBenchmarkingRangeAndSkipNetworkAndBroadcast() {
        assertEquals("198.18.0.1", SimulatedPlane.address(1));
        assertEquals("198.18.0.254", SimulatedPlane.address(254));
        assertEquals("198.18.1.1", SimulatedPlane.address(255));
        assertEquals("198.19.255.254", SimulatedPlane.address(512L * 254));
        assertThrows(IllegalStateException.class, () -> SimulatedPlane.address(512L * 254 + 1));
        assertTrue(SimulatedPlane.serverId("acme-orders-1") > 0);
    }
}
