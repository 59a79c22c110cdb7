package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.schemas.v1.DnsSpec;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.SealedSecret;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reconciler and DNS names: what it asks dns-service for, when Ready waits for it, and delete. */
class PlannerDnsTest {

    private static final String ID = "acme-orders-1";
    private static final PlanSettings.DnsSettings DNS = new PlanSettings.DnsSettings("marina.test.", Duration.ofSeconds(5),
            Duration.ofSeconds(10));
    private final Planner planner = new Planner(PlanSettings.defaults().withDns(DNS));
    private Instant now = Instant.parse("2026-11-21T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();
    private PlanResult last;

    private static Intent intent(boolean deleted) {
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(deleted ? 2 : 1)
                .setSpec(Fixtures.mariadb()).setDeleted(deleted)
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("k")).build();
    }

    private PlanResult plan() {
        last = planner.plan(state, now);
        state = last.next();
        return last;
    }

    /** Runs a deployment up to a served, healthy database; returns the DNS command sent on the way. */
    private DnsCommand servingDatabase() {
        state = Observe.desired(state, intent(false));
        plan();
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.1").build(), now);
        DnsCommand command = onlyDns(plan());
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.1:3306").build(), now);
        plan();
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(ID).setHealth(Health.HEALTH_UP).build(), now);
        plan();
        return command;
    }

    private PlanResult answer(DnsCommand command, DnsOutcome outcome, String reason) {
        state = Observe.dns(state, DnsEvent.newBuilder().setCommandId(command.getCommandId())
                .setDeployment(command.getDeployment()).setOutcome(outcome).setReason(reason)
                .addAllRecords(outcome == DnsOutcome.DNS_OUTCOME_APPLIED ? command.getRecordsList() : List.of()).build());
        return plan();
    }

    private static DnsCommand onlyDns(PlanResult r) {
        List<DnsCommand> dns = r.sends().stream().filter(c -> c.topic() == Topics.DNS_COMMANDS)
                .map(c -> (DnsCommand) c.value()).toList();
        assertEquals(1, dns.size(), () -> "commands: " + r.sends());
        return dns.get(0);
    }

    private static long dnsCommands(PlanResult r) {
        return r.sends().stream().filter(c -> c.topic() == Topics.DNS_COMMANDS).count();
    }

    private Phase phase() {
        return state.getPublishedStatus().getPhase();
    }

    private Condition dnsReady() {
        return state.getPublishedStatus().getConditionsList().stream()
                .filter(c -> c.getType().equals(Reasons.DNS_READY)).findFirst().orElseThrow();
    }

    @Test
    void names_are_asked_for_once_the_primary_has_an_address() {
        state = Observe.desired(state, intent(false));
        assertEquals(0, dnsCommands(plan()), "no address, no names");
        assertEquals(Reasons.WAITING_FOR_ADDRESS, dnsReady().getReason());

        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.1").build(), now);
        DnsCommand command = onlyDns(plan());
        assertEquals("marina.test", command.getZone());
        assertFalse(command.getRemoveAll());
        assertEquals(List.of(
                a("orders.acme.marina.test.", "127.10.0.1"),
                a("ro.orders.acme.marina.test.", "127.10.0.1"),
                a("i1.orders.acme.marina.test.", "127.10.0.1")), command.getRecordsList());
        assertTrue(command.getCommandId().startsWith("acme/orders/1/dns/"), command.getCommandId());
    }

    @Test
    void ready_waits_until_the_names_answer() {
        DnsCommand command = servingDatabase();
        assertEquals(Phase.PHASE_PROVISIONING, phase(), "database serving, names not yet applied");
        assertEquals(Reasons.UPDATING, dnsReady().getReason());

        answer(command, DnsOutcome.DNS_OUTCOME_APPLIED, "");
        assertEquals(Phase.PHASE_READY, phase());
        assertTrue(dnsReady().getStatus());
        assertEquals(Reasons.NAMES_ANSWER, dnsReady().getReason());
        assertEquals("orders.acme.marina.test", state.getPublishedStatus().getEndpoints(0).getHost());
        assertEquals("127.10.0.1", state.getPublishedStatus().getEndpoints(0).getAddress());
        assertEquals(3306, state.getPublishedStatus().getEndpoints(0).getPort());
        assertEquals("reader", state.getPublishedStatus().getEndpoints(1).getKind());
        assertEquals("ro.orders.acme.marina.test", state.getPublishedStatus().getEndpoints(1).getHost());
    }

    @Test
    void an_applied_wish_is_not_asked_for_again() {
        answer(servingDatabase(), DnsOutcome.DNS_OUTCOME_APPLIED, "");
        now = now.plus(Duration.ofHours(1));
        assertFalse(planner.needsResync(state, now));
        assertEquals(0, dnsCommands(plan()));
    }

    @Test
    void a_clash_shows_as_a_condition_and_is_retried_with_backoff_not_in_a_loop() {
        DnsCommand command = servingDatabase();
        answer(command, DnsOutcome.DNS_OUTCOME_CLASH, "name orders.acme.marina.test. holds records marina does not own");
        assertEquals(Phase.PHASE_PROVISIONING, phase());
        assertEquals(Reasons.NAME_CLASH, dnsReady().getReason());
        assertTrue(dnsReady().getMessage().contains("does not own"), dnsReady().getMessage());
        assertEquals(0, dnsCommands(plan()), "no resend before the retry time");

        now = now.plus(Duration.ofSeconds(10));
        DnsCommand again = onlyDns(plan());
        assertEquals(command.getCommandId(), again.getCommandId(), "a retry is the same command");
        now = now.plus(Duration.ofSeconds(10));
        assertEquals(0, dnsCommands(plan()), "the second wait is twice as long");
        now = now.plus(Duration.ofSeconds(10));
        onlyDns(plan());
    }

    @Test
    void a_failed_update_shows_its_reason_and_an_answer_to_an_older_command_is_ignored() {
        DnsCommand command = servingDatabase();
        answer(command.toBuilder().setCommandId("acme/orders/1/dns/older").build(), DnsOutcome.DNS_OUTCOME_APPLIED, "");
        assertEquals(Reasons.UPDATING, dnsReady().getReason());
        answer(command, DnsOutcome.DNS_OUTCOME_FAILED, "server refused the update: NOTAUTH");
        assertEquals(Reasons.DNS_FAILED, dnsReady().getReason());
        assertEquals("server refused the update: NOTAUTH", dnsReady().getMessage());
    }

    @Test
    void a_new_address_replaces_the_wish_in_flight_with_a_new_command() {
        DnsCommand first = servingDatabase();
        answer(first, DnsOutcome.DNS_OUTCOME_APPLIED, "");
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.9").build(), now);
        DnsCommand second = onlyDns(plan());
        assertNotEquals(first.getCommandId(), second.getCommandId());
        assertEquals(List.of("127.10.0.9"), second.getRecords(0).getValuesList());
        assertEquals(Phase.PHASE_DEGRADED, phase(), "served before, names now point at the old address");
        assertEquals(1, state.getInFlightMap().values().stream().filter(a -> Ledger.isNames(a.getAction().getKind())).count());
    }

    @Test
    void delete_removes_the_names_before_the_deployment_is_purged() {
        answer(servingDatabase(), DnsOutcome.DNS_OUTCOME_APPLIED, "");
        state = Observe.desired(state, intent(true));
        PlanResult r = plan();
        DnsCommand remove = onlyDns(r);
        assertTrue(remove.getRemoveAll());
        assertEquals(0, remove.getRecordsCount());

        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_DESTROYED).build(), now);
        assertFalse(plan().purge(), "instance gone, names not yet");
        assertEquals(Phase.PHASE_DELETING, phase());

        assertTrue(answer(remove, DnsOutcome.DNS_OUTCOME_APPLIED, "").purge());
        assertEquals(Phase.PHASE_DELETED, phase());
    }

    @Test
    void a_deployment_deleted_before_it_had_names_is_purged_without_asking_dns() {
        state = Observe.desired(state, intent(false));
        plan();
        state = Observe.desired(state, intent(true));
        PlanResult r = plan();
        assertEquals(0, dnsCommands(r));
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_DESTROYED).build(), now);
        assertTrue(plan().purge());
    }

    @Test
    void the_intent_may_name_the_writer() {
        Intent named = intent(false).toBuilder().setSpec(Fixtures.mariadb().toBuilder()
                .setDns(DnsSpec.newBuilder().setName("Shop-DB.marina.test"))).build();
        assertEquals("shop-db.marina.test.", DnsNames.writerName(named, "marina.test"));
        assertEquals("ro.shop-db.marina.test.", DnsNames.readerName(named, "marina.test"));
        assertEquals("i3.shop-db.marina.test.", DnsNames.instanceName(named, "marina.test", "acme-shop-3"));
    }

    @Test
    void without_a_zone_ready_does_not_wait_for_names() {
        Planner noDns = new Planner(PlanSettings.defaults());
        state = Observe.desired(state, intent(false));
        state = noDns.plan(state, now).next();
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.1").build(), now);
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.1:3306").build(), now);
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(ID).setHealth(Health.HEALTH_UP).build(), now);
        PlanResult r = noDns.plan(state, now);
        assertEquals(0, dnsCommands(r));
        assertEquals(Phase.PHASE_READY, r.next().getPublishedStatus().getPhase());
        assertTrue(r.next().getPublishedStatus().getConditionsList().stream().noneMatch(c -> c.getType().equals(Reasons.DNS_READY)));
    }

    private static DnsRecordSet a(String name, String address) {
        return DnsRecordSet.newBuilder().setName(name).setType("A").addValues(address).setTtlSeconds(5).build();
    }
}
