package dev.marina.intent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.intent.Fixtures;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.CertOp;
import dev.marina.schemas.v1.CertOutcome;
import dev.marina.schemas.v1.Condition;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.SealedSecret;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.schemas.v1.TlsSpec;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reconciler and certificates: CSR → issue → install, renewal, failures with backoff, forced renewal, revocation. */
class PlannerTlsTest {

    private static final String ID = "acme-orders-1";
    private static final List<String> NAMES = List.of("orders.acme.marina.test", "ro.orders.acme.marina.test",
            "i1.orders.acme.marina.test");
    private static final PlanSettings SETTINGS = PlanSettings.defaults()
            .withDns(new PlanSettings.DnsSettings("marina.test", Duration.ofSeconds(5), Duration.ofSeconds(10)));
    private static final String CA = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
    private static final String OTHER_CA = "-----BEGIN CERTIFICATE-----\nQ0Ey\n-----END CERTIFICATE-----\n";

    private final Planner planner = new Planner(SETTINGS);
    private Instant now = Instant.parse("2026-11-22T10:00:00Z");
    private ReconcilerState state = ReconcilerState.getDefaultInstance();
    private PlanResult last;

    private static Intent intent(TlsMode mode, long generation, boolean deleted, long renewals) {
        return Intent.newBuilder().setDeployment(Fixtures.ref("acme", "orders")).setGeneration(generation)
                .setSpec(Fixtures.mariadb().toBuilder().setTls(TlsSpec.newBuilder().setMode(mode))).setDeleted(deleted)
                .setCertRenewalsRequested(renewals)
                .setAdminUser("admin").setAdminPassword(SealedSecret.newBuilder().setKeyId("k")).build();
    }

    private PlanResult plan() {
        last = planner.plan(state, now);
        state = last.next();
        return last;
    }

