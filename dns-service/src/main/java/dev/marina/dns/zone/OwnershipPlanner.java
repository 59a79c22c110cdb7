package dev.marina.dns.zone;

import dev.marina.dns.zone.Ownership.Owner;
import dev.marina.dns.zone.ZoneChange.Condition;
import dev.marina.dns.zone.ZoneChange.Delete;
import dev.marina.dns.zone.ZoneChange.NameIsFree;
import dev.marina.dns.zone.ZoneChange.Operation;
import dev.marina.dns.zone.ZoneChange.Replace;
import dev.marina.dns.zone.ZoneChange.TxtIs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Decides, without touching anything, how to make a zone hold exactly a deployment's desired record
 * sets among the names that deployment owns:
 * <ul>
 *   <li>a wanted name that is free is created, with its ownership record;</li>
 *   <li>a wanted name the deployment owns is brought to the wanted values (nothing if equal);</li>
 *   <li>a name the deployment owns but no longer wants is deleted, with its ownership record;</li>
 *   <li>a wanted name that holds records without an ownership record, or is owned by another
 *       deployment, is a clash: the whole command is refused and nothing is changed.</li>
 * </ul>
 */
public final class OwnershipPlanner {
    private OwnershipPlanner() {}

    /**
     * @param deployment the deployment key, {@code tenant/name}
     * @param zone the zone the records must live in
     * @param desired every record set the deployment wants (empty: remove everything it owns)
     * @param observed what the zone holds now
     */
    public static Plan plan(String deployment, String zone, List<RecordSet> desired, ZoneContents observed) {
        Optional<String> problem = DesiredRecords.problem(zone, desired);
        if (problem.isPresent()) {
            return new Plan.Invalid(problem.get());
        }
        Map<String, List<RecordSet>> wanted = desired.stream()
                .collect(Collectors.groupingBy(RecordSet::name, LinkedHashMap::new, Collectors.toList()));

        List<String> clashes = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (String name : wanted.keySet()) {
            clashReason(deployment, name, observed).ifPresent(reason -> {
                clashes.add(name);
                reasons.add(reason);
            });
        }
        if (!clashes.isEmpty()) {
            return new Plan.Clash(clashes, String.join("; ", reasons));
        }

        List<Condition> conditions = new ArrayList<>();
        List<Operation> operations = new ArrayList<>();
        String ownerValue = Ownership.value(deployment);
        for (Map.Entry<String, List<RecordSet>> entry : wanted.entrySet()) {
            String name = entry.getKey();
            List<RecordSet> sets = entry.getValue();
            if (isOwnedBy(deployment, name, observed)) {
                List<Operation> updates = updates(observed.byType(name), sets);
                if (!updates.isEmpty()) {
                    conditions.add(new TxtIs(Names.ownerRecordName(name), ownerValue));
                    operations.addAll(updates);
                }
            } else {
                conditions.add(new NameIsFree(name));
                conditions.add(new NameIsFree(Names.ownerRecordName(name)));
                operations.add(new Replace(ownerRecord(name, ownerValue, sets.get(0).ttlSeconds())));
                sets.forEach(set -> operations.add(new Replace(set)));
            }
        }
        for (String name : ownedNames(deployment, observed)) {
            if (!wanted.containsKey(name)) {
                conditions.add(new TxtIs(Names.ownerRecordName(name), ownerValue));
                observed.at(name).forEach(set -> operations.add(new Delete(name, set.type())));
                operations.add(new Delete(Names.ownerRecordName(name), "TXT"));
            }
        }
        return new Plan.Apply(new ZoneChange(conditions, operations), List.copyOf(desired));
    }

    /** Why the deployment may not write {@code name}, if it may not. */
    static Optional<String> clashReason(String deployment, String name, ZoneContents observed) {
        Owner owner = Ownership.ownerOf(name, observed);
        if (owner instanceof Owner.Deployment d) {
            return d.key().equals(deployment)
                    ? Optional.empty()
                    : Optional.of("name " + name + " is owned by deployment " + d.key());
        }
        if (owner instanceof Owner.Foreign) {
            return Optional.of("name " + name + " has a foreign record at " + Names.ownerRecordName(name));
        }
        return observed.exists(name)
                ? Optional.of("name " + name + " holds records marina does not own")
                : Optional.empty();
    }

    private static boolean isOwnedBy(String deployment, String name, ZoneContents observed) {
        return Ownership.ownerOf(name, observed) instanceof Owner.Deployment d && d.key().equals(deployment);
    }

    /** Every name whose ownership record names this deployment. */
    static List<String> ownedNames(String deployment, ZoneContents observed) {
        return observed.namesOwnedBy(deployment);
    }

    /** The operations that turn an owned name's record sets into the wanted ones; none when equal. */
    private static List<Operation> updates(Map<String, RecordSet> current, List<RecordSet> wanted) {
        List<Operation> operations = new ArrayList<>();
        for (RecordSet set : wanted) {
            if (!set.equals(current.get(set.type()))) {
                operations.add(new Replace(set));
            }
        }
        Map<String, RecordSet> wantedByType = wanted.stream()
                .collect(Collectors.toMap(RecordSet::type, set -> set));
        current.keySet().stream()
                .filter(type -> !wantedByType.containsKey(type))
                .sorted()
                .forEach(type -> operations.add(new Delete(wanted.get(0).name(), type)));
        return operations;
    }

    private static RecordSet ownerRecord(String name, String value, int ttlSeconds) {
        return RecordSet.of(Names.ownerRecordName(name), "TXT", ttlSeconds, value);
    }
}
