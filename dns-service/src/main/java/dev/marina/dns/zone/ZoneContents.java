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

    /** What the zone holds once {@code change} is applied (its conditions are not checked). */
    public ZoneContents with(ZoneChange change) {
        Map<RecordSet.Key, RecordSet> sets = new java.util.LinkedHashMap<>();
        byName.values().forEach(list -> list.forEach(set -> sets.put(set.key(), set)));
        for (ZoneChange.Operation operation : change.operations()) {
            if (operation instanceof ZoneChange.Replace replace) {
                sets.put(replace.recordSet().key(), replace.recordSet());
            } else if (operation instanceof ZoneChange.Delete delete) {
                sets.remove(new RecordSet.Key(Names.fqdn(delete.name()), delete.type()));
            }
        }
        return of(sets.values());
    }

    /** Every deployment that owns at least one name here, by its ownership records. */
    public java.util.Set<String> owningDeployments() {
        java.util.Set<String> owners = new java.util.TreeSet<>();
        for (String name : byName.keySet()) {
            if (Names.isOwnerRecordName(name)
                    && Ownership.ownerOf(Names.ownedName(name), this) instanceof Ownership.Owner.Deployment d) {
                owners.add(d.key());
            }
        }
        return owners;
    }

    public Map<String, RecordSet> byType(String name) {
        return at(name).stream().collect(Collectors.toMap(RecordSet::type, Function.identity()));
    }
}
