package dev.marina.dns.zone;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * All records of one name and type, as the planner compares them: the name lower-case and fully
 * qualified (trailing dot), the type upper-case, the values canonical and sorted, so two record sets
 * with the same content are equal whatever order or spelling they arrived in.
 */
public record RecordSet(String name, String type, List<String> values, int ttlSeconds) {

    /** The types a deployment may ask for. */
    public static final Set<String> MANAGED_TYPES = Set.of("A", "AAAA", "CNAME", "TXT");

    public RecordSet {
        name = Names.fqdn(name);
        type = type.toUpperCase(Locale.ROOT);
        String t = type;
        values = List.copyOf(new TreeSet<>(values.stream().map(v -> RecordValues.canonical(t, v)).toList()));
    }

    public static RecordSet of(String name, String type, int ttlSeconds, String... values) {
        return new RecordSet(name, type, List.of(values), ttlSeconds);
    }

    /** Where this record set lives: name and type. */
    public Key key() {
        return new Key(name, type);
    }

    public record Key(String name, String type) {}
}
