package dev.marina.agent.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativePasswordTest {

    @Test
    void matches_what_the_server_computes() {
        // SELECT PASSWORD('password') on MariaDB 10.11
        assertEquals("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", NativePassword.hash("password"));
    }

    @Test
    void the_init_file_holds_the_hash_never_the_password_and_keeps_out_of_the_binlog() {
        String sql = InitSql.render(NativePassword.hash("s3cret-pw"));
        assertFalse(sql.contains("s3cret-pw"));
        assertTrue(sql.startsWith("SET sql_log_bin=0;\n"));
        assertTrue(sql.contains("IDENTIFIED BY PASSWORD '" + NativePassword.hash("s3cret-pw") + "'"));
        assertTrue(sql.contains("DELETE FROM mysql.global_priv WHERE User='root' AND Host<>'localhost';"));
    }
}
