package dev.marina.agent.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.StoredObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Object layout, manifests, the one-at-a-time rule and the command line: the pure parts of a backup. */
class BackupPartsTest {

    private static final DeploymentRef ACME = DeploymentRef.newBuilder().setTenant("acme").setName("orders").build();
    private static final String SHA = "ab".repeat(32);

    @Test
    void lays_out_a_backup_under_its_deployment_and_id() {
        assertEquals("acme/orders/backups/b-20261202.1/", ObjectLayout.folder(ACME, "b-20261202.1"));
        assertEquals("acme/orders/backups/b1/data.xb.zst.enc", ObjectLayout.data(ACME, "b1"));
        assertEquals("acme/orders/backups/b1/manifest.json", ObjectLayout.manifest(ACME, "b1"));
    }

    @ParameterizedTest(name = "refuses the backup id \"{0}\"")
    @ValueSource(strings = {"", "..", "../other", "a/b", ".hidden", "b 1", "é"})
    void refuses_ids_that_would_leave_the_folder(String id) {
        assertThrows(IllegalArgumentException.class, () -> ObjectLayout.data(ACME, id));
    }

    @Test
    void refuses_a_deployment_that_would_leave_its_folder() {
        assertThrows(IllegalArgumentException.class, () -> ObjectLayout.data(ACME.toBuilder().setTenant("..").build(), "b1"));
        assertThrows(IllegalArgumentException.class, () -> ObjectLayout.data(ACME.toBuilder().setName("").build(), "b1"));
    }

    private static Manifests.Facts facts(List<StoredObject> objects) {
        return new Manifests.Facts("b1", ACME, "acme-orders-2", Role.ROLE_REPLICA, Instant.parse("2026-12-02T10:00:00Z"),
                Instant.parse("2026-12-02T10:03:00Z"), "0-7-3", 5_000, objects, "10.11.19", "k1");
    }

    private static StoredObject object(String key, long bytes, String sha) {
        return StoredObject.newBuilder().setKey(key).setStoredBytes(bytes).setSha256(sha).build();
    }

    @Test
    void builds_the_manifest_from_what_the_run_saw() {
        BackupManifest m = Manifests.build(facts(List.of(object("acme/orders/backups/b1/data.xb.zst.enc", 700, SHA))));
        assertEquals("b1", m.getBackupId());
        assertEquals(ACME, m.getDeployment());
        assertEquals("acme-orders-2", m.getInstanceId());
        assertEquals(Role.ROLE_REPLICA, m.getSourceRole());
        assertEquals("0-7-3", m.getGtidPosition());
        assertEquals(5_000, m.getSizeBytes());
        assertEquals(700, m.getStoredBytes());
        assertEquals(Engine.ENGINE_MARIADB, m.getEngine());
        assertEquals("10.11.19", m.getServerVersion());
        assertEquals("xbstream+zstd+aes-256-gcm-segments", m.getFormat());
        assertEquals("k1", m.getKeyId());
        assertEquals(180, m.getFinishedAt().getSeconds() - m.getStartedAt().getSeconds());
        assertEquals(m, Manifests.fromJson(Manifests.toJson(m)), "stored as proto JSON, read back the same");
        assertTrue(new String(Manifests.toJson(m)).contains("\"gtidPosition\": \"0-7-3\"") || new String(Manifests.toJson(m)).contains("\"gtidPosition\":\"0-7-3\""),
                new String(Manifests.toJson(m)));
    }

    @Test
    void stored_bytes_sum_over_the_objects() {
        BackupManifest m = Manifests.build(facts(List.of(object("a", 700, SHA), object("b", 300, SHA))));
        assertEquals(1_000, m.getStoredBytes());
    }

    static Stream<Arguments> badFacts() {
        return Stream.of(
                Arguments.of("no object", facts(List.of())),
                Arguments.of("an object without its checksum", facts(List.of(object("a", 700, "")))),
                Arguments.of("an empty object", facts(List.of(object("a", 0, SHA)))),
                Arguments.of("finished before it started", new Manifests.Facts("b1", ACME, "i", Role.ROLE_PRIMARY,
                        Instant.parse("2026-12-02T10:00:00Z"), Instant.parse("2026-12-02T09:00:00Z"), "", 1,
                        List.of(object("a", 1, SHA)), "10.11.19", "k1")));
    }

    @ParameterizedTest(name = "no manifest for {0}")
    @MethodSource("badFacts")
    void makes_no_manifest_of_incomplete_facts(String name, Manifests.Facts facts) {
        assertThrows(IllegalArgumentException.class, () -> Manifests.build(facts));
    }

    @Test
    void refuses_json_that_is_no_manifest() {
        assertThrows(IllegalArgumentException.class, () -> Manifests.fromJson("{not json".getBytes()));
    }

    static Stream<Arguments> starts() {
        return Stream.of(
                Arguments.of("runs when nothing runs", Optional.empty(), "b1", BackupDecisions.Start.RUN),
                Arguments.of("attaches to the same backup", Optional.of("b1"), "b1", BackupDecisions.Start.ATTACH),
                Arguments.of("refuses another backup while one runs", Optional.of("b1"), "b2", BackupDecisions.Start.REFUSE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("starts")
    void one_backup_at_a_time(String name, Optional<String> running, String id, BackupDecisions.Start expected) {
        assertEquals(expected, BackupDecisions.whileRunning(running, id));
    }

    @Test
    void a_replica_records_its_primary_position_too() {
        BackupTools tools = BackupTools.installed();
        List<String> primary = BackupRunner.command(tools, Path.of("/i/opt.cnf"), Path.of("/i/t"), Role.ROLE_PRIMARY);
        assertEquals(List.of("/usr/bin/mariadb-backup", "--defaults-file=/i/opt.cnf", "--backup", "--stream=xbstream",
                "--target-dir=/i/t"), primary);
        List<String> replica = BackupRunner.command(tools, Path.of("/i/opt.cnf"), Path.of("/i/t"), Role.ROLE_REPLICA);
        assertEquals("--slave-info", replica.get(replica.size() - 1));
    }

    @Test
    void the_option_file_quotes_the_login() {
        assertEquals("\"pa\\\"ss\\\\word\"", ServerLogin.quoted("pa\"ss\\word"));
    }
}
