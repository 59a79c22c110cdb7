package dev.marina.dns.zone;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the zone holds, as read from the server: every record set, by name, with an index of which
 * deployment owns which names (built on first use, so that planning one deployment does not scan
 * the whole zone). Immutable, except a working copy ({@link #workingCopy()}) that a batch planner
 * changes in place as it plans, one deployment after the other.
 */
public final class ZoneContents {

    private final TreeMap<String, List<RecordSet>> byName;
    private final boolean mutable;
    /** owned name → owning deployment, and deployment → its owned names; null until first needed. */
    private Map<String, String> ownerOfName;
    private Map<String, TreeSet<String>> namesOfOwner;

    private ZoneContents(TreeMap<String, List<RecordSet>> byName, boolean mutable) {
        this.byName = byName;
        this.mutable = mutable;
    }

    public static ZoneContents of(Collection<RecordSet> recordSets) {
        return new ZoneContents(recordSets.stream().collect(
                Collectors.groupingBy(RecordSet::name, TreeMap::new, Collectors.toList())), false);
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

    /** The names whose ownership record names this deployment, sorted. */
    public List<String> namesOwnedBy(String deployment) {
        index();
        return List.copyOf(namesOfOwner.getOrDefault(deployment, new TreeSet<>()));
    }

    /** Every deployment that owns at least one name here, by its ownership records. */
    public Set<String> owningDeployments() {
        index();
        return new TreeSet<>(namesOfOwner.keySet());
    }

    /** What the zone holds once {@code change} is applied (its conditions are not checked). */
    public ZoneContents with(ZoneChange change) {
        ZoneContents copy = workingCopy();
        copy.apply(change);
        return new ZoneContents(copy.byName, false);
    }

    /** A copy that {@link #apply} may change in place. */
    public ZoneContents workingCopy() {
        TreeMap<String, List<RecordSet>> copy = new TreeMap<>();
        byName.forEach((name, sets) -> copy.put(name, new ArrayList<>(sets)));
        ZoneContents working = new ZoneContents(copy, true);
        if (ownerOfName != null) {
            working.ownerOfName = new HashMap<>(ownerOfName);
            working.namesOfOwner = new HashMap<>();
            namesOfOwner.forEach((owner, names) -> working.namesOfOwner.put(owner, new TreeSet<>(names)));
        }
        return working;
    }

    /** Applies a change to this working copy, in time proportional to the change. */
    public void apply(ZoneChange change) {
        if (!mutable) {
            throw new IllegalStateException("only a working copy changes in place");
        }
        for (ZoneChange.Operation operation : change.operations()) {
            String name;
            if (operation instanceof ZoneChange.Replace replace) {
                RecordSet set = replace.recordSet();
                name = set.name();
                List<RecordSet> sets = byName.computeIfAbsent(name, n -> new ArrayList<>());
                sets.removeIf(s -> s.type().equals(set.type()));
                sets.add(set);
            } else {
                ZoneChange.Delete delete = (ZoneChange.Delete) operation;
                name = Names.fqdn(delete.name());
                List<RecordSet> sets = byName.get(name);
                if (sets != null) {
                    sets.removeIf(s -> s.type().equals(delete.type()));
                    if (sets.isEmpty()) {
                        byName.remove(name);
                    }
                }
            }
            if (ownerOfName != null && Names.isOwnerRecordName(name)) {
                reindex(Names.ownedName(name));
            }
        }
    }

    private void index() {
        if (ownerOfName != null) {
            return;
        }
        ownerOfName = new HashMap<>();
        namesOfOwner = new HashMap<>();
        for (String name : byName.keySet()) {
            if (Names.isOwnerRecordName(name)) {
                reindex(Names.ownedName(name));
            }
        }
    }

    private void reindex(String ownedName) {
        String before = ownerOfName.remove(ownedName);
        if (before != null) {
            TreeSet<String> names = namesOfOwner.get(before);
            names.remove(ownedName);
            if (names.isEmpty()) {
                namesOfOwner.remove(before);
            }
        }
        if (Ownership.ownerOf(ownedName, this) instanceof Ownership.Owner.Deployment d) {
            ownerOfName.put(ownedName, d.key());
            namesOfOwner.computeIfAbsent(d.key(), k -> new TreeSet<>()).add(ownedName);
        }
    }
}
