package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.decision.Lease;
import dev.marina.agent.kafka.HeartbeatLoop;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A primary on a real {@code mariadbd} whose heartbeats stop being acknowledged (a producer whose sends
 * never complete, as when the broker is gone) makes itself read-only within the lease, reports
 * {@code fenced} once heartbeats go through again, and stays read-only until PROMOTE.
 */
class SelfFencingIT {

    private static final Duration LEASE = Duration.ofSeconds(1);
    private static final Duration INTERVAL = Duration.ofMillis(200);
    /** A tick late, the SET GLOBAL, a busy CI machine. */
    private static final Duration SLACK = Duration.ofMillis(600);
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    private static Path home;
    private static SecretBox box;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        home = Files.createTempDirectory("marina-self-fencing-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
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
    void a_primary_cut_off_from_the_broker_fences_itself_within_the_lease_and_says_so_when_heard_again() throws Exception {
        String id = "fence-orders-1";
        String address = LocalServers.freeAddress();
        InstanceFiles files = new InstanceFiles(home.resolve("instances").resolve(id));
        InstanceIdentity identity = new InstanceIdentity(id, "fence/orders", address);
        MariaDbServer database = new MariaDbServer(files, address, home, MariaDbSettings.defaults());
        CommandHandler handler = new CommandHandler(identity, files, database, () -> box, new AgentMetrics(new SimpleMeterRegistry()),
                new SamplingGate(), Clock.systemUTC(), new Lease(LEASE), Duration.ofSeconds(5));
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        AtomicBoolean brokerUp = new AtomicBoolean(true);
        Thread broker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                if (brokerUp.get()) {
                    while (producer.completeNext()) {
                        // acknowledged
                    }
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fake-broker");
        SelfFencing fencing = new SelfFencing(identity, handler);
        HeartbeatLoop heartbeats = new HeartbeatLoop(identity, TestProofs.PLATFORM.forInstance(identity.deploymentKey(), identity.instanceId()),
                producer, INTERVAL, database::observe, handler::roleFacts, fencing,
                new AgentMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
        try {
            AgentEvent ready = handler.handle(deploy(id));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
            broker.start();
            heartbeats.start();

            // Acknowledged heartbeats keep the lease: still writable after several leases' time.
            Thread.sleep(LEASE.multipliedBy(2).toMillis());
            assertEquals("0", query(files, address, "SELECT @@read_only"));
            assertTrue(handler.writablePrimary());

            // The broker goes away: no acknowledgement any more.
            brokerUp.set(false);
            long cut = System.nanoTime();
            long fencedAfterMs = -1;
            while (System.nanoTime() - cut < LEASE.plus(SLACK).plus(Duration.ofSeconds(2)).toNanos()) {
                if (query(files, address, "SELECT @@read_only").equals("1")) {
                    fencedAfterMs = (System.nanoTime() - cut) / 1_000_000;
                    break;
                }
                Thread.sleep(10);
            }
            System.out.printf("SelfFencingIT figure: read_only_after_ms=%d (lease %d ms, heartbeat every %d ms)%n", fencedAfterMs,
                    LEASE.toMillis(), INTERVAL.toMillis());
            assertTrue(fencedAfterMs >= 0, "read-only at all");
            // The lease runs from the last acknowledged send, which was at most one interval before the cut.
            assertTrue(fencedAfterMs >= LEASE.minus(INTERVAL).minusMillis(50).toMillis(), "not before the lease ran out: " + fencedAfterMs);
            assertTrue(fencedAfterMs <= LEASE.plus(SLACK).toMillis(), "within the lease and some slack: " + fencedAfterMs);
            // The fencing thread records it right after the SET GLOBAL.
            long recorded = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (handler.writablePrimary() && System.nanoTime() < recorded) {
                Thread.sleep(5);
            }
            assertFalse(handler.writablePrimary());
            assertTrue(handler.roleFacts().fenced());

            // The broker is back: heartbeats go through and say fenced; the primary stays read-only on its own.
            int before = producer.history().size();
            brokerUp.set(true);
            Thread.sleep(LEASE.multipliedBy(2).toMillis());
            List<Heartbeat> after = decode(producer.history().subList(before, producer.history().size()));
            assertFalse(after.isEmpty());
            Heartbeat last = after.get(after.size() - 1);
            assertTrue(last.getFenced(), last.toString());
            assertTrue(last.getReadOnly());
            assertEquals(1, last.getEpoch());
            assertEquals("1", query(files, address, "SELECT @@read_only"), "acknowledged heartbeats do not make it writable again");

            // PROMOTE with its epoch: writable, not fenced, and the lease is kept by the heartbeats again.
            AgentEvent promoted = handler.handle(AgentCommand.newBuilder().setCommandId("promote-1").setInstanceId(id)
                    .setDeployment(DeploymentKey.parse("fence/orders")).setOp(AgentOp.AGENT_OP_PROMOTE).setEpoch(1).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, promoted.getOutcome(), promoted.getReason());
            Thread.sleep(LEASE.multipliedBy(2).toMillis());
            assertEquals("0", query(files, address, "SELECT @@read_only"));
            List<Heartbeat> all = decode(producer.history());
            assertFalse(all.get(all.size() - 1).getFenced());
        } finally {
            heartbeats.close();
            fencing.close();
            broker.interrupt();
            database.close();
            LocalServers.killServersUnder(files.dir());
        }
    }

    private static AgentCommand deploy(String id) {
        return AgentCommand.newBuilder().setCommandId("deploy-1").setInstanceId(id).setOp(AgentOp.AGENT_OP_DEPLOY).setEpoch(1)
                .setDeployment(DeploymentKey.parse("fence/orders")).setEngine(Engine.ENGINE_MARIADB).setVersion("10.11")
                .setSize(Size.SIZE_SMALL).setAdminUser("shop_admin").setAdminPassword(box.seal(PASSWORD)).build();
    }

    private static List<Heartbeat> decode(List<ProducerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> ProtoJsonSerde.fromJson(Heartbeat.getDefaultInstance(), r.value()).value()).toList();
    }

    private static String query(InstanceFiles files, String address, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=REQUIRED&connectTimeout=2000",
                MariaDbServer.AGENT_USER, Files.readString(files.agentSecret()).trim());
                Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }
}
