package dev.marina.dns.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.dns.DnsConfig;
import dev.marina.dns.driver.DnsDriver;
import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.driver.DnsDriverException.Kind;
import dev.marina.dns.zone.ZoneChange;
import dev.marina.dns.zone.ZoneContents;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The handler's retry bounds, with a driver that always fails the same way; and when it reads the zone. */
class DnsCommandHandlerTest {

    static final class FailingDriver implements DnsDriver {
        final Kind kind;
        int reads;

        FailingDriver(Kind kind) {
            this.kind = kind;
        }

        @Override
        public String zone() {
            return "db.marina.test.";
        }

        @Override
        public ZoneContents read() {
            reads++;
            throw new DnsDriverException(kind, "server 127.0.0.1:53 did not answer");
        }

        @Override
        public void apply(ZoneChange change) {
            throw new AssertionError("never reached");
        }
    }

    static final DnsConfig CONFIG = new DnsConfig() {
        public String driver() { return "rfc2136"; }
        public String serverHost() { return "127.0.0.1"; }
        public int serverPort() { return 53; }
        public String zone() { return "db.marina.test"; }
        public String keyName() { return "marina"; }
        public Optional<String> keySecret() { return Optional.empty(); }
        public Optional<String> keyFile() { return Optional.empty(); }
        public String algorithm() { return "hmac-sha256"; }
        public Duration ttl() { return Duration.ofSeconds(5); }
        public Duration timeout() { return Duration.ofSeconds(1); }
        public int maxUpdateItems() { return 300; }
        public Duration driftInterval() { return Duration.ofSeconds(30); }
        public Route53 route53() { throw new UnsupportedOperationException(); }
        public int attempts() { return 3; }
        public Duration retryBackoff() { return Duration.ofMillis(10); }
    };

    static final DnsCommand COMMAND = DnsCommand.newBuilder()
            .setCommandId("acme/orders/1/dns")
            .setDeployment(DeploymentRef.newBuilder().setTenant("acme").setName("orders"))
            .setZone("db.marina.test")
            .addRecords(DnsRecordSet.newBuilder().setName("p.db.marina.test.").setType("A").addValues("127.10.0.1"))
            .build();

    @Test
    void an_unreachable_server_gets_a_bounded_number_of_tries_then_failed() {
        FailingDriver driver = new FailingDriver(Kind.UNREACHABLE);

        DnsEvent event = new DnsCommandHandler(driver, CONFIG, Clock.systemUTC()).carryOut(COMMAND);

        assertEquals(3, driver.reads);
        assertEquals(DnsOutcome.DNS_OUTCOME_FAILED, event.getOutcome());
        assertTrue(event.getReason().contains("did not answer") && event.getReason().contains("after 3 tries"), event.getReason());
    }

    @Test
    void a_refusal_is_not_retried() {
        FailingDriver driver = new FailingDriver(Kind.REFUSED);

        DnsEvent event = new DnsCommandHandler(driver, CONFIG, Clock.systemUTC()).carryOut(COMMAND);

        assertEquals(1, driver.reads);
        assertEquals(DnsOutcome.DNS_OUTCOME_FAILED, event.getOutcome());
    }

    @Test
    void a_bad_value_fails_without_touching_the_server() {
        FailingDriver driver = new FailingDriver(Kind.UNREACHABLE);
        DnsCommand bad = COMMAND.toBuilder().setRecords(0, COMMAND.getRecords(0).toBuilder().setValues(0, "not-an-ip")).build();

        DnsEvent event = new DnsCommandHandler(driver, CONFIG, Clock.systemUTC()).carryOut(bad);

        assertEquals(0, driver.reads);
        assertEquals(DnsOutcome.DNS_OUTCOME_FAILED, event.getOutcome());
        assertEquals("\"not-an-ip\" is not an A address", event.getReason());
    }

    /** A zone in memory that counts its reads; an update can be made to find the zone changed, once. */
    static final class MemoryDriver implements DnsDriver {
        ZoneContents zone = ZoneContents.empty();
        int reads;
        int updates;
        boolean nextUpdateFindsZoneChanged;

        @Override
        public String zone() {
            return "db.marina.test.";
        }

        @Override
        public ZoneContents read() {
            reads++;
            return zone;
        }

        @Override
        public void apply(ZoneChange change) {
            if (nextUpdateFindsZoneChanged) {
                nextUpdateFindsZoneChanged = false;
                throw new DnsDriverException(Kind.ZONE_CHANGED, "prerequisite failed");
            }
            updates++;
            zone = zone.with(change);
        }
    }

    static DnsCommand command(String name, String address) {
        return COMMAND.toBuilder().setCommandId("acme/" + name + "/1/dns")
                .setDeployment(DeploymentRef.newBuilder().setTenant("acme").setName(name))
                .setRecords(0, COMMAND.getRecords(0).toBuilder().setName("p." + name + ".db.marina.test.").setValues(0, address))
                .build();
    }

    @Test
    void batches_after_the_first_plan_on_the_zone_as_the_last_one_left_it() {
        MemoryDriver driver = new MemoryDriver();
        DnsCommandHandler handler = new DnsCommandHandler(driver, CONFIG, Clock.systemUTC());

        for (DnsCommand c : List.of(command("a", "127.10.0.1"), command("b", "127.10.0.2"), command("a", "127.10.0.3"))) {
            assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, handler.carryOut(c).getOutcome());
        }

        assertEquals(1, driver.reads, "one read for three batches");
        assertEquals(3, driver.updates);
        assertEquals(List.of("127.10.0.3"), driver.zone.byType("p.a.db.marina.test.").get("A").values());
        assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, handler.carryOut(command("b", "127.10.0.2")).getOutcome());
        assertEquals(3, driver.updates, "b's wish again: the zone as b's batch left it needs no update");
        assertEquals(1, driver.reads);
    }

    @Test
    void a_zone_changed_under_an_update_is_read_again() {
        MemoryDriver driver = new MemoryDriver();
        DnsCommandHandler handler = new DnsCommandHandler(driver, CONFIG, Clock.systemUTC());
        handler.carryOut(command("a", "127.10.0.1"));

        driver.nextUpdateFindsZoneChanged = true;
        DnsEvent event = handler.carryOut(command("b", "127.10.0.2"));

        assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, event.getOutcome(), event.getReason());
        assertEquals(2, driver.reads, "the try after the refused update read the zone");
        handler.carryOut(command("c", "127.10.0.3"));
        assertEquals(2, driver.reads, "and the batch after it planned on that read");
    }

    @Test
    void the_drift_check_and_a_new_term_read_the_zone_and_so_does_the_batch_after_them() {
        MemoryDriver driver = new MemoryDriver();
        DnsCommandHandler handler = new DnsCommandHandler(driver, CONFIG, Clock.systemUTC());
        DnsCommand a = command("a", "127.10.0.1");
        handler.carryOut(a);

        assertEquals(List.of(), handler.repairDrift(Map.of("acme/a", a)));
        assertEquals(2, driver.reads);
        handler.carryOut(command("b", "127.10.0.2"));
        assertEquals(3, driver.reads);

        handler.forgetZone();
        handler.carryOut(command("c", "127.10.0.3"));
        assertEquals(4, driver.reads);
    }
}
