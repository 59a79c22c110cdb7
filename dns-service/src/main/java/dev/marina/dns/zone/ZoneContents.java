package dev.marina.dns.zone;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What the zone holds, as read from the server: every record set, by name. */
public final class ZoneContents {

    private final Map<String, List<RecordSet>> byName;

    private ZoneContents(Map<String, List<RecordSet>> byName) {
        this.byName = byName;
    }

    public static ZoneContents of(Collection<RecordSet> recordSets) {
        return new ZoneContents(recordSets.stream().collect(
                Collectors.groupingBy(RecordSet::name, TreeMap::new, Collectors.toList())));
    }

    public static ZoneContents empty() {
        return of(List.of());
    }

    public List<RecordSet> at(String name) {
        return byName.getOrDefault(Names.fqdn(name), List.of());
    }

    public boolean exists(String name) {
        return !at(name).isEmpty();
    }

    public Collection<String> names() {
        return byName.keySet();
    }

    public Map<String, RecordSet> byType(String name) {
        return at(name).stream().collect(Collectors.toMap(RecordSet::type, Function.identity()));
    }
}
