package dev.marina.schemas.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The parameter allow-list: which values pass, their one spelling, what restarts a server. */
class ServerParametersTest {

    @ParameterizedTest(name = "{0}={1} → {2}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "max_connections | 500 | null",
            "max_connections | 9 | must be a whole number from 10 to 100000",
            "max_connections | 100001 | must be a whole number from 10 to 100000",
            "max_connections | 5e2 | must be a whole number from 10 to 100000",
            "max_connections | -1 | must be a whole number from 10 to 100000",
            "max_connections | 99999999999999999999 | must be a whole number from 10 to 100000",
            "slow_query_log | on | null",
            "slow_query_log | 1 | null",
            "slow_query_log | yes | must be ON or OFF (or 1/0, true/false)",
            "long_query_time | 0.5 | null",
            "long_query_time | 0.0000001 | must be a number from 0 to 31536000 (up to 6 decimals)",
            "long_query_time | 1; DROP TABLE t | must be a number from 0 to 31536000 (up to 6 decimals)",
            "innodb_flush_log_at_trx_commit | 2 | null",
            "innodb_flush_log_at_trx_commit | 3 | must be one of [0, 1, 2]",
            "thread_handling | Pool-Of-Threads | null",
            "sql_mode | strict_trans_tables,NO_ZERO_DATE | null",
    })
    void checks_each_value(String name, String value, String problem) {
        assertEquals(Optional.ofNullable(problem), ServerParameters.problem(name, value));
    }

    @Test
    void refuses_what_is_not_on_the_list_naming_the_list() {
        Optional<String> problem = ServerParameters.problem("innodb_buffer_pool_size", "1G");
        assertTrue(problem.orElseThrow().startsWith("is not a parameter a deployment may set; allowed: [group_concat_max_len,"), problem.get());
        assertTrue(ServerParameters.problem("sql_mode", "STRICT_TRANS_TABLES',sql_log_bin='0").isPresent());
    }

    @Test
    void lists_every_problem_of_a_map_in_name_order() {
        assertEquals(List.of("max_connections: must be a whole number from 10 to 100000", "nope: is not a parameter a deployment may set; allowed: "
                        + ServerParameters.allowed().keySet()),
                ServerParameters.problems(Map.of("nope", "1", "max_connections", "1", "wait_timeout", "60")));
    }

    @ParameterizedTest(name = "{0}={1} is spelt {2}")
    @CsvSource(delimiter = '|', value = {
            "slow_query_log | true | ON",
            "slow_query_log | 0 | OFF",
            "long_query_time | 2.500 | 2.5",
            "long_query_time | 10 | 10",
            "max_connections | 0500 | 500",
            "thread_handling | POOL-OF-THREADS | pool-of-threads",
            "sql_mode | no_zero_date , STRICT_TRANS_TABLES | 'NO_ZERO_DATE,STRICT_TRANS_TABLES'",
    })
    void normalizes_to_one_spelling(String name, String value, String spelt) {
        assertEquals(spelt.replace("'", ""), ServerParameters.normalize(name, value));
    }

    @Test
    void a_static_parameter_set_changed_or_dropped_restarts_a_dynamic_one_does_not() {
        Map<String, String> base = Map.of("max_connections", "100", "performance_schema", "OFF");
        assertFalse(ServerParameters.needsRestart(base, Map.of("max_connections", "200", "performance_schema", "OFF")));
        assertTrue(ServerParameters.needsRestart(base, Map.of("max_connections", "100", "performance_schema", "ON")));
        assertTrue(ServerParameters.needsRestart(base, Map.of("max_connections", "100")));
        assertTrue(ServerParameters.needsRestart(Map.of(), Map.of("thread_handling", "pool-of-threads")));
        assertEquals(Map.of("max_connections", Optional.of("200"), "wait_timeout", Optional.empty()),
                ServerParameters.changed(Map.of("max_connections", "100", "wait_timeout", "60"), Map.of("max_connections", "200"),
                        ServerParameters.Apply.DYNAMIC));
    }

    @Test
    void renders_sql_values_bare_quoted_or_default() {
        assertEquals("200", ServerParameters.sqlValue("max_connections", Optional.of("200")));
        assertEquals("ON", ServerParameters.sqlValue("slow_query_log", Optional.of("1")));
        assertEquals("'NO_ZERO_DATE,STRICT_TRANS_TABLES'", ServerParameters.sqlValue("sql_mode", Optional.of("strict_trans_tables,no_zero_date")));
        assertEquals("DEFAULT", ServerParameters.sqlValue("wait_timeout", Optional.empty()));
    }
}
