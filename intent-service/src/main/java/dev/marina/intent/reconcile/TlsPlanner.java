package dev.marina.intent.reconcile;

import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertOp;
import dev.marina.schemas.v1.CertState;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.Revocation;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.schemas.v1.TlsState;
import dev.marina.service.Timestamps;
import java.util.List;
import java.util.Optional;

/**
 * Plans each instance's certificate, one request at a time, in three steps whose effects the
 * reconciler observes before taking the next:
 * <ol>
 *   <li>{@code MAKE_CSR} to the agent: it makes a key that never leaves the instance and answers a CSR;</li>
 *   <li>{@code ISSUE} (or {@code RENEW}) to cert-service with that CSR: it answers the chain;</li>
 *   <li>{@code INSTALL_CERT} to the agent: it installs the chain and reloads TLS without a restart.</li>
 * </ol>
 * A request opens when an instance has no certificate, its names changed, a renewal is due or was
 * forced. Until the new certificate is installed the current one keeps serving. A failed issuance is
 * asked again after a doubling wait when cert-service says a retry can help; otherwise the request
 * waits for a change (new names, a forced renewal). Certificates of instances that are gone, and all
 * of a deleted deployment's, are revoked; the purge waits for that (or for {@code revokeTries}).
 *
 * <p>Invariant: at most one request per instance is open, and a step's command carries the request
 * number, so an answer to an older request never counts for a newer one.
 */
final class TlsPlanner {
    private TlsPlanner() {}

    static void plan(Pass pass, PlanSettings settings) {
        Intent desired = pass.state.getDesired();
        if (Certificates.wanted(desired) && settings.dns().enabled()) {
            for (ObservedInstance instance : List.copyOf(pass.state.getInstancesMap().values())) {
                if (Facts.serving(instance)) {
                    planInstance(pass, settings, instance);
                }
            }
        }
        planRevocations(pass, settings);
    }

    private static void planInstance(Pass pass, PlanSettings settings, ObservedInstance instance) {
        Intent desired = pass.state.getDesired();
        String id = instance.getInstanceId();
        List<String> names = Certificates.names(desired, settings.dns(), id);
        CertState cert = instance.getCert();
        if (!cert.getSerial().isEmpty() && !cert.hasRenewAt()) {
            cert = cert.toBuilder().setRenewAt(Timestamps.of(Certificates.renewAt(Timestamps.toInstant(cert.getNotBefore()),
                    Timestamps.toInstant(cert.getNotAfter()), id, cert.getSerial(), settings.tls()))).build();
            instance = instance.toBuilder().setCert(cert).build();
            pass.state.putInstances(id, instance);
        }
        Optional<String> why = Certificates.needsRequest(instance, desired, names, pass.now);
        if (why.isPresent()) {
            forgetRequest(pass, id, cert.getRequestNumber());
            cert = cert.toBuilder()
                    .setRequestNumber(cert.getRequestNumber() + 1)
                    .setRequestOpen(true)
                    .clearRequestNames().addAllRequestNames(names)
                    .clearCsrPem().clearIssuedChainPem().clearIssuedSerial().clearIssuedNotBefore().clearIssuedNotAfter()
                    .setFailedAttempts(0).clearLastFailure().setFailureFinal(false)
                    .setRenewalsServed(desired.getCertRenewalsRequested())
                    .build();
            instance = instance.toBuilder().setCert(cert).build();
            pass.state.putInstances(id, instance);
        }
        if (!cert.getRequestOpen()) {
            return;
        }
        int n = cert.getRequestNumber();
        CertState request = cert;
        ObservedInstance target = instance;
        if (request.getCsrPem().isEmpty()) {
            pass.ensure(Ledger.makeCsr(id, n), settings.tls().agentTimeout(), Topics.AGENT_COMMANDS,
                    issue -> agentCommand(pass, target, AgentOp.AGENT_OP_MAKE_CSR, issue, request));
        } else if (request.getIssuedChainPem().isEmpty()) {
            if (!request.getFailureFinal()) {
                pass.ensure(Ledger.issueCert(id, n), settings.tls().issueTimeout(), Topics.CERT_COMMANDS,
                        issue -> certCommand(pass, target, issue, request));
            }
        } else {
            pass.ensure(Ledger.installCert(id, n), settings.tls().agentTimeout(), Topics.AGENT_COMMANDS,
                    issue -> agentCommand(pass, target, AgentOp.AGENT_OP_INSTALL_CERT, issue, request));
        }
    }

