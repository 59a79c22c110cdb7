package dev.marina.agent.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.InstanceFiles;
import dev.marina.schemas.v1.Size;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MyCnfTest {

    private final InstanceFiles files = new InstanceFiles(Path.of("/m/instances/acme-orders-1"));

    private List<String> lines(Size size) {
        return List.of(MyCnf.render(files, "127.10.0.3", size, false).split("\n"));
    }

    @Test
    void listens_on_the_instance_address_only_on_port_3306() {
        assertTrue(lines(Size.SIZE_SMALL).contains("bind-address=127.10.0.3"));
        assertTrue(lines(Size.SIZE_SMALL).contains("port=3306"));
    }

    @Test
    void keeps_socket_pid_file_and_data_inside_the_instance_folder() {
        List<String> lines = lines(Size.SIZE_SMALL);
        assertTrue(lines.contains("socket=/m/instances/acme-orders-1/mariadbd.sock"));
        assertTrue(lines.contains("pid-file=/m/instances/acme-orders-1/mariadbd.pid"));
        assertTrue(lines.contains("datadir=/m/instances/acme-orders-1/data"));
    }

    @Test
    void the_server_section_comes_first_so_nothing_is_read_from_elsewhere() {
        List<String> lines = lines(Size.SIZE_SMALL);
        assertEquals("[mysqld]", lines.stream().filter(l -> l.startsWith("[")).findFirst().orElseThrow());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("[") || l.startsWith("!include")).count());
    }

    @Test
    void is_replication_ready_with_binlog_gtid_and_a_server_id_from_the_address() {
        List<String> lines = lines(Size.SIZE_SMALL);
        assertTrue(lines.contains("log_bin=mariadb-bin"));
        assertTrue(lines.contains("binlog_format=ROW"));
        assertTrue(lines.contains("log_slave_updates=ON"));
        assertTrue(lines.contains("server_id=" + ((127L << 24) | (10 << 16) | 3)));
    }

    @Test
    void resolves_no_names_and_keeps_the_redo_log_small() {
        assertTrue(lines(Size.SIZE_SMALL).contains("skip-name-resolve"));
        assertTrue(lines(Size.SIZE_SMALL).contains("innodb_log_file_size=8M"));
    }

    @ParameterizedTest(name = "{0} gets a {1} buffer pool")
    @CsvSource({"SIZE_SMALL, 32M", "SIZE_MEDIUM, 64M", "SIZE_LARGE, 128M"})
    void sizes_the_buffer_pool_by_instance_size(Size size, String pool) {
        assertTrue(lines(size).contains("innodb_buffer_pool_size=" + pool));
    }

    @Test
    void always_names_the_live_tls_files_so_the_server_starts_tls_capable() {
        List<String> lines = lines(Size.SIZE_SMALL);
        assertTrue(lines.contains("ssl_cert=/m/instances/acme-orders-1/tls/live/server-cert.pem"));
        assertTrue(lines.contains("ssl_key=/m/instances/acme-orders-1/tls/live/server-key.pem"));
        assertTrue(lines.contains("ssl_ca=/m/instances/acme-orders-1/tls/live/ca-bundle.pem"));
        assertTrue(lines.contains("require_secure_transport=OFF"));
    }

    @Test
    void requires_secure_transport_when_told_so() {
        List<String> lines = List.of(MyCnf.render(files, "127.10.0.3", Size.SIZE_SMALL, true).split("\n"));
        assertTrue(lines.contains("require_secure_transport=ON"));
        assertFalse(lines.contains("require_secure_transport=OFF"));
        assertTrue(lines.contains("ssl_cert=/m/instances/acme-orders-1/tls/live/server-cert.pem"));
    }

    @Test
    void every_start_is_read_only() {
        assertTrue(lines(Size.SIZE_SMALL).contains("read_only=ON"));
        assertFalse(lines(Size.SIZE_SMALL).stream().anyMatch(l -> l.startsWith("read_only=") && !l.equals("read_only=ON")));
    }

    @Test
    void semi_sync_master_side_starts_off_lossless_when_on_and_never_falls_back_to_async() {
        for (boolean semiSyncReplica : new boolean[] {true, false}) {
            List<String> lines = List.of(MyCnf.render(files, "127.10.0.3", Size.SIZE_SMALL, false, semiSyncReplica).split("\n"));
            assertTrue(lines.contains("rpl_semi_sync_master_enabled=OFF"), "only PROMOTE and the first DEPLOY switch it on");
            assertTrue(lines.contains("rpl_semi_sync_master_wait_point=AFTER_SYNC"));
            assertTrue(lines.contains("rpl_semi_sync_master_wait_no_slave=OFF"), "armed by the agent once a replica attached");
            assertTrue(lines.contains("rpl_semi_sync_master_timeout=31536000000"), "a year: no silent fallback");
        }
    }

    @Test
    void the_replica_side_of_semi_sync_follows_the_durability() {
        assertTrue(lines(Size.SIZE_SMALL).contains("rpl_semi_sync_slave_enabled=ON"));
        List<String> async = List.of(MyCnf.render(files, "127.10.0.3", Size.SIZE_SMALL, false, false).split("\n"));
        assertTrue(async.contains("rpl_semi_sync_slave_enabled=OFF"));
        assertTrue(async.contains("read_only=ON"));
    }

    @Test
    void binary_logs_expire_after_seven_days_unless_they_are_archived() {
        assertTrue(lines(Size.SIZE_SMALL).contains("binlog_expire_logs_seconds=604800"));
        List<String> archiving = List.of(MyCnf.render(files, "127.10.0.3", Size.SIZE_SMALL, false, true, true).split("\n"));
        assertTrue(archiving.contains("binlog_expire_logs_seconds=0"), "nothing expires before it is archived");
    }

    @Test
    void refuses_to_render_without_a_size() {
        assertThrows(IllegalArgumentException.class, () -> MyCnf.render(files, "127.10.0.3", Size.SIZE_UNSPECIFIED, false));
    }

    @Test
    void server_ids_differ_per_address_and_reject_what_is_not_an_ipv4_literal() {
        assertEquals(0x7F0A0003L, ServerId.fromAddress("127.10.0.3"));
        assertEquals(0x7F0A0104L, ServerId.fromAddress("127.10.1.4"));
        assertEquals(4294967295L, ServerId.fromAddress("255.255.255.255"));
        assertThrows(IllegalArgumentException.class, () -> ServerId.fromAddress("0.0.0.0"));
        assertThrows(IllegalArgumentException.class, () -> ServerId.fromAddress("::1"));
        assertThrows(IllegalArgumentException.class, () -> ServerId.fromAddress("127.10.0"));
    }

    @Test
    void the_server_command_line_starts_with_the_defaults_file() {
        List<String> command = MariaDbProcess.commandLine("/usr/sbin/mariadbd", files, true, true);
        assertEquals(List.of("/usr/sbin/mariadbd", "--defaults-file=/m/instances/acme-orders-1/my.cnf", "--user=root",
                "--init-file=/m/instances/acme-orders-1/init.sql"), command);
        assertEquals(List.of("/usr/sbin/mariadbd", "--defaults-file=/m/instances/acme-orders-1/my.cnf"),
                MariaDbProcess.commandLine("/usr/sbin/mariadbd", files, false, false));
    }

    @Test
    void a_paused_primary_that_took_writes_wakes_writable_with_semi_sync_waiting_only_once_a_replica_attached() {
        List<String> woken = List.of(MyCnf.render(files, "127.10.0.3", Size.SIZE_SMALL, true, true, false, java.util.Map.of(),
                new DatabaseServer.WakeStart(true, true)).split("\n"));
        assertTrue(woken.contains("read_only=OFF"), woken.toString());
        assertFalse(woken.contains("read_only=ON"));
        assertTrue(woken.contains("rpl_semi_sync_master_enabled=ON"));
        assertTrue(woken.contains("rpl_semi_sync_master_wait_no_slave=OFF"));
        assertTrue(woken.contains("userstat=ON"));
        List<String> readOnly = List.of(MyCnf.render(files, "127.10.0.3", Size.SIZE_SMALL, true, true, false, java.util.Map.of(),
                new DatabaseServer.WakeStart(false, false)).split("\n"));
        assertTrue(readOnly.contains("read_only=ON"));
        assertTrue(readOnly.contains("rpl_semi_sync_master_enabled=OFF"));
        List<String> noSemiSync = List.of(MyCnf.render(files, "127.10.0.3", Size.SIZE_SMALL, true, true, false, java.util.Map.of(),
                new DatabaseServer.WakeStart(true, false)).split("\n"));
        assertTrue(noSemiSync.contains("read_only=OFF"));
        assertTrue(noSemiSync.contains("rpl_semi_sync_master_enabled=OFF"));
    }
}
