package dev.marina.schemas.engine;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server parameters a deployment may set ({@code spec.parameters}), like a managed database's parameter group: an
 * allow-list with validated values. Each is DYNAMIC (the agent sets it live with {@code SET GLOBAL} and keeps it in the
 * server's configuration for the next start) or STATIC (read at start only: a change is rolled, one instance at a
 * time). Whether each is dynamic was checked on MariaDB 10.11 (the agent's ParametersIT). Everything else a server
 * has is the platform's to set (memory follows the size; replication, binary logs and TLS follow the spec). Pure.
 */
public final class ServerParameters {
    private ServerParameters() {}

    public enum Apply { DYNAMIC, STATIC }

    /** What a value may be: its check, the one spelling desired and running values are compared in, how SQL takes it. */
    public interface Kind {
        /** Why the value does not fit, or empty. */
        Optional<String> problem(String value);

        /** The one spelling (only for a value without a problem). */
        String normalize(String value);

        /** SET GLOBAL takes it quoted (a string), not bare (a number or ON/OFF). */
        default boolean quoted() {
            return false;
        }
    }

    /** ON/OFF (also 1/0, true/false). */
    public record Bool() implements Kind {
        public Optional<String> problem(String value) {
            return bool(value).isPresent() ? Optional.empty() : Optional.of("must be ON or OFF (or 1/0, true/false)");
        }

        public String normalize(String value) {
            return bool(value).map(on -> on ? "ON" : "OFF").orElseThrow(() -> invalid(value));
        }
    }

    public record Whole(long min, long max) implements Kind {
        public Optional<String> problem(String value) {
            return whole(value).filter(v -> v >= min && v <= max).isPresent()
                    ? Optional.empty() : Optional.of("must be a whole number from " + min + " to " + max);
        }

        public String normalize(String value) {
            return whole(value).map(String::valueOf).orElseThrow(() -> invalid(value));
        }
    }

    public record Decimal(BigDecimal min, BigDecimal max) implements Kind {
        public Optional<String> problem(String value) {
            return decimal(value).filter(v -> v.compareTo(min) >= 0 && v.compareTo(max) <= 0).isPresent()
                    ? Optional.empty() : Optional.of("must be a number from " + min.toPlainString() + " to " + max.toPlainString()
                            + " (up to 6 decimals)");
        }

        public String normalize(String value) {
            return decimal(value).map(v -> v.stripTrailingZeros().toPlainString()).orElseThrow(() -> invalid(value));
        }
    }

    public record OneOf(List<String> values) implements Kind {
        public Optional<String> problem(String value) {
            return values.contains(value.strip().toLowerCase(Locale.ROOT)) ? Optional.empty() : Optional.of("must be one of " + values);
        }

        public String normalize(String value) {
            return value.strip().toLowerCase(Locale.ROOT);
        }

        @Override
        public boolean quoted() {
            return true;
        }
    }

    /** A comma-separated set of sql_mode words (empty allowed). */
    public record SqlMode() implements Kind {
        public Optional<String> problem(String value) {
            List<String> unknown = modes(value).stream().filter(m -> !SQL_MODES.contains(m)).toList();
            return unknown.isEmpty() ? Optional.empty() : Optional.of("has unknown SQL modes " + unknown + "; known: " + new TreeSet<>(SQL_MODES));
        }

        public String normalize(String value) {
            return String.join(",", new TreeSet<>(modes(value)));
        }

        @Override
        public boolean quoted() {
            return true;
        }
    }

    public record Parameter(String name, Apply apply, Kind kind, String meaning) {}

    private static final Set<String> SQL_MODES = Set.of("ALLOW_INVALID_DATES", "ANSI_QUOTES", "ERROR_FOR_DIVISION_BY_ZERO",
            "HIGH_NOT_PRECEDENCE", "IGNORE_BAD_TABLE_OPTIONS", "IGNORE_SPACE", "NO_AUTO_CREATE_USER", "NO_AUTO_VALUE_ON_ZERO",
            "NO_BACKSLASH_ESCAPES", "NO_DIR_IN_CREATE", "NO_ENGINE_SUBSTITUTION", "NO_FIELD_OPTIONS", "NO_KEY_OPTIONS",
            "NO_TABLE_OPTIONS", "NO_UNSIGNED_SUBTRACTION", "NO_ZERO_DATE", "NO_ZERO_IN_DATE", "ONLY_FULL_GROUP_BY",
            "PAD_CHAR_TO_FULL_LENGTH", "PIPES_AS_CONCAT", "REAL_AS_FLOAT", "STRICT_ALL_TABLES", "STRICT_TRANS_TABLES",
            "SIMULTANEOUS_ASSIGNMENT", "TIME_ROUND_FRACTIONAL");

    private static final long YEAR_SECONDS = 31_536_000L;

    private static final Map<String, Parameter> ALLOWED = index(
            p("max_connections", Apply.DYNAMIC, new Whole(10, 100_000), "client connections the server accepts at once"),
            p("wait_timeout", Apply.DYNAMIC, new Whole(1, YEAR_SECONDS), "seconds an idle connection is kept"),
            p("interactive_timeout", Apply.DYNAMIC, new Whole(1, YEAR_SECONDS), "seconds an idle interactive connection is kept"),
            p("lock_wait_timeout", Apply.DYNAMIC, new Whole(1, YEAR_SECONDS), "seconds to wait for a metadata lock"),
            p("innodb_lock_wait_timeout", Apply.DYNAMIC, new Whole(0, 100_000_000), "seconds a transaction waits for a row lock"),
            p("long_query_time", Apply.DYNAMIC, new Decimal(BigDecimal.ZERO, BigDecimal.valueOf(YEAR_SECONDS)),
                    "seconds after which a query counts as slow"),
            p("slow_query_log", Apply.DYNAMIC, new Bool(), "log slow queries to the server's slow-query log"),
            p("log_queries_not_using_indexes", Apply.DYNAMIC, new Bool(), "log queries without an index as slow"),
            p("max_allowed_packet", Apply.DYNAMIC, new Whole(1024, 1_073_741_824), "largest packet (and row) in bytes"),
            p("innodb_flush_log_at_trx_commit", Apply.DYNAMIC, new OneOf(List.of("0", "1", "2")),
                    "1: flush the redo log at every commit (durable); 0 or 2: once a second"),
            p("table_open_cache", Apply.DYNAMIC, new Whole(1, 1_048_576), "open tables kept for reuse"),
            p("tmp_table_size", Apply.DYNAMIC, new Whole(1024, 1_073_741_824), "largest in-memory temporary table in bytes"),
            p("max_heap_table_size", Apply.DYNAMIC, new Whole(16_384, 1_073_741_824), "largest MEMORY table in bytes"),
            p("group_concat_max_len", Apply.DYNAMIC, new Whole(4, 4_294_967_295L), "longest GROUP_CONCAT result in bytes"),
            p("sql_mode", Apply.DYNAMIC, new SqlMode(), "the server's SQL modes (comma-separated)"),
            p("performance_schema", Apply.STATIC, new Bool(), "the Performance Schema (read at start)"),
            p("thread_handling", Apply.STATIC, new OneOf(List.of("one-thread-per-connection", "pool-of-threads")),
                    "a thread per connection or the thread pool (read at start)"));

    private static Parameter p(String name, Apply apply, Kind kind, String meaning) {
        return new Parameter(name, apply, kind, meaning);
    }

    private static Map<String, Parameter> index(Parameter... parameters) {
        Map<String, Parameter> byName = new LinkedHashMap<>();
        Arrays.stream(parameters).forEach(p -> byName.put(p.name(), p));
        return Map.copyOf(byName);
    }

    /** The allow-list, by name. */
    public static Map<String, Parameter> allowed() {
        return new TreeMap<>(ALLOWED);
    }

    public static Optional<Parameter> find(String name) {
        return Optional.ofNullable(ALLOWED.get(name));
    }

    /** What is wrong with one setting, or empty when it is allowed with this value. */
    public static Optional<String> problem(String name, String value) {
        Parameter parameter = ALLOWED.get(name);
        if (parameter == null) {
            return Optional.of("is not a parameter a deployment may set; allowed: " + new TreeSet<>(ALLOWED.keySet()));
        }
        if (value == null || value.length() > 512) {
            return Optional.of("needs a value of at most 512 characters");
        }
        return parameter.kind().problem(value);
    }

    /** Every problem of a parameters map, as "name: problem", in name order. */
    public static List<String> problems(Map<String, String> parameters) {
        List<String> found = new ArrayList<>();
        new TreeMap<>(parameters).forEach((name, value) -> problem(name, value).ifPresent(p -> found.add(name + ": " + p)));
        return found;
    }

    /** The one spelling of an allowed value: ON/OFF, plain numbers, lower-case choices, upper-case sorted SQL modes. */
    public static String normalize(String name, String value) {
        Parameter parameter = find(name).orElseThrow(() -> new IllegalArgumentException("not an allowed parameter: " + name));
        return parameter.kind().normalize(value);
    }

    /** A valid map with every value normalized. */
    public static Map<String, String> normalized(Map<String, String> parameters) {
        Map<String, String> out = new TreeMap<>();
        parameters.forEach((name, value) -> out.put(name, normalize(name, value)));
        return out;
    }

    /** A change from one set of parameters to another restarts the server: a static one is set, changed or removed. */
    public static boolean needsRestart(Map<String, String> from, Map<String, String> to) {
        return !changed(from, to, Apply.STATIC).isEmpty();
    }

    /**
     * The parameters of one kind whose value differs between the two maps (both normalized), name → the new value, or
     * empty when the new map drops it (back to the server's default).
     */
    public static Map<String, Optional<String>> changed(Map<String, String> from, Map<String, String> to, Apply apply) {
        Map<String, Optional<String>> out = new TreeMap<>();
        TreeSet<String> names = new TreeSet<>(from.keySet());
        names.addAll(to.keySet());
        for (String name : names) {
            Parameter parameter = ALLOWED.get(name);
            if (parameter == null || parameter.apply() != apply) {
                continue;
            }
            String before = from.get(name);
            String after = to.get(name);
            if (after == null ? before != null : !after.equals(before)) {
                out.put(name, Optional.ofNullable(after));
            }
        }
        return out;
    }

    /** The value as SQL for {@code SET GLOBAL name = ...}: numbers and ON/OFF bare, the rest quoted; empty: DEFAULT. */
    public static String sqlValue(String name, Optional<String> value) {
        if (value.isEmpty()) {
            return "DEFAULT";
        }
        String normalized = normalize(name, value.get());
        return ALLOWED.get(name).kind().quoted() ? "'" + normalized + "'" : normalized;
    }

    private static IllegalArgumentException invalid(String value) {
        return new IllegalArgumentException("not a valid value: " + value);
    }

    private static Optional<Boolean> bool(String value) {
        return switch (value.strip().toUpperCase(Locale.ROOT)) {
            case "ON", "1", "TRUE" -> Optional.of(true);
            case "OFF", "0", "FALSE" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    private static Optional<Long> whole(String value) {
        String v = value.strip();
        if (!v.matches("\\d{1,19}")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<BigDecimal> decimal(String value) {
        String v = value.strip();
        return v.matches("\\d{1,10}(\\.\\d{1,6})?") ? Optional.of(new BigDecimal(v)) : Optional.empty();
    }

    private static List<String> modes(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.toUpperCase(Locale.ROOT)).toList();
    }
}
