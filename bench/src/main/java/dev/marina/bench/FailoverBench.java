package dev.marina.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.util.Timestamps;
import dev.marina.bench.FailoverWriter.Attempt;
import dev.marina.bench.FailoverWriter.Outcome;
import dev.marina.e2e.Platform;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.RoleChange;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * Automatic failover under a continuous writer, on the packaged platform with real MariaDB servers,
 * agents, BIND and a broker. One deployment with a primary and two semi-sync replicas (automatic
 * failover, self-signed TLS: replication runs over verified TLS, and the writer verifies the server's
 * certificate against the writer name). Each round kills the current primary's agent and server with
 * SIGKILL and measures, from the kill to the first write acknowledged through the writer name:
 * detection (the DOWN record on instance-health), promotion (the new primary's PROMOTE answer on
 * agent-events), DNS (BIND answers the new address) and client (the writer's next acknowledged
 * write). Then it waits until the deployment is Ready again with two replicas before the next round.
 * At the end every acknowledged row must be on the final primary.
 *
 * <pre>./marina bench failover [rounds=10]</pre>
 *
 * The platform's folder (service, agent and server logs) is removed after a clean run; with
 * {@code -D}{@value #KEEP} it is kept.
 */
public final class FailoverBench {

    private static final String TENANT = "bench";
    private static final String NAME = "fo";
    private static final String PATH = "/v1/deployments/" + TENANT + "/" + NAME;
    private static final String WRITER_NAME = NAME + "." + TENANT + "." + Platform.ZONE;
    private static final String SPEC = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\","
            + "\"replicas\":2,\"failover\":{\"automatic\":true},\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"}}}";
    private static final int REPLICAS = 2;
    private static final Duration FIRST_READY = Duration.ofSeconds(240);
    private static final Duration READY_AGAIN = Duration.ofSeconds(120);
    private static final Duration FIRST_WRITE = Duration.ofSeconds(60);
    /** Writes after Ready before the next kill: semi-sync on again, and steady-state latencies to compare with. */
    private static final Duration SETTLE = Duration.ofSeconds(3);
    private static final long DNS_POLL_MS = 5;
    private static final String TRUST_PASSWORD = "changeit";
    static final String KEEP = "marina.bench.keep";

    /** One failover, by the bench's clock (kill, BIND, first write) and the records' own times (the rest). */
    record Round(int n, String oldPrimary, String newPrimary, long killedAt, long downAt, long promoteSentAt, long promotedAt, long nameAt,
                 long firstAckAt, RoleChange change, long readyAt, boolean rejoined, int failed, int unknown,
                 Attempt firstAck, long maxLatencyUntilReadyNanos, int slowUntilReady, String semiSyncAtReady) {
        long detection() {
            return downAt - killedAt;
        }

        long promotion() {
            return promotedAt - downAt;
        }

        long promoteSent() {
            return promoteSentAt - downAt;
        }

        long promoteRun() {
            return promotedAt - promoteSentAt;
        }

        long dns() {
            return nameAt - promotedAt;
        }

        long client() {
            return firstAckAt - nameAt;
        }

        long total() {
            return firstAckAt - killedAt;
        }

        long reconcilerPromotion() {
            return Timestamps.toMillis(change.getPromotedAt()) - Timestamps.toMillis(change.getDetectedAt());
        }

        long reconcilerNameMoved() {
            return Timestamps.toMillis(change.getWriterNameMovedAt()) - Timestamps.toMillis(change.getPromotedAt());
        }

        long readyAgain() {
            return readyAt - killedAt;
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        System.out.printf("failover: %d rounds of kill -9 of the primary (agent and mariadbd) under a writer through %s%n",
                rounds, WRITER_NAME);
        System.out.printf("machine: %d cores, load average %s at start; figures from one run on a shared machine%n",
                Runtime.getRuntime().availableProcessors(), loadAverage());
        // Every platform's provisioner hands out addresses from 127.10.0.0/16 by default, so two platforms
        // on one machine (a test run beside this bench) both give 127.10.0.1 to their first instance: after
        // a kill the other's server can take the address. A range of this run's own avoids that.
        String range = "127." + (20 + (int) (ProcessHandle.current().pid() % 200)) + ".0.0/16";
        Platform platform = Platform.start(Map.of("MARINA_PROVISIONER_ADDRESS_RANGE", range));
        boolean completed = false;
        try {
            completed = run(platform, rounds);
        } finally {
            platform.close();
            if (completed && !Boolean.getBoolean(KEEP)) {
                try (Stream<Path> files = Files.walk(platform.home)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            } else {
                System.err.println("failover bench: the platform's folder (logs, instances) is kept in " + platform.home);
            }
        }
        if (!completed) {
            System.exit(1);
        }
    }

    private static boolean run(Platform platform, int rounds) throws Exception {
        BindSocketFactory.useServer(platform.bind.host(), platform.bind.port());
        long applied = System.currentTimeMillis();
        check(platform.call("PUT", PATH, SPEC), "apply");
        JsonNode status = awaitReady(platform, FIRST_READY, s -> true);
        System.out.printf("deployment %s/%s Ready with a primary and %d replicas in %.1f s (template build and certificates included)%n",
                TENANT, NAME, REPLICAS, (System.currentTimeMillis() - applied) / 1000.0);
        JsonNode creds = platform.call("GET", PATH + "/credentials", null).body();
        Path trust = trustStore(platform, PATH, platform.home.resolve("bench-trust.p12"));

        List<Round> done = new ArrayList<>();
        List<long[]> windows = new ArrayList<>(); // [kill, Ready again]: writes outside them are the steady state
        List<Attempt> attempts;
        boolean failed = false;
        try (RoleEvents events = new RoleEvents(platform.adminClient(), TENANT + "/" + NAME);
             FailoverWriter writer = new FailoverWriter(WRITER_NAME, writerProps(creds, trust))) {
            Thread.sleep(SETTLE.toMillis());
            for (int n = 1; n <= rounds; n++) {
                try {
                    Round round = round(n, platform, events, writer, status, creds);
                    done.add(round);
                    printRound(round);
                    Thread.sleep(SETTLE.toMillis());
                    windows.add(new long[] {round.killedAt(), round.readyAt()});
                    status = platform.call("GET", PATH, null).body().path("status");
                } catch (RoundFailed e) {
                    System.out.printf("round %d FAILED: %s%n", n, e.getMessage());
                    System.out.println(e.diagnostics);
                    failed = true;
                    break;
                }
            }
            writer.close();
            attempts = writer.attempts();
            status = platform.call("GET", PATH, null).body().path("status");
        }
        String finalPrimary = primaryOf(status);
        Verification verification = verify(attempts, addressOf(status, finalPrimary), creds);
        report(done, attempts, windows, verification, finalPrimary);
        return !failed && verification.lost().isEmpty();
    }

    private static final class RoundFailed extends Exception {
        final String diagnostics;

        RoundFailed(String message, String diagnostics) {
            super(message);
            this.diagnostics = diagnostics;
        }
    }

    private static Round round(int n, Platform platform, RoleEvents events, FailoverWriter writer, JsonNode status, JsonNode creds) throws Exception {
        String oldPrimary = primaryOf(status);
        String oldAddress = addressOf(status, oldPrimary);
        List<ProcessHandle> victims = platform.processesOf(platform.instanceDir(oldPrimary));
        if (victims.isEmpty()) {
            throw new RoundFailed("no process runs in " + platform.instanceDir(oldPrimary), "");
        }
        long killedAt = System.currentTimeMillis();
        victims.forEach(ProcessHandle::destroyForcibly);

        long nameAt = awaitNameMoved(oldAddress, killedAt + FIRST_WRITE.toMillis());
        Attempt firstAck = nameAt < 0 ? null : writer.awaitAckAfter(killedAt, oldAddress, FIRST_WRITE.toMillis());
        if (firstAck == null) {
            throw new RoundFailed((nameAt < 0 ? "the writer name still answers " + oldAddress : "no write acknowledged")
                    + " " + FIRST_WRITE.toSeconds() + " s after killing " + oldPrimary, diagnostics(platform, events, killedAt, writer));
        }
        Optional<InstanceHealth> down = events.down(oldPrimary, killedAt, Duration.ofSeconds(10));
        Optional<AgentEvent> promote = events.promoted(killedAt, Duration.ofSeconds(10));
        Optional<RoleChange> change = events.failover(oldPrimary, killedAt, Duration.ofSeconds(30));
        if (down.isEmpty() || promote.isEmpty() || change.isEmpty()) {
            throw new RoundFailed("writes resumed, but " + (down.isEmpty() ? "no DOWN record of " + oldPrimary
                    : promote.isEmpty() ? "no PROMOTE answer" : "no failover on role-changes"), diagnostics(platform, events, killedAt, writer));
        }
        String newPrimary = promote.get().getInstanceId();
        Optional<RoleEvents.Sent> sent = events.promoteSent(newPrimary, killedAt, Duration.ofSeconds(5));
        if (sent.isEmpty()) {
            throw new RoundFailed("a PROMOTE answer of " + newPrimary + " but no PROMOTE command seen", "");
        }
        JsonNode ready;
        try {
            ready = awaitReady(platform, READY_AGAIN, s -> !primaryOf(s).equals(oldPrimary));
        } catch (IllegalStateException e) {
            throw new RoundFailed(e.getMessage(), diagnostics(platform, events, killedAt, writer));
        }
        long readyAt = System.currentTimeMillis();
        boolean rejoined = instanceIds(ready).contains(oldPrimary);

        List<Attempt> attempts = writer.attempts();
        int failed = 0;
        int unknown = 0;
        long maxLatency = 0;
        int slow = 0;
        for (Attempt a : attempts) {
            if (a.endedAtMillis() >= killedAt && a.endedAtMillis() <= firstAck.endedAtMillis()) {
                failed += a.outcome() == Outcome.FAILED ? 1 : 0;
                unknown += a.outcome() == Outcome.UNKNOWN ? 1 : 0;
            }
            if (a.outcome() == Outcome.ACKNOWLEDGED && a.endedAtMillis() >= firstAck.endedAtMillis() && a.endedAtMillis() <= readyAt) {
                maxLatency = Math.max(maxLatency, a.latencyNanos());
                slow += a.latencyNanos() > 100_000_000L ? 1 : 0;
            }
        }
        return new Round(n, oldPrimary, newPrimary, killedAt, Timestamps.toMillis(down.get().getDetectedAt()),
                sent.get().atMillis(), Timestamps.toMillis(promote.get().getObservedAt()), nameAt, firstAck.endedAtMillis(), change.get(), readyAt,
                rejoined, failed, unknown, firstAck, maxLatency, slow, semiSync(addressOf(ready, primaryOf(ready)), creds));
    }

    /** Asks BIND every few ms until the writer name answers anything but {@code oldAddress}; when, or -1. */
    private static long awaitNameMoved(String oldAddress, long deadline) throws InterruptedException {
        while (System.currentTimeMillis() < deadline) {
            try {
                String now = BindSocketFactory.resolve(WRITER_NAME);
                if (now != null && !now.equals(oldAddress)) {
                    return System.currentTimeMillis();
                }
            } catch (IOException timeout) {
                // ask again
            }
            Thread.sleep(DNS_POLL_MS);
        }
        return -1;
    }

    /** The primary's semi-sync state: status and connected semi-sync replicas. */
    private static String semiSync(String address, JsonNode creds) {
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", directProps(creds));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status',"
                     + " 'Rpl_semi_sync_master_clients')")) {
            String state = "";
            String clients = "";
            while (rs.next()) {
                if (rs.getString(1).endsWith("status")) {
                    state = rs.getString(2);
                } else {
                    clients = rs.getString(2);
                }
            }
            return state + "/" + clients;
        } catch (SQLException e) {
            return "? (" + e.getMessage() + ")";
        }
    }

    private static JsonNode awaitReady(Platform platform, Duration timeout, Predicate<JsonNode> also) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            JsonNode body = platform.call("GET", PATH, null).body();
            last = body == null ? null : body.path("status");
            if (last != null && "PHASE_READY".equals(last.path("phase").asText()) && also.test(last) && replicasUp(last) == REPLICAS) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(PATH + " not Ready with " + REPLICAS + " replicas within " + timeout.toSeconds()
                + " s; last status: " + last);
    }

    private static int replicasUp(JsonNode status) {
        int n = 0;
        for (JsonNode i : status.path("instances")) {
            n += i.path("role").asText().equals("ROLE_REPLICA") && i.path("health").asText().equals("HEALTH_UP") ? 1 : 0;
        }
        return n;
    }

    private static String primaryOf(JsonNode status) {
        for (JsonNode i : status.path("instances")) {
            if (i.path("role").asText().equals("ROLE_PRIMARY")) {
                return i.path("instanceId").asText();
            }
        }
        return "";
    }

    private static String addressOf(JsonNode status, String instanceId) {
        for (JsonNode i : status.path("instances")) {
            if (i.path("instanceId").asText().equals(instanceId)) {
                return i.path("address").asText();
            }
        }
        throw new IllegalStateException("no instance " + instanceId + " in " + status);
    }

    private static Set<String> instanceIds(JsonNode status) {
        Set<String> ids = new HashSet<>();
        status.path("instances").forEach(i -> ids.add(i.path("instanceId").asText()));
        return ids;
    }

    /** What the platform said while a round went wrong: health records, agents' answers, status, the services' log tails. */
    private static String diagnostics(Platform platform, RoleEvents events, long since, FailoverWriter writer) {
        StringBuilder out = new StringBuilder();
        out.append("  health records since the kill:\n");
        for (InstanceHealth h : events.healthSince(since)) {
            out.append("    +").append(Timestamps.toMillis(h.getDetectedAt()) - since).append(" ms ").append(h.getInstanceId())
                    .append(' ').append(h.getHealth()).append(' ').append(h.getRole()).append(" epoch ").append(h.getEpoch())
                    .append(": ").append(h.getReason()).append('\n');
        }
        out.append("  agent answers since the kill:\n");
        for (AgentEvent e : events.answersSince(since)) {
            out.append("    +").append(Timestamps.toMillis(e.getObservedAt()) - since).append(" ms ").append(e.getCommandId())
                    .append(' ').append(e.getOutcome()).append(": ").append(e.getReason()).append('\n');
        }
        List<Attempt> attempts = writer.attempts();
        attempts.stream().filter(a -> a.outcome() != Outcome.ACKNOWLEDGED && a.endedAtMillis() >= since)
                .reduce((a, b) -> b).ifPresent(a -> out.append("  writer's last error: ").append(a.error()).append(" (")
                        .append(a.address()).append(")\n"));
        try {
            out.append("  status: ").append(platform.call("GET", PATH, null).body().path("status")).append('\n');
        } catch (Exception e) {
            out.append("  status: ").append(e).append('\n');
        }
        for (String service : List.of("intent-service", "health-monitor", "provisioner", "dns-service")) {
            out.append("  --- ").append(service).append(" log (tail) ---\n").append(tail(platform.log(service), 1500)).append('\n');
        }
        return out.toString();
    }

    private static String tail(String text, int chars) {
        return text.length() > chars ? "…" + text.substring(text.length() - chars) : text;
    }

    /** Every acknowledged id must be on the final primary; where the unknown ones ended. */
    record Verification(int acknowledged, Set<Long> lost, int unknown, int unknownCommitted, long rowsOnPrimary) {}

    static Verification verify(List<Attempt> attempts, String address, JsonNode creds) throws SQLException {
        Set<Long> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", directProps(creds));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM bench.t")) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        }
        Set<Long> lost = new HashSet<>();
        int acknowledged = 0;
        int unknown = 0;
        int unknownCommitted = 0;
        for (Attempt a : attempts) {
            if (a.outcome() == Outcome.ACKNOWLEDGED) {
                acknowledged++;
                if (!present.contains(a.id())) {
                    lost.add(a.id());
                }
            } else if (a.outcome() == Outcome.UNKNOWN) {
                unknown++;
                unknownCommitted += present.contains(a.id()) ? 1 : 0;
            }
        }
        return new Verification(acknowledged, lost, unknown, unknownCommitted, present.size());
    }

    private static void printRound(Round r) {
        System.out.printf("round %2d: %s → %s  detection %4d  promotion %4d  DNS %4d  client %4d  total %5d ms;"
                        + " failed %d unknown %d; first write %.1f ms (connect %.0f ms); Ready again +%.1f s (%s), semi-sync %s%n",
                r.n(), r.oldPrimary(), r.newPrimary(), r.detection(), r.promotion(), r.dns(), r.client(), r.total(), r.failed(),
                r.unknown(), r.firstAck().latencyNanos() / 1e6, r.firstAck().connectNanos() / 1e6, r.readyAgain() / 1000.0,
                r.rejoined() ? "old primary rejoined" : "old primary replaced", r.semiSyncAtReady());
    }

    private static void report(List<Round> rounds, List<Attempt> attempts, List<long[]> windows, Verification v, String finalPrimary) {
        System.out.println();
        if (!rounds.isEmpty()) {
            System.out.printf("%d failovers, kill -9 → first write acknowledged through the writer name%n", rounds.size());
            System.out.printf("  %-52s %7s %7s %7s%n", "", "p50 ms", "p95 ms", "max ms");
            row("detection (kill → DOWN on instance-health)", rounds, Round::detection);
            row("promotion (DOWN → PROMOTE answered)", rounds, Round::promotion);
            row("  DOWN → PROMOTE sent (reconciler)", rounds, Round::promoteSent);
            row("  PROMOTE sent → answered (agent)", rounds, Round::promoteRun);
            row("DNS (PROMOTE answered → BIND answers new address)", rounds, Round::dns);
            row("client (BIND answers → first acknowledged write)", rounds, Round::client);
            row("total (kill → first acknowledged write)", rounds, Round::total);
            System.out.println("  as the reconciler recorded it on role-changes:");
            row("  failover decided → PROMOTE answer seen", rounds, Round::reconcilerPromotion);
            row("  PROMOTE answer seen → writer name answering", rounds, Round::reconcilerNameMoved);
            row("kill → Ready again with 2 replicas", rounds, Round::readyAgain);
            long rejoined = rounds.stream().filter(Round::rejoined).count();
            System.out.printf("  old primary rejoined as a replica in %d of %d rounds, replaced in %d%n", rejoined, rounds.size(),
                    rounds.size() - rejoined);

            List<Long> steady = new ArrayList<>();
            for (Attempt a : attempts) {
                if (a.outcome() == Outcome.ACKNOWLEDGED && windows.stream().noneMatch(w -> a.endedAtMillis() >= w[0] && a.endedAtMillis() <= w[1])) {
                    steady.add(a.latencyNanos());
                }
            }
            steady.sort(null);
            List<Long> first = rounds.stream().map(r -> r.firstAck().latencyNanos()).sorted().toList();
            List<Long> untilReady = rounds.stream().map(Round::maxLatencyUntilReadyNanos).sorted().toList();
            System.out.printf("%nwrite latency (INSERT, autocommit; the writer pauses %d ms between writes)%n", FailoverWriter.WRITE_PAUSE_MS);
            System.out.printf("  %-52s %7s %7s %7s%n", "", "p50 ms", "p95 ms", "max ms");
            if (!steady.isEmpty()) {
                System.out.printf("  %-52s %7.1f %7.1f %7.1f   (%d writes, p99 %.1f)%n", "steady state (2 semi-sync replicas attached)",
                        ms(percentile(steady, 50)), ms(percentile(steady, 95)), ms(steady.get(steady.size() - 1)), steady.size(),
                        ms(percentile(steady, 99)));
            }
            System.out.printf("  %-52s %7.1f %7.1f %7.1f%n", "first write on a promoted primary", ms(percentile(first, 50)),
                    ms(percentile(first, 95)), ms(first.get(first.size() - 1)));
            System.out.printf("  %-52s %7.1f %7.1f %7.1f   (writes over 100 ms: %d)%n", "slowest write, promotion → Ready (max per round)",
                    ms(percentile(untilReady, 50)), ms(percentile(untilReady, 95)), ms(untilReady.get(untilReady.size() - 1)),
                    rounds.stream().mapToInt(Round::slowUntilReady).sum());
            System.out.println("  (lossless semi-sync: a promoted primary's first write waits until a re-pointed replica holds it)");
        }
        System.out.printf("%nwrites: %d acknowledged, %d failed (refused or never sent), %d unknown (connection broke after sending;"
                        + " %d of them committed)%n", v.acknowledged(),
                attempts.stream().filter(a -> a.outcome() == Outcome.FAILED).count(), v.unknown(), v.unknownCommitted());
        System.out.printf("acknowledged writes lost: %d (checked on the final primary %s, %d rows)%n", v.lost().size(), finalPrimary,
                v.rowsOnPrimary());
        if (!v.lost().isEmpty()) {
            System.out.println("  lost ids: " + v.lost().stream().sorted().limit(50).toList());
        }
        System.out.println("for scale (published figures, not measured here): Amazon RDS Multi-AZ failover 60–120 s,"
                + " Aurora about 30 s, MySQL with orchestrator 10–13 s");
    }

    private static void row(String label, List<Round> rounds, ToLongFunction<Round> part) {
        List<Long> sorted = rounds.stream().map(part::applyAsLong).sorted().toList();
        System.out.printf("  %-52s %7d %7d %7d%n", label, percentile(sorted, 50), percentile(sorted, 95), sorted.get(sorted.size() - 1));
    }

    static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** The writer: by name, resolved at BIND on every connect, TLS verifying the chain and the name; short timeouts. */
    static Properties writerProps(JsonNode creds, Path trust) {
        Properties props = new Properties();
        props.put("user", creds.path("user").asText());
        props.put("password", creds.path("password").asText());
        props.put("sslMode", "VERIFY_IDENTITY");
        props.put("trustCertificateKeyStoreUrl", trust.toUri().toString());
        props.put("trustCertificateKeyStoreType", "PKCS12");
        props.put("trustCertificateKeyStorePassword", TRUST_PASSWORD);
        props.put("socketFactory", BindSocketFactory.class.getName());
        props.put("connectTimeout", "500");
        // lossless semi-sync: the first commit on a promoted primary waits until a replica is re-pointed to it;
        // long enough not to cut that wait short
        props.put("socketTimeout", "10000");
        return props;
    }

    /** By address (bench checks only): TLS without name verification, since certificates name DNS names only. */
    static Properties directProps(JsonNode creds) {
        Properties props = new Properties();
        props.put("user", creds.path("user").asText());
        props.put("password", creds.path("password").asText());
        props.put("sslMode", "REQUIRED");
        props.put("connectTimeout", "2000");
        props.put("socketTimeout", "30000");
        return props;
    }

    /** The deployment's CA bundle (from the API) as a PKCS12 trust store. */
    static Path trustStore(Platform platform, String path, Path file) throws Exception {
        String pem = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(platform.apiUrl() + path + "/ca"))
                .header("Authorization", "Bearer " + Platform.TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int n = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
            store.setCertificateEntry("ca" + n++, c);
        }
        if (n == 0) {
            throw new IllegalStateException("no CA certificate from " + path + "/ca: " + pem);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, TRUST_PASSWORD.toCharArray());
        }
        return file;
    }

    static void check(Platform.Response r, String what) {
        if (r.status() / 100 != 2) {
            throw new IllegalStateException(what + ": HTTP " + r.status() + " " + r.body());
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
