package dev.marina.agent;

import static dev.marina.schemas.metrics.MetricNames.BUFFER_POOL_HIT_RATIO;
import static dev.marina.schemas.metrics.MetricNames.CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.CPU_PERCENT;
import static dev.marina.schemas.metrics.MetricNames.DISK_BYTES;
import static dev.marina.schemas.metrics.MetricNames.MEMORY_BYTES;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_TOTAL;
import static dev.marina.schemas.metrics.MetricNames.REPLICATION_LAG_SECONDS;
import static dev.marina.schemas.metrics.MetricNames.ROWS_WRITTEN_TOTAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.Size;
import dev.marina.service.SecretBox;
import dev.marina.service.Timestamps;
import dev.marina.testkit.SharedKafka;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Metric samples from an agent running a real {@code mariadbd}, read back from a real broker's
 * {@code metrics} topic: what a primary sends, rates that follow the load, no rates across a server
 * crash, and nothing once the database is destroyed.
 */
class MetricSamplesIT {

    private static final String ADMIN = "shop_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration METRICS_INTERVAL = Duration.ofMillis(500);
    private static final Set<String> PRIMARY_GAUGES = MetricNames.GAUGES.stream()
            .filter(g -> !g.equals(REPLICATION_LAG_SECONDS)).collect(Collectors.toSet());

    private static String servers;
    private static Path home;
    private static SecretBox box;
    private static KafkaProducer<byte[], byte[]> producer;

