package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Changing a running deployment on the packaged platform, with real MariaDB builds side by side (10.11.18 unpacked by
 * {@code ./marina deps} beside the installed 10.11.19): a writer commits numbered rows through the writer name while
 * the version rolls, replicas first, then a switchover, then the old primary; at the end every instance answers the
 * new version, no acknowledged row is missing and no two servers were ever writable at once. A deployment without
 * replicas changes size and a static parameter blue/green (a temporary replica on the new settings, a switchover, the
 * old instance retired), losing nothing either. A dynamic parameter changes without a restart: every server's uptime
 * keeps counting. A roll to a build that does not start halts with the reason in the status, the deployment keeps
 * serving on the old build, and changing the spec back ends it.
 */
@org.junit.jupiter.api.Order(9) // see Platform.shared
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RollingChangeIT {

    private static final Duration READY = Duration.ofSeconds(180);
    private static final Duration ROLL = Duration.ofSeconds(300);
    private Platform platform;

    /** An offered build whose server never starts (as a bad package would): the roll to it must halt. */
    private static final String BROKEN = "10.11.99";
    private Path engines;

    @BeforeAll
    void start() throws Exception {
        // The agents' builds: 10.11.18 as ./marina deps unpacked it, and a broken 10.11.99 beside it; the platform
        // offers both with the installed 10.11.19.
        Path unpacked = Path.of(System.getenv().getOrDefault("MARINA_ENGINES", System.getProperty("user.home") + "/.local/share/marina/engines"))
                .resolve("mariadb-10.11.18");
        if (!Files.isExecutable(unpacked.resolve("usr/sbin/mariadbd"))) {
            throw new IllegalStateException("MariaDB 10.11.18 is not unpacked in " + unpacked + ": run ./marina deps");
        }
        engines = Files.createTempDirectory("marina-e2e-engines");
        Files.createSymbolicLink(engines.resolve("mariadb-10.11.18"), unpacked);
        Path broken = Files.createDirectories(engines.resolve("mariadb-" + BROKEN + "/usr/sbin")).resolve("mariadbd");
        Files.writeString(broken, "#!/bin/sh\necho \"this build is broken on purpose\" >&2\nexit 1\n");
        Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwxr-xr-x"));
        platform = Platform.start(Map.of("MARINA_AGENT_ENGINES_ROOT", engines.toString(),
                "MARINA_ENGINES_MARIADB_VERSIONS", "10.11.18,10.11.19," + BROKEN));
        PlatformDnsSocketFactory.resolver = platform::dig;
    }

    @AfterAll
    void stop() throws Exception {
        if (platform != null) {
            platform.close();
        }
        if (engines != null) {
            Files.deleteIfExists(engines.resolve("mariadb-10.11.18"));
            Files.deleteIfExists(engines.resolve("mariadb-" + BROKEN + "/usr/sbin/mariadbd"));
        }
    }

    private static String spec(String version, int replicas, String parameters) {
        return spec(version, "SIZE_SMALL", replicas, parameters);
    }

    private static String spec(String version, String size, int replicas, String parameters) {
        return "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"" + version + "\",\"size\":\"" + size + "\","
                + "\"replicas\":" + replicas + ",\"failover\":{\"automatic\":true},\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"}"
                + (parameters.isEmpty() ? "" : ",\"parameters\":" + parameters) + "}}";
    }

    @Test
    void a_point_release_rolls_through_every_instance_under_writes_losing_nothing() throws Exception {
        String name = "roll" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        assertEquals(200, platform.call("PUT", path, spec("10.11.18", 2, "")).status());
        JsonNode status = awaitSettled(path, READY);
        Properties jdbc = jdbc(platform.call("GET", path + "/credentials", null).body());
        for (String address : addresses(status)) {
            assertTrue(serverVersion(address, jdbc).startsWith("10.11.18"), address + " runs 10.11.18 before the roll");
        }

        AtomicBoolean sawUpdating = new AtomicBoolean();
        long started;
        long took;
        try (NumberedWriter writer = new NumberedWriter(name + ".e2e." + Platform.ZONE, jdbc);
             WritableWatch watch = new WritableWatch(platform, path, jdbc)) {
            writer.awaitRows(50);
            started = System.currentTimeMillis();
            Platform.Response changed = platform.call("PUT", path, spec("10.11.19", 2, ""));
            assertEquals(200, changed.status(), String.valueOf(changed.body()));
            JsonNode after = awaitRolled(path, i -> "10.11.19".equals(i.path("running").path("version").asText()), sawUpdating);
            took = System.currentTimeMillis() - started;
            writer.awaitRows(writer.acked() + 50);
            writer.stop();

            for (String address : addresses(after)) {
                assertEquals("10.11.19", serverVersion(address, jdbc).substring(0, 8), address + " answers SELECT VERSION() with 10.11.19");
            }
            String primary = primaryAddress(after);
            assertEquals(Set.of(), writer.missingOn(primary), "no acknowledged row lost (" + writer.acked() + " acknowledged)");
            assertEquals(0, watch.overlaps(), "two writable servers were seen at once: " + watch.overlapSamples());
            System.out.printf("roll 10.11.18 → 10.11.19 of 3 instances under a writer: %d ms, longest write pause %d ms, %d rows acknowledged%n",
                    took, writer.longestPauseMs(), writer.acked());
        }
        assertTrue(sawUpdating.get(), "the status said Updating while the roll ran");
        platform.call("DELETE", path, null);
    }

    @Test
    void a_build_that_does_not_start_halts_the_roll_and_the_deployment_keeps_serving_until_the_change_is_reversed() throws Exception {
        String name = "halt" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        assertEquals(200, platform.call("PUT", path, spec("10.11.19", 2, "")).status());
        awaitSettled(path, READY);
        Properties jdbc = jdbc(platform.call("GET", path + "/credentials", null).body());
        try (NumberedWriter writer = new NumberedWriter(name + ".e2e." + Platform.ZONE, jdbc);
             WritableWatch watch = new WritableWatch(platform, path, jdbc)) {
            writer.awaitRows(50);
            assertEquals(200, platform.call("PUT", path, spec(BROKEN, 2, "")).status());
            JsonNode halted = awaitStatus(path, s -> s.path("roll").path("halted").asBoolean());
            System.out.printf("roll to a broken build halted: %s%n", halted.path("roll").path("haltReason").asText());
            assertTrue(!halted.path("roll").path("haltReason").asText().isEmpty(), "the status says why: " + halted);
            assertTrue(!"PHASE_READY".equals(halted.path("phase").asText()), "not Ready with a halted roll: " + halted);
            writer.awaitRows(writer.acked() + 50); // still serving
            for (JsonNode i : halted.path("instances")) {
                assertEquals("10.11.19", serverVersion(i.path("address").asText(), jdbc).substring(0, 8), i + " is back on the old build");
            }
            assertEquals(200, platform.call("PUT", path, spec("10.11.19", 2, "")).status());
            JsonNode reversed = awaitSettled(path, ROLL);
            writer.stop();
            assertEquals(Set.of(), writer.missingOn(primaryAddress(reversed)), "no acknowledged row lost (" + writer.acked() + " acknowledged)");
            assertEquals(0, watch.overlaps(), "two writable servers were seen at once: " + watch.overlapSamples());
        }
        platform.call("DELETE", path, null);
    }

    @Test
    void a_deployment_without_replicas_changes_size_and_a_static_parameter_blue_green_losing_nothing() throws Exception {
        String name = "size" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        assertEquals(200, platform.call("PUT", path, spec("10.11.19", 0, "")).status());
        JsonNode status = awaitSettled(path, READY);
        Properties jdbc = jdbc(platform.call("GET", path + "/credentials", null).body());
        String before = primaryAddress(status);
        assertEquals(32L << 20, longQuery(before, jdbc, "SELECT @@innodb_buffer_pool_size"), before + " runs SIZE_SMALL before");
        try (NumberedWriter writer = new NumberedWriter(name + ".e2e." + Platform.ZONE, jdbc);
             WritableWatch watch = new WritableWatch(platform, path, jdbc)) {
            writer.awaitRows(50);
            long started = System.currentTimeMillis();
            Platform.Response changed = platform.call("PUT", path, spec("10.11.19", "SIZE_MEDIUM", 0, "{\"performance_schema\":\"ON\"}"));
            assertEquals(200, changed.status(), String.valueOf(changed.body()));
            JsonNode after = awaitRolled(path, i -> "SIZE_MEDIUM".equals(i.path("running").path("size").asText())
                    && "ON".equals(i.path("running").path("parameters").path("performance_schema").asText()));
            long took = System.currentTimeMillis() - started;
            writer.awaitRows(writer.acked() + 50);
            writer.stop();
            assertEquals(1, after.path("instances").size(), "the old instance was retired: " + after);
            assertTrue(!primaryAddress(after).equals(before), "a new instance took over from " + before);
            for (String address : addresses(after)) {
                assertEquals(64L << 20, longQuery(address, jdbc, "SELECT @@innodb_buffer_pool_size"), address + " runs SIZE_MEDIUM");
                assertEquals(1L, longQuery(address, jdbc, "SELECT @@performance_schema"), address + " restarted with performance_schema");
            }
            assertEquals(Set.of(), writer.missingOn(primaryAddress(after)), "no acknowledged row lost (" + writer.acked() + " acknowledged)");
            assertEquals(0, watch.overlaps(), "two writable servers were seen at once: " + watch.overlapSamples());
            System.out.printf("blue/green SIZE_SMALL → SIZE_MEDIUM with performance_schema=ON, no replicas, under a writer: %d ms, longest write pause %d ms%n",
                    took, writer.longestPauseMs());
        }
        platform.call("DELETE", path, null);
    }

    @Test
    void a_dynamic_parameter_changes_on_every_server_without_a_restart() throws Exception {
        String name = "param" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        assertEquals(200, platform.call("PUT", path, spec("10.11.19", 1, "")).status());
        JsonNode status = awaitSettled(path, READY);
        Properties jdbc = jdbc(platform.call("GET", path + "/credentials", null).body());
        Map<String, Long> uptimeBefore = new HashMap<>();
        for (String address : addresses(status)) {
            uptimeBefore.put(address, longQuery(address, jdbc, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='UPTIME'"));
        }
        long asked = System.currentTimeMillis();
        assertEquals(200, platform.call("PUT", path, spec("10.11.19", 1, "{\"max_connections\":\"321\"}")).status());
        long deadline = System.currentTimeMillis() + ROLL.toMillis();
        List<String> pending = new ArrayList<>(uptimeBefore.keySet());
        while (!pending.isEmpty() && System.currentTimeMillis() < deadline) {
            pending.removeIf(address -> {
                try {
                    return longQuery(address, jdbc, "SELECT @@max_connections") == 321;
                } catch (SQLException e) {
                    return false;
                }
            });
            Platform.sleep(Duration.ofMillis(250));
        }
        assertEquals(List.of(), pending, "servers without max_connections=321 within " + ROLL + "\nintent-service: " + platform.log("intent-service"));
        long elapsedS = (System.currentTimeMillis() - asked) / 1000;
        for (Map.Entry<String, Long> before : uptimeBefore.entrySet()) {
            long now = longQuery(before.getKey(), jdbc, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='UPTIME'");
            assertTrue(now >= before.getValue() + elapsedS - 1, before.getKey() + " kept running: uptime " + before.getValue() + " s → " + now + " s");
        }
        platform.call("DELETE", path, null);
    }

    private JsonNode awaitStatus(String path, java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + ROLL.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.call("GET", path, null).body();
            if (last != null && condition.test(last.path("status"))) {
                return last.path("status");
            }
            Platform.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(path + ": the awaited status did not come within " + ROLL + "; last: " + last + "\nintent-service: "
                + platform.log("intent-service"));
    }

    /** Ready for the latest generation. */
    private JsonNode awaitSettled(String path, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.call("GET", path, null).body();
            if (last != null && "PHASE_READY".equals(last.path("status").path("phase").asText())
                    && last.path("status").path("observedGeneration").asLong() == last.path("intent").path("generation").asLong(-1)) {
                return last.path("status");
            }
            Platform.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(path + " not Ready within " + atMost + "; last: " + last + "\nintent-service: " + platform.log("intent-service"));
    }

    private JsonNode awaitRolled(String path, java.util.function.Predicate<JsonNode> instanceDone) throws Exception {
        return awaitRolled(path, instanceDone, new AtomicBoolean());
    }

    /** Ready again with every instance's running config as wanted; notes whether the phase said Updating on the way. */
    private JsonNode awaitRolled(String path, java.util.function.Predicate<JsonNode> instanceDone, AtomicBoolean sawUpdating) throws Exception {
        long deadline = System.nanoTime() + ROLL.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.call("GET", path, null).body();
            JsonNode status = last == null ? null : last.path("status");
            if (status != null) {
                String phase = status.path("phase").asText();
                if (phase.equals("PHASE_UPDATING")) {
                    sawUpdating.set(true);
                }
                boolean all = status.path("instances").size() > 0;
                for (JsonNode i : status.path("instances")) {
                    all &= instanceDone.test(i);
                }
                if (all && phase.equals("PHASE_READY")) {
                    return status;
                }
            }
            Platform.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(path + " did not roll within " + ROLL + "; last: " + last + "\nintent-service: "
                + platform.log("intent-service"));
    }

    private static List<String> addresses(JsonNode status) {
        List<String> out = new ArrayList<>();
        status.path("instances").forEach(i -> out.add(i.path("address").asText()));
        return out;
    }

    private static String primaryAddress(JsonNode status) {
        for (JsonNode i : status.path("instances")) {
            if (i.path("role").asText().equals("ROLE_PRIMARY")) {
                return i.path("address").asText();
            }
        }
        throw new AssertionError("no primary in " + status);
    }

    private static Properties jdbc(JsonNode creds) {
        Properties props = new Properties();
        props.put("user", creds.path("user").asText());
        props.put("password", creds.path("password").asText());
        props.put("sslMode", "REQUIRED");
        props.put("connectTimeout", "1000");
        props.put("socketTimeout", "3000");
        props.put("socketFactory", PlatformDnsSocketFactory.class.getName());
        return props;
    }

    private static String serverVersion(String address, Properties jdbc) throws SQLException {
        try (Connection c = direct(address, jdbc); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT VERSION()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long longQuery(String address, Properties jdbc, String sql) throws SQLException {
        try (Connection c = direct(address, jdbc); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection direct(String address, Properties jdbc) throws SQLException {
        Properties props = new Properties();
        props.putAll(jdbc);
        props.remove("socketFactory");
        return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", props);
    }
}
