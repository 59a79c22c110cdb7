package dev.marina.dns.zone;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Checks a deployment's desired record sets before anything is planned; each check names the problem. */
public final class DesiredRecords {
    private DesiredRecords() {}

    public static Optional<String> problem(String zone, List<RecordSet> desired) {
        Set<RecordSet.Key> seen = new HashSet<>();
        for (RecordSet set : desired) {
            if (!RecordSet.MANAGED_TYPES.contains(set.type())) {
                return Optional.of("type " + set.type() + " at " + set.name() + " is not supported; use one of "
                        + RecordSet.MANAGED_TYPES.stream().sorted().toList());
            }
            if (!Names.inZone(set.name(), zone) || Names.fqdn(set.name()).equals(Names.fqdn(zone))) {
                return Optional.of("name " + set.name() + " is not below zone " + Names.fqdn(zone));
            }
            if (Names.isOwnerRecordName(set.name())) {
                return Optional.of("name " + set.name() + " is reserved for ownership records");
            }
            if (set.values().isEmpty()) {
                return Optional.of(set.type() + " at " + set.name() + " has no values");
            }
            if (set.ttlSeconds() <= 0) {
                return Optional.of(set.type() + " at " + set.name() + " has no TTL");
            }
            if (!seen.add(set.key())) {
                return Optional.of(set.type() + " at " + set.name() + " is given twice");
            }
        }
        return cnameSharingAName(desired);
    }

    /** A CNAME must be alone at its name (RFC 1034 §3.6.2). */
    private static Optional<String> cnameSharingAName(List<RecordSet> desired) {
        var typesByName = desired.stream().collect(Collectors.groupingBy(RecordSet::name,
                Collectors.mapping(RecordSet::type, Collectors.toSet())));
        return typesByName.entrySet().stream()
                .filter(e -> e.getValue().contains("CNAME") && e.getValue().size() > 1)
                .map(e -> "CNAME at " + e.getKey() + " cannot share its name with " + e.getValue().stream()
                        .filter(t -> !t.equals("CNAME")).sorted().toList())
                .findFirst();
    }
}