    /** A deployment with TLS whose database serves and whose names answer; returns the first MAKE_CSR. */
    private AgentCommand servingDatabase(TlsMode mode) {
        state = Observe.desired(state, intent(mode, 1, false, 0));
        plan();
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.1").build(), now);
        DnsCommand names = only(plan(), Topics.DNS_COMMANDS, DnsCommand.class);
        state = Observe.dns(state, DnsEvent.newBuilder().setCommandId(names.getCommandId()).setDeployment(names.getDeployment())
                .setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED).addAllRecords(names.getRecordsList()).build());
        assertTrue(agentCommands(plan()).isEmpty(), "no certificate before the database is ready");
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID).setCommandId("acme/orders/1/deploy/" + ID)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.1:3306").build(), now);
        AgentCommand csr = onlyAgent(plan());
        state = Observe.health(state, InstanceHealth.newBuilder().setInstanceId(ID).setHealth(Health.HEALTH_UP).build(), now);
        plan();
        return csr;
    }

    private CertCommand answerCsr(AgentCommand makeCsr) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID).setCommandId(makeCsr.getCommandId())
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DONE).setCertRequestId(makeCsr.getCertRequestId())
                .setCsrPem("CSR-" + makeCsr.getCertRequestId()).build(), now);
        return only(plan(), Topics.CERT_COMMANDS, CertCommand.class);
    }

    private AgentCommand issue(CertCommand command, String serial, String ca) {
        state = Observe.cert(state, CertEvent.newBuilder().setCommandId(command.getCommandId()).setInstanceId(ID)
                .setOutcome(CertOutcome.CERT_OUTCOME_ISSUED).setChainPem("CHAIN-" + serial).setSerial(serial).setCaBundlePem(ca)
                .setNotBefore(Timestamps.of(now)).setNotAfter(Timestamps.of(now.plus(Duration.ofDays(90)))).build(),
                now, SETTINGS);
        return onlyAgent(plan());
    }

    private PlanResult fail(CertCommand command, boolean retryable) {
        state = Observe.cert(state, CertEvent.newBuilder().setCommandId(command.getCommandId()).setInstanceId(ID)
                .setOutcome(CertOutcome.CERT_OUTCOME_FAILED).setReason("ACME server unreachable").setRetryable(retryable).build(),
                now, SETTINGS);
        return plan();
    }

    private void installed(AgentCommand install, String serial) {
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID).setCommandId(install.getCommandId())
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DONE).setCertRequestId(install.getCertRequestId()).setCertSerial(serial)
                .build(), now);
        plan();
    }

    /** Runs a first certificate all the way to installed. */
    private void firstCertificate(TlsMode mode, String serial) {
        installed(issue(answerCsr(servingDatabase(mode)), serial, CA), serial);
    }

    private static <T> T only(PlanResult r, Object topic, Class<T> type) {
        List<T> found = r.sends().stream().filter(c -> c.topic() == topic).map(c -> type.cast(c.value())).toList();
        assertEquals(1, found.size(), () -> "commands: " + r.sends());
        return found.get(0);
    }

    private static List<AgentCommand> agentCommands(PlanResult r) {
        return r.sends().stream().filter(c -> c.topic() == Topics.AGENT_COMMANDS).map(c -> (AgentCommand) c.value()).toList();
    }

    private static AgentCommand onlyAgent(PlanResult r) {
        return only(r, Topics.AGENT_COMMANDS, AgentCommand.class);
    }

    private static long certCommands(PlanResult r) {
        return r.sends().stream().filter(c -> c.topic() == Topics.CERT_COMMANDS).count();
    }

    private Condition tlsReady() {
        return state.getPublishedStatus().getConditionsList().stream()
                .filter(c -> c.getType().equals(Reasons.TLS_READY)).findFirst().orElseThrow();
    }

    @Test
    void a_certificate_is_requested_issued_and_installed_in_three_steps() {
        AgentCommand makeCsr = servingDatabase(TlsMode.TLS_MODE_ACME);
        assertEquals(AgentOp.AGENT_OP_MAKE_CSR, makeCsr.getOp());
        assertEquals(NAMES, makeCsr.getDnsNamesList());
        assertEquals("r1", makeCsr.getCertRequestId());
        assertEquals(1, makeCsr.getEpoch(), "certificate steps carry the current epoch, or agents refuse them as stale");
        assertEquals(Phase.PHASE_PROVISIONING, state.getPublishedStatus().getPhase(), "Ready waits for TLS");
        assertEquals(Reasons.ISSUING, tlsReady().getReason());

        CertCommand issue = answerCsr(makeCsr);
        assertEquals(CertOp.CERT_OP_ISSUE, issue.getOp());
        assertEquals(TlsMode.TLS_MODE_ACME, issue.getMode());
        assertEquals("CSR-r1", issue.getCsrPem());
        assertEquals(NAMES, issue.getDnsNamesList());
        assertEquals(ID, issue.getInstanceId());

        AgentCommand install = issue(issue, "abc1", CA);
        assertEquals(AgentOp.AGENT_OP_INSTALL_CERT, install.getOp());
        assertEquals("CHAIN-abc1", install.getCertChainPem());
        assertEquals(CA, install.getCaBundlePem());
        assertEquals("r1", install.getCertRequestId());

        installed(install, "abc1");
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase());
        assertTrue(tlsReady().getStatus());
        assertEquals(Reasons.CERTIFICATES_VALID, tlsReady().getReason());
        assertEquals("abc1", state.getPublishedStatus().getInstances(0).getCertSerial());
        assertEquals(CA, state.getPublishedStatus().getTlsCaBundlePem());
        assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, state.getInstancesOrThrow(ID).getAgentOutcome(),
                "a certificate step's DONE says nothing about the database");
        assertTrue(state.getInFlightMap().isEmpty(), "nothing left waiting: " + state.getInFlightMap().keySet());
    }

    @Test
    void renewal_comes_at_two_thirds_of_the_lifetime_less_a_stable_jitter() {
        firstCertificate(TlsMode.TLS_MODE_SELF_SIGNED, "abc1");
        Instant renewAt = Timestamps.toInstant(state.getPublishedStatus().getInstances(0).getCertRenewAt());
        Instant twoThirds = now.plus(Duration.ofDays(60));
        assertFalse(renewAt.isAfter(twoThirds), renewAt.toString());
        assertTrue(renewAt.isAfter(twoThirds.minus(Duration.ofHours(108))), "jitter at most 5% of 90 days: " + renewAt);

        now = renewAt.minusSeconds(1);
        assertFalse(planner.needsResync(state, now));
        assertTrue(agentCommands(plan()).isEmpty());

        now = renewAt;
        assertTrue(planner.needsResync(state, now), "the resync notices a due renewal");
        AgentCommand makeCsr = onlyAgent(plan());
        assertEquals("r2", makeCsr.getCertRequestId());
        assertTrue(tlsReady().getStatus(), "the current certificate keeps serving while renewing");
        assertEquals(Reasons.RENEWING, tlsReady().getReason());

        CertCommand renew = answerCsr(makeCsr);
        assertEquals(CertOp.CERT_OP_RENEW, renew.getOp());
        installed(issue(renew, "abc2", CA), "abc2");
        assertEquals("abc2", state.getPublishedStatus().getInstances(0).getCertSerial());
        assertTrue(Timestamps.toInstant(state.getPublishedStatus().getInstances(0).getCertRenewAt()).isAfter(now));
    }

    @Test
    void a_retryable_failure_is_asked_again_after_a_doubling_wait_with_the_same_command_id() {
        CertCommand issue = answerCsr(servingDatabase(TlsMode.TLS_MODE_ACME));
        fail(issue, true);
        assertFalse(tlsReady().getStatus());
        assertEquals(Reasons.ISSUE_FAILED, tlsReady().getReason());
        assertTrue(tlsReady().getMessage().contains("ACME server unreachable"), tlsReady().getMessage());
        assertEquals(1, state.getPublishedStatus().getInstances(0).getCertFailedAttempts());

        now = now.plusSeconds(4);
        assertEquals(0, certCommands(plan()), "not before the first wait (5 s)");
        now = now.plusSeconds(1);
        CertCommand again = only(plan(), Topics.CERT_COMMANDS, CertCommand.class);
        assertEquals(issue.getCommandId(), again.getCommandId(), "a retry is the same request");

        fail(again, true);
        now = now.plusSeconds(9);
        assertEquals(0, certCommands(plan()), "the second wait is 10 s");
        now = now.plusSeconds(1);
        assertEquals(1, certCommands(plan()));
    }

    @Test
    void a_failed_renewal_keeps_the_current_certificate_serving() {
        firstCertificate(TlsMode.TLS_MODE_ACME, "abc1");
        now = Timestamps.toInstant(state.getPublishedStatus().getInstances(0).getCertRenewAt());
        CertCommand renew = answerCsr(onlyAgent(plan()));
        fail(renew, true);
        assertTrue(tlsReady().getStatus());
        assertEquals(Reasons.RENEWAL_FAILING, tlsReady().getReason());
        assertEquals(Phase.PHASE_READY, state.getPublishedStatus().getPhase());
        assertEquals("abc1", state.getPublishedStatus().getInstances(0).getCertSerial());
    }

    @Test
    void a_final_failure_is_not_retried_until_a_renewal_is_forced() {
        CertCommand issue = answerCsr(servingDatabase(TlsMode.TLS_MODE_ACME));
        fail(issue, false);
        now = now.plus(Duration.ofHours(1));
        assertEquals(0, plan().sends().size());
        assertTrue(tlsReady().getMessage().contains("not retried"), tlsReady().getMessage());

        state = Observe.desired(state, intent(TlsMode.TLS_MODE_ACME, 1, false, 1));
        AgentCommand makeCsr = onlyAgent(plan());
        assertEquals("r2", makeCsr.getCertRequestId(), "a forced renewal opens a new request");
    }

    @Test
    void a_forced_renewal_replaces_a_valid_certificate_once() {
        firstCertificate(TlsMode.TLS_MODE_SELF_SIGNED, "abc1");
        state = Observe.desired(state, intent(TlsMode.TLS_MODE_SELF_SIGNED, 1, false, 1));
        AgentCommand makeCsr = onlyAgent(plan());
        installed(issue(answerCsr(makeCsr), "abc2", CA), "abc2");
        assertEquals("abc2", state.getInstancesOrThrow(ID).getCert().getSerial());
        assertTrue(plan().sends().isEmpty(), "served: no second renewal for the same request");
    }

    @Test
    void an_answer_to_an_older_request_does_not_count() {
        AgentCommand first = servingDatabase(TlsMode.TLS_MODE_ACME);
        state = Observe.desired(state, intent(TlsMode.TLS_MODE_ACME, 1, false, 1)); // forced: request 2 replaces 1
        AgentCommand second = onlyAgent(plan());
        assertEquals("r2", second.getCertRequestId());
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID).setCommandId(first.getCommandId())
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DONE).setCsrPem("OLD").build(), now);
        assertEquals("", state.getInstancesOrThrow(ID).getCert().getCsrPem());
        assertEquals(0, certCommands(plan()));
    }

    @Test
    void a_ca_change_keeps_the_old_ca_in_the_bundle() {
        firstCertificate(TlsMode.TLS_MODE_SELF_SIGNED, "abc1");
        state = Observe.desired(state, intent(TlsMode.TLS_MODE_SELF_SIGNED, 1, false, 1));
        AgentCommand install = issue(answerCsr(onlyAgent(plan())), "abc2", OTHER_CA);
        assertEquals(CA + OTHER_CA, install.getCaBundlePem());
    }

    @Test
    void delete_revokes_every_certificate_before_the_purge() {
        firstCertificate(TlsMode.TLS_MODE_ACME, "abc1");
        state = Observe.desired(state, intent(TlsMode.TLS_MODE_ACME, 2, true, 0));
        AgentCommand destroy = onlyAgent(plan());
        assertEquals(AgentOp.AGENT_OP_DESTROY, destroy.getOp());
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID).setCommandId(destroy.getCommandId())
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED).build(), now);
        plan();
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_DESTROYED).build(), now);
        PlanResult result = plan();
        CertCommand revoke = only(result, Topics.CERT_COMMANDS, CertCommand.class);
        assertEquals(CertOp.CERT_OP_REVOKE, revoke.getOp());
        assertEquals("abc1", revoke.getSerial());
        assertEquals(TlsMode.TLS_MODE_ACME, revoke.getMode());
        assertFalse(result.purge(), "not purged while a certificate is unrevoked");

        state = Observe.cert(state, CertEvent.newBuilder().setCommandId(revoke.getCommandId())
                .setOutcome(CertOutcome.CERT_OUTCOME_REVOKED).setSerial("abc1").build(), now, SETTINGS);
        PlanResult after = plan();
        // the names still have to go before the purge; the revocation no longer holds it up
        assertEquals(0, state.getTls().getToRevokeCount());
        assertEquals(0, certCommands(after));
    }

    @Test
    void an_unanswered_revocation_is_given_up_after_its_tries() {
        firstCertificate(TlsMode.TLS_MODE_SELF_SIGNED, "abc1");
        state = Observe.desired(state, intent(TlsMode.TLS_MODE_SELF_SIGNED, 2, true, 0));
        plan();
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_DESTROYED).build(), now);
        int sent = 0;
        // the planner's first pass puts its certificate on the revocation list (Planner.forgetDestroyed)
        for (int i = 0; i < 20 && (i == 0 || state.getTls().getToRevokeCount() > 0); i++) {
            sent += certCommands(plan());
            now = now.plus(Duration.ofMinutes(10));
        }
        assertEquals(0, state.getTls().getToRevokeCount());
        assertEquals(3, sent, "revokeTries");
        assertTrue(state.getLastError().contains("not revoked"), state.getLastError());
    }

    @Test
    void tls_off_sends_no_certificate_commands() {
        state = Observe.desired(state, intent(TlsMode.TLS_MODE_DISABLED, 1, false, 0));
        plan();
        state = Observe.provision(state, ProvisionEvent.newBuilder().setInstanceId(ID)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.1").build(), now);
        plan();
        state = Observe.agent(state, AgentEvent.newBuilder().setInstanceId(ID)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.1:3306").build(), now);
        assertTrue(agentCommands(plan()).isEmpty());
        assertTrue(state.getPublishedStatus().getConditionsList().stream().noneMatch(c -> c.getType().equals(Reasons.TLS_READY)));
        assertNotEquals(Reasons.TLS_READY, state.getPublishedStatus().getConditions(0).getType());
    }
}
