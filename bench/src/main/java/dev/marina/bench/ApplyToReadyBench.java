package dev.marina.bench;

import java.util.Properties;
import com.fasterxml.jackson.databind.JsonNode;
import dev.marina.e2e.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Apply → Ready and apply → first successful query, for one deployment at a time and for a burst
 * applied at once, with the time split by step; then the resident memory of each service and of
 * one agent with its database. Runs the packaged services (as {@code ./marina up} does) on a broker
 * of its own.
 *
 * <pre>./marina bench apply-to-ready [rounds=10] [burst=20]</pre>
 */
public final class ApplyToReadyBench {

    private static final String SPEC = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\"}}";
    private static final String[][] STEPS = {
            {"validation + intake", "t0", Milestones.ACCEPTED},
            {"planning", Milestones.ACCEPTED, Milestones.CREATE},
            {"provisioning (agent process)", Milestones.CREATE, Milestones.RUNNING},
            {"deploy command", Milestones.RUNNING, Milestones.DEPLOY},
            {"database start", Milestones.DEPLOY, Milestones.DATABASE_READY},
            {"first healthy heartbeat", Milestones.DATABASE_READY, Milestones.HEALTH_UP},
            {"status Ready", Milestones.HEALTH_UP, Milestones.STATUS_READY},
            // alongside the database start, not after it
            {"DNS names (command → APPLIED)", Milestones.DNS_COMMAND, Milestones.DNS_APPLIED},
    };

    record Run(String key, long t0, long ready, long query, Map<String, Long> milestones) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int burst = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        System.out.printf("apply-to-ready: %d sequential rounds, then %d applied at once (%d cores)%n", rounds, burst,
                Runtime.getRuntime().availableProcessors());
        try (Platform platform = Platform.start(Map.of()); Milestones milestones = new Milestones(platform.adminClient())) {
            // One deployment first, not measured: builds the MariaDB template and warms the JVMs.
            Run warmup = applyAndConnect(platform, milestones, "warmup");
            System.out.printf("warm-up (template build included): ready %d ms%n", warmup.ready() - warmup.t0());
            printMemory(platform, warmup);
            delete(platform, warmup.key());

            List<Run> sequential = new ArrayList<>();
            for (int i = 1; i <= rounds; i++) {
                Run run = applyAndConnect(platform, milestones, "seq" + i);
                sequential.add(run);
                delete(platform, run.key());
            }
            report("one deployment at a time", sequential);

            ExecutorService pool = Executors.newFixedThreadPool(burst);
            List<Future<Run>> futures = new ArrayList<>();
            for (int i = 1; i <= burst; i++) {
                String name = "burst" + i;
                futures.add(pool.submit(() -> applyAndConnect(platform, milestones, name)));
            }
            List<Run> together = new ArrayList<>();
            for (Future<Run> f : futures) {
                together.add(f.get());
            }
            pool.shutdown();
            report(burst + " applied at once", together);
            for (Run run : together) {
                delete(platform, run.key());
            }
        }
    }

    private static Run applyAndConnect(Platform platform, Milestones milestones, String name) throws Exception {
        String path = "/v1/deployments/bench/" + name;
        long t0 = System.currentTimeMillis();
        Platform.Response applied = platform.call("PUT", path, SPEC);
        if (applied.status() != 200) {
            throw new IllegalStateException("apply " + name + ": " + applied.status() + " " + applied.body());
        }
        long ready = awaitReady(platform, path);
        JsonNode credentials = platform.call("GET", path + "/credentials", null).body();
        // the address the writer name points at: this JVM's resolver does not ask the platform's BIND
        String url = "jdbc:mysql://" + credentials.path("address").asText() + ":" + credentials.path("port").asInt()
                + "/?sslMode=DISABLED&allowPublicKeyRetrieval=true&connectTimeout=2000";
        long query = 0;
        while (query == 0) {
            try (Connection c = DriverManager.getConnection(url, credentials.path("user").asText(), credentials.path("password").asText());
                 Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                rs.next();
                query = System.currentTimeMillis();
            } catch (java.sql.SQLException notYet) {
                Thread.sleep(20);
            }
        }
        Map<String, Long> seen = milestones.of("bench/" + name);
        long deadline = System.currentTimeMillis() + 5_000;
        while (!seen.containsKey(Milestones.STATUS_READY) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        Map<String, Long> copy = new LinkedHashMap<>(seen);
        copy.put("t0", t0);
        return new Run("bench/" + name, t0, ready, query, copy);
    }

    private static long awaitReady(Platform platform, String path) throws Exception {
        long deadline = System.currentTimeMillis() + 300_000;
        while (System.currentTimeMillis() < deadline) {
            Platform.Response r = platform.call("GET", path, null);
            if (r.status() == 200 && "PHASE_READY".equals(r.body().path("status").path("phase").asText())) {
                return System.currentTimeMillis();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(path + " not Ready within 300 s");
    }

    private static void delete(Platform platform, String key) throws Exception {
        String path = "/v1/deployments/" + key;
        platform.call("DELETE", path, null);
        long deadline = System.currentTimeMillis() + 120_000;
        while (platform.call("GET", path, null).status() != 404 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
    }

    private static void report(String title, List<Run> runs) {
        System.out.printf("%n%s (%d deployments)%n", title, runs.size());
        System.out.printf("  %-32s %8s %8s%n", "", "p50 ms", "p95 ms");
        row("apply → Ready (API)", runs.stream().map(r -> r.ready() - r.t0()).toList());
        row("apply → first query", runs.stream().map(r -> r.query() - r.t0()).toList());
        System.out.println("  split by step (from the records' timestamps):");
        for (String[] step : STEPS) {
            List<Long> values = new ArrayList<>();
            for (Run r : runs) {
                Long from = r.milestones().get(step[1]);
                Long to = r.milestones().get(step[2]);
                if (from != null && to != null) {
                    values.add(to - from);
                }
            }
            row("  " + step[0], values);
        }
    }

    private static void row(String label, List<Long> values) {
        if (values.isEmpty()) {
            System.out.printf("  %-32s %8s %8s%n", label, "-", "-");
            return;
        }
        List<Long> sorted = values.stream().sorted().toList();
        System.out.printf("  %-32s %8d %8d%n", label, percentile(sorted, 50), percentile(sorted, 95));
    }

    private static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static void printMemory(Platform platform, Run run) throws Exception {
        System.out.println("resident memory (RSS):");
        for (String service : List.of("intent-service", "provisioner", "health-monitor")) {
            System.out.printf("  %-32s %6d MB%n", service, rssMb(platform.processOf(service).pid()));
        }
        JsonNode view = platform.call("GET", "/v1/deployments/" + run.key(), null).body();
        String instanceId = view.path("status").path("instances").get(0).path("instanceId").asText();
        Path dir = platform.instanceDir(instanceId);
        long agent = 0;
        long database = 0;
        for (ProcessHandle p : platform.processesOf(dir)) {
            if (p.info().commandLine().orElse("").contains("mariadbd")) {
                database += rssMb(p.pid());
            } else {
                agent += rssMb(p.pid());
            }
        }
        System.out.printf("  %-32s %6d MB%n", "one agent", agent);
        System.out.printf("  %-32s %6d MB%n", "its mariadbd (SIZE_SMALL)", database);
    }

    private static long rssMb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
