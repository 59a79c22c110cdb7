package dev.marina.dns.driver.route53;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.driver.DnsDriverException.Kind;
import dev.marina.dns.zone.RecordSet;
import dev.marina.dns.zone.ZoneChange;
import dev.marina.dns.zone.ZoneChange.Delete;
import dev.marina.dns.zone.ZoneChange.NameIsFree;
import dev.marina.dns.zone.ZoneChange.Replace;
import dev.marina.dns.zone.ZoneChange.TxtIs;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/** How each condition and operation becomes Route 53 changes, against a known zone. */
class Route53BatchTest {

    static final String OWNER = "_marina-owner.p.example.com.";
    static final String OURS = "heritage=marina,deployment=acme/orders";

    static final Map<RecordSet.Key, List<ResourceRecordSet>> ZONE = Route53Records.byKey(List.of(
            Route53Records.wire(RecordSet.of("p.example.com.", "A", 60, "192.0.2.1")),
            Route53Records.wire(RecordSet.of(OWNER, "TXT", 60, OURS)),
            Route53Records.wire(RecordSet.of("foreign.example.com.", "MX", 300, "10 mail.example.net."))));

    static final Route53Batch.Current KNOWN = new Route53Batch.Current() {
        @Override
        public List<ResourceRecordSet> at(RecordSet.Key key) {
            return ZONE.getOrDefault(key, List.of());
        }

        @Override
        public boolean holds(String name) {
            return ZONE.keySet().stream().anyMatch(key -> key.name().equals(name));
        }
    };

    record Case(String behaviour, ZoneChange change, List<String> expected) {}

    static final List<Case> CASES = List.of(
            new Case("creates under NameIsFree",
                    new ZoneChange(List.of(new NameIsFree("q.example.com.")),
                            List.of(new Replace(RecordSet.of("q.example.com.", "A", 60, "192.0.2.9")))),
                    List.of("CREATE q.example.com. A 60 [192.0.2.9]")),
            new Case("upserts without a condition",
                    new ZoneChange(List.of(), List.of(new Replace(RecordSet.of("p.example.com.", "A", 60, "192.0.2.2")))),
                    List.of("UPSERT p.example.com. A 60 [192.0.2.2]")),
            new Case("checks TxtIs with a DELETE and CREATE of the record as known, first",
                    new ZoneChange(List.of(new TxtIs(OWNER, OURS)),
                            List.of(new Replace(RecordSet.of("p.example.com.", "A", 60, "192.0.2.2")))),
                    List.of("DELETE " + OWNER + " TXT 60 [\"" + OURS + "\"]", "CREATE " + OWNER + " TXT 60 [\"" + OURS + "\"]",
                            "UPSERT p.example.com. A 60 [192.0.2.2]")),
            new Case("lets a DELETE of the checked TXT carry the check itself",
                    new ZoneChange(List.of(new TxtIs(OWNER, OURS)),
                            List.of(new Delete("p.example.com.", "A"), new Delete(OWNER, "TXT"))),
                    List.of("DELETE p.example.com. A 60 [192.0.2.1]", "DELETE " + OWNER + " TXT 60 [\"" + OURS + "\"]")),
            new Case("replaces the checked TXT with a DELETE as known and a CREATE",
                    new ZoneChange(List.of(new TxtIs(OWNER, OURS)),
                            List.of(new Replace(RecordSet.of(OWNER, "TXT", 60, "heritage=marina,deployment=acme/new")))),
                    List.of("DELETE " + OWNER + " TXT 60 [\"" + OURS + "\"]",
                            "CREATE " + OWNER + " TXT 60 [\"heritage=marina,deployment=acme/new\"]")),
            new Case("sends nothing to delete what is already gone",
                    new ZoneChange(List.of(), List.of(new Delete("gone.example.com.", "A"))),
                    List.of()));

    @TestFactory
    Stream<DynamicTest> maps() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.behaviour(),
                () -> assertEquals(c.expected(), describe(Route53Batch.of(c.change(), KNOWN)))));
    }

    @Test
    void a_txt_that_says_otherwise_is_zone_changed_before_anything_is_sent() {
        ZoneChange change = new ZoneChange(List.of(new TxtIs(OWNER, "heritage=marina,deployment=acme/billing")),
                List.of(new Delete("p.example.com.", "A")));
        DnsDriverException e = assertThrows(DnsDriverException.class, () -> Route53Batch.of(change, KNOWN));
        assertEquals(Kind.ZONE_CHANGED, e.kind());
    }

    @Test
    void a_free_name_nothing_is_written_to_is_checked_against_the_zone() {
        ZoneChange change = new ZoneChange(List.of(new NameIsFree("foreign.example.com.")),
                List.of(new Replace(RecordSet.of("p.example.com.", "A", 60, "192.0.2.2"))));
        DnsDriverException e = assertThrows(DnsDriverException.class, () -> Route53Batch.of(change, KNOWN));
        assertEquals(Kind.ZONE_CHANGED, e.kind());
    }

    @Test
    void the_driver_remembers_the_zone_as_its_changes_left_it() {
        ZoneChange change = new ZoneChange(List.of(new TxtIs(OWNER, OURS)),
                List.of(new Replace(RecordSet.of("p.example.com.", "A", 60, "192.0.2.2"))));
        var after = Route53Driver.appliedTo(ZONE, Route53Batch.of(change, KNOWN).changes());
        assertEquals(List.of(Route53Records.wire(RecordSet.of("p.example.com.", "A", 60, "192.0.2.2"))),
                after.get(new RecordSet.Key("p.example.com.", "A")));
        assertEquals(ZONE.get(new RecordSet.Key(OWNER, "TXT")), after.get(new RecordSet.Key(OWNER, "TXT")));
    }

    static List<String> describe(Route53Batch batch) {
        return batch.changes().stream().map(Route53BatchTest::describe).toList();
    }

    static String describe(Change change) {
        ResourceRecordSet set = change.resourceRecordSet();
        return change.actionAsString() + " " + set.name() + " " + set.typeAsString() + " " + set.ttl() + " "
                + set.resourceRecords().stream().map(r -> r.value()).toList();
    }
}
