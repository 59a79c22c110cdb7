package dev.marina.dns.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.OwnershipPlanner;
import dev.marina.dns.zone.Plan;
import dev.marina.dns.zone.RecordSet;
import dev.marina.dns.zone.ZoneChange;
import dev.marina.testkit.LocalBind;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rfc2136 driver with the ownership planner against a real BIND server. */
class Rfc2136DriverIT {

    private static final String ZONE = "db.marina.test";
    private static LocalBind bind;
    private static Rfc2136Driver driver;

    @BeforeAll
    static void startBind() {
        bind = LocalBind.start(ZONE);
        driver = new Rfc2136Driver(settings(bind.keySecret()));
    }

    @AfterAll
    static void stopBind() {
        if (bind != null) {
            bind.close();
        }
    }

    static Rfc2136Settings settings(String secret) {
        return new Rfc2136Settings(bind.host(), bind.port(), bind.zone(), bind.keyName(), secret, bind.algorithm(),
                Duration.ofSeconds(2));
    }

    /** Plans against what the zone holds now and applies; returns the plan. */
    static Plan converge(String deployment, List<RecordSet> desired) {
        Plan plan = OwnershipPlanner.plan(deployment, driver.zone(), desired, driver.read());
        if (plan instanceof Plan.Apply apply) {
            driver.apply(apply.change());
        }
        return plan;
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static RecordSet a(String name, String... values) {
        return RecordSet.of(name + "." + ZONE + ".", "A", 5, values);
    }

    static List<String> answered(String name, String type) {
        return DnsQuery.values(bind.port(), name + "." + ZONE + ".", type);
    }

    @Test
    void creates_updates_and_deletes_a_deployments_records() {
        String deployment = "acme/" + unique("orders");
        String name = unique("p");

        assertInstanceOf(Plan.Apply.class, converge(deployment, List.of(a(name, "127.10.0.1"))));
        assertEquals(List.of("127.10.0.1"), answered(name, "A"));
        assertEquals(List.of("heritage=marina,deployment=" + deployment), answered("_marina-owner." + name, "TXT"));

        converge(deployment, List.of(a(name, "127.10.0.2", "127.10.0.3")));
        assertEquals(List.of("127.10.0.2", "127.10.0.3"), answered(name, "A"));

        converge(deployment, List.of());
        assertEquals(List.of(), answered(name, "A"));
        assertEquals(List.of(), answered("_marina-owner." + name, "TXT"));
    }

    @Test
    void repeating_a_command_changes_nothing() {
        String deployment = "acme/" + unique("orders");
        String name = unique("p");
        converge(deployment, List.of(a(name, "127.10.0.1")));

        Plan again = converge(deployment, List.of(a(name, "127.10.0.1")));

        assertTrue(((Plan.Apply) again).change().isEmpty(), "second plan should be empty: " + again);
        assertEquals(List.of("127.10.0.1"), answered(name, "A"));
    }

    @Test
    void refuses_a_name_held_by_a_foreign_record_and_leaves_it_alone() {
        String name = unique("www");
        // Someone else's record, written without an ownership record.
        driver.apply(new ZoneChange(List.of(), List.of(new ZoneChange.Replace(a(name, "10.0.0.1")))));
        String other = unique("other");

        Plan plan = converge("acme/" + unique("orders"), List.of(a(other, "127.10.0.1"), a(name, "127.10.0.1")));

        Plan.Clash clash = assertInstanceOf(Plan.Clash.class, plan);
        assertTrue(clash.reason().contains(name + "." + ZONE + "."), clash.reason());
        assertEquals(List.of("10.0.0.1"), answered(name, "A"));
        assertEquals(List.of(), answered(other, "A"), "a refused command changes nothing at all");
    }

    @Test
    void refuses_a_name_owned_by_another_deployment() {
        String name = unique("p");
        converge("acme/" + unique("first"), List.of(a(name, "127.10.0.1")));

        Plan plan = converge("acme/" + unique("second"), List.of(a(name, "127.10.0.9")));

        assertInstanceOf(Plan.Clash.class, plan);
        assertEquals(List.of("127.10.0.1"), answered(name, "A"));
    }

    @Test
    void a_change_planned_on_a_stale_read_fails_whole_and_writes_nothing() {
        String name = unique("p");
        String other = unique("q");
        Plan.Apply stale = (Plan.Apply) OwnershipPlanner.plan("acme/" + unique("late"), driver.zone(),
                List.of(a(other, "127.10.0.4"), a(name, "127.10.0.5")), driver.read());
        converge("acme/" + unique("early"), List.of(a(name, "127.10.0.1")));

        DnsDriverException e = assertThrows(DnsDriverException.class, () -> driver.apply(stale.change()));

        assertEquals(DnsDriverException.Kind.ZONE_CHANGED, e.kind());
        assertEquals(List.of("127.10.0.1"), answered(name, "A"));
        assertEquals(List.of(), answered(other, "A"), "one UPDATE: none of it applied");
    }

    @Test
    void a_wrong_key_is_a_clear_refusal() {
        String wrongSecret = Base64.getEncoder().encodeToString(new byte[32]);
        Rfc2136Driver wrong = new Rfc2136Driver(settings(wrongSecret));
        ZoneChange change = new ZoneChange(List.of(), List.of(new ZoneChange.Replace(a(unique("p"), "127.10.0.1"))));

        DnsDriverException update = assertThrows(DnsDriverException.class, () -> wrong.apply(change));
        DnsDriverException read = assertThrows(DnsDriverException.class, wrong::read);

        assertEquals(DnsDriverException.Kind.REFUSED, update.kind());
        assertTrue(update.getMessage().contains("NOTAUTH") && update.getMessage().contains("TSIG key"), update.getMessage());
        assertEquals(DnsDriverException.Kind.REFUSED, read.kind(), read.getMessage());
    }

    @Test
    void a_stopped_server_fails_quickly_and_works_again_after_restart() {
        bind.stop();
        try {
            long start = System.nanoTime();
            DnsDriverException read = assertThrows(DnsDriverException.class, driver::read);
            DnsDriverException update = assertThrows(DnsDriverException.class, () -> driver.apply(
                    new ZoneChange(List.of(), List.of(new ZoneChange.Replace(a(unique("p"), "127.10.0.1"))))));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertEquals(DnsDriverException.Kind.UNREACHABLE, read.kind());
            assertEquals(DnsDriverException.Kind.UNREACHABLE, update.kind());
            assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
        } finally {
            bind.restart();
        }
        String name = unique("p");
        converge("acme/" + unique("orders"), List.of(a(name, "127.10.0.1")));
        assertEquals(List.of("127.10.0.1"), answered(name, "A"));
    }

    @Test
    void records_survive_a_server_restart() {
        String name = unique("p");
        converge("acme/" + unique("orders"), List.of(a(name, "127.10.0.1")));

        bind.kill();
        bind.restart();

        assertEquals(List.of("127.10.0.1"), answered(name, "A"));
        assertTrue(driver.read().exists(Names.ownerRecordName(name + "." + ZONE)));
    }
}
