package dev.marina.cert.commands;

import dev.marina.cert.CertFailure;
import dev.marina.cert.pki.Pem;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.CertOutcome;
import dev.marina.service.Timestamps;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/** The answers to a command on {@code cert-events}, echoing its command id, deployment, instance and action. */
final class CertEvents {
    private CertEvents() {}

    static CertEvent issued(CertCommand command, List<X509Certificate> chain, String caBundlePem, Instant now) {
        X509Certificate leaf = chain.get(0);
        return base(command, CertOutcome.CERT_OUTCOME_ISSUED, now)
                .setChainPem(Pem.ofCertificates(chain))
                .setCaBundlePem(caBundlePem)
                .setSerial(Pem.serial(leaf))
                .setNotBefore(Timestamps.of(leaf.getNotBefore().toInstant()))
                .setNotAfter(Timestamps.of(leaf.getNotAfter().toInstant()))
                .build();
    }

    static CertEvent revoked(CertCommand command, String serial, Instant now) {
        return base(command, CertOutcome.CERT_OUTCOME_REVOKED, now).setSerial(serial).build();
    }

    static CertEvent failed(CertCommand command, CertFailure failure, Instant now) {
        return base(command, CertOutcome.CERT_OUTCOME_FAILED, now)
                .setReason(failure.reason())
                .setRetryable(failure.isRetryable())
                .build();
    }

    private static CertEvent.Builder base(CertCommand command, CertOutcome outcome, Instant now) {
        return echo(command, CertEvent.newBuilder()
                .setCommandId(command.getCommandId())
                .setDeployment(command.getDeployment())
                .setInstanceId(command.getInstanceId())
                .setOutcome(outcome)
                .setObservedAt(Timestamps.of(now)));
    }

    /**
     * Copies the command's action into an answer (the reconciler matches answers to the actions it waits
     * for by value). Also applied to an answer replayed from the journal, which may predate the action.
     */
    static CertEvent.Builder echo(CertCommand command, CertEvent.Builder event) {
        if (command.hasAction()) {
            event.setAction(command.getAction());
        }
        return event;
    }
}
