package dev.marina.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marina.e2e.Footprint;
import dev.marina.e2e.MariadbCli;
import dev.marina.e2e.Platform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Waking a paused deployment, on the packaged platform with real agents and MariaDB servers. One deployment (a primary
 * and a replica, self-signed TLS) with rows in it. Each round pauses it through the API (faster than waiting for it to
 * be idle), waits until it is Paused with no server running, then starts the real {@code mariadb} client on the writer
 * name's address and measures from the client's start to its first query answered (the client does not retry: the
 * agent holds its connection while the server starts). Then it waits until the deployment is Ready again, replica
 * included. It prints p50/p95 of connect → first answer, and the resident memory (VmRSS) of the deployment's processes
 * paused and running.
 *
 * <pre>./marina bench resume [rounds=20]</pre>
 */
public final class ResumeBench {

    private static final String TENANT = "bench";
    private static final String NAME = "rz";
    private static final String PATH = "/v1/deployments/" + TENANT + "/" + NAME;
    private static final String WRITER_NAME = NAME + "." + TENANT + "." + Platform.ZONE;
    private static final String SPEC = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\","
            + "\"replicas\":1,\"failover\":{\"automatic\":true},\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"}}}";
    private static final Duration FIRST_READY = Duration.ofSeconds(240);
    private static final Duration PAUSED = Duration.ofSeconds(60);
    private static final Duration READY_AGAIN = Duration.ofSeconds(120);
    private static final int ROWS = 1_000;

    record Round(int n, long pauseMs, long firstAnswerMs, long readyAgainMs, long pausedKb, long runningKb) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf("resume: %d rounds of pause (API) → the mariadb client connects to %s → first query answered%n", rounds, WRITER_NAME);
        System.out.printf("machine: %d cores, load average %s at start; figures from one run on a shared machine%n",
                Runtime.getRuntime().availableProcessors(), FailoverBench.loadAverage());
        String range = "127." + (20 + (int) (ProcessHandle.current().pid() % 200)) + ".0.0/16";
        Platform platform = Platform.start(Map.of("MARINA_PROVISIONER_ADDRESS_RANGE", range));
        boolean completed = false;
        try {
            completed = run(platform, rounds);
        } finally {
            platform.close();
            if (completed && !Boolean.getBoolean(FailoverBench.KEEP)) {
                try (Stream<Path> files = Files.walk(platform.home)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            } else {
                System.err.println("resume bench: the platform's folder (logs, instances) is kept in " + platform.home);
            }
        }
        if (!completed) {
            System.exit(1);
        }
    }

    private static boolean run(Platform platform, int rounds) throws Exception {
        BindSocketFactory.useServer(platform.bind.host(), platform.bind.port());
        FailoverBench.check(platform.call("PUT", PATH, SPEC), "apply");
        long applied = System.currentTimeMillis();
        JsonNode status = await(platform, FIRST_READY, ResumeBench::settled);
        System.out.printf("deployment Ready with 1 replica in %.1f s%n", (System.currentTimeMillis() - applied) / 1000.0);
        List<String> instances = new ArrayList<>();
        status.path("instances").forEach(i -> instances.add(i.path("instanceId").asText()));
        JsonNode creds = platform.call("GET", PATH + "/credentials", null).body();
        String address = platform.dig(WRITER_NAME).get(0);
        Properties jdbc = new Properties();
        jdbc.put("user", creds.path("user").asText());
        jdbc.put("password", creds.path("password").asText());
        jdbc.put("sslMode", "REQUIRED");
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", jdbc); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS bench");
            s.execute("CREATE TABLE bench.t (id INT PRIMARY KEY, payload VARCHAR(100))");
            for (int i = 1; i <= ROWS; i++) {
                s.execute("INSERT INTO bench.t VALUES (" + i + ", REPEAT('x', 100))");
            }
        }
        MariadbCli cli = new MariadbCli(creds.path("user").asText(), creds.path("password").asText(), caBundle(platform));

        List<Round> done = new ArrayList<>();
        Footprint.Sample lastPaused = null;
        Footprint.Sample lastRunning = Footprint.of(platform, instances);
        for (int n = 1; n <= rounds; n++) {
            long asked = System.currentTimeMillis();
            FailoverBench.check(platform.call("POST", PATH + "/pause", null), "pause");
            await(platform, PAUSED, s -> "PHASE_PAUSED".equals(s.path("phase").asText()) && s.path("pause").path("paused").asBoolean());
            awaitNoServers(platform, instances);
            long pauseMs = System.currentTimeMillis() - asked;
            Thread.sleep(500);
            lastPaused = Footprint.of(platform, instances);

            String writer = platform.dig(WRITER_NAME).get(0);
            MariadbCli.Result answered = cli.run(writer, "SELECT COUNT(*) FROM bench.t", Duration.ofSeconds(30));
            if (!answered.ok() || !answered.out().strip().equals(Integer.toString(ROWS))) {
                System.out.printf("round %d: the client was not answered as expected (exit %d): %s%n", n, answered.exit(), answered.out());
                return false;
            }
            await(platform, READY_AGAIN, ResumeBench::settled);
            long readyAgainMs = System.currentTimeMillis() - answered.startedAtMillis();
            Thread.sleep(500);
            lastRunning = Footprint.of(platform, instances);
            Round round = new Round(n, pauseMs, answered.millis(), readyAgainMs, lastPaused.totalKb(), lastRunning.totalKb());
            done.add(round);
            System.out.printf("round %2d: paused in %5d ms; first query answered %5d ms after connecting; Ready again (replica too) after %6d ms%n",
                    n, pauseMs, round.firstAnswerMs(), readyAgainMs);
        }

        List<Long> first = sorted(done.stream().map(Round::firstAnswerMs).toList());
        List<Long> ready = sorted(done.stream().map(Round::readyAgainMs).toList());
        List<Long> pause = sorted(done.stream().map(Round::pauseMs).toList());
        System.out.println();
        System.out.printf("  %-52s %7s %7s %7s%n", "", "p50 ms", "p95 ms", "max ms");
        System.out.printf("  %-52s %7d %7d %7d%n", "client connect → first query answered (wake)", pct(first, 50), pct(first, 95), first.get(first.size() - 1));
        System.out.printf("  %-52s %7d %7d %7d%n", "client connect → Ready again, replica included", pct(ready, 50), pct(ready, 95), ready.get(ready.size() - 1));
        System.out.printf("  %-52s %7d %7d %7d%n", "POST pause → Paused, no server running", pct(pause, 50), pct(pause, 95), pause.get(pause.size() - 1));
        System.out.printf("target: p50 connect → first answer ≤ 1000 ms: %s%n", pct(first, 50) <= 1000 ? "met" : "NOT met");
        System.out.printf("resident memory of the deployment's processes (VmRSS), last round:%n  running: %s%n  paused:  %s%n",
                lastRunning.describe(), lastPaused.describe());
        System.out.printf("  a paused deployment holds %.0f%% of a running one's memory: its agents stay (heartbeats, metrics, the writer's"
                + " listening address), the servers are gone; data, binary logs and certificates stay on disk%n",
                100.0 * lastPaused.totalKb() / Math.max(1, lastRunning.totalKb()));
        platform.call("DELETE", PATH, null);
        return true;
    }

    private static boolean settled(JsonNode status) {
        if (!"PHASE_READY".equals(status.path("phase").asText()) || status.path("instances").size() != 2) {
            return false;
        }
        for (JsonNode i : status.path("instances")) {
            if (!"HEALTH_UP".equals(i.path("health").asText())) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode await(Platform platform, Duration atMost, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Platform.Response r = platform.call("GET", PATH, null);
            last = r.body();
            if (r.status() == 200 && last != null && condition.test(last.path("status"))) {
                return last.path("status");
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the awaited status did not come within " + atMost + "; last: " + last
                + "\nintent-service: " + platform.log("intent-service"));
    }

    private static void awaitNoServers(Platform platform, List<String> instances) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Footprint.servers(platform, instances).isEmpty()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("mariadbd still runs while Paused: " + Footprint.of(platform, instances).processes());
    }

    private static Path caBundle(Platform platform) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(platform.apiUrl() + PATH + "/ca"))
                .header("Authorization", "Bearer " + Platform.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET ca: " + response.statusCode() + " " + response.body());
        }
        Path file = Files.createTempFile("marina-ca-", ".pem");
        Files.writeString(file, response.body());
        return file;
    }

    private static List<Long> sorted(List<Long> values) {
        List<Long> copy = new ArrayList<>(values);
        copy.sort(null);
        return copy;
    }

    private static long pct(List<Long> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
