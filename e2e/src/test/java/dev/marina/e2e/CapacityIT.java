package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AutoscaleAction;
import dev.marina.schemas.v1.AutoscaleDecision;
import dev.marina.schemas.v1.AutoscaleMetric;
import dev.marina.schemas.v1.RoleChange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Capacity that follows the load, on the packaged platform with real agents and MariaDB servers.
 * <ol>
 *   <li>Read replicas follow client connections: a bounded loopback load holds client connections on the readers'
 *   addresses (one query each every 500 ms); readers are added up to the maximum, each decision with its reason on
 *   {@code autoscale-decisions} and in {@code status.autoscaling}; once the load stops, the added readers — and only
 *   they — are removed.</li>
 *   <li>An idle deployment pauses and a client wakes it: rows written, then nothing; after {@code pauseAfterIdle} the
 *   deployment is Paused, its servers are gone (the resident memory of its processes before and after is printed);
 *   the real {@code mariadb} client connecting to the writer name's address gets its first query answered with the
 *   rows written before the pause, a second client connecting during the resume is served too; the status goes
 *   Resuming → Ready with the replica back, and no failover happened. Then a pause and a resume asked through the
 *   API.</li>
 * </ol>
 * The autoscaler's sustained windows are shortened through intent-service's settings, the agents sample metrics every
 * 2 s.
 */
