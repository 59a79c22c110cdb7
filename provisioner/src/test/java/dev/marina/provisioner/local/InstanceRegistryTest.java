package dev.marina.provisioner.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceRegistryTest {

    @TempDir
    Path dir;

    private static InstanceRecord record(String id, String address, Long pid, Instant createdAt) {
        return new InstanceRecord(id, "acme/orders", address, "/var/marina/instances/" + id, pid, createdAt,
                createdAt.minusSeconds(1), false, null);
    }

    @Test
    void a_missing_file_is_an_empty_registry_and_nothing_is_written_until_a_change() {
        InstanceRegistry registry = InstanceRegistry.load(dir.resolve("provisioner/instances.json"));
        assertEquals(List.of(), registry.all());
        assertFalse(Files.exists(dir.resolve("provisioner")));
    }

    @Test
    void reload_takes_over_what_another_copy_wrote_and_forgets_what_it_removed() {
        Path file = dir.resolve("provisioner/instances.json");
        InstanceRegistry standby = InstanceRegistry.load(file);
        standby.put(record("acme-orders-9", "127.10.0.9", 9L, Instant.parse("2026-01-01T00:00:00Z")));
        InstanceRegistry leader = InstanceRegistry.load(file);
        leader.remove("acme-orders-9");
        InstanceRecord created = record("acme-orders-1", "127.10.0.1", 4242L, Instant.parse("2026-01-02T03:04:05Z"));
        leader.put(created);

        standby.reload();
        assertEquals(List.of(created), standby.all(), "the standby now holds exactly what the leader left");
        assertEquals(List.of("127.10.0.1"), standby.addressesInUse());
    }

    @Test
    void round_trips_every_field_through_the_file() {
        Path file = dir.resolve("provisioner/instances.json");
        InstanceRegistry registry = InstanceRegistry.load(file);
        InstanceRecord first = record("acme-orders-1", "127.10.0.1", 4242L, Instant.parse("2026-01-02T03:04:05.678Z"))
                .withAgent(4242L, "0123456789abcdef");
        InstanceRecord second = record("acme-orders-2", "127.10.0.2", null, Instant.parse("2026-01-02T03:05:00Z"))
                .markedDestroying();
        registry.put(second);
        registry.put(first);

        InstanceRegistry reloaded = InstanceRegistry.load(file);
        assertEquals(List.of(first, second), reloaded.all(), "records come back equal, oldest first");
        assertEquals(List.of("127.10.0.1", "127.10.0.2"), reloaded.addressesInUse().stream().sorted().toList());
    }

    @Test
    void a_registry_written_before_agent_builds_were_recorded_reads_with_no_build() throws Exception {
        Path file = dir.resolve("instances.json");
        Files.writeString(file, """
                {"version": 1, "instances": [{"instanceId": "acme-orders-1", "deployment": "acme/orders",
                  "address": "127.10.0.1", "folder": "/var/marina/instances/acme-orders-1", "pid": 42,
                  "createdAt": "2026-01-01T00:00:00Z", "commandsSince": "2026-01-01T00:00:00Z", "destroying": false}]}
                """);
        InstanceRecord record = InstanceRegistry.load(file).find("acme-orders-1").orElseThrow();
        assertEquals(42L, record.pid());
        assertEquals(null, record.agentBuild(), "an agent of unknown build: the roll replaces it");
    }

    @Test
    void a_removal_is_on_disk_when_it_returns() {
        Path file = dir.resolve("instances.json");
        InstanceRegistry registry = InstanceRegistry.load(file);
        registry.put(record("acme-orders-1", "127.10.0.1", 1L, Instant.parse("2026-01-01T00:00:00Z")));
        registry.put(record("acme-orders-2", "127.10.0.2", 2L, Instant.parse("2026-01-01T00:00:01Z")));
        registry.remove("acme-orders-1");

        InstanceRegistry reloaded = InstanceRegistry.load(file);
        assertEquals(Optional.empty(), reloaded.find("acme-orders-1"));
        assertEquals(List.of("127.10.0.2"), reloaded.addressesInUse());
    }

    @Test
    void writes_through_a_temporary_file_that_is_renamed_over_the_old_one() throws Exception {
        Path file = dir.resolve("instances.json");
        InstanceRegistry registry = InstanceRegistry.load(file);
        registry.put(record("acme-orders-1", "127.10.0.1", 1L, Instant.parse("2026-01-01T00:00:00Z")));
        Object before = Files.readAttributes(file, "unix:ino");
        registry.put(record("acme-orders-2", "127.10.0.2", 2L, Instant.parse("2026-01-01T00:00:01Z")));
        Object after = Files.readAttributes(file, "unix:ino");

        assertTrue(!before.equals(after), "the file was replaced (a new inode), not rewritten in place");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void a_temporary_file_left_by_a_crash_does_not_change_what_is_loaded() throws Exception {
        Path file = dir.resolve("instances.json");
        InstanceRecord kept = record("acme-orders-1", "127.10.0.1", 1L, Instant.parse("2026-01-01T00:00:00Z"));
        InstanceRegistry.load(file).put(kept);
        Files.writeString(dir.resolve("instances.json.tmp"), "{\"version\":1,\"instances\":[{\"instanceId\":");

        assertEquals(List.of(kept), InstanceRegistry.load(file).all());
    }

    @Test
    void refuses_to_start_from_an_unreadable_file_rather_than_forget_addresses_in_use() throws Exception {
        Path file = dir.resolve("instances.json");
        Files.writeString(file, "{ not json");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> InstanceRegistry.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
