package dev.marina.dns.driver.route53;

import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.driver.DnsDriverException.Kind;
import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.RecordSet;
import dev.marina.dns.zone.ZoneChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * Turns a {@link ZoneChange} into the changes of one ChangeResourceRecordSets request, which
 * Route 53 validates in order and applies all or nothing. Route 53 has no prerequisites like RFC
 * 2136's; the conditions become changes that fail when the zone is no longer as the planner saw it:
 * <ul>
 *   <li>{@code NameIsFree(n)}: every record set written at {@code n} is a CREATE, which Route 53
 *       refuses if a record set of that name and type exists. The planner always frees a name
 *       together with its ownership name {@code _marina-owner.n}, whose TXT is CREATEd too, so two
 *       writers racing for a name cannot both win. A record of another type that appeared at
 *       {@code n} meanwhile goes unnoticed (a CNAME does not: Route 53 refuses to mix it). A
 *       {@code NameIsFree} with nothing written at the name (the planner makes none) can only be
 *       checked before sending, against {@link Current}: not atomic.</li>
 *   <li>{@code TxtIs(n, v)}: a DELETE of the TXT set at {@code n} exactly as read (Route 53 deletes
 *       only a set whose TTL and values all match) followed by a CREATE of the same set: a no-op
 *       that fails if the value changed. If the change itself deletes or replaces that set, its
 *       DELETE carries the check and no extra pair is sent.</li>
 *   <li>{@code Replace}: an UPSERT, or a CREATE under {@code NameIsFree} (above).</li>
 *   <li>{@code Delete(n, t)}: a DELETE of each record set at {@code n} and {@code t} as currently
 *       held; nothing when there is none (already gone).</li>
 * </ul>
 * The current record sets come from {@link Current}: the driver's last read, or a read of just
 * those sets.
 */
record Route53Batch(List<Change> changes) {

    /** The record sets the zone holds now, as far as the driver knows. */
    interface Current {
        /** The wire record sets at this name and type; several under a routing policy; empty if none. */
        List<ResourceRecordSet> at(RecordSet.Key key);

        /** True when any record set exists at the name. */
        boolean holds(String name);
    }

    Route53Batch {
        changes = List.copyOf(changes);
    }

    boolean isEmpty() {
        return changes.isEmpty();
    }

    ChangeSize size() {
        ChangeSize size = new ChangeSize(0, 0);
        for (Change change : changes) {
            int records = change.resourceRecordSet().resourceRecords().size();
            int characters = change.resourceRecordSet().resourceRecords().stream().mapToInt(r -> r.value().length()).sum();
            int weight = change.action() == ChangeAction.UPSERT ? 2 : 1;
            size = size.plus(new ChangeSize(records * weight, characters * weight));
        }
        return size;
    }

    static Route53Batch of(ZoneChange zoneChange, Current current) {
        Set<String> free = new LinkedHashSet<>();
        Map<String, String> owners = new LinkedHashMap<>();
        for (ZoneChange.Condition condition : zoneChange.conditions()) {
            if (condition instanceof ZoneChange.NameIsFree f) {
                free.add(Names.fqdn(f.name()));
            } else if (condition instanceof ZoneChange.TxtIs t) {
                String name = Names.fqdn(t.name());
                String before = owners.put(name, t.value());
                if (before != null && !before.equals(t.value())) {
                    throw new IllegalArgumentException("two different TxtIs conditions for " + name);
                }
            }
        }

        List<Change> body = new ArrayList<>();
        Set<String> written = new LinkedHashSet<>();
        Set<String> checked = new LinkedHashSet<>();
        for (ZoneChange.Operation operation : zoneChange.operations()) {
            if (operation instanceof ZoneChange.Replace replace) {
                RecordSet set = replace.recordSet();
                if (set.values().isEmpty()) {
                    throw new DnsDriverException(Kind.REFUSED, "record set " + set.name() + " " + set.type()
                            + " has no values; Route 53 needs at least one (delete it instead)");
                }
                ResourceRecordSet wanted = Route53Records.wire(set);
                if (free.contains(set.name())) {
                    body.add(change(ChangeAction.CREATE, wanted));
                    written.add(set.name());
                } else if (isOwnerTxt(owners, set.key()) && checked.add(set.name())) {
                    body.add(change(ChangeAction.DELETE, ownerAsExpected(current, set.name(), owners.get(set.name()))));
                    body.add(change(ChangeAction.CREATE, wanted));
                } else {
                    body.add(change(ChangeAction.UPSERT, wanted));
                }
            } else if (operation instanceof ZoneChange.Delete delete) {
                RecordSet.Key key = new RecordSet.Key(Names.fqdn(delete.name()), delete.type().toUpperCase(Locale.ROOT));
                if (isOwnerTxt(owners, key)) {
                    if (checked.add(key.name())) {
                        body.add(change(ChangeAction.DELETE, ownerAsExpected(current, key.name(), owners.get(key.name()))));
                    }
                } else {
                    current.at(key).forEach(set -> body.add(change(ChangeAction.DELETE, set)));
                }
            }
        }
        if (body.isEmpty()) {
            return new Route53Batch(List.of());
        }

        List<Change> guards = new ArrayList<>();
        owners.forEach((name, value) -> {
            if (!checked.contains(name)) {
                ResourceRecordSet owner = ownerAsExpected(current, name, value);
                guards.add(change(ChangeAction.DELETE, owner));
                guards.add(change(ChangeAction.CREATE, owner));
            }
        });
        for (String name : free) {
            if (!written.contains(name) && current.holds(name)) {
                throw zoneChanged("name " + name + " is no longer free");
            }
        }
        guards.addAll(body);
        return new Route53Batch(guards);
    }

    private static boolean isOwnerTxt(Map<String, String> owners, RecordSet.Key key) {
        return "TXT".equals(key.type()) && owners.containsKey(key.name());
    }

    /** The TXT set at {@code name} as Route 53 holds it, if it still says exactly {@code value}. */
    private static ResourceRecordSet ownerAsExpected(Current current, String name, String value) {
        List<ResourceRecordSet> sets = current.at(new RecordSet.Key(name, "TXT"));
        if (sets.size() != 1) {
            throw zoneChanged("TXT record " + name + " is " + (sets.isEmpty() ? "gone" : "split in " + sets.size() + " sets"));
        }
        ResourceRecordSet set = sets.get(0);
        RecordSet seen = Route53Records.recordSet(new RecordSet.Key(name, "TXT"), sets);
        if (!seen.values().equals(RecordSet.of(name, "TXT", 0, value).values())) {
            throw zoneChanged("TXT record " + name + " holds " + seen.values() + ", not \"" + value + "\"");
        }
        return set;
    }

    private static Change change(ChangeAction action, ResourceRecordSet set) {
        return Change.builder().action(action).resourceRecordSet(set).build();
    }

    private static DnsDriverException zoneChanged(String what) {
        return new DnsDriverException(Kind.ZONE_CHANGED, "zone changed since it was read: " + what);
    }
}
