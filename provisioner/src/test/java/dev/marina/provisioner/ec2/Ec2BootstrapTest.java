package dev.marina.provisioner.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.provisioner.driver.DriverException;
import dev.marina.provisioner.driver.Instance;
import dev.marina.schemas.v1.Size;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ec2 driver's one-time bootstrap secret on the real SDK against recorded SSM exchanges ({@code ssm/}, served by
 * {@link FakeSsm}) beside the recorded EC2 ones ({@link FakeEc2}).
 */
class Ec2BootstrapTest {

    private static final String DEPLOYMENT = "acme/orders";
    private static final String ATTEMPT = "acme/orders/3/2";
    private static final String PARAMETER = "/marina/bootstrap/acme-orders-0";

    private final FakeEc2 ec2 = new FakeEc2();
    private final FakeSsm ssm = new FakeSsm();
    private final TestSecrets secrets = new TestSecrets();
    private final MovableClock clock = new MovableClock(Ec2Fixture.NOW);
    /** Each SSM call with the number of EC2 requests sent before it: the order across the two services. */
    private final List<String> order = new ArrayList<>();
    private final Ec2Driver driver = driver();

    private Ec2Driver driver() {
        SdkSsmApi real = Ec2Fixture.ssm(ssm);
        SsmApi watched = new SsmApi() {
            @Override
            public void putSecure(String name, String value, Optional<String> kmsKeyId, Map<String, String> tags) {
                order.add("put after " + ec2.received().size() + " EC2 requests");
                real.putSecure(name, value, kmsKeyId, tags);
            }

            @Override
            public boolean delete(String name) {
                order.add("delete");
                return real.delete(name);
            }

            @Override
            public void close() {
                real.close();
            }
        };
        return new Ec2Driver(Ec2Fixture.settings(ec2), Ec2Fixture.api(ec2), watched, secrets, new FakeTime(), clock);
    }

    @AfterEach
    void everyExchangePlayedAndMatched() {
        ec2.close();
        ssm.close();
        assertEquals(List.of(), ec2.problems(), "EC2 requests that differ from the recorded exchanges");
        assertEquals(List.of(), ec2.unplayed(), "recorded EC2 exchanges the driver never asked for");
        assertEquals(List.of(), ssm.problems(), "SSM requests that differ from the recorded exchanges");
        assertEquals(List.of(), ssm.unplayed(), "recorded SSM exchanges the driver never asked for");
    }

