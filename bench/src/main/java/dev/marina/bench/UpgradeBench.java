package dev.marina.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marina.bench.FailoverWriter.Attempt;
import dev.marina.bench.FailoverWriter.Outcome;
import dev.marina.e2e.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A rolling upgrade under a continuous writer, on the packaged platform with real MariaDB builds side by side: one
 * deployment with a primary and two semi-sync replicas on 10.11.18 (automatic failover, self-signed TLS) is changed to
 * 10.11.19 while a writer commits one row per transaction through the writer name. Prints the roll's total time (the
 * change accepted → Ready with every instance on the new build), the longest pause between two acknowledged writes,
 * and the writer's p50/p99 commit latency during the roll against the same before it; checks that every acknowledged
 * row is on the final primary.
 *
 * <pre>./marina bench upgrade</pre>
 */
public final class UpgradeBench {

    private static final String TENANT = "bench";
    private static final String NAME = "up";
    private static final String PATH = "/v1/deployments/" + TENANT + "/" + NAME;
    private static final String WRITER_NAME = NAME + "." + TENANT + "." + Platform.ZONE;
    private static final String FROM = "10.11.18";
    private static final String TO = "10.11.19";
    private static final Duration FIRST_READY = Duration.ofSeconds(240);
    private static final Duration ROLL = Duration.ofSeconds(600);
    /** Writes before the change, for the latencies to compare with. */
    private static final Duration BEFORE = Duration.ofSeconds(20);

    private UpgradeBench() {}