    private Agent agent;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        servers = SharedKafka.bootstrapServers();
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);
        home = Files.createTempDirectory("marina-metrics-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(props);
        String version = new MariaDbServer(new InstanceFiles(home), "127.0.0.1", home, MariaDbSettings.defaults()).version();
        TemplateDataDirectory.ensure(home, version, LocalServers.INSTALL_DB);
    }

    @AfterEach
    void stopAgent() {
        if (agent != null) {
            agent.close();
        }
        LocalServers.killServersUnder(home);
    }

    @AfterAll
    static void tearDown() {
        if (producer != null) {
            producer.close();
        }
        if (home != null) {
            LocalServers.killServersUnder(home);
            TemplateDataDirectory.deleteTree(home);
        }
    }

    @Test
    void a_primary_sends_samples_whose_rates_follow_its_load_and_none_once_destroyed() throws Exception {
        String tenant = "mt" + UUID.randomUUID().toString().substring(0, 8);
        String key = tenant + "/orders";
        String id = tenant + "-orders-1";
        String address = LocalServers.freeAddress();
        InstanceFiles files = new InstanceFiles(home.resolve("instances").resolve(id));
        AgentSettings settings = new AgentSettings(new InstanceIdentity(id, key, address), files, home,
                Optional.of(Instant.now()), SharedKafka.agentClientProperties(id), home.resolve("secrets/platform.key"), TestProofs.keyFile(files, key, id),
                Duration.ofMillis(200),
                METRICS_INTERVAL, MariaDbSettings.defaults());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        try (TopicTail<AgentEvent> events = new TopicTail<>(Topics.AGENT_EVENTS.name(), AgentEvent.getDefaultInstance(), key);
                TopicTail<MetricSample> samples = new TopicTail<>(Topics.METRICS.name(), MetricSample.getDefaultInstance(), key)) {
            agent = Agent.start(settings, registry);

            // Nothing deployed yet: ticks are skipped, counted, and no sample goes out.
            awaitSkipped(registry, "not_deployed", 1);
            assertEquals(List.of(), samples.values());

            send(key, deploy(key, id, "deploy-1"));
            AgentEvent ready = events.await(e -> e.getCommandId().equals("deploy-1"), WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());

            // A sample with rates (the second of the run) has every gauge of a primary, all sane.
            TopicTail.Received<MetricSample> received = samples.awaitRecordAfter(0, s -> s.containsGauges(QUERIES_PER_SECOND), WAIT);
            assertArrayEquals(key.getBytes(StandardCharsets.UTF_8), received.key(), "keyed by the deployment");
            MetricSample full = received.value();
            assertEquals(id, full.getInstanceId());
            assertEquals(DeploymentKey.parse(key), full.getDeployment());
            assertTrue(Timestamps.toInstant(full.getSampledAt()).isAfter(Instant.now().minus(Duration.ofMinutes(5))));
            assertEquals(PRIMARY_GAUGES, full.getGaugesMap().keySet(), "every gauge of a primary, no replication lag");
            assertEquals(Set.copyOf(MetricNames.COUNTERS), full.getCountersMap().keySet());
            assertTrue(full.getGaugesOrThrow(CONNECTIONS) >= 1, "connections " + full.getGaugesOrThrow(CONNECTIONS));
            double hitRatio = full.getGaugesOrThrow(BUFFER_POOL_HIT_RATIO);
            assertTrue(hitRatio >= 0 && hitRatio <= 1, "hit ratio " + hitRatio);
            assertTrue(full.getGaugesOrThrow(MEMORY_BYTES) > 10 * 1024 * 1024, "memory " + full.getGaugesOrThrow(MEMORY_BYTES));
            assertTrue(full.getGaugesOrThrow(DISK_BYTES) > 1024 * 1024, "disk " + full.getGaugesOrThrow(DISK_BYTES));
            assertTrue(full.getGaugesOrThrow(CPU_PERCENT) >= 0, "cpu " + full.getGaugesOrThrow(CPU_PERCENT));
            assertTrue(full.getGaugesOrThrow(QUERIES_PER_SECOND) >= 0, "qps " + full.getGaugesOrThrow(QUERIES_PER_SECOND));
            // Idle: the agent's own probes make Questions grow, but no client is there.
            assertEquals(0d, full.getGaugesOrThrow(MetricNames.CLIENT_CONNECTIONS), "client connections: " + full);
            assertEquals(0d, full.getGaugesOrThrow(MetricNames.CLIENT_QUERIES_PER_SECOND), "client qps: " + full);
            // The first sample after the database came up had nothing to compare with.
            MetricSample first = samples.values().get(0);
            assertFalse(first.containsGauges(QUERIES_PER_SECOND), "the first sample has no rates: " + first);
            assertTrue(first.containsCounters(QUERIES_TOTAL));

            // A burst of queries and writes shows in a later sample.
            int beforeLoad = samples.mark();
            MetricSample busy;
            try (Load load = new Load(address)) {
                busy = samples.awaitAfter(beforeLoad, s -> s.getGaugesOrDefault(QUERIES_PER_SECOND, 0) > 100, WAIT);
                assertTrue(load.queries() > 0);
            }
            assertTrue(busy.getCountersOrThrow(QUERIES_TOTAL) > full.getCountersOrThrow(QUERIES_TOTAL));
            assertTrue(samples.values().stream().anyMatch(s -> s.getCountersOrDefault(ROWS_WRITTEN_TOTAL, 0)
                    > full.getCountersOrThrow(ROWS_WRITTEN_TOTAL)), "the inserts are counted as rows written");
            System.out.printf("MetricSamplesIT figure: busy_qps=%.0f busy_client_qps=%.0f idle_qps=%.1f (the agent's own) cpu_percent=%.1f%n",
                    busy.getGaugesOrThrow(QUERIES_PER_SECOND), busy.getGaugesOrDefault(MetricNames.CLIENT_QUERIES_PER_SECOND, -1),
                    full.getGaugesOrThrow(QUERIES_PER_SECOND), busy.getGaugesOrDefault(CPU_PERCENT, -1));
            assertTrue(busy.getGaugesOrThrow(MetricNames.CLIENT_QUERIES_PER_SECOND) > 100, "client qps under load: " + busy);
            assertTrue(busy.getCountersOrThrow(MetricNames.CLIENT_QUERIES_TOTAL) > full.getCountersOrThrow(MetricNames.CLIENT_QUERIES_TOTAL));

            // PAUSE with wake on connect through the running agent: paused samples (no clients, the server's memory freed),
            // then a client's connection wakes it and the agent sends DATABASE_READY with woken on its own.
            double memoryRunning = busy.getGaugesOrThrow(MEMORY_BYTES);
            send(key, AgentCommand.newBuilder().setCommandId("pause-1").setInstanceId(id).setOp(AgentOp.AGENT_OP_PAUSE).setWakeOnConnect(true)
                    .setDeployment(DeploymentKey.parse(key)).build());
            AgentEvent paused = events.await(e -> e.getCommandId().equals("pause-1"), WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, paused.getOutcome(), paused.getReason());
            assertTrue(paused.getPaused());
            Instant pausedAt = Timestamps.toInstant(paused.getObservedAt());
            MetricSample whilePaused = samples.await(s -> Timestamps.toInstant(s.getSampledAt()).isAfter(pausedAt), WAIT);
            assertEquals(0d, whilePaused.getGaugesOrThrow(MetricNames.CLIENT_CONNECTIONS));
            assertEquals(0d, whilePaused.getGaugesOrThrow(MetricNames.CLIENT_QUERIES_PER_SECOND));
            assertTrue(whilePaused.getGaugesOrThrow(MEMORY_BYTES) < memoryRunning, "memory " + whilePaused + " vs " + memoryRunning);
            assertTrue(LocalServers.serversUnder(files.dir()).isEmpty(), "no mariadbd while paused");
            System.out.printf("MetricSamplesIT figure: memory_bytes running=%.0f MB paused=%.0f MB%n", memoryRunning / 1e6,
                    whilePaused.getGaugesOrThrow(MEMORY_BYTES) / 1e6);
            try (Connection client = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=10000",
                    ADMIN, PASSWORD); java.sql.Statement st = client.createStatement(); java.sql.ResultSet r = st.executeQuery("SELECT 1")) {
                assertTrue(r.next());
            }
            AgentEvent woken = events.await(e -> e.getWoken(), WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, woken.getOutcome(), woken.getReason());
            assertFalse(woken.getReadOnly());
            assertEquals("deploy-1", woken.getCommandId());

            // kill -9 of the server: its connection breaks, ticks are skipped; started again by a repeated
            // DEPLOY, the agent reconnects, and the first sample of the new server has no rates.
            LocalServers.signal(Long.parseLong(Files.readString(files.pidFile()).trim()), "KILL");
            awaitSkipped(registry, "unreachable", 1);
            Instant down = Instant.now();
            send(key, deploy(key, id, "deploy-2"));
            AgentEvent restarted = events.await(e -> e.getCommandId().equals("deploy-2"), WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, restarted.getOutcome(), restarted.getReason());
            MetricSample afterCrash = samples.await(s -> Timestamps.toInstant(s.getSampledAt()).isAfter(down), WAIT);
            assertFalse(afterCrash.containsGauges(QUERIES_PER_SECOND), "no rates across a restart: " + afterCrash);
            samples.await(s -> Timestamps.toInstant(s.getSampledAt()).isAfter(down) && s.containsGauges(QUERIES_PER_SECOND), WAIT);

            // DESTROY: no sample is taken once the database is gone.
            send(key, AgentCommand.newBuilder().setCommandId("destroy-1").setInstanceId(id).setOp(AgentOp.AGENT_OP_DESTROY)
                    .setDeployment(DeploymentKey.parse(key)).build());
            AgentEvent stopped = events.await(e -> e.getCommandId().equals("destroy-1"), WAIT);
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED, stopped.getOutcome(), stopped.getReason());
            double notDeployed = skipped(registry, "not_deployed");
            awaitSkipped(registry, "not_deployed", notDeployed + 2);
            Instant gone = Timestamps.toInstant(stopped.getObservedAt());
            assertEquals(List.of(), samples.values().stream().filter(s -> !Timestamps.toInstant(s.getSampledAt()).isBefore(gone)).toList(),
                    "no sample after the database was destroyed");

            assertTrue(registry.get("marina.agent.metric.samples").tag("result", "sent").counter().count() >= 3);
            assertTrue(registry.get("marina.agent.metric.sample.duration").timer().count() >= 3);
        }
    }

    private static void awaitSkipped(SimpleMeterRegistry registry, String reason, double atLeast) {
        Awaitility.await("ticks skipped as " + reason).atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> skipped(registry, reason) >= atLeast);
    }

    private static double skipped(SimpleMeterRegistry registry, String reason) {
        Counter counter = registry.find("marina.agent.metric.samples.skipped").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private static AgentCommand deploy(String key, String id, String commandId) {
        return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId(id).setOp(AgentOp.AGENT_OP_DEPLOY)
                .setDeployment(DeploymentKey.parse(key)).setEngine(Engine.ENGINE_MARIADB).setVersion("10.11")
                .setSize(Size.SIZE_SMALL).setAdminUser(ADMIN).setAdminPassword(box.seal(PASSWORD)).setGeneration(1).build();
    }

    private static void send(String key, AgentCommand command) throws Exception {
        producer.send(TestProofs.proven(Topics.AGENT_COMMANDS.name(), key, command)).get(10, TimeUnit.SECONDS);
    }

    /** Queries (and a write now and then) as the admin, one after another on one connection, until closed. */
    private static final class Load implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong queries = new AtomicLong();
        private final CompletableFuture<Void> done;

        Load(String address) throws SQLException {
            Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=2000",
                    ADMIN, PASSWORD);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE IF NOT EXISTS shop");
                s.execute("CREATE TABLE IF NOT EXISTS shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(40))");
            }
            done = CompletableFuture.runAsync(() -> {
                try (c; Statement s = c.createStatement()) {
                    while (running.get()) {
                        s.executeQuery("SELECT 1").close();
                        if (queries.incrementAndGet() % 50 == 0) {
                            s.execute("INSERT INTO shop.orders (item) VALUES ('boat')");
                        }
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException("the load failed: " + e.getMessage(), e);
                }
            });
        }

        long queries() {
            return queries.get();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            done.get(30, TimeUnit.SECONDS);
        }
    }
}
