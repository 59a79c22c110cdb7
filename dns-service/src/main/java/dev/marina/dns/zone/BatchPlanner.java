package dev.marina.dns.zone;

import java.util.ArrayList;
import java.util.List;

/**
 * Plans many deployments' wishes against one read of the zone, and packs the changes into few
 * updates. Pure.
 *
 * <p>Each wish is planned against the zone as the wishes before it leave it, so two deployments
 * that want the same free name in one batch do not both get it: the second one clashes. Because a
 * deployment's change only touches names it owns or names that were free, the changes of different
 * deployments touch different names, and their conditions (which speak of the zone as read) can be
 * sent together in one update. One deployment's change is never split across updates: each
 * deployment's names move all at once or not at all.
 */
public final class BatchPlanner {
    private BatchPlanner() {}

    /** What one deployment wants: all its record sets (none: remove everything it owns). */
    public record Wish(String deployment, List<RecordSet> desired) {
        public Wish {
            desired = List.copyOf(desired);
        }
    }

    /** Changes of several wishes sent as one update; {@code members} are the wishes' indexes. */
    public record Chunk(List<Integer> members, ZoneChange change) {}

    /** One plan per wish, in order. */
    public static List<Plan> plan(String zone, List<Wish> wishes, ZoneContents observed) {
        return planInPlace(zone, wishes, observed.workingCopy());
    }

    /**
     * {@link #plan}, on a working copy ({@link ZoneContents#workingCopy()}) that is left as the changes would leave the
     * zone: planning costs the batch, not the zone, when the caller keeps the copy for the next batch.
     */
    public static List<Plan> planInPlace(String zone, List<Wish> wishes, ZoneContents zoneNow) {
        List<Plan> plans = new ArrayList<>(wishes.size());
        for (Wish wish : wishes) {
            Plan plan = OwnershipPlanner.plan(wish.deployment(), zone, wish.desired(), zoneNow);
            if (plan instanceof Plan.Apply apply) {
                zoneNow.apply(apply.change());
            }
            plans.add(plan);
        }
        return plans;
    }

    /**
     * Packs the non-empty changes among {@code plans} into updates of at most {@code maxItems}
     * conditions and operations each (a single change larger than that gets an update of its own).
     */
    public static List<Chunk> chunk(List<Plan> plans, int maxItems) {
        List<Chunk> chunks = new ArrayList<>();
        List<Integer> members = new ArrayList<>();
        List<ZoneChange.Condition> conditions = new ArrayList<>();
        List<ZoneChange.Operation> operations = new ArrayList<>();
        for (int i = 0; i < plans.size(); i++) {
            if (!(plans.get(i) instanceof Plan.Apply apply) || apply.change().isEmpty()) {
                continue;
            }
            ZoneChange change = apply.change();
            int size = change.conditions().size() + change.operations().size();
            if (!members.isEmpty() && conditions.size() + operations.size() + size > maxItems) {
                chunks.add(new Chunk(List.copyOf(members), new ZoneChange(conditions, operations)));
                members.clear();
                conditions.clear();
                operations.clear();
            }
            members.add(i);
            conditions.addAll(change.conditions());
            operations.addAll(change.operations());
        }
        if (!members.isEmpty()) {
            chunks.add(new Chunk(List.copyOf(members), new ZoneChange(conditions, operations)));
        }
        return chunks;
    }
}