    private static String spec(String version) {
        return "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"" + version + "\",\"size\":\"SIZE_SMALL\","
                + "\"replicas\":2,\"failover\":{\"automatic\":true},\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"}}}";
    }

    public static void main(String[] args) throws Exception {
        System.out.printf("upgrade: a 3-instance deployment rolled from %s to %s under a writer through %s%n", FROM, TO, WRITER_NAME);
        System.out.printf("machine: %d cores, load average %s at start; figures from one run on a shared machine%n",
                Runtime.getRuntime().availableProcessors(), FailoverBench.loadAverage());
        String range = "127." + (20 + (int) (ProcessHandle.current().pid() % 200)) + ".0.0/16";
        Platform platform = Platform.start(Map.of("MARINA_PROVISIONER_ADDRESS_RANGE", range));
        boolean completed = false;
        try {
            completed = run(platform);
        } finally {
            platform.close();
            if (completed && !Boolean.getBoolean(FailoverBench.KEEP)) {
                try (Stream<Path> files = Files.walk(platform.home)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            } else {
                System.err.println("upgrade bench: the platform's folder (logs, instances) is kept in " + platform.home);
            }
        }
        if (!completed) {
            System.exit(1);
        }
    }

    private static boolean run(Platform platform) throws Exception {
        BindSocketFactory.useServer(platform.bind.host(), platform.bind.port());
        FailoverBench.check(platform.call("PUT", PATH, spec(FROM)), "apply");
        long applied = System.currentTimeMillis();
        JsonNode status = awaitAll(platform, FROM, FIRST_READY, null);
        System.out.printf("deployment Ready on %s with 2 replicas in %.1f s%n", FROM, (System.currentTimeMillis() - applied) / 1000.0);
        JsonNode creds = platform.call("GET", PATH + "/credentials", null).body();
        Path trust = FailoverBench.trustStore(platform, PATH, platform.home.resolve("bench-trust.p12"));
        try (FailoverWriter writer = new FailoverWriter(WRITER_NAME, FailoverBench.writerProps(creds, trust))) {
            Thread.sleep(BEFORE.toMillis());
            long changedAt = System.currentTimeMillis();
            FailoverBench.check(platform.call("PUT", PATH, spec(TO)), "change to " + TO);
            List<String> steps = new ArrayList<>();
            status = awaitAll(platform, TO, ROLL, steps);
            long rolledAt = System.currentTimeMillis();
            Thread.sleep(2_000);
            writer.close();

            List<Attempt> attempts = writer.attempts();
            List<Long> before = latencies(attempts, changedAt - BEFORE.toMillis(), changedAt);
            List<Long> during = latencies(attempts, changedAt, rolledAt);
            long longestPause = longestPause(attempts, changedAt, rolledAt);
            String primary = null;
            for (JsonNode i : status.path("instances")) {
                if (i.path("role").asText().equals("ROLE_PRIMARY")) {
                    primary = i.path("address").asText();
                }
            }
            FailoverBench.Verification v = FailoverBench.verify(attempts, primary, creds);
            System.out.println("steps seen in the status while rolling:");
            steps.forEach(s -> System.out.println("  " + s));
            System.out.printf("total roll time (change accepted → Ready, every instance on %s): %.1f s%n", TO, (rolledAt - changedAt) / 1000.0);
            System.out.printf("longest write pause (between two acknowledged commits): %d ms%n", longestPause);
            System.out.printf("commit latency before the roll: p50 %.1f ms, p99 %.1f ms (%d commits in %d s)%n",
                    ms(pct(before, 50)), ms(pct(before, 99)), before.size(), BEFORE.toSeconds());
            System.out.printf("commit latency during the roll: p50 %.1f ms, p99 %.1f ms (%d commits); p99 during / before: %.1f%n",
                    ms(pct(during, 50)), ms(pct(during, 99)), during.size(), (double) pct(during, 99) / Math.max(1, pct(before, 99)));
            System.out.printf("acknowledged %d, lost %d %s, unknown outcome %d (committed %d), rows on the primary %d%n",
                    v.acknowledged(), v.lost().size(), v.lost().isEmpty() ? "" : v.lost(), v.unknown(), v.unknownCommitted(), v.rowsOnPrimary());
            return v.lost().isEmpty();
        }
    }

    /** Ready with every instance running the version; collects the roll's distinct status lines on the way. */
    private static JsonNode awaitAll(Platform platform, String version, Duration timeout, List<String> steps) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long start = System.currentTimeMillis();
        JsonNode last = null;
        String lastLine = "";
        while (System.nanoTime() < deadline) {
            JsonNode body = platform.call("GET", PATH, null).body();
            last = body == null ? null : body.path("status");
            if (last != null) {
                JsonNode roll = last.path("roll");
                String line = last.path("phase").asText() + " " + roll.path("instancesDone").asInt() + "/" + roll.path("instancesTotal").asInt()
                        + " " + roll.path("currentInstance").asText() + " " + roll.path("step").asText() + " " + roll.path("waitingFor").asText();
                if (steps != null && !line.equals(lastLine)) {
                    steps.add(String.format("+%5.1f s  %s", (System.currentTimeMillis() - start) / 1000.0, line.strip()));
                    lastLine = line;
                }
                int on = 0;
                for (JsonNode i : last.path("instances")) {
                    on += version.equals(i.path("running").path("version").asText()) ? 1 : 0;
                }
                if ("PHASE_READY".equals(last.path("phase").asText()) && on == 3 && last.path("instances").size() == 3) {
                    return last;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(PATH + " not Ready on " + version + " within " + timeout.toSeconds() + " s; last status: " + last);
    }

    private static List<Long> latencies(List<Attempt> attempts, long from, long to) {
        List<Long> out = new ArrayList<>();
        for (Attempt a : attempts) {
            if (a.outcome() == Outcome.ACKNOWLEDGED && a.endedAtMillis() >= from && a.endedAtMillis() < to) {
                out.add(a.latencyNanos());
            }
        }
        out.sort(null);
        return out;
    }

    private static long longestPause(List<Attempt> attempts, long from, long to) {
        long previous = -1;
        long longest = 0;
        for (Attempt a : attempts) {
            if (a.outcome() != Outcome.ACKNOWLEDGED) {
                continue;
            }
            if (previous >= 0 && a.endedAtMillis() >= from && previous <= to) {
                longest = Math.max(longest, a.endedAtMillis() - previous);
            }
            previous = a.endedAtMillis();
        }
        return longest;
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.isEmpty() ? 0 : FailoverBench.percentile(sorted, p);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
