package dev.marina.dns.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.dns.zone.BatchPlanner.Chunk;
import dev.marina.dns.zone.BatchPlanner.Wish;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Planning many deployments against one read of the zone, and packing the changes. */
class BatchPlannerTest {

    private static final String ZONE = "db.marina.test.";

    private static Wish wish(String deployment, String name, String address) {
        return new Wish(deployment, List.of(RecordSet.of(name + "." + ZONE, "A", 5, address)));
    }

    @Test
    void two_deployments_wanting_one_free_name_in_one_batch_do_not_both_get_it() {
        List<Plan> plans = BatchPlanner.plan(ZONE, List.of(
                wish("acme/a", "shared", "127.10.0.1"),
                wish("acme/b", "shared", "127.10.0.2")), ZoneContents.empty());

        assertInstanceOf(Plan.Apply.class, plans.get(0));
        Plan.Clash clash = assertInstanceOf(Plan.Clash.class, plans.get(1));
        assertTrue(clash.reason().contains("owned by deployment acme/a"), clash.reason());
    }

    @Test
    void a_deployment_already_in_place_plans_no_change() {
        Plan first = BatchPlanner.plan(ZONE, List.of(wish("acme/a", "w", "127.10.0.1")), ZoneContents.empty()).get(0);
        ZoneContents zone = ZoneContents.empty().with(((Plan.Apply) first).change());

        Plan again = BatchPlanner.plan(ZONE, List.of(wish("acme/a", "w", "127.10.0.1")), zone).get(0);

        assertTrue(((Plan.Apply) again).change().isEmpty());
        assertEquals(List.of(), BatchPlanner.chunk(List.of(again), 100));
    }

    @Test
    void changes_are_packed_up_to_the_limit_and_never_split() {
        List<Wish> wishes = IntStream.range(0, 10).mapToObj(i -> wish("acme/d" + i, "n" + i, "127.10.0." + (i + 1))).toList();
        List<Plan> plans = BatchPlanner.plan(ZONE, wishes, ZoneContents.empty());
        // each new name: 2 conditions (name and ownership name free) + 2 operations (record and ownership record)
        List<Chunk> chunks = BatchPlanner.chunk(plans, 10);

        assertEquals(List.of(List.of(0, 1), List.of(2, 3), List.of(4, 5), List.of(6, 7), List.of(8, 9)),
                chunks.stream().map(Chunk::members).toList());
        chunks.forEach(c -> assertTrue(c.change().conditions().size() + c.change().operations().size() <= 10));
    }

    @Test
    void a_change_larger_than_the_limit_gets_an_update_of_its_own() {
        Wish big = new Wish("acme/big", IntStream.range(0, 5)
                .mapToObj(i -> RecordSet.of("b" + i + "." + ZONE, "A", 5, "127.10.0.1")).toList());
        List<Plan> plans = BatchPlanner.plan(ZONE, List.of(wish("acme/a", "a", "127.10.0.2"), big), ZoneContents.empty());

        List<Chunk> chunks = BatchPlanner.chunk(plans, 6);

        assertEquals(List.of(List.of(0), List.of(1)), chunks.stream().map(Chunk::members).toList());
        assertEquals(20, chunks.get(1).change().conditions().size() + chunks.get(1).change().operations().size());
    }

    @Test
    void the_zone_after_a_change_holds_its_records_and_owners() {
        Plan plan = BatchPlanner.plan(ZONE, List.of(wish("acme/a", "w", "127.10.0.1")), ZoneContents.empty()).get(0);
        ZoneContents after = ZoneContents.empty().with(((Plan.Apply) plan).change());

        assertEquals(List.of("127.10.0.1"), after.byType("w." + ZONE).get("A").values());
        assertEquals(java.util.Set.of("acme/a"), after.owningDeployments());

        Plan remove = BatchPlanner.plan(ZONE, List.of(new Wish("acme/a", List.of())), after).get(0);
        assertEquals(java.util.Set.of(), after.with(((Plan.Apply) remove).change()).owningDeployments());
    }
}
