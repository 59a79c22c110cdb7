package dev.marina.dns.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The ownership rules, case by case: desired records + zone contents → changes, clash or refusal. */
class OwnershipPlannerTest {

    private static final String ZONE = "db.marina.test.";
    private static final String US = "acme/orders";
    private static final String OTHER = "acme/billing";

    private static final RecordSet SOA = RecordSet.of(ZONE, "SOA", 60, "ns.db.marina.test. hostmaster.db.marina.test. 1 3600 600 86400 5");
    private static final RecordSet NS = RecordSet.of(ZONE, "NS", 60, "ns.db.marina.test.");

    record Case(String behaviour, List<RecordSet> desired, List<RecordSet> zone, List<String> expected) {}

    static RecordSet a(String name, String... values) {
        return RecordSet.of(name + "." + ZONE, "A", 5, values);
    }

    static RecordSet txt(String name, String value) {
        return RecordSet.of(name + "." + ZONE, "TXT", 5, value);
    }

    static RecordSet owner(String name, String deployment) {
        return RecordSet.of(Names.ownerRecordName(name + "." + ZONE), "TXT", 5, Ownership.value(deployment));
    }

    static List<RecordSet> zone(RecordSet... sets) {
        List<RecordSet> all = new ArrayList<>(List.of(SOA, NS));
        all.addAll(List.of(sets));
        return all;
    }

    static final List<Case> CASES = List.of(
            new Case("creates a free name together with its ownership record",
                    List.of(a("p", "127.10.0.1")), zone(),
                    List.of("if-free p.db.marina.test.", "if-free _marina-owner.p.db.marina.test.",
                            "replace _marina-owner.p.db.marina.test. TXT [heritage=marina,deployment=acme/orders] 5",
                            "replace p.db.marina.test. A [127.10.0.1] 5")),
            new Case("does nothing when the zone already holds the wanted records",
                    List.of(a("p", "127.10.0.1")), zone(a("p", "127.10.0.1"), owner("p", US)),
                    List.of()),
            new Case("does nothing when only the order or spelling of values differs",
                    List.of(a("P", "127.10.0.2", "127.10.0.1")), zone(a("p", "127.10.0.1", "127.10.0.2"), owner("p", US)),
                    List.of()),
            new Case("replaces an owned name's values when they changed",
                    List.of(a("p", "127.10.0.9")), zone(a("p", "127.10.0.1"), owner("p", US)),
                    List.of("if-txt _marina-owner.p.db.marina.test. heritage=marina,deployment=acme/orders",
                            "replace p.db.marina.test. A [127.10.0.9] 5")),
            new Case("drops a type no longer wanted at an owned name",
                    List.of(a("p", "127.10.0.1")), zone(a("p", "127.10.0.1"), txt("p", "old"), owner("p", US)),
                    List.of("if-txt _marina-owner.p.db.marina.test. heritage=marina,deployment=acme/orders",
                            "delete p.db.marina.test. TXT")),
            new Case("deletes an owned name no longer wanted, with its ownership record",
                    List.of(a("p", "127.10.0.1")),
                    zone(a("p", "127.10.0.1"), owner("p", US), a("r", "127.10.0.2"), owner("r", US)),
                    List.of("if-txt _marina-owner.r.db.marina.test. heritage=marina,deployment=acme/orders",
                            "delete r.db.marina.test. A", "delete _marina-owner.r.db.marina.test. TXT")),
            new Case("removes every owned name when nothing is wanted, and leaves other names alone",
                    List.of(),
                    zone(a("p", "127.10.0.1"), owner("p", US), a("q", "127.10.0.3"), owner("q", OTHER), a("www", "10.0.0.1")),
                    List.of("if-txt _marina-owner.p.db.marina.test. heritage=marina,deployment=acme/orders",
                            "delete p.db.marina.test. A", "delete _marina-owner.p.db.marina.test. TXT")),
            new Case("refuses a wanted name that holds records without an ownership record",
                    List.of(a("p", "127.10.0.1"), a("www", "127.10.0.1")), zone(a("www", "10.0.0.1")),
                    List.of("clash [www.db.marina.test.]: name www.db.marina.test. holds records marina does not own")),
            new Case("refuses a wanted name owned by another deployment",
                    List.of(a("p", "127.10.0.1")), zone(a("p", "127.10.0.5"), owner("p", OTHER)),
                    List.of("clash [p.db.marina.test.]: name p.db.marina.test. is owned by deployment acme/billing")),
            new Case("refuses a wanted name whose ownership record someone else wrote",
                    List.of(a("p", "127.10.0.1")),
                    zone(RecordSet.of(Names.ownerRecordName("p." + ZONE), "TXT", 5, "made by hand")),
                    List.of("clash [p.db.marina.test.]: name p.db.marina.test. has a foreign record at _marina-owner.p.db.marina.test.")),
            new Case("refuses the zone apex, which holds the SOA",
                    List.of(RecordSet.of(ZONE, "A", 5, "127.10.0.1")), zone(),
                    List.of("invalid: name db.marina.test. is not below zone db.marina.test.")),
            new Case("refuses a name outside the zone",
                    List.of(RecordSet.of("p.example.com.", "A", 5, "127.10.0.1")), zone(),
                    List.of("invalid: name p.example.com. is not below zone db.marina.test.")),
            new Case("refuses a CNAME that shares its name",
                    List.of(a("p", "127.10.0.1"), RecordSet.of("p." + ZONE, "CNAME", 5, "q." + ZONE)), zone(),
                    List.of("invalid: CNAME at p.db.marina.test. cannot share its name with [A]")),
            new Case("refuses an ownership record name as a wanted name",
                    List.of(RecordSet.of("_marina-owner.p." + ZONE, "TXT", 5, "x")), zone(),
                    List.of("invalid: name _marina-owner.p.db.marina.test. is reserved for ownership records")));

