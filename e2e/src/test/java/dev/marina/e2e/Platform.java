package dev.marina.e2e;

import java.util.Properties;
import dev.marina.schemas.access.KafkaAccess;
import dev.marina.testkit.SharedKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.LeaderClaim;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import dev.marina.testkit.LocalBind;
import dev.marina.testkit.LocalPebble;
import dev.marina.testkit.LocalKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The platform as processes, the way {@code ./marina up} runs it: intent-service, provisioner and
 * health-monitor from their packaged jars, with one state folder, against the shared real broker.
 * The provisioner starts real agents, which start real MariaDB servers. {@link #close()} leaves no
 * process behind, agents and databases included.
 */
public final class Platform implements AutoCloseable {
    public static final String TOKEN = "e2e-token-5b1d";
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final List<String> SERVICES = List.of("intent-service", "provisioner", "health-monitor", "dns-service",
            "cert-service");
    /** cert-service's passphrase for the platform CA's key in these tests. */
    static final String CA_PASSPHRASE = "e2e-ca-passphrase-3f9a";
    /** The platform's zone in these tests; deployments get names below it. */
    public static final String ZONE = "marina.test";

    public final Path root;
    public final Path home;
    public final String bootstrap;
    private final Path objectStore;
    private final LocalKafka kafka;
    /** The authoritative DNS server of {@link #ZONE}, as ./marina up runs it. */
    public final LocalBind bind;
    /** The ACME server (Pebble), resolving through {@link #bind}, as ./marina up runs it. */
    public final LocalPebble pebble;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> settingsOf = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final String addressRange = "127." + (20 + java.util.concurrent.ThreadLocalRandom.current().nextInt(200)) + ".0.0/16";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Platform(Path root, Path home, LocalKafka kafka, LocalBind bind, LocalPebble pebble) {
        this.root = root;
        this.home = home;
        this.kafka = kafka;
        this.bootstrap = kafka.bootstrapServers();
        this.bind = bind;
        this.pebble = pebble;
        // the shared local s3proxy, under a prefix of this platform's own
        this.objectStore = dev.marina.testkit.SharedObjectStore.freshSettingsFile();
    }

    /** The object store's client settings the agents back up with (this platform's own prefix). */
    public Path objectStoreSettings() {
        return objectStore;
    }

    /** Starts the services with these extra environment settings and waits until all are ready. */
    public static Platform start(Map<String, String> settings) throws Exception {
        return start(SERVICES, settings);
    }

    /**
     * The settings of the platform most classes share ({@link #shared}): each is what one class needs and harmless to the
     * others. DNS commands and certificate orders are sent again soon (DnsNamesIT: a freed name is taken within the test;
     * TlsIT), a Down replica is replaced after 8 s (FailoverIT), the autoscaler's sustained windows are short and the agents
     * sample every 2 s (CapacityIT).
     */
    public static final Map<String, String> STANDARD = Map.of(
            "MARINA_RECONCILER_DNS_TIMEOUT", "2s",
            "MARINA_RECONCILER_CERT_ISSUE_TIMEOUT", "20s",
            "MARINA_RECONCILER_REPLACE_DOWN_REPLICA_AFTER", "8s",
            "MARINA_AUTOSCALING_SCALE_OUT_AFTER", "10s",
            "MARINA_AUTOSCALING_SCALE_IN_AFTER", "20s",
            "MARINA_AGENT_METRICS_INTERVAL", "2s");

    /**
     * Fast heartbeats and detection, so a killed agent is seen Down within a second or two, a slow restart (8 s) so it
     * stays Down long enough for a person (and a screenshot) to see it, samples every second so charts move within a
     * test, and addresses of its own (WalkingSkeletonIT, DashboardIT).
     */
    public static final Map<String, String> FAST_DETECTION = Map.of(
            "MARINA_PROVISIONER_ADDRESS_RANGE", "127.10." + java.util.concurrent.ThreadLocalRandom.current().nextInt(128, 255) + ".0/24",
            "MARINA_AGENT_METRICS_INTERVAL", "1s",
            "MARINA_AGENT_HEARTBEAT_INTERVAL", "250ms",
            "MARINA_HEALTH_SUSPECT_AFTER", "1s",
            "MARINA_HEALTH_DOWN_AFTER", "1500ms",
            "MARINA_PROVISIONER_SUPERVISE_INTERVAL", "8s");

    /** The platform several test classes share, and the settings it runs with (see {@link #shared}). */
    private static Platform sharedPlatform;
    private static Map<String, String> sharedSettings;
    /** Whether this is the shared platform: its {@link #close()} hands it on instead of stopping it. */
    private boolean shared;

    /**
     * All the services with these settings, shared by the test classes that ask for the same settings one after another:
     * starting a platform (a broker, BIND, Pebble, five services) takes about a minute on the CI machine, for each class.
     * e2e's junit-platform.properties orders the classes ({@code @Order}) so those that share run together. A class uses
     * it as it would its own, and closes it: closing hands it on clean — the class's deployments deleted (their agents
     * and servers gone), a service a test killed started again, a broker a test stopped started again — or, when that
     * fails, stops it, and the next class gets a fresh one. Asking with other settings stops it; so does the JVM's exit.
     */
    public static synchronized Platform shared(Map<String, String> settings) throws Exception {
        if (sharedPlatform != null && sharedSettings.equals(settings)) {
            return sharedPlatform;
        }
        Platform platform = start(settings);
        platform.shared = true;
        sharedPlatform = platform;
        sharedSettings = Map.copyOf(settings);
        return platform;
    }

    private static synchronized void stopShared() {
        if (sharedPlatform != null) {
            Platform previous = sharedPlatform;
            sharedPlatform = null;
            previous.stop();
        }
    }

    /** Starts only these services (with the broker and BIND) and waits until they are ready. */
    public static Platform start(List<String> services, Map<String, String> settings) throws Exception {
        return start(services, settings, 1);
    }

    /**
     * Starts {@code copies} copies of each of these services, as {@code ./marina up --copies N} does: copy 1 is
     * named after its service, copy K is {@code SERVICE-K} ({@link #copyName}) with MARINA_COPY=K and, for the
     * Kafka Streams services, a state folder of its own. Waits until every copy is ready.
     */
    public static Platform start(List<String> services, Map<String, String> settings, int copies) throws Exception {
        stopShared(); // one platform at a time on this machine: a shared one no class is using any more goes
        Path root = Path.of(System.getProperty("marina.root", "..")).toAbsolutePath().normalize();
        // A broker of its own: a fresh provisioner group reads provision-commands from the start, and
        // must not act on other tests' deployments.
        Path home = Files.createTempDirectory("marina-e2e-");
        LocalKafka kafka = LocalKafka.start(home.resolve("kafka"), LocalKafka.freePort(), LocalKafka.freePort());
        LocalBind bind;
        LocalPebble pebble;
        try {
            bind = LocalBind.start(ZONE);
        } catch (RuntimeException | Error e) {
            kafka.close();
            throw e;
        }
        try {
            pebble = LocalPebble.start(bind.host(), bind.port());
        } catch (RuntimeException | Error e) {
            kafka.close();
            bind.close();
            throw e;
        }
        Platform platform = new Platform(root, home, kafka, bind, pebble);
        // A benchmark or test stopped with SIGTERM (a timeout, Ctrl-C) must not leave services behind.
        Runtime.getRuntime().addShutdownHook(platform.closeOnExit);
        try {
            // Topics and the services' principals, made by the admin as ./marina up makes them.
            SharedKafka.preparePlatform(platform.bootstrap, kafka.secretsDir());
            for (String service : services) {
                for (int k = 1; k <= copies; k++) {
                    platform.launch(copyName(service, k), settings);
                }
            }
            for (String service : services) {
                for (int k = 1; k <= copies; k++) {
                    platform.awaitReady(copyName(service, k));
                }
            }
            return platform;
        } catch (Exception | AssertionError e) {
            platform.close();
            throw e;
        }
    }

    /** Copy 1 of a service is the service's name; copy K is {@code SERVICE-K} (as ./marina names them). */
    public static String copyName(String service, int k) {
        return k == 1 ? service : service + "-" + k;
    }

    private static String serviceOf(String copy) {
        for (String service : SERVICES) {
            if (copy.equals(service) || copy.matches(java.util.regex.Pattern.quote(service) + "-[0-9]+")) {
                return service;
            }
        }
        throw new IllegalArgumentException("not a service or a service's copy: " + copy);
    }

    private void launch(String copy, Map<String, String> settings) throws IOException {
        String service = serviceOf(copy);
        Path jar = root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first (./marina test does)");
        }
        int port = ports.computeIfAbsent(copy, s -> LocalKafka.freePort());
        settingsOf.put(copy, settings);
        Path logs = Files.createDirectories(home.resolve("logs"));
        ProcessBuilder builder = new ProcessBuilder("setsid", javaCommand(),
                "-Xmx" + System.getProperty("marina.e2e.service-heap", "256m"), "-XX:+UseSerialGC", "-jar", jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(copy + ".log").toFile()));
        Map<String, String> env = builder.environment();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put(KafkaAccess.CREDENTIALS_ENV, KafkaAccess.userFile(kafka.secretsDir(), service).toString());
        env.put("MARINA_HOME", home.toString());
        env.put("MARINA_ROOT", root.toString());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("MARINA_API_TOKEN", TOKEN);
        env.put("MARINA_PROVISIONER_AGENT_JAR", root.resolve("agent/target/quarkus-app/quarkus-run.jar").toString());
        env.put("MARINA_PROVISIONER_OBJECT_STORE_CONFIG", objectStore.toString());
        env.put("MARINA_DNS_ZONE", bind.zone());
        env.put("MARINA_DNS_SERVER_HOST", bind.host());
        env.put("MARINA_DNS_SERVER_PORT", Integer.toString(bind.port()));
        env.put("MARINA_DNS_KEY_NAME", bind.keyName());
        env.put("MARINA_DNS_KEY_SECRET", bind.keySecret());
        env.put("MARINA_DNS_ALGORITHM", bind.algorithm());
        // a loopback range of its own: another platform on this machine (a benchmark, a second test run) must
        // not hand out the same addresses
        env.put("MARINA_PROVISIONER_ADDRESS_RANGE", addressRange);
        env.put("MARINA_CERT_ZONE", bind.zone());
        env.put("MARINA_CERT_STATE_DIR", home.resolve("cert-service").toString());
        env.put("MARINA_CERT_CA_PASSPHRASE", CA_PASSPHRASE);
        env.put("MARINA_CERT_ACME_DIRECTORY", pebble.directoryUrl());
        env.put("MARINA_CERT_ACME_TRUST_PEM", pebble.trustPem().toString());
        env.put("MARINA_CERT_ACME_ROOTS_URL", pebble.managementUrl() + "/roots/0");
        if (!copy.equals(service)) {
            env.put("MARINA_COPY", copy.substring(service.length() + 1));
            if (service.equals("intent-service")) {
                env.put("KAFKA_STREAMS_STATE_DIR", home.resolve("state").resolve(copy).toString());
            } else if (service.equals("health-monitor")) {
                env.put("KAFKA_STREAMS_STATE_DIR", home.resolve("health-monitor").resolve("streams-" + copy).toString());
            }
        }
        env.putAll(settings);
        processes.put(copy, builder.start());
    }

    private void awaitReady(String service) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            Process process = processes.get(service);
            if (!process.isAlive()) {
                throw new AssertionError(service + " exited with " + process.exitValue() + "; log: " + log(service));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + ports.get(service) + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(service + " not ready within 90 s; log: " + log(service));
    }

    public String log(String service) {
        Path file = home.resolve("logs").resolve(service + ".log");
        try {
            String text = Files.readString(file);
            return text.length() > 4000 ? "…" + text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log at " + file + ")";
        }
    }

    /** The whole log of a service so far. */
    public String fullLog(String service) {
        try {
            return Files.readString(home.resolve("logs").resolve(service + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    /** A test's own Kafka client settings: this platform's broker, as its admin. */
    /** The broker's secrets folder (its CA, the admin's and each principal's settings). */
    public Path kafkaSecrets() {
        return kafka.secretsDir();
    }

    public Properties adminClient() {
        return kafka.adminClient();
    }

    /** Where the intent API listens. */
    public String apiUrl() {
        return "http://127.0.0.1:" + ports.get("intent-service");
    }

    /** A call to the intent API; returns status and parsed body (null when empty). */
    public Response call(String method, String path, String body) throws Exception {
        return callOn("intent-service", method, path, body);
    }

    /** A call to the intent API of one copy of intent-service ({@link #copyName}). */
    public Response callOn(String copy, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(copy) + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()));
    }

    public record Response(int status, JsonNode body) {}

    /** Processes whose working directory is inside the instance folder: its agent and its database. */
    public List<ProcessHandle> processesOf(Path instanceDir) {
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd"));
                if (cwd.startsWith(instanceDir)) {
                    found.add(p);
                }
            } catch (IOException | UnsupportedOperationException | SecurityException gone) {
                // process ended or not ours to look at
            }
        });
        return found;
    }

    public Path instanceDir(String instanceId) {
        return home.resolve("instances").resolve(instanceId);
    }

    /** Stops the broker cleanly, as an operator's restart would; {@link #startBroker()} brings it back. */
    public void stopBroker() {
        kafka.stop();
    }

    /** Starts the broker again on the same folder and ports. */
    public void startBroker() {
        kafka.restart();
    }

    /** The HTTP status of a service's readiness check, or -1 when it does not answer. */
    public int readiness(String service) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(service) + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** What {@code dig @server -p port name A +short} answers, as a user would ask the authoritative server. */
    public List<String> dig(String name) {
        List<String> out = run(List.of("dig", "@" + bind.host(), "-p", Integer.toString(bind.port()), name, "A", "+short",
                "+tries=1", "+time=2"));
        return out.stream().filter(l -> !l.isBlank()).sorted().toList();
    }

    /** Every record of the zone, from a zone transfer signed with the platform's key ({@code dig AXFR -y}). */
    public List<String> zoneTransfer() {
        List<String> out = run(List.of("dig", "@" + bind.host(), "-p", Integer.toString(bind.port()),
                "-y", bind.algorithm() + ":" + bind.keyName() + ":" + bind.keySecret(), bind.zone(), "AXFR", "+nocmd",
                "+nostats", "+nocomments", "+noquestion"));
        return out.stream().filter(l -> !l.isBlank() && !l.startsWith(";")).toList();
    }

    /** Sends RFC 2136 update lines (e.g. {@code "update add x.marina.test. 5 A 10.0.0.1"}) with {@code nsupdate}, signed with the key. */
    public void nsupdate(String... lines) {
        StringBuilder script = new StringBuilder("server " + bind.host() + " " + bind.port() + "\n");
        for (String line : lines) {
            script.append(line).append('\n');
        }
        script.append("send\n");
        try {
            Process p = new ProcessBuilder("nsupdate", "-y", bind.algorithm() + ":" + bind.keyName() + ":" + bind.keySecret())
                    .redirectErrorStream(true).start();
            p.getOutputStream().write(script.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("nsupdate failed: " + out);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run nsupdate (install bind9-dnsutils): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static List<String> run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + lines);
            }
            return lines;
        } catch (IOException e) {
            throw new AssertionError("could not run " + command.get(0) + " (install bind9-dnsutils): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Kills a service as a crash would (SIGKILL), with nothing it spawned. */
    public void kill(String service) throws InterruptedException {
        Process process = processes.get(service);
        process.destroyForcibly();
        process.waitFor();
    }

    /** Starts a killed or stopped service again, on the same port and state folder, and waits until it is ready. */
    public void restart(String service) throws Exception {
        launch(service, settingsOf.get(service));
        awaitReady(service);
    }

    /** The copy (as Platform names it) whose claim the service's election holds. */
    public String leaderCopy(String service) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try (Admin admin = Admin.create(adminClient())) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(service + "-leader")
                        .partitionsToOffsetAndMetadata().get();
                OffsetAndMetadata o = offsets.get(new TopicPartition(Topics.LEADERS.name(), 0));
                if (o != null) {
                    String copy = ProtoJsonSerde.fromJson(LeaderClaim.getDefaultInstance(),
                            o.metadata().getBytes(StandardCharsets.UTF_8)).value().getCopy();
                    return copy.endsWith("-1") ? copy.substring(0, copy.length() - 2) : copy;
                }
            }
            sleep(Duration.ofMillis(200));
        }
        throw new AssertionError("no leader claim for " + service);
    }

    /** The process of a service, for measurements. */
    public ProcessHandle processOf(String service) {
        return processes.get(service).toHandle();
    }

    private final Thread closeOnExit = new Thread(this::stopEverything, "platform-close-on-exit");

    /** Stops this platform, or, for the {@link #shared} one, hands it on clean to the next class. */
    @Override
    public void close() {
        if (shared) {
            handOn();
            return;
        }
        stop();
    }

    /** The shared platform made ready for the next class, or stopped when it cannot be (the next class starts a fresh one). */
    private void handOn() {
        synchronized (Platform.class) {
            try {
                if (!kafka.isRunning()) {
                    startBroker();
                }
                for (Map.Entry<String, Process> e : new ArrayList<>(processes.entrySet())) {
                    if (!e.getValue().isAlive()) {
                        launch(e.getKey(), settingsOf.get(e.getKey()));
                        awaitReady(e.getKey());
                    }
                }
                deleteEveryDeployment(Duration.ofSeconds(120));
            } catch (Exception | AssertionError e) {
                System.out.println("the shared platform could not be handed on (" + e + "): stopping it; the next class starts its own");
                if (sharedPlatform == this) {
                    sharedPlatform = null;
                }
                stop();
            }
        }
    }

    /** Deletes every deployment and waits until each is gone (its instances destroyed, its names removed). */
    private void deleteEveryDeployment(Duration atMost) throws Exception {
        List<String> paths = new ArrayList<>();
        for (JsonNode d : call("GET", "/v1/deployments?pageSize=1000", null).body().path("deployments")) {
            JsonNode ref = d.path("intent").path("deployment");
            paths.add("/v1/deployments/" + ref.path("tenant").asText() + "/" + ref.path("name").asText());
        }
        for (String path : paths) {
            Response r = call("DELETE", path, null);
            if (r.status() != 200 && r.status() != 404) {
                throw new AssertionError("DELETE " + path + ": " + r.status() + " " + r.body());
            }
        }
        long deadline = System.nanoTime() + atMost.toNanos();
        for (String path : paths) {
            while (call("GET", path, null).status() != 404) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(path + " not gone within " + atMost);
                }
                sleep(Duration.ofMillis(250));
            }
        }
    }

    private void stop() {
        try {
            Runtime.getRuntime().removeShutdownHook(closeOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running this very moment
        }
        stopEverything();
    }

    private synchronized void stopEverything() {
        Map<String, Process> running = new HashMap<>(processes);
        running.values().forEach(Process::destroy);
        running.forEach((service, process) -> {
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // Agents run in their own sessions: stop whatever still runs from the instance folders.
        processesOf(home.resolve("instances")).forEach(ProcessHandle::destroyForcibly);
        kafka.close();
        pebble.close();
        bind.close();
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }
}
