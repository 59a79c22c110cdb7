package dev.marina.provisioner.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.provisioner.driver.DriverException;
import dev.marina.provisioner.driver.Instance;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Size;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ec2 driver on the real AWS SDK against recorded exchanges ({@code src/test/resources/ec2/}, see its README):
 * every request the SDK sends is checked against the exchange's parameters.
 */
class Ec2DriverTest {

    private static final String DEPLOYMENT = "acme/orders";
    private static final String ATTEMPT = "acme/orders/3/2";

    private final FakeEc2 fake = new FakeEc2();
    private final FakeTime time = new FakeTime();
    private Ec2Driver driver = Ec2Fixture.driver(fake, Ec2Fixture.settings(fake), time);

    @AfterEach
    void everyExchangePlayedAndMatched() {
        fake.close();
        assertEquals(List.of(), fake.problems(), "requests that differ from the recorded exchanges");
        assertEquals(List.of(), fake.unplayed(), "recorded exchanges the driver never asked for");
    }

    private List<String> actions() {
        return fake.received().stream().map(FakeEc2.Received::action).toList();
    }

    @Test
    void createsWithAClientTokenTagsAVolumeAndBootstrapUserData() {
        fake.play("create");
        Instance instance = driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT));
        assertEquals(new Instance("acme-orders-0", DEPLOYMENT, "10.0.1.17", Instant.parse("2026-12-03T08:00:00Z")), instance);
        assertEquals(List.of("DescribeInstances", "RunInstances"), actions());
        String userData = userDataOf(fake.received().get(1));
        assertTrue(userData.startsWith("#!/bin/sh\n"), userData);
        assertTrue(userData.contains("MARINA_INSTANCE_ID=acme-orders-0\n"), userData);
        assertTrue(userData.contains("MARINA_DEPLOYMENT=acme/orders\n"), userData);
        assertTrue(userData.contains("KAFKA_BOOTSTRAP_SERVERS=" + Ec2Fixture.BROKER + "\n"), userData);
        assertTrue(userData.contains("MARINA_BOOTSTRAP_PARAMETER=/marina/bootstrap/acme-orders-0\n"), userData);
        assertTrue(userData.contains("MARINA_COMMANDS_SINCE=" + Ec2Fixture.COMMANDS_SINCE.toEpochMilli() + "\n"), userData);
    }

    @Test
    void userDataHoldsNoSecretEvenWhenTheFirstCommandCarriesOne() {
        fake.play("create");
        String secret = "s3cr3t-Pa55w0rd-for-the-root-user";
        driver.create(new dev.marina.provisioner.driver.CreateRequest("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL,
                Ec2Fixture.COMMANDS_SINCE, Optional.of("{\"deploy\":{\"rootPassword\":\"" + secret + "\"}}"),
                Optional.empty(), ATTEMPT));
        String userData = userDataOf(fake.received().get(1));
        assertFalse(userData.contains(secret), userData);
        assertFalse(userData.contains("rootPassword"), userData);
        // Only the bootstrap settings: names and addresses, one per line, nothing else set.
        List<String> keys = userData.lines().filter(l -> l.matches("[A-Z_]+=.*")).map(l -> l.substring(0, l.indexOf('=')))
                .toList();
        assertEquals(List.of("MARINA_INSTANCE_ID", "MARINA_DEPLOYMENT", "KAFKA_BOOTSTRAP_SERVERS", "MARINA_AWS_REGION",
                "MARINA_COMMANDS_SINCE", "MARINA_INSTANCE_DIR", "MARINA_BOOTSTRAP_PARAMETER"), keys);
        for (String word : List.of("password", "secret=", "token", "BEGIN ", "PRIVATE KEY", "sasl", "AKIA")) {
            assertFalse(userData.toLowerCase(java.util.Locale.ROOT).contains(word.toLowerCase(java.util.Locale.ROOT)),
                    "user data mentions " + word + ":\n" + userData);
        }
    }

    @Test
    void aRetriedCreateSendsTheSameClientTokenAndGetsTheSameInstance() {
        fake.play("create").play("create-retried");
        Instance first = driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT));
        Instance again = driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT));
        assertEquals(first, again);
        List<String> tokens = fake.received().stream().filter(r -> r.action().equals("RunInstances"))
                .map(r -> r.parameters().get("ClientToken")).toList();
        assertEquals(2, tokens.size());
        assertEquals(tokens.get(0), tokens.get(1));
        assertEquals(ClientTokens.derive(DEPLOYMENT, "acme-orders-0", ATTEMPT, Ec2Fixture.SUBNETS.get(0)), tokens.get(0));
    }

    @Test
    void aReplayedCreateFindsTheInstanceByItsTagsAndLaunchesNothing() {
        fake.play("create-existing");
        Instance instance = driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, "another attempt"));
        assertEquals("10.0.1.17", instance.address());
        assertEquals(List.of("DescribeInstances"), actions());
    }

    @Test
    void aClientTokenAnsweredWithAnEndedInstanceIsNoCreate() {
        fake.play("create-token-ended");
        DriverException e = assertThrows(DriverException.class,
                () -> driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT)));
        assertTrue(e.getMessage().endsWith("with instance i-0a1b2c3d4e5f60001, which is terminated"), e.getMessage());
    }

    @Test
    void listsEveryPageOwnedInstancesOnlyOldestFirst() {
        fake.play("describe-paginated");
        List<Ec2Driver.Observed> observed = driver.observe();
        assertEquals(List.of("acme-billing-0", "acme-orders-0", "acme-orders-1"),
                observed.stream().map(o -> o.instance().instanceId()).toList());
        assertEquals(List.of("stopped", "running", "running"), observed.stream().map(Ec2Driver.Observed::ec2State).toList());
        assertEquals("10.0.2.21", observed.get(2).instance().address());
        assertEquals("acme/billing", observed.get(0).instance().deployment());
        assertEquals(2, fake.received().size());
        assertEquals("eyJ2IjoiMiIsImMiOiJ0ZXN0LXBhZ2UtMiJ9", fake.received().get(1).parameters().get("NextToken"));
    }

    @Test
    void waitsForThePublicAddressThenReportsStateChangesNobodyAskedFor() {
        driver = Ec2Fixture.driver(fake, Ec2Fixture.settings(fake, Ec2Settings.AddressKind.PUBLIC, 1000), time);
        fake.play("state-transitions");
        Instance instance = driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT));
        assertEquals("203.0.113.17", instance.address());
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), time.pauses());

        Optional<Map<String, InstanceState>> last = Optional.empty();
        Map<String, Instance> lastInstances = Map.of();
        List<String> seen = new java.util.ArrayList<>();
        for (int look = 0; look < 5; look++) {
            List<Ec2Driver.Observed> observed = driver.observe();
            for (Ec2Transitions.Change change : Ec2Transitions.changes(last, observed, lastInstances)) {
                seen.add(change.state().name().replace("INSTANCE_STATE_", "") + " " + change.instance().address()
                        + change.reason().map(r -> " (" + r + ")").orElse(""));
            }
            last = Optional.of(Ec2Transitions.states(observed));
            Map<String, Instance> instances = new java.util.HashMap<>();
            observed.forEach(o -> instances.put(o.instance().instanceId(), o.instance()));
            lastInstances = instances;
        }
        assertEquals(List.of(
                "FAILED  (the EC2 instance is stopping (stopped outside the platform))",
                "RUNNING 203.0.113.42",
                "DESTROYED 203.0.113.42"), seen);
    }

    @Test
    void terminatesOnDestroy() {
        fake.play("terminate");
        driver.destroy("acme-orders-0");
        assertEquals(List.of("DescribeInstances", "TerminateInstances"), actions());
        assertEquals("i-0a1b2c3d4e5f60001", fake.received().get(1).parameters().get("InstanceId.1"));
    }

    @Test
    void anInstanceGoneBeforeItsTerminateIsDestroyed() {
        fake.play("terminate-gone");
        driver.destroy("acme-orders-0");
    }

    @Test
    void throttlingIsRetriedWithBackoffUnderTheSameToken() {
        fake.play("throttled");
        Instance instance = driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT));
        assertEquals("10.0.1.17", instance.address());
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofSeconds(1)), time.pauses());
    }

    @Test
    void throttledBeyondTheRetriesFailsWithAwsMessage() {
        fake.play("throttled-out");
        DriverException e = assertThrows(DriverException.class,
                () -> driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT)));
        assertEquals("EC2 DescribeInstances failed: RequestLimitExceeded: Request limit exceeded. (still throttled after 3"
                + " retries)", e.getMessage());
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2)), time.pauses());
    }

    @Test
    void noCapacityTriesTheNextSubnetWithATokenOfItsOwn() {
        fake.play("capacity");
        Instance instance = driver.create(Ec2Fixture.create("acme-orders-1", DEPLOYMENT, Size.SIZE_MEDIUM, ATTEMPT));
        assertEquals("10.0.3.18", instance.address());
        List<FakeEc2.Received> runs = fake.received().stream().filter(r -> r.action().equals("RunInstances")).toList();
        assertEquals(List.of(Ec2Fixture.SUBNETS.get(1), Ec2Fixture.SUBNETS.get(2)),
                runs.stream().map(r -> r.parameters().get("SubnetId")).toList());
        assertFalse(runs.get(0).parameters().get("ClientToken").equals(runs.get(1).parameters().get("ClientToken")));
    }

    @Test
    void anInvalidParameterIsFinalAndCarriesAwsMessage() {
        fake.play("invalid-parameter");
        DriverException e = assertThrows(DriverException.class,
                () -> driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT)));
        assertEquals("EC2 RunInstances failed: InvalidParameterValue: Value (marina-instance) for parameter"
                + " iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", e.getMessage());
        assertEquals(List.of("DescribeInstances", "RunInstances"), actions());
    }

    @Test
    void unauthorizedIsFinalAndCarriesAwsMessage() {
        fake.play("unauthorized");
        DriverException e = assertThrows(DriverException.class,
                () -> driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT)));
        assertTrue(e.getMessage().startsWith("EC2 RunInstances failed: UnauthorizedOperation: You are not authorized to"
                + " perform this operation. User: arn:aws:sts::123456789012:assumed-role/marina-provisioner/"), e.getMessage());
        assertEquals(List.of("DescribeInstances", "RunInstances"), actions());
    }

    @Test
    void aRefusedListingFailsRatherThanReportNothing() {
        fake.play("describe-unauthorized");
        DriverException e = assertThrows(DriverException.class, () -> driver.list());
        assertEquals("EC2 DescribeInstances failed: UnauthorizedOperation: You are not authorized to perform this operation.",
                e.getMessage());
    }

    @Test
    void callsAreRateLimited() {
        driver = Ec2Fixture.driver(fake, Ec2Fixture.settings(fake, Ec2Settings.AddressKind.PRIVATE, 2), time);
        fake.play("rate");
        for (int i = 0; i < 4; i++) {
            assertEquals(Optional.empty(), driver.describe("acme-orders-9"));
        }
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofMillis(500)), time.pauses());
    }

    private static String userDataOf(FakeEc2.Received run) {
        return new String(Base64.getDecoder().decode(run.parameters().get("UserData")), StandardCharsets.UTF_8);
    }
}