    /** Revokes certificates whose instance is gone; gives up on one after {@code revokeTries} unanswered tries. */
    private static void planRevocations(Pass pass, PlanSettings settings) {
        TlsState tls = pass.state.getTls();
        if (tls.getToRevokeCount() == 0) {
            return;
        }
        TlsState.Builder next = tls.toBuilder().clearToRevoke();
        for (Revocation r : tls.getToRevokeList()) {
            ActionKey key = Ledger.revokeCert(r.getSerial());
            InFlightAction asked = Ledger.get(pass.state, key).orElse(null);
            boolean givenUp = asked != null && asked.getAttempts() >= settings.tls().revokeTries()
                    && !Timestamps.toInstant(asked.getRetryAt()).isAfter(pass.now);
            if (givenUp) {
                Ledger.remove(pass.state, key);
                pass.state.setLastError("certificate " + r.getSerial() + " of " + r.getInstanceId()
                        + " not revoked after " + asked.getAttempts() + " tries");
                continue;
            }
            next.addToRevoke(r);
            pass.ensure(key, settings.tls().issueTimeout(), Topics.CERT_COMMANDS, issue -> CertCommand.newBuilder()
                    .setCommandId(issue.commandId())
                    .setAction(issue.action())
                    .setDeployment(pass.state.getDesired().getDeployment())
                    .setInstanceId(r.getInstanceId())
                    .setOp(CertOp.CERT_OP_REVOKE)
                    .setMode(r.getMode())
                    .setSerial(r.getSerial())
                    .setIssuedAt(Timestamps.of(pass.now))
                    .build());
        }
        pass.state.setTls(next);
    }

    /** Whether no certificate is left to revoke (the purge waits for it). */
    static boolean revoked(TlsState tls) {
        return tls.getToRevokeCount() == 0;
    }

    private static void forgetRequest(Pass pass, String instanceId, int number) {
        Ledger.remove(pass.state, Ledger.makeCsr(instanceId, number));
        Ledger.remove(pass.state, Ledger.issueCert(instanceId, number));
        Ledger.remove(pass.state, Ledger.installCert(instanceId, number));
    }

    private static CertCommand certCommand(Pass pass, ObservedInstance instance, Pass.Issue issue, CertState request) {
        Intent desired = pass.state.getDesired();
        return CertCommand.newBuilder()
                .setCommandId(issue.commandId())
                .setAction(issue.action())
                .setDeployment(desired.getDeployment())
                .setInstanceId(instance.getInstanceId())
                .setOp(instance.getCert().getSerial().isEmpty() ? CertOp.CERT_OP_ISSUE : CertOp.CERT_OP_RENEW)
                .setMode(desired.getSpec().getTls().getMode())
                .setCsrPem(request.getCsrPem())
                .addAllDnsNames(request.getRequestNamesList())
                .setIssuedAt(Timestamps.of(pass.now))
                .build();
    }

    private static AgentCommand agentCommand(Pass pass, ObservedInstance instance, AgentOp op, Pass.Issue issue,
            CertState request) {
        Intent desired = pass.state.getDesired();
        AgentCommand.Builder command = AgentCommand.newBuilder()
                .setCommandId(issue.commandId())
                .setAction(issue.action())
                .setDeployment(desired.getDeployment())
                .setInstanceId(instance.getInstanceId())
                .setOp(op)
                .setRole(instance.getPlan().getRole())
                .setEpoch(pass.state.getEpoch())
                .setGeneration(desired.getGeneration())
                .setCertRequestId(requestId(request.getRequestNumber()))
                .setTlsMode(desired.getSpec().getTls().getMode())
                .setIssuedAt(Timestamps.of(pass.now));
        if (op == AgentOp.AGENT_OP_MAKE_CSR) {
            command.addAllDnsNames(request.getRequestNamesList());
        } else {
            command.setCertChainPem(request.getIssuedChainPem()).setCaBundlePem(pass.state.getTls().getCaBundlePem());
        }
        return command.build();
    }

    /** The agent's name for a request: a token safe as a file name. */
    static String requestId(int number) {
        return "r" + number;
    }

    /** The revocation of whatever an instance that is going away holds (installed or issued). */
    static void revokeAll(TlsState.Builder tls, ObservedInstance instance, TlsMode mode) {
        for (String serial : List.of(instance.getCert().getSerial(), instance.getCert().getIssuedSerial())) {
            boolean listed = tls.getToRevokeList().stream().anyMatch(r -> r.getSerial().equals(serial));
            if (!serial.isEmpty() && !listed) {
                tls.addToRevoke(Revocation.newBuilder().setSerial(serial).setInstanceId(instance.getInstanceId()).setMode(mode));
            }
        }
    }
}
