package dev.marina.provisioner.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.provisioner.driver.Instance;
import dev.marina.schemas.v1.InstanceState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The ec2 driver's pure decisions, table by table. */
class Ec2DecisionsTest {

    @ParameterizedTest(name = "EC2 {0} is {1}")
    @CsvSource({
            "pending, INSTANCE_STATE_CREATING, true",
            "running, INSTANCE_STATE_RUNNING, true",
            "stopping, INSTANCE_STATE_FAILED, true",
            "stopped, INSTANCE_STATE_FAILED, true",
            "shutting-down, INSTANCE_STATE_DESTROYED, false",
            "terminated, INSTANCE_STATE_DESTROYED, false",
            "rebooting-someday, INSTANCE_STATE_UNSPECIFIED, false"})
    void mapsEc2StatesOntoInstanceStates(String ec2, InstanceState state, boolean exists) {
        assertEquals(state, Ec2States.map(ec2));
        assertEquals(exists, Ec2States.exists(ec2));
        assertEquals(state == InstanceState.INSTANCE_STATE_FAILED, Ec2States.reason(ec2).isPresent());
    }

    @ParameterizedTest(name = "{0} over 3 subnets tries {1}")
    @CsvSource({
            "acme-orders-0, a b c",
            "acme-orders-1, b c a",
            "acme-orders-2, c a b",
            "acme-orders-5, c a b",
            "acme-orders, a b c",
            "acme-orders-12345678901234567890, c a b"})
    void spreadsInstancesOverSubnetsAndFallsBackInOrder(String instanceId, String order) {
        assertEquals(List.of(order.split(" ")), SubnetOrder.forInstance(List.of("a", "b", "c"), instanceId));
    }

    @Test
    void oneSubnetOrNone() {
        assertEquals(List.of("a"), SubnetOrder.forInstance(List.of("a"), "acme-orders-7"));
        assertEquals(List.of(), SubnetOrder.forInstance(List.of(), "acme-orders-7"));
    }

    @Test
    void clientTokensAreStablePerAttemptAndSubnetAndFitEc2() {
        String token = ClientTokens.derive("acme/orders", "acme-orders-0", "acme/orders/3/2", "subnet-a");
        assertEquals(token, ClientTokens.derive("acme/orders", "acme-orders-0", "acme/orders/3/2", "subnet-a"));
        assertTrue(token.length() <= 64 && token.chars().allMatch(c -> c >= 0x21 && c < 0x7f), token);
        assertNotEquals(token, ClientTokens.derive("acme/orders", "acme-orders-0", "acme/orders/3/3", "subnet-a"));
        assertNotEquals(token, ClientTokens.derive("acme/orders", "acme-orders-1", "acme/orders/3/2", "subnet-a"));
        assertNotEquals(token, ClientTokens.derive("acme/billing", "acme-orders-0", "acme/orders/3/2", "subnet-a"));
        assertNotEquals(token, ClientTokens.derive("acme/orders", "acme-orders-0", "acme/orders/3/2", "subnet-b"));
        // No ambiguity where one part ends and the next begins.
        assertNotEquals(ClientTokens.derive("a", "bc", "", ""), ClientTokens.derive("ab", "c", "", ""));
    }

    @Test
    void ownsOnlyHostsWithTheOwnerTagAndBothIds() {
        Map<String, String> ours = Ec2Tags.forInstance("marina", "acme/orders", "acme-orders-0");
        assertTrue(Ec2Tags.owned(ours, "marina"));
        assertTrue(Ec2Tags.isInstance(ours, "marina", "acme-orders-0"));
        assertFalse(Ec2Tags.isInstance(ours, "marina", "acme-orders-1"));
        assertFalse(Ec2Tags.owned(ours, "another-platform"));
        assertFalse(Ec2Tags.owned(Map.of("marina:owner", "marina", "Name", "bastion"), "marina"));
        assertFalse(Ec2Tags.owned(Map.of("marina:deployment", "acme/orders", "marina:instance", "acme-orders-0"), "marina"));
        assertFalse(Ec2Tags.owned(Map.of("marina:owner", "marina", "marina:deployment", "acme/orders", "marina:instance", ""),
                "marina"));
    }