    private static String vector() {
        try (InputStream in = Ec2BootstrapTest.class.getResourceAsStream("/ssm/bootstrap-secret-v1.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Instance create() {
        return driver.create(Ec2Fixture.create("acme-orders-0", DEPLOYMENT, Size.SIZE_SMALL, ATTEMPT));
    }

    @Test
    void createWritesTheSecretBeforeRunInstances() {
        ec2.play("create");
        ssm.play("put-create");
        create();
        // After the DescribeInstances that found nothing, before the RunInstances.
        assertEquals(List.of("put after 1 EC2 requests"), order);
        assertEquals(List.of("DescribeInstances", "RunInstances"), ec2.received().stream().map(FakeEc2.Received::action).toList());
        assertEquals(vector(), ssm.received().get(0).text("Value"));
    }

    @Test
    void aRetriedCreateOverwritesWithTheSameSecretAndTagsAgain() {
        ec2.play("create").play("create-retried");
        ssm.play("put-create").play("put-retried");
        create();
        create();
        List<String> values = ssm.received().stream().filter(r -> r.action().equals("PutParameter")).map(r -> r.text("Value"))
                .toList();
        assertEquals(List.of(vector(), vector(), vector()), values);
        assertEquals(List.of("PutParameter", "PutParameter", "PutParameter", "AddTagsToResource"),
                ssm.received().stream().map(FakeSsm.Received::action).toList());
    }

    @Test
    void accessDeniedFailsTheCreateBeforeAnyLaunch() {
        ec2.expect("create/01-describe-none.exchange");
        ssm.play("put-denied");
        DriverException e = assertThrows(DriverException.class, this::create);
        assertTrue(e.getMessage().startsWith("SSM PutParameter failed: AccessDeniedException: User: "), e.getMessage());
        assertFalse(e.getMessage().contains(TestSecrets.PASSWORD));
        assertEquals(List.of("DescribeInstances"), ec2.received().stream().map(FakeEc2.Received::action).toList());
    }

    @Test
    void userDataHoldsNoPartOfTheSecret() {
        ec2.play("create");
        ssm.play("put-create");
        create();
        String userData = new String(Base64.getDecoder().decode(ec2.received().get(1).parameters().get("UserData")),
                StandardCharsets.UTF_8);
        assertTrue(userData.contains("MARINA_BOOTSTRAP_PARAMETER=" + PARAMETER + "\n"), userData);
        for (String line : vector().lines().filter(l -> l.startsWith("kafka.password=") || l.startsWith("kafka.ca=")
                || l.startsWith("proof.")).toList()) {
            assertFalse(userData.contains(line.substring(line.indexOf('=') + 1)),
                    "user data holds " + line.substring(0, line.indexOf('=')));
        }
        assertFalse(userData.contains(TestSecrets.PASSWORD));
    }

    @Test
    void destroyTerminatesDeletesTheParameterAndRevokesThePrincipal() {
        ec2.play("terminate");
        ssm.play("delete");
        driver.destroy("acme-orders-0");
        assertEquals(List.of("acme-orders-0"), secrets.revoked());
        assertEquals(List.of("delete"), order);
    }

    @Test
    void destroyOfAnInstanceWhoseParameterIsGoneIsDone() {
        ec2.play("terminate-gone");
        ssm.play("delete-gone");
        driver.destroy("acme-orders-0");
        assertEquals(List.of("acme-orders-0"), secrets.revoked());
    }

    @Test
    void theSweepDeletesAParameterOnceItIsOlderThanTheTtl() {
        ec2.play("create");
        ssm.play("put-create").play("delete");
        create();
        clock.advance(Duration.ofMinutes(14));
        assertEquals(List.of(), driver.sweepBootstrap(List.of()));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(List.of("acme-orders-0"), driver.sweepBootstrap(List.of()));
        clock.advance(Duration.ofMinutes(15));
        assertEquals(List.of(), driver.sweepBootstrap(List.of()), "deleted once only");
    }

    @Test
    void afterARestartTheSweepDeletesEachOldInstancesParameterOnce() {
        ssm.play("delete-gone");
        Instance old = new Instance("acme-orders-0", DEPLOYMENT, "10.0.1.17", Ec2Fixture.NOW.minus(Duration.ofHours(2)));
        Instance young = new Instance("acme-orders-1", DEPLOYMENT, "10.0.1.18", Ec2Fixture.NOW.minus(Duration.ofMinutes(2)));
        List<Ec2Driver.Observed> observed = List.of(new Ec2Driver.Observed(old, "i-0a1b2c3d4e5f60001", "running"),
                new Ec2Driver.Observed(young, "i-0a1b2c3d4e5f60002", "running"));
        assertEquals(List.of("acme-orders-0"), driver.sweepBootstrap(observed));
        assertEquals(List.of(), driver.sweepBootstrap(observed), "not asked again");
    }

    @Test
    void theSweepDecision() {
        Instant now = Instant.parse("2026-12-03T09:00:00Z");
        Duration ttl = Duration.ofMinutes(15);
        record Case(String name, Map<String, Instant> written, Map<String, Instant> launched, java.util.Set<String> swept,
                List<BootstrapSweep.Due> due) {}
        List<Case> cases = List.of(
                new Case("nothing written, nothing there", Map.of(), Map.of(), java.util.Set.of(), List.of()),
                new Case("written just now: kept", Map.of("a", now), Map.of(), java.util.Set.of(), List.of()),
                new Case("written exactly a ttl ago: deleted", Map.of("a", now.minus(ttl)), Map.of(), java.util.Set.of(),
                        List.of(new BootstrapSweep.Due("a", BootstrapSweep.WRITTEN_EXPIRED))),
                new Case("written long ago, instance running: deleted once, for the write", Map.of("a", now.minus(ttl)),
                        Map.of("a", now.minus(ttl)), java.util.Set.of(),
                        List.of(new BootstrapSweep.Due("a", BootstrapSweep.WRITTEN_EXPIRED))),
                new Case("written recently (a retried create) though launched long ago: kept", Map.of("a", now),
                        Map.of("a", now.minus(Duration.ofHours(1))), java.util.Set.of(), List.of()),
                new Case("launched long ago, unknown write (restart): deleted", Map.of(),
                        Map.of("a", now.minus(Duration.ofHours(1))), java.util.Set.of(),
                        List.of(new BootstrapSweep.Due("a", BootstrapSweep.LAUNCHED_EXPIRED))),
                new Case("launched long ago, swept already: left", Map.of(), Map.of("a", now.minus(Duration.ofHours(1))),
                        java.util.Set.of("a"), List.of()),
                new Case("launched a minute ago: kept", Map.of(), Map.of("a", now.minusSeconds(60)), java.util.Set.of(),
                        List.of()));
        for (Case c : cases) {
            assertEquals(c.due(), BootstrapSweep.due(c.written(), c.launched(), c.swept(), now, ttl), c.name());
        }
    }

    @Test
    void theFormatRendersTheVectorAndRefusesWhatTheAgentWouldRefuse() {
        assertEquals(vector(), new TestSecrets().issue(DEPLOYMENT, "acme-orders-0").render());
        byte[] key = TestSecrets.key();
        String ca = TestSecrets.CA;
        String pw = TestSecrets.PASSWORD;
        record Bad(String name, Runnable make) {}
        List<Bad> bad = List.of(
                new Bad("newline in the deployment", () -> new BootstrapSecret("a-0", "acme/orders\nkafka.password=x",
                        "agent-a-0", pw, ca, "0a1b2c3d", key)),
                new Bad("another instance's principal", () -> new BootstrapSecret("a-0", "a/b", "agent-a-1", pw, ca,
                        "0a1b2c3d", key)),
                new Bad("a quote in the password", () -> new BootstrapSecret("a-0", "a/b", "agent-a-0",
                        "abcdefgh\"ijklmnop", ca, "0a1b2c3d", key)),
                new Bad("a short password", () -> new BootstrapSecret("a-0", "a/b", "agent-a-0", "short", ca, "0a1b2c3d", key)),
                new Bad("no certificate", () -> new BootstrapSecret("a-0", "a/b", "agent-a-0", pw, "hello", "0a1b2c3d", key)),
                new Bad("a 16-byte key", () -> new BootstrapSecret("a-0", "a/b", "agent-a-0", pw, ca, "0a1b2c3d", new byte[16])),
                new Bad("a key id with a space", () -> new BootstrapSecret("a-0", "a/b", "agent-a-0", pw, ca, "0a1b 2c3d", key)),
                new Bad("a CA too long for a parameter", () -> new BootstrapSecret("a-0", "a/b", "agent-a-0", pw,
                        ca.repeat(40), "0a1b2c3d", key).render()));
        for (Bad b : bad) {
            assertThrows(IllegalArgumentException.class, b.make()::run, b.name());
        }
        assertFalse(new TestSecrets().issue(DEPLOYMENT, "acme-orders-0").toString().contains(pw));
    }
}