@org.junit.jupiter.api.Order(5) // see Platform.shared
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CapacityIT {

    private static final Duration READY = Duration.ofSeconds(180);
    private static final Duration SCALE = Duration.ofSeconds(300);
    private static final Duration PAUSE = Duration.ofSeconds(240);
    private static final Duration RESUME = Duration.ofSeconds(120);
    /** Client connections the load holds, spread evenly over the readers; the target is 4 per reader. */
    private static final int LOAD_CONNECTIONS = 12;
    private static final int TARGET_PER_READER = 4;
    private static final int MAX_READERS = 3;

    private Platform platform;

    @BeforeAll
    void start() throws Exception {
        platform = Platform.shared(Platform.STANDARD);
        PlatformDnsSocketFactory.resolver = platform::dig;
    }

    @AfterAll
    void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    private static String spec(int replicas, String autoscaling) {
        return "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\",\"replicas\":" + replicas
                + ",\"failover\":{\"automatic\":true},\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"},\"autoscaling\":" + autoscaling + "}}";
    }

    @Test
    void readers_follow_client_connections_out_to_the_maximum_and_back_to_the_spec() throws Exception {
        String name = "as" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        Platform.Response applied = platform.call("PUT", path, spec(1, "{\"minReplicas\":1,\"maxReplicas\":" + MAX_READERS
                + ",\"target\":{\"metric\":\"AUTOSCALE_METRIC_CONNECTIONS_PER_READER\",\"value\":" + TARGET_PER_READER + "},"
                + "\"scaleOutCooldown\":\"10s\",\"scaleInCooldown\":\"10s\"}"));
        assertEquals(200, applied.status(), () -> "apply: " + applied.body());
        JsonNode ready = awaitStatus(path, READY, s -> settled(s) && readers(s).size() == 1);
        String specReader = readers(ready).get(0);
        Properties jdbc = jdbc(platform.call("GET", path + "/credentials", null).body());

        long loadStarted = System.currentTimeMillis();
        JsonNode out;
        long outAt;
        try (ReaderLoad load = new ReaderLoad(() -> readerAddresses(path), LOAD_CONNECTIONS, jdbc)) {
            out = awaitStatus(path, SCALE, s -> settled(s) && readers(s).size() == MAX_READERS);
            outAt = System.currentTimeMillis();
            // The load now sits on the target (12 / 3 = 4): it stays at the maximum, whatever comes.
            Platform.sleep(Duration.ofSeconds(15));
            JsonNode held = platform.call("GET", path, null).body().path("status");
            assertEquals(MAX_READERS, readers(held).size(), "never past maxReplicas: " + held);
            assertTrue(load.served() > 0, "the load's queries were answered");
            System.out.printf("autoscaling: %d client connections on the readers → %d readers in %.1f s (load %d queries answered)%n",
                    LOAD_CONNECTIONS, MAX_READERS, (outAt - loadStarted) / 1000.0, load.served());
        }
        JsonNode autoscaling = out.path("autoscaling");
        assertEquals(MAX_READERS, autoscaling.path("replicas").asInt(), "status.autoscaling: " + autoscaling);
        assertEquals(MAX_READERS - 1, autoscaling.path("added").asInt(), "status.autoscaling: " + autoscaling);
        assertEquals("AUTOSCALE_ACTION_SCALE_OUT", autoscaling.path("lastDecision").path("action").asText(), "status.autoscaling: " + autoscaling);

        long loadStopped = System.currentTimeMillis();
        JsonNode in = awaitStatus(path, SCALE, s -> settled(s) && readers(s).size() == 1);
        long inAt = System.currentTimeMillis();
        assertEquals(List.of(specReader), readers(in), "only the readers the autoscaler added were removed");
        assertEquals(0, in.path("autoscaling").path("added").asInt(), "status.autoscaling: " + in.path("autoscaling"));
        assertEquals("AUTOSCALE_ACTION_SCALE_IN", in.path("autoscaling").path("lastDecision").path("action").asText());

        List<AutoscaleDecision> decisions = decisions(name);
        decisions.forEach(d -> System.out.printf("  decision %s %d → %d %s: %s (observed %.1f, target %.1f)%n",
                d.getAction(), d.getReplicasBefore(), d.getReplicasAfter(), d.getInstancesList(), d.getReason(), d.getObserved(),
                d.getTarget()));
        List<AutoscaleDecision> outs = decisions.stream().filter(d -> d.getAction() == AutoscaleAction.AUTOSCALE_ACTION_SCALE_OUT).toList();
        List<AutoscaleDecision> ins = decisions.stream().filter(d -> d.getAction() == AutoscaleAction.AUTOSCALE_ACTION_SCALE_IN).toList();
        assertFalse(outs.isEmpty(), "scale-out decisions on autoscale-decisions: " + decisions);
        assertFalse(ins.isEmpty(), "scale-in decisions on autoscale-decisions: " + decisions);
        for (AutoscaleDecision d : decisions) {
            assertFalse(d.getReason().isBlank(), "every decision says why: " + d);
            assertEquals(AutoscaleMetric.AUTOSCALE_METRIC_CONNECTIONS_PER_READER, d.getMetric(), d.toString());
        }
        assertEquals(MAX_READERS, outs.stream().mapToInt(AutoscaleDecision::getReplicasAfter).max().orElseThrow(), "out to the maximum");
        assertTrue(outs.stream().allMatch(d -> d.getObserved() > d.getTarget()), "scaled out above the target: " + outs);
        assertEquals(1, ins.get(ins.size() - 1).getReplicasAfter(), "in to the spec's replicas");
        assertTrue(ins.stream().noneMatch(d -> d.getInstancesList().contains(specReader)), "the spec's reader is never removed: " + ins);
        System.out.printf("autoscaling: load stopped → back to 1 reader in %.1f s; %d scale-out and %d scale-in decisions%n",
                (inAt - loadStopped) / 1000.0, outs.size(), ins.size());
        assertEquals(List.of(), roleChanges(name), "scaling moved no primary");
        platform.call("DELETE", path, null);
    }

    @Test
    void an_idle_deployment_pauses_and_the_first_client_wakes_it_with_its_data() throws Exception {
        String name = "pz" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String writerName = name + ".e2e." + Platform.ZONE;
        Platform.Response applied = platform.call("PUT", path, spec(1, "{\"minReplicas\":1,\"maxReplicas\":1,\"pauseAfterIdle\":\"1m\"}"));
        assertEquals(200, applied.status(), () -> "apply: " + applied.body());
        JsonNode ready = awaitStatus(path, READY, s -> settled(s) && readers(s).size() == 1);
        List<String> instances = instanceIds(ready);
        JsonNode creds = platform.call("GET", path + "/credentials", null).body();
        Path ca = caBundle(path);
        MariadbCli cli = new MariadbCli(creds.path("user").asText(), creds.path("password").asText(), ca);

        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + writerName + ":3306/", jdbc(creds));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE cap");
            s.execute("CREATE TABLE cap.t (id INT PRIMARY KEY, note VARCHAR(40))");
            for (int i = 1; i <= 100; i++) {
                s.execute("INSERT INTO cap.t VALUES (" + i + ", 'before the pause')");
            }
        }
        Footprint.Sample running = Footprint.of(platform, instances);
        long idleFrom = System.currentTimeMillis();
        assertEquals(instances.size(), running.count("mariadbd"), "a server per instance while running: " + running.processes());

        // Phase Paused comes with the pause wanted (pausing: replicas first, then the writer); pause.paused once every
        // server said it stopped.
        JsonNode paused = awaitStatus(path, PAUSE, CapacityIT::asleep);
        long pausedAt = System.currentTimeMillis();
        assertFalse(paused.path("pause").path("reason").asText().isBlank(), "status.pause says why: " + paused.path("pause"));
        awaitNoServers(instances);
        Footprint.Sample asleep = Footprint.of(platform, instances);
        System.out.printf("pause: idle → Paused in %.1f s (pauseAfterIdle 1m); reason: %s%n", (pausedAt - idleFrom) / 1000.0,
                paused.path("pause").path("reason").asText());
        System.out.printf("pause: resident memory of the deployment's processes running: %s%n", running.describe());
        System.out.printf("pause: resident memory of the deployment's processes paused:  %s%n", asleep.describe());
        assertEquals(0, asleep.count("mariadbd"), "no server runs while paused: " + asleep.processes());
        assertEquals(instances.size(), asleep.count("agent"), "the agents stay: " + asleep.processes());
        assertTrue(asleep.totalKb() < running.totalKb(), "less memory paused than running");

        // The first client: the real mariadb CLI to the writer name's address, no retry of its own.
        List<String> writerAddress = platform.dig(writerName);
        assertEquals(1, writerAddress.size(), "the writer name still answers while paused: " + writerAddress);
        PhaseWatch phases = new PhaseWatch(path);
        MariadbCli.Running first = cli.start(writerAddress.get(0),
                "SELECT COUNT(*), MIN(note) FROM cap.t; SHOW SESSION STATUS LIKE 'Ssl_cipher'", Duration.ofSeconds(30));
        Platform.sleep(Duration.ofMillis(150));
        MariadbCli.Running second = cli.start(writerAddress.get(0), "SELECT MAX(id) FROM cap.t", Duration.ofSeconds(30));
        MariadbCli.Result answered = first.await(Duration.ofSeconds(40));
        MariadbCli.Result alsoAnswered = second.await(Duration.ofSeconds(40));
        System.out.printf("wake: the first client's query answered %d ms after it started connecting; the second client (150 ms later) in %d ms%n",
                answered.millis(), alsoAnswered.millis());
        assertTrue(answered.ok(), "the first client was answered: " + answered);
        assertEquals("100\tbefore the pause", answered.lines().get(0), "the rows written before the pause: " + answered);
        assertTrue(answered.lines().stream().anyMatch(l -> l.startsWith("Ssl_cipher\t") && l.length() > "Ssl_cipher\t".length()),
                "over TLS: " + answered);
        assertTrue(alsoAnswered.ok(), "a client connecting during the resume is served: " + alsoAnswered);
        assertEquals("100", alsoAnswered.lines().get(0), alsoAnswered.out());

        JsonNode back = awaitStatus(path, RESUME, s -> settled(s) && readers(s).size() == 1);
        phases.close();
        long backAt = System.currentTimeMillis();
        System.out.printf("wake: Ready again with its replica %.1f s after the first client connected; phases seen: %s%n",
                (backAt - answered.startedAtMillis()) / 1000.0, phases.seen());
        assertTrue(phases.seen().contains("PHASE_RESUMING"), "the status said Resuming: " + phases.seen());
        assertFalse(back.path("pause").path("paused").asBoolean(), "status.pause: " + back.path("pause"));
        assertFalse(back.path("pause").path("resumeReason").asText().isBlank(), "status.pause says why it resumed: " + back.path("pause"));
        assertEquals(instances, instanceIds(back), "the same instances, the replica back");
        assertEquals(List.of(), roleChanges(name), "no failover: the pause and the wake moved no primary");

        // Asked through the API: pause, then resume.
        Platform.Response pause = platform.call("POST", path + "/pause", null);
        assertTrue(pause.status() / 100 == 2, "POST pause: " + pause.status() + " " + pause.body());
        awaitStatus(path, PAUSE, CapacityIT::asleep);
        awaitNoServers(instances);
        long resumeAsked = System.currentTimeMillis();
        Platform.Response resume = platform.call("POST", path + "/resume", null);
        assertTrue(resume.status() / 100 == 2, "POST resume: " + resume.status() + " " + resume.body());
        JsonNode resumed = awaitStatus(path, RESUME, s -> settled(s) && readers(s).size() == 1);
        System.out.printf("pause/resume through the API: Ready %.1f s after POST resume%n", (System.currentTimeMillis() - resumeAsked) / 1000.0);
        MariadbCli.Result after = cli.run(platform.dig(writerName).get(0), "SELECT COUNT(*) FROM cap.t", Duration.ofSeconds(10));
        assertEquals("100", after.lines().get(0), after.out());

        List<AutoscaleDecision> decisions = decisions(name);
        decisions.forEach(d -> System.out.printf("  decision %s: %s%n", d.getAction(), d.getReason()));
        assertEquals(List.of(AutoscaleAction.AUTOSCALE_ACTION_PAUSE, AutoscaleAction.AUTOSCALE_ACTION_RESUME,
                        AutoscaleAction.AUTOSCALE_ACTION_PAUSE, AutoscaleAction.AUTOSCALE_ACTION_RESUME),
                decisions.stream().map(AutoscaleDecision::getAction).toList(), "idle pause, wake, asked pause, asked resume");
        assertEquals(List.of(), roleChanges(name), "no failover at any point");
        assertEquals("PHASE_READY", resumed.path("phase").asText());
        platform.call("DELETE", path, null);
    }

    // ------------------------------------------------------------------ helpers

    /** Ready for the latest generation, every instance up. */
    private static boolean settled(JsonNode status) {
        if (!"PHASE_READY".equals(status.path("phase").asText())) {
            return false;
        }
        for (JsonNode i : status.path("instances")) {
            if (!"HEALTH_UP".equals(i.path("health").asText())) {
                return false;
            }
        }
        return true;
    }

    /** Paused, every server stopped. */
    private static boolean asleep(JsonNode status) {
        return "PHASE_PAUSED".equals(status.path("phase").asText()) && status.path("pause").path("paused").asBoolean();
    }

    private static List<String> readers(JsonNode status) {
        List<String> out = new ArrayList<>();
        status.path("instances").forEach(i -> {
            if ("ROLE_REPLICA".equals(i.path("role").asText())) {
                out.add(i.path("instanceId").asText());
            }
        });
        return out;
    }

    private static List<String> instanceIds(JsonNode status) {
        List<String> out = new ArrayList<>();
        status.path("instances").forEach(i -> out.add(i.path("instanceId").asText()));
        out.sort(null);
        return out;
    }

    private List<String> readerAddresses(String path) {
        try {
            JsonNode status = platform.call("GET", path, null).body().path("status");
            List<String> out = new ArrayList<>();
            status.path("instances").forEach(i -> {
                if ("ROLE_REPLICA".equals(i.path("role").asText()) && "HEALTH_UP".equals(i.path("health").asText())) {
                    out.add(i.path("address").asText());
                }
            });
            return out;
        } catch (Exception e) {
            return List.of();
        }
    }

    private JsonNode awaitStatus(String path, Duration atMost, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Platform.Response r = platform.call("GET", path, null);
            last = r.body();
            if (r.status() == 200 && last != null && last.path("intent").path("generation").asLong(-1)
                    == last.path("status").path("observedGeneration").asLong() && condition.test(last.path("status"))) {
                return last.path("status");
            }
            Platform.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(path + ": the awaited status did not come within " + atMost + "; last: " + last
                + "\nintent-service: " + platform.log("intent-service"));
    }

    private void awaitNoServers(List<String> instances) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Footprint.servers(platform, instances).isEmpty()) {
                return;
            }
            Platform.sleep(Duration.ofMillis(200));
        }
        throw new AssertionError("mariadbd still runs while Paused: " + Footprint.of(platform, instances).processes());
    }

    private Path caBundle(String path) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(platform.apiUrl() + path + "/ca"))
                .header("Authorization", "Bearer " + Platform.TOKEN).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        Path file = Files.createTempFile("marina-ca-", ".pem");
        Files.writeString(file, response.body());
        return file;
    }

    private static Properties jdbc(JsonNode creds) {
        Properties props = new Properties();
        props.put("user", creds.path("user").asText());
        props.put("password", creds.path("password").asText());
        props.put("sslMode", "REQUIRED");
        props.put("connectTimeout", "3000");
        props.put("socketTimeout", "5000");
        props.put("socketFactory", PlatformDnsSocketFactory.class.getName());
        return props;
    }

    private List<AutoscaleDecision> decisions(String name) {
        List<AutoscaleDecision> found = new ArrayList<>();
        read(Topics.AUTOSCALE_DECISIONS.name(), bytes -> {
            var decoded = ProtoJsonSerde.fromJson(AutoscaleDecision.getDefaultInstance(), bytes);
            if (decoded.isOk() && decoded.value().getDeployment().getName().equals(name)) {
                found.add(decoded.value());
            }
        });
        return found;
    }

    private List<RoleChange> roleChanges(String name) {
        List<RoleChange> found = new ArrayList<>();
        read(Topics.ROLE_CHANGES.name(), bytes -> {
            var decoded = ProtoJsonSerde.fromJson(RoleChange.getDefaultInstance(), bytes);
            if (decoded.isOk() && decoded.value().getDeployment().getName().equals(name)) {
                found.add(decoded.value());
            }
        });
        return found;
    }

    /** Every record of a topic from the beginning to its end now, in partition order. */
    private void read(String topic, java.util.function.Consumer<byte[]> each) {
        Properties props = new Properties();
        props.putAll(platform.adminClient());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 10_000;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) {
                        each.accept(r.value());
                    }
                }
            }
        }
    }

    /** The phases the status goes through, polled every 100 ms. */
    private final class PhaseWatch implements AutoCloseable {
        private final Set<String> seen = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        PhaseWatch(String path) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        JsonNode body = platform.call("GET", path, null).body();
                        if (body != null) {
                            seen.add(body.path("status").path("phase").asText());
                        }
                    } catch (Exception ignored) {
                        // the next poll
                    }
                    Platform.sleep(Duration.ofMillis(100));
                }
            }, "phase-watch");
            thread.start();
        }

        List<String> seen() {
            synchronized (seen) {
                return List.copyOf(seen);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    /**
     * A bounded loopback load on the readers: {@code total} client connections spread evenly over the readers' addresses
     * (asked again every second, so new readers get their share and removed ones lose theirs), each running
     * {@code SELECT 1} every 500 ms. Stops on close.
     */
    static final class ReaderLoad implements AutoCloseable {
        private final Supplier<List<String>> readers;
        private final int total;
        private final Properties jdbc;
        private final Map<String, List<Connection>> open = new HashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();
        private final Thread thread;

        ReaderLoad(Supplier<List<String>> readers, int total, Properties jdbc) {
            this.readers = readers;
            this.total = total;
            this.jdbc = new Properties();
            this.jdbc.putAll(jdbc);
            this.jdbc.remove("socketFactory");
            thread = new Thread(this::run, "reader-load");
            thread.setDaemon(true);
            thread.start();
        }

        long served() {
            return served.get();
        }

        private void run() {
            long nextLook = 0;
            List<String> addresses = List.of();
            while (running.get()) {
                if (System.currentTimeMillis() >= nextLook) {
                    List<String> now = readers.get();
                    if (!now.isEmpty()) {
                        addresses = now;
                    }
                    nextLook = System.currentTimeMillis() + 1_000;
                    balance(addresses);
                }
                for (List<Connection> connections : open.values()) {
                    connections.removeIf(c -> {
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT 1");
                            served.incrementAndGet();
                            return false;
                        } catch (SQLException e) {
                            quietly(c);
                            return true;
                        }
                    });
                }
                Platform.sleep(Duration.ofMillis(500));
            }
            open.values().forEach(list -> list.forEach(ReaderLoad::quietly));
            open.clear();
        }

        private void balance(List<String> addresses) {
            open.keySet().removeIf(address -> {
                if (!addresses.contains(address)) {
                    open.get(address).forEach(ReaderLoad::quietly);
                    return true;
                }
                return false;
            });
            if (addresses.isEmpty()) {
                return;
            }
            for (int k = 0; k < addresses.size(); k++) {
                String address = addresses.get(k);
                int share = total / addresses.size() + (k < total % addresses.size() ? 1 : 0);
                List<Connection> list = open.computeIfAbsent(address, a -> new ArrayList<>());
                while (list.size() > share) {
                    quietly(list.remove(list.size() - 1));
                }
                while (list.size() < share && running.get()) {
                    try {
                        list.add(DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", jdbc));
                    } catch (SQLException e) {
                        break;
                    }
                }
            }
        }

        private static void quietly(Connection c) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already gone
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(15_000);
        }
    }
}