    @ParameterizedTest(name = "retry {0}: {1} ms")
    @CsvSource({"0, -1", "1, 500", "2, 1000", "3, 2000", "4, 4000", "5, 4000", "6, -1"})
    void backsOffDoublingUpToTheMaximumThenGivesUp(int retry, long millis) {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(4), 5);
        assertEquals(millis < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis)), backoff.before(retry));
    }

    @ParameterizedTest(name = "{0} ({1}) is {2}")
    @CsvSource({
            "RequestLimitExceeded, 503, THROTTLED",
            "InsufficientInstanceCapacity, 500, CAPACITY",
            "InvalidInstanceID.NotFound, 400, NOT_FOUND",
            "InvalidParameterValue, 400, FINAL",
            "InvalidParameterCombination, 400, FINAL",
            "UnauthorizedOperation, 403, FINAL",
            "AuthFailure, 401, FINAL",
            "IdempotentParameterMismatch, 400, FINAL",
            "InvalidAMIID.NotFound, 400, FINAL",
            "InternalError, 500, TRANSIENT",
            "Unavailable, 503, TRANSIENT"})
    void classifiesErrors(String code, int status, Ec2Errors.Kind kind) {
        assertEquals(kind, Ec2Errors.classify(code, status));
    }

    @Test
    void userDataRefusesAnythingButPlainNamesAndAddresses() {
        Map<String, String> settings = UserData.settings("acme-orders-0", "acme/orders", "kafka:9093", "eu-west-1",
                Instant.parse("2026-12-03T08:00:00Z"), "/marina/bootstrap/{instance}");
        assertEquals("/marina/bootstrap/acme-orders-0", settings.get("MARINA_BOOTSTRAP_PARAMETER"));
        String script = UserData.script(settings);
        assertTrue(script.contains("KAFKA_BOOTSTRAP_SERVERS=kafka:9093\n"), script);
        for (String hostile : List.of("kafka:9093\nMARINA_PASSWORD=x", "x'; rm -rf /", "$(curl evil)", "a b")) {
            Map<String, String> bad = new java.util.LinkedHashMap<>(settings);
            bad.put("KAFKA_BOOTSTRAP_SERVERS", hostile);
            assertThrows(IllegalArgumentException.class, () -> UserData.script(bad), hostile);
        }
    }

    @Test
    void transitionsReportOnlyChangesAfterTheBaseline() {
        Instance a = new Instance("acme-orders-0", "acme/orders", "10.0.1.10", Instant.parse("2026-12-03T08:00:00Z"));
        Instance b = new Instance("acme-orders-1", "acme/orders", "10.0.1.11", Instant.parse("2026-12-03T08:00:00Z"));
        List<Ec2Driver.Observed> first = List.of(new Ec2Driver.Observed(a, "i-1", "running"),
                new Ec2Driver.Observed(b, "i-2", "pending"));
        assertEquals(List.of(), Ec2Transitions.changes(Optional.empty(), first, Map.of()));
        Map<String, InstanceState> baseline = Ec2Transitions.states(first);
        List<Ec2Driver.Observed> second = List.of(new Ec2Driver.Observed(b, "i-2", "running"));
        List<Ec2Transitions.Change> changes = Ec2Transitions.changes(Optional.of(baseline), second,
                Map.of(a.instanceId(), a, b.instanceId(), b));
        assertEquals(List.of(new Ec2Transitions.Change(b, InstanceState.INSTANCE_STATE_RUNNING, Optional.empty()),
                new Ec2Transitions.Change(a, InstanceState.INSTANCE_STATE_DESTROYED, Optional.empty())), changes);
        assertEquals(List.of(), Ec2Transitions.changes(Optional.of(Ec2Transitions.states(second)), second, Map.of()));
    }

    @Test
    void settingsNeedSubnetsTypesVolumesAndAnImage() {
        FakeEc2 fake = new FakeEc2();
        try {
            Ec2Settings good = Ec2Fixture.settings(fake);
            assertEquals("ami-0123456789abcdef0", good.image(Optional.of("10.11.19")).orElseThrow());
            assertEquals("ami-0abcdef1234567890", good.image(Optional.of("10.11.18")).orElseThrow());
            assertEquals("ami-0abcdef1234567890", good.image(Optional.empty()).orElseThrow());
            assertThrows(IllegalArgumentException.class, () -> new Ec2Settings(good.region(), good.endpoint(), List.of(),
                    good.securityGroups(), good.instanceProfile(), good.instanceTypes(), good.images(), good.volumeType(),
                    good.volumeSizes(), good.volumeDevice(), true, true, good.owner(), good.addressKind(),
                    good.addressWait(), 5, 3, good.throttleBackoff(), good.throttleBackoffMax(), 100, "k:9", "/p/{instance}",
                    good.bootstrapTtl(), good.bootstrapKmsKey()));
            assertThrows(IllegalArgumentException.class, () -> new Ec2Settings(good.region(), good.endpoint(), good.subnets(),
                    good.securityGroups(), good.instanceProfile(), good.instanceTypes(), good.images(), good.volumeType(),
                    good.volumeSizes(), good.volumeDevice(), true, true, good.owner(), good.addressKind(),
                    good.addressWait(), 5, 3, good.throttleBackoff(), good.throttleBackoffMax(), 100, "k:9", "/p/shared",
                    good.bootstrapTtl(), good.bootstrapKmsKey()));
            assertThrows(IllegalArgumentException.class, () -> Ec2Settings.parseAddressKind("elastic"));
            assertEquals(Ec2Settings.AddressKind.PUBLIC, Ec2Settings.parseAddressKind("Public"));
        } finally {
            fake.close();
        }
    }
}