    @TestFactory
    Stream<DynamicTest> plans() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.behaviour(), () ->
                assertEquals(c.expected(), describe(OwnershipPlanner.plan(US, ZONE, c.desired(), ZoneContents.of(c.zone()))))));
    }

    @TestFactory
    Stream<DynamicTest> values() {
        return Stream.of(
                DynamicTest.dynamicTest("an AAAA value compares equal however it is written", () -> assertEquals(
                        RecordSet.of("x." + ZONE, "AAAA", 5, "2001:db8::1"),
                        RecordSet.of("X." + ZONE.substring(0, ZONE.length() - 1), "aaaa", 5, "2001:DB8:0:0:0:0:0:1"))),
                DynamicTest.dynamicTest("a quoted TXT value is its text", () -> assertEquals(
                        List.of("hello world"), RecordSet.of("x." + ZONE, "TXT", 5, "\"hello world\"").values())),
                DynamicTest.dynamicTest("an A value that is not an address is refused", () ->
                        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                                () -> RecordSet.of("x." + ZONE, "A", 5, "db.example.com"))));
    }

    /** The plan in a form a table can hold. */
    static List<String> describe(Plan plan) {
        if (plan instanceof Plan.Clash clash) {
            return List.of("clash " + clash.names() + ": " + clash.reason());
        }
        if (plan instanceof Plan.Invalid invalid) {
            return List.of("invalid: " + invalid.reason());
        }
        ZoneChange change = ((Plan.Apply) plan).change();
        List<String> lines = new ArrayList<>();
        for (ZoneChange.Condition condition : change.conditions()) {
            if (condition instanceof ZoneChange.NameIsFree free) {
                lines.add("if-free " + free.name());
            } else if (condition instanceof ZoneChange.TxtIs is) {
                lines.add("if-txt " + is.name() + " " + is.value());
            }
        }
        for (ZoneChange.Operation operation : change.operations()) {
            if (operation instanceof ZoneChange.Replace replace) {
                RecordSet set = replace.recordSet();
                lines.add("replace " + set.name() + " " + set.type() + " " + set.values() + " " + set.ttlSeconds());
            } else if (operation instanceof ZoneChange.Delete delete) {
                lines.add("delete " + delete.name() + " " + delete.type());
            }
        }
        return lines;
    }
}
