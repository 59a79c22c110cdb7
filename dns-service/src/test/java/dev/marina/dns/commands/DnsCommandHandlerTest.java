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
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The handler's retry bounds, with a driver that always fails the same way. */
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
}
