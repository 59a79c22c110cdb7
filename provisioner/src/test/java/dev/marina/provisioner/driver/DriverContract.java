package dev.marina.provisioner.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.provisioner.reaping.OrphanReaper;
import dev.marina.provisioner.reaping.StatusFact;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.Size;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link InstanceDriver} promises, run against each driver ({@code DriverContractLocalIT},
 * {@code DriverContractEc2Test}): create (idempotent by instance id, refused for another deployment's id), describe,
 * destroy (idempotent), list (oldest first), and the orphan reaper's rules carried out through the driver. A driver
 * whose effects are recorded exchanges is told which scenario each test plays ({@link #scenario(String)}).
 */
public abstract class DriverContract {

    protected static final Duration GRACE = Duration.ofSeconds(60);

    /** The driver under test, fresh for each test. */
    protected abstract InstanceDriver driver();

    /** Another driver on the same state: what a restarted provisioner opens. */
    protected abstract InstanceDriver reopened();

    /** Called first in each test with the test's scenario name (the ec2 driver plays {@code ec2/contract/<name>}). */
    protected abstract void scenario(String name);

    protected CreateRequest request(String instanceId, String deployment) {
        return new CreateRequest(instanceId, deployment, Size.SIZE_SMALL, Instant.parse("2026-12-03T07:59:58Z"),
                Optional.empty(), Optional.empty(), "contract");
    }

    @Test
    void aCreatedInstanceIsDescribedWithItsAddress() {
        scenario("create-describe");
        Instance created = driver().create(request("acme-orders-0", "acme/orders"));
        assertEquals("acme-orders-0", created.instanceId());
        assertEquals("acme/orders", created.deployment());
        assertFalse(created.address().isEmpty());
        Instance described = driver().describe("acme-orders-0").orElseThrow();
        assertEquals(created.address(), described.address());
        assertEquals(created.deployment(), described.deployment());
    }

    @Test
    void creatingTwiceMakesOneInstance() {
        scenario("create-twice");
        Instance first = driver().create(request("acme-orders-0", "acme/orders"));
        Instance again = driver().create(request("acme-orders-0", "acme/orders"));
        assertEquals(first.address(), again.address());
        assertEquals(List.of("acme-orders-0"), driver().list().stream().map(Instance::instanceId).toList());
    }

    @Test
    void anotherDeploymentsInstanceIdIsRefused() {
        scenario("foreign-deployment");
        driver().create(request("acme-orders-0", "acme/orders"));
        DriverException e = assertThrows(DriverException.class,
                () -> driver().create(request("acme-orders-0", "acme/billing")));
        assertTrue(e.getMessage().contains("belongs to deployment acme/orders"), e.getMessage());
    }

    @Test
    void aDestroyedInstanceIsGoneAndDestroyingAgainIsHarmless() {
        scenario("destroy");
        driver().create(request("acme-orders-0", "acme/orders"));
        driver().destroy("acme-orders-0");
        assertEquals(Optional.empty(), driver().describe("acme-orders-0"));
        driver().destroy("acme-orders-0");
    }

    @Test
    void anUnknownInstanceIsAbsentAndDestroyedAlready() {
        scenario("unknown");
        assertEquals(Optional.empty(), driver().describe("acme-orders-9"));
        driver().destroy("acme-orders-9");
    }

    @Test
    void aRestartedProvisionerAdoptsWhatExists() {
        scenario("adopt");
        Instance created = driver().create(request("acme-orders-0", "acme/orders"));
        InstanceDriver after = reopened();
        assertEquals(List.of("acme-orders-0"), after.list().stream().map(Instance::instanceId).toList());
        assertEquals(created.address(), after.describe("acme-orders-0").orElseThrow().address());
    }

    @Test
    void listHoldsEveryInstanceOldestFirst() {
        scenario("list");
        driver().create(request("acme-orders-0", "acme/orders"));
        driver().create(request("acme-orders-1", "acme/orders"));
        List<Instance> listed = driver().list();
        assertEquals(List.of("acme-orders-0", "acme-orders-1"), listed.stream().map(Instance::instanceId).toList());
        assertTrue(!listed.get(1).createdAt().isBefore(listed.get(0).createdAt()));
    }

    @Test
    void theReaperDestroysOnlyOrphansOlderThanTheGrace() {
        scenario("reap");
        driver().create(request("acme-orders-0", "acme/orders"));
        driver().create(request("acme-orders-1", "acme/orders"));
        driver().create(request("acme-billing-0", "acme/billing"));
        // acme/orders wants instance 0 only; acme/billing has no status (unknown is not unwanted).
        Map<String, StatusFact> statuses = Map.of("acme/orders", new StatusFact.Listed(Set.of("acme-orders-0")));
        List<ProvisionEvent> events = new ArrayList<>();

        List<Instance> created = driver().list();
        Instant newest = created.stream().map(Instance::createdAt).max(Comparator.naturalOrder()).orElseThrow();
        Instant youngest = created.stream().filter(i -> i.instanceId().equals("acme-orders-1"))
                .findFirst().orElseThrow().createdAt();
        assertEquals(List.of(), OrphanReaper.reap(driver(), statuses, youngest.plus(GRACE).minusMillis(1), GRACE, events::add));

        assertEquals(List.of("acme-orders-1"), OrphanReaper.reap(driver(), statuses, newest.plus(GRACE).plusSeconds(1),
                GRACE, events::add));
        assertEquals(1, events.size());
        assertEquals(InstanceState.INSTANCE_STATE_DESTROYED, events.get(0).getState());
        assertEquals("acme-orders-1", events.get(0).getInstanceId());
        assertEquals("", events.get(0).getCommandId());
        assertEquals(List.of("acme-orders-0", "acme-billing-0"), driver().list().stream().map(Instance::instanceId).toList());
    }
}
