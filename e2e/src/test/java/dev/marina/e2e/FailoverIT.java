package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.RoleChange;
import dev.marina.schemas.v1.RoleChangeKind;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * High availability end to end, on the packaged platform with real MariaDB servers, agents, BIND and
 * a broker: a writer commits rows continuously through the writer name and records every
 * acknowledged one; the primary (agent and server) is killed with SIGKILL; writes resume through the
 * name on the promoted replica and every acknowledged row is there; the old primary comes back as a
 * replica; at no sampled moment are two servers writable. A switchover under the same load loses
 * nothing either.
 */
@org.junit.jupiter.api.Order(4) // see Platform.shared
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailoverIT {

    private static final Duration READY = Duration.ofSeconds(180);
    private static final String SPEC = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\","
            + "\"replicas\":2,\"failover\":{\"automatic\":true},\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"}}}";
    private Platform platform;

    @BeforeAll
    void start() throws Exception {
        // a replica Down this long is replaced (60 s by default): short here, longer than an agent's restart
        platform = Platform.shared(Platform.STANDARD);
        PlatformDnsSocketFactory.resolver = platform::dig;
    }

    @AfterAll
    void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void killing_the_primary_loses_no_acknowledged_write_and_the_old_primary_rejoins() throws Exception {
        String name = "ha" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String writerName = name + ".e2e." + Platform.ZONE;
        assertEquals(200, platform.call("PUT", path, SPEC).status());
        JsonNode status = awaitReady(path);
        String oldPrimary = primaryOf(status);
        JsonNode creds = platform.call("GET", path + "/credentials", null).body();

        try (NumberedWriter writer = new NumberedWriter(writerName, jdbc(creds)); WritableWatch watch = new WritableWatch(platform, path, jdbc(creds))) {
            writer.awaitRows(50);
            long killedAt = System.currentTimeMillis();
            platform.processesOf(platform.instanceDir(oldPrimary)).forEach(ProcessHandle::destroyForcibly);

            long resumedAt = writer.awaitRecoveryAfter(killedAt, Duration.ofSeconds(60));
            System.out.printf("failover: kill -9 → first acknowledged write through %s: %d ms%n", writerName, resumedAt - killedAt);
            writer.awaitRows(writer.acked() + 50);
            writer.stop();

            JsonNode after = awaitReady(path);
            String newPrimary = primaryOf(after);
            assertTrue(!newPrimary.equals(oldPrimary), "a replica was promoted: " + after);
            Set<Long> missing = writer.missingOn(addressOf(after, newPrimary));
            assertEquals(Set.of(), missing, "every acknowledged row is on the new primary (" + writer.acked() + " acknowledged)");

            RoleChange change = roleChanges(name).stream().filter(r -> r.getKind() == RoleChangeKind.ROLE_CHANGE_KIND_FAILOVER)
                    .findFirst().orElseThrow(() -> new AssertionError("no failover on role-changes"));
            assertEquals(oldPrimary, change.getOldPrimary());
            assertEquals(newPrimary, change.getNewPrimary());
            assertTrue(!change.getReason().isEmpty() && change.hasPromotedAt() && change.hasWriterNameMovedAt(), change.toString());

            // the old primary came back (its agent restarted by the provisioner) and replicates, read-only
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                JsonNode s = platform.call("GET", path, null).body().path("status");
                for (JsonNode i : s.path("instances")) {
                    if (i.path("instanceId").asText().equals(oldPrimary)) {
                        return i.path("role").asText().equals("ROLE_REPLICA") && i.path("health").asText().equals("HEALTH_UP");
                    }
                }
                return true; // replaced instead (its history diverged): also allowed
            });
            awaitReady(path);
            assertEquals(0, watch.overlaps(), "two writable servers were seen at once: " + watch.overlapSamples());
            assertTrue(watch.samples() > 20, "the watch sampled (" + watch.samples() + ")");
        }
        platform.call("DELETE", path, null);
    }

    /**
     * Backups on the real platform: the first scheduled one taken from the replica once the deployment is
     * Ready, an on-demand one, a final one on delete; each listed COMPLETE with the server's GTID position,
     * its objects in the object store with the checksums the manifest names, and still listed once the
     * deployment is gone. (That a backup restores to the same rows is the agent's BackupIT, with real
     * servers; this test is about the platform taking them.)
     */
    @Test
    void backups_are_taken_from_the_replica_listed_and_stored_and_a_final_one_on_delete() throws Exception {
        String name = "bk" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String spec = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicas\":1,"
                + "\"backups\":{\"schedule\":\"nightly\",\"retentionDays\":3}}}";
        assertEquals(200, platform.call("PUT", path, spec).status());
        JsonNode status = awaitReady(path);
        String primary = primaryOf(status);
        JsonNode creds = platform.call("GET", path + "/credentials", null).body();
        Properties props = new Properties();
        props.put("user", creds.path("user").asText());
        props.put("password", creds.path("password").asText());
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + addressOf(status, primary) + ":3306/", props);
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS shop");
            st.execute("CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, note VARCHAR(64))");
            for (int i = 1; i <= 200; i++) {
                st.executeUpdate("INSERT INTO shop.orders VALUES (" + i + ", 'order " + i + "')");
            }
        }

        JsonNode first = awaitBackup(path, b -> b.path("trigger").asText().equals("BACKUP_TRIGGER_SCHEDULED"));
        assertEquals("BACKUP_STATE_COMPLETE", first.path("state").asText(), first.toString());
        assertTrue(!first.path("manifest").path("instanceId").asText().equals(primary),
                "taken from the replica, not the primary: " + first);
        assertEquals(3, first.path("retentionDays").asInt());
        assertTrue(first.path("key").isMissingNode(), "the sealed key is never listed");

        assertEquals(200, platform.call("POST", path + "/backups?requestId=e2e-now", null).status());
        JsonNode now = awaitBackup(path, b -> b.path("backupId").asText().equals("e2e-now"));
        assertEquals("BACKUP_STATE_COMPLETE", now.path("state").asText(), now.toString());
        JsonNode manifest = now.path("manifest");
        assertTrue(manifest.path("gtidPosition").asText().matches("0-\\d+-\\d+"), manifest.toString());
        try (dev.marina.objectstore.S3ObjectStore store = new dev.marina.objectstore.S3ObjectStore(
                dev.marina.objectstore.ObjectStoreConfig.load(platform.objectStoreSettings()))) {
            String prefix = "e2e/" + name + "/backups/e2e-now/";
            assertEquals(List.of(prefix + "data.xb.zst.enc", prefix + "manifest.json"),
                    store.list(prefix).stream().map(dev.marina.objectstore.StoredObjectInfo::key).toList());
            JsonNode object = manifest.path("objects").get(0);
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            try (java.io.InputStream in = store.get(object.path("key").asText())) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            }
            assertEquals(object.path("sha256").asText(), java.util.HexFormat.of().formatHex(sha.digest()),
                    "the stored object is what the manifest says");
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode s = platform.call("GET", path, null).body().path("status");
            assertEquals("e2e-now", s.path("latestBackup").path("backupId").asText(), s.toString());
            assertTrue(s.toString().contains("\"type\":\"BackupsHealthy\",\"status\":true"), s.toString());
        });

        // a new deployment from that backup: the rows, under its own credentials, with a replica that follows
        String copy = name + "-r";
        String copyPath = "/v1/deployments/e2e/" + copy;
        String restoreSpec = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicas\":1,"
                + "\"restore\":{\"source\":\"e2e/" + name + "\",\"backupId\":\"e2e-now\"}}}";
        assertEquals(422, platform.call("PUT", copyPath, restoreSpec.replace("e2e-now", "no-such-backup")).status());
        assertEquals(200, platform.call("PUT", copyPath, restoreSpec).status());
        JsonNode restored = awaitReady(copyPath);
        JsonNode copyCreds = platform.call("GET", copyPath + "/credentials", null).body();
        Properties copyProps = new Properties();
        copyProps.put("user", copyCreds.path("user").asText());
        copyProps.put("password", copyCreds.path("password").asText());
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + addressOf(restored, primaryOf(restored)) + ":3306/", copyProps);
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*), MAX(note) FROM shop.orders")) {
                rs.next();
                assertEquals(200, rs.getLong(1), "every row the backup holds");
            }
            st.executeUpdate("INSERT INTO shop.orders VALUES (201, 'after the restore')");
        }
        assertTrue(!copyCreds.path("password").asText().equals(creds.path("password").asText()), "its own admin password");
        assertEquals(401, login(addressOf(restored, primaryOf(restored)), creds), "the source's password is not let in");
        platform.call("DELETE", copyPath, null);

        assertEquals(200, platform.call("DELETE", path, null).status());
        JsonNode last = awaitBackup(path, b -> b.path("trigger").asText().equals("BACKUP_TRIGGER_FINAL")
                && b.path("state").asText().equals("BACKUP_STATE_COMPLETE"));
        assertTrue(last.path("backupId").asText().startsWith("final-"), last.toString());
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> platform.call("GET", path, null).status() == 404);
        JsonNode listed = platform.call("GET", path + "/backups", null).body();
        assertEquals(3, listed.path("backups").size(), "a deleted deployment's backups stay listed: " + listed);
    }

    /**
     * Point-in-time recovery on the real platform: rows committed in numbered order, a backup, more rows, a time T1,
     * more rows, the primary killed (a replica promoted; the archive continues on it), more rows, a time T2, more
     * rows. A new deployment restored to T1 holds exactly the rows before T1, one restored to T2 exactly those before
     * T2 (across the failover); a time the archive does not cover is refused with the covered range.
     */
    @Test
    void restores_to_a_point_in_time_hold_exactly_the_rows_before_it_also_across_a_failover() throws Exception {
        String name = "pt" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String spec = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicas\":1,"
                + "\"failover\":{\"automatic\":true},\"backups\":{\"schedule\":\"nightly\",\"retentionDays\":3}}}";
        assertEquals(200, platform.call("PUT", path, spec).status());
        JsonNode status = awaitReady(path);
        String oldPrimary = primaryOf(status);
        JsonNode creds = platform.call("GET", path + "/credentials", null).body();
        Properties props = new Properties();
        props.put("user", creds.path("user").asText());
        props.put("password", creds.path("password").asText());
        String source = addressOf(status, oldPrimary);
        insertRows(source, props, 1, 50, true);
        awaitBackup(path, b -> b.path("trigger").asText().equals("BACKUP_TRIGGER_SCHEDULED")
                && b.path("state").asText().equals("BACKUP_STATE_COMPLETE"));
        insertRows(source, props, 51, 100, false);
        java.time.Instant t1 = pauseAcrossAPointInTime();
        insertRows(source, props, 101, 150, false);

        platform.processesOf(platform.instanceDir(oldPrimary)).forEach(ProcessHandle::destroyForcibly);
        Awaitility.await().atMost(READY).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode s = platform.call("GET", path, null).body().path("status");
            String p = primaryOf(s);
            return !p.isEmpty() && !p.equals(oldPrimary);
        });
        JsonNode after = awaitReady(path);
        String target = addressOf(after, primaryOf(after));
        insertRows(target, props, 151, 175, false);
        java.time.Instant t2 = pauseAcrossAPointInTime();
        insertRows(target, props, 176, 200, false);

        // the archive reaches past T2 (the new primary continued it) before a restore can ask for T2
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode s = platform.call("GET", path, null).body().path("status");
            String restorable = s.path("latestRestorableTime").asText();
            assertTrue(!restorable.isEmpty() && java.time.Instant.parse(restorable).isAfter(t2), s.path("binlogArchive").toString());
        });

        String outside = restoreSpec(name, java.time.Instant.now().plus(Duration.ofHours(1)));
        Platform.Response refused = platform.call("PUT", "/v1/deployments/e2e/" + name + "-x", outside);
        assertEquals(422, refused.status(), String.valueOf(refused.body()));

        for (var point : List.of(Map.entry(t1, 100), Map.entry(t2, 175))) {
            String copyPath = "/v1/deployments/e2e/" + name + "-" + point.getValue();
            // The status promises what intake accepts; intake reads binlog-archive from its own copy of the topic,
            // which may trail the status by a moment.
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                Platform.Response accepted = platform.call("PUT", copyPath, restoreSpec(name, point.getKey()));
                assertEquals(200, accepted.status(), String.valueOf(accepted.body()));
            });
            JsonNode restored = awaitReady(copyPath);
            JsonNode copyCreds = platform.call("GET", copyPath + "/credentials", null).body();
            Properties copyProps = new Properties();
            copyProps.put("user", copyCreds.path("user").asText());
            copyProps.put("password", copyCreds.path("password").asText());
            try (Connection c = DriverManager.getConnection("jdbc:mysql://" + addressOf(restored, primaryOf(restored)) + ":3306/", copyProps);
                    Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*), MAX(id) FROM pitr.t")) {
                rs.next();
                assertEquals(point.getValue().longValue(), rs.getLong(1), "exactly the rows committed before " + point.getKey());
                assertEquals(point.getValue().longValue(), rs.getLong(2));
            }
            platform.call("DELETE", copyPath, null);
        }
        platform.call("DELETE", path, null);
    }

    private static String restoreSpec(String source, java.time.Instant pointInTime) {
        return "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"replicas\":0,"
                + "\"restore\":{\"source\":\"e2e/" + source + "\",\"pointInTime\":\"" + pointInTime + "\"}}}";
    }

    /** Rows {@code from..to} of pitr.t, one transaction each (the table made first when asked). */
    private static void insertRows(String address, Properties props, int from, int to, boolean create) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", props);
                Statement st = c.createStatement()) {
            if (create) {
                st.execute("CREATE DATABASE IF NOT EXISTS pitr");
                st.execute("CREATE TABLE pitr.t (id BIGINT PRIMARY KEY, at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3))");
            }
            for (int i = from; i <= to; i++) {
                st.executeUpdate("INSERT INTO pitr.t (id) VALUES (" + i + ")");
            }
        }
    }

    /**
     * A point in time that no commit shares a second with (binary-log events carry whole seconds): the next whole
     * second after the last commit plus one, waited past by a second.
     */
    private static java.time.Instant pauseAcrossAPointInTime() {
        java.time.Instant point = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(2);
        Platform.sleep(Duration.between(java.time.Instant.now(), point.plusMillis(1100)));
        return point;
    }

    /** 401 when the server refuses the login, 200 when it lets it in. */
    private static int login(String address, JsonNode creds) {
        Properties p = new Properties();
        p.put("user", creds.path("user").asText());
        p.put("password", creds.path("password").asText());
        p.put("connectTimeout", "3000");
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", p)) {
            return 200;
        } catch (SQLException e) {
            return 401;
        }
    }

    /** Waits for a backup matching {@code which} to end (complete or failed), and returns its record. */
    private JsonNode awaitBackup(String path, java.util.function.Predicate<JsonNode> which) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.call("GET", path + "/backups", null).body();
            for (JsonNode b : last.path("backups")) {
                String state = b.path("state").asText();
                if (which.test(b) && (state.equals("BACKUP_STATE_COMPLETE") || state.equals("BACKUP_STATE_FAILED"))) {
                    return b;
                }
            }
            Platform.sleep(Duration.ofMillis(500));
        }
        throw new AssertionError("no such backup ended within 120 s; listed: " + last + "\nintent-service: "
                + platform.log("intent-service"));
    }

    @Test
    void a_switchover_under_write_load_loses_nothing() throws Exception {
        String name = "sw" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String writerName = name + ".e2e." + Platform.ZONE;
        assertEquals(200, platform.call("PUT", path, SPEC).status());
        JsonNode status = awaitReady(path);
        String oldPrimary = primaryOf(status);
        JsonNode creds = platform.call("GET", path + "/credentials", null).body();

        try (NumberedWriter writer = new NumberedWriter(writerName, jdbc(creds)); WritableWatch watch = new WritableWatch(platform, path, jdbc(creds))) {
            writer.awaitRows(50);
            long asked = System.currentTimeMillis();
            Platform.Response r = platform.call("POST", path + "/switchover", null);
            assertEquals(200, r.status(), String.valueOf(r.body()));
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    !primaryOf(platform.call("GET", path, null).body().path("status")).equals(oldPrimary));
            long resumedAt = writer.awaitWriteAfter(System.currentTimeMillis(), Duration.ofSeconds(30));
            System.out.printf("switchover: request → writes through the name on the new primary within %d ms%n", resumedAt - asked);
            writer.awaitRows(writer.acked() + 50);
            writer.stop();

            JsonNode after = awaitReady(path);
            String newPrimary = primaryOf(after);
            assertEquals(Set.of(), writer.missingOn(addressOf(after, newPrimary)), "no acknowledged row lost");
            assertTrue(roleChanges(name).stream().anyMatch(c -> c.getKind() == RoleChangeKind.ROLE_CHANGE_KIND_SWITCHOVER
                    && c.getOldPrimary().equals(oldPrimary) && c.getNewPrimary().equals(newPrimary)));
            assertEquals(0, watch.overlaps(), "two writable servers were seen at once: " + watch.overlapSamples());
        }
        platform.call("DELETE", path, null);
    }

    @Test
    void intent_service_killed_during_a_failover_leaves_exactly_one_primary() throws Exception {
        String name = "kc" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String writerName = name + ".e2e." + Platform.ZONE;
        assertEquals(200, platform.call("PUT", path, SPEC).status());
        String oldPrimary = primaryOf(awaitReady(path));
        JsonNode creds = platform.call("GET", path + "/credentials", null).body();

        try (NumberedWriter writer = new NumberedWriter(writerName, jdbc(creds)); WritableWatch watch = new WritableWatch(platform, path, jdbc(creds))) {
            writer.awaitRows(50);
            long killedAt = System.currentTimeMillis();
            platform.processesOf(platform.instanceDir(oldPrimary)).forEach(ProcessHandle::destroyForcibly);
            // the reconciler dies around the decision (detection takes about 1.5 s)
            Platform.sleep(Duration.ofMillis(1600));
            platform.kill("intent-service");
            platform.restart("intent-service");

            writer.awaitRecoveryAfter(killedAt, Duration.ofSeconds(90));
            writer.awaitRows(writer.acked() + 50);
            writer.stop();
            JsonNode after = awaitReady(path);
            long primaries = 0;
            for (JsonNode i : after.path("instances")) {
                primaries += i.path("role").asText().equals("ROLE_PRIMARY") ? 1 : 0;
            }
            assertEquals(1, primaries, "exactly one primary: " + after);
            String newPrimary = primaryOf(after);
            assertTrue(!newPrimary.equals(oldPrimary), after.toString());
            assertEquals(Set.of(), writer.missingOn(addressOf(after, newPrimary)), "no acknowledged row lost");
            assertEquals(0, watch.overlaps(), "two writable servers were seen at once: " + watch.overlapSamples());
        }
        platform.call("DELETE", path, null);
    }

    @Test
    void a_replica_that_stops_answering_leaves_the_reader_name_and_is_replaced() throws Exception {
        String name = "rp" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String reader = "ro." + name + ".e2e." + Platform.ZONE;
        assertEquals(200, platform.call("PUT", path, SPEC).status());
        JsonNode status = awaitReady(path);
        String primary = primaryOf(status);
        String victim = "";
        for (JsonNode i : status.path("instances")) {
            if (!i.path("instanceId").asText().equals(primary)) {
                victim = i.path("instanceId").asText();
                break;
            }
        }
        String victimAddress = addressOf(status, victim);
        assertTrue(platform.dig(reader).contains(victimAddress), "the reader name lists " + victim);

        // its host stops answering: agent and server frozen (SIGSTOP), so the provisioner cannot restart them
        List<ProcessHandle> frozen = platform.processesOf(platform.instanceDir(victim));
        signal("STOP", frozen);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !platform.dig(reader).contains(victimAddress));
            Set<String> before = new HashSet<>();
            status.path("instances").forEach(i -> before.add(i.path("instanceId").asText()));
            // replaced after MARINA_RECONCILER_REPLACE_DOWN_REPLICA_AFTER: a new replica serves, the name lists it
            Awaitility.await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500)).until(() -> {
                JsonNode s = platform.call("GET", path, null).body().path("status");
                boolean newcomer = false;
                for (JsonNode i : s.path("instances")) {
                    newcomer |= !before.contains(i.path("instanceId").asText());
                }
                List<String> readers = platform.dig(reader);
                return newcomer && "PHASE_READY".equals(s.path("phase").asText()) && readers.size() == 2
                        && !readers.contains(victimAddress);
            });
        } finally {
            signal("CONT", frozen);
        }
        platform.call("DELETE", path, null);
    }

    private static void signal(String name, List<ProcessHandle> processes) throws Exception {
        for (ProcessHandle p : processes) {
            new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor();
        }
    }

    private JsonNode awaitReady(String path) throws Exception {
        long deadline = System.nanoTime() + READY.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.call("GET", path, null).body();
            if (last != null && "PHASE_READY".equals(last.path("status").path("phase").asText())) {
                return last.path("status");
            }
            Platform.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(path + " not Ready within " + READY + "; last: " + last + "\nintent-service: "
                + platform.log("intent-service"));
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
        throw new AssertionError("no " + instanceId + " in " + status);
    }

    private List<RoleChange> roleChanges(String name) {
        Properties props = new Properties();
        props.putAll(platform.adminClient());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<RoleChange> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ROLE_CHANGES.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 10_000;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    var decoded = ProtoJsonSerde.fromJson(RoleChange.getDefaultInstance(), r.value());
                    if (decoded.isOk() && decoded.value().getDeployment().getName().equals(name)) {
                        found.add(decoded.value());
                    }
                }
            }
        }
        return found;
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
}
