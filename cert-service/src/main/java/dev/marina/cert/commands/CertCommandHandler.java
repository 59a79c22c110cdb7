package dev.marina.cert.commands;

import dev.marina.cert.CertConfig;
import dev.marina.cert.CertFailure;
import dev.marina.cert.StateKeys;
import dev.marina.cert.acme.AcmeIssuer;
import dev.marina.cert.journal.Journal;
import dev.marina.cert.names.DeploymentNames;
import dev.marina.cert.pki.CsrCheck;
import dev.marina.cert.pki.Pem;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.CertOp;
import dev.marina.schemas.v1.TlsMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Carries out one command and returns its answer; never throws. The journal makes it idempotent: a
 * command already answered ISSUED or REVOKED gets the same event again (no second certificate), an
 * ACME order placed before a crash is resumed. Certificates are journaled before they are announced.
 */
@ApplicationScoped
public class CertCommandHandler {

    private static final Logger LOG = Logger.getLogger(CertCommandHandler.class);
    static final String SELF_SIGNED = "self-signed";
    static final String ACME = "acme";
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    @Inject
    CertConfig config;

    @Inject
    StateKeys state;

    @Inject
    AcmeIssuer acme;

    @Inject
    DeploymentNames names;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry metrics;

    public CertEvent handle(CertCommand command) {
        String dep = DeploymentKey.of(command.getDeployment());
        String mode = modeTag(command.getMode());
        long started = System.nanoTime();
        CertEvent event;
        try {
            Optional<Journal.Entry> entry = state.journal().entry(command.getCommandId());
            Optional<CertEvent> answered = entry.flatMap(Journal.Entry::event).map(CertCommandHandler::parseEvent)
                    .map(e -> CertEvents.echo(command, e.toBuilder()).build());
            if (answered.isPresent()) {
                LOG.infof("cert command already answered, publishing the same event deployment=%s instance=%s command=%s outcome=%s serial=%s",
                        dep, command.getInstanceId(), command.getCommandId(), answered.get().getOutcome(), answered.get().getSerial());
                metrics.counter("marina.cert.commands", "op", opTag(command.getOp()), "mode", mode, "outcome", "repeated").increment();
                return answered.get();
            }
            event = switch (command.getOp()) {
                case CERT_OP_ISSUE, CERT_OP_RENEW -> issue(command, entry);
                case CERT_OP_REVOKE -> revoke(command);
                default -> throw CertFailure.permanent(CertFailure.UNKNOWN_OP, "unknown op " + command.getOp());
            };
        } catch (CertFailure failure) {
            event = CertEvents.failed(command, failure, clock.instant());
        } catch (RuntimeException e) {
            LOG.errorf(e, "cert command failed unexpectedly deployment=%s command=%s", dep, command.getCommandId());
            event = CertEvents.failed(command, CertFailure.retryable(CertFailure.INTERNAL, String.valueOf(e.getMessage()), e), clock.instant());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        String outcome = outcomeTag(event);
        metrics.counter("marina.cert.commands", "op", opTag(command.getOp()), "mode", mode, "outcome", outcome).increment();
        if (command.getOp() != CertOp.CERT_OP_REVOKE) {
            Timer.builder("marina.cert.order.duration").description("from command to answer, per issue or renew")
                    .tag("mode", mode).tag("outcome", outcome).publishPercentileHistogram()
                    .register(metrics).record(took);
        }
        if (event.getOutcome() == dev.marina.schemas.v1.CertOutcome.CERT_OUTCOME_FAILED) {
            LOG.warnf("cert command failed deployment=%s instance=%s command=%s op=%s mode=%s retryable=%s took=%dms reason=%s",
                    dep, command.getInstanceId(), command.getCommandId(), opTag(command.getOp()), mode, event.getRetryable(),
                    took.toMillis(), event.getReason());
        } else {
            LOG.infof("cert command done deployment=%s instance=%s command=%s op=%s mode=%s outcome=%s serial=%s took=%dms",
                    dep, command.getInstanceId(), command.getCommandId(), opTag(command.getOp()), mode, outcome,
                    event.getSerial(), took.toMillis());
        }
        return event;
    }

    private CertEvent issue(CertCommand command, Optional<Journal.Entry> entry) throws CertFailure {
        TlsMode mode = command.getMode();
        if (mode != TlsMode.TLS_MODE_SELF_SIGNED && mode != TlsMode.TLS_MODE_ACME) {
            throw CertFailure.permanent(CertFailure.UNKNOWN_MODE, "unknown TLS mode " + mode + " (self-signed or acme)");
        }
        CsrCheck.CheckedCsr csr = CsrCheck.check(command.getCsrPem(), command.getDnsNamesList(), config.zone());
        // the command's list is the sender's word; the zone as the platform declared it is the proof
        names.check(DeploymentKey.of(command.getDeployment()), csr.names());
        List<X509Certificate> chain;
        String caBundle;
        if (mode == TlsMode.TLS_MODE_SELF_SIGNED) {
            chain = List.of(state.ca().issue(csr, clock.instant(), config.selfSigned().validity()));
            caBundle = state.ca().certificatePem();
        } else {
            AcmeIssuer.Issued issued = acme.issue(command.getCommandId(), command.getDeployment(), csr,
                    entry.flatMap(Journal.Entry::orderUrl), entry.map(Journal.Entry::orders).orElse(0),
                    (url, orders) -> state.journal().ordered(command.getCommandId(), url, orders));
            chain = issued.chain();
            caBundle = issued.caBundlePem();
        }
        CertEvent event = CertEvents.issued(command, chain, caBundle, clock.instant());
        state.journal().issued(command.getCommandId(),
                new Journal.Issued(event.getSerial(), modeTag(mode), DeploymentKey.of(command.getDeployment()), event.getChainPem()),
                ProtoJsonSerde.toJson(event));
        return event;
    }

    private CertEvent revoke(CertCommand command) throws CertFailure {
        String serial = normalizeSerial(command.getSerial());
        Journal journal = state.journal();
        Optional<Journal.Issued> known = journal.certificate(serial);
        String dep = DeploymentKey.of(command.getDeployment());
        if (known.isPresent() && !known.get().deployment().isEmpty() && !known.get().deployment().equals(dep)) {
            throw CertFailure.permanent(CertFailure.NOT_THIS_DEPLOYMENTS, "the certificate " + serial
                    + " was issued to another deployment, not to " + dep);
        }
        TlsMode mode = command.getMode();
        if (mode == TlsMode.TLS_MODE_UNSPECIFIED && known.isPresent()) {
            mode = ACME.equals(known.get().mode()) ? TlsMode.TLS_MODE_ACME : TlsMode.TLS_MODE_SELF_SIGNED;
        }
        if (mode == TlsMode.TLS_MODE_ACME && !journal.isRevoked(serial)) {
            Journal.Issued issued = known.orElseThrow(() -> CertFailure.permanent(CertFailure.NOT_ISSUED_HERE,
                    "no certificate with serial " + serial + " was issued here, so it cannot be revoked at the ACME CA"));
            acme.revoke(Pem.certificates(issued.chainPem()).get(0));
        } else if (mode != TlsMode.TLS_MODE_ACME && mode != TlsMode.TLS_MODE_SELF_SIGNED) {
            throw CertFailure.permanent(CertFailure.UNKNOWN_MODE, "unknown TLS mode " + mode + " (self-signed or acme)");
        }
        // self-signed: the platform CA's revocation list (GET /ca/revoked); an unknown serial is recorded all the same
        CertEvent event = CertEvents.revoked(command, serial, clock.instant());
        journal.revoked(command.getCommandId(), serial, ProtoJsonSerde.toJson(event));
        return event;
    }

    /** Lowercase hex without leading zeros, as events carry serials; accepts colons and a 0x prefix. */
    static String normalizeSerial(String serial) throws CertFailure {
        String s = serial == null ? "" : serial.trim().toLowerCase(Locale.ROOT).replace(":", "");
        if (s.startsWith("0x")) {
            s = s.substring(2);
        }
        if (s.isEmpty() || !HEX.matcher(s).matches() || s.length() > 64) {
            throw CertFailure.permanent(CertFailure.BAD_SERIAL, "\"" + serial + "\" is not a hex serial");
        }
        return new java.math.BigInteger(s, 16).toString(16);
    }

    private static CertEvent parseEvent(String json) {
        Decoded<CertEvent> decoded = ProtoJsonSerde.fromJson(CertEvent.getDefaultInstance(), json.getBytes(StandardCharsets.UTF_8));
        return decoded.value();
    }

    static String modeTag(TlsMode mode) {
        return switch (mode) {
            case TLS_MODE_SELF_SIGNED -> SELF_SIGNED;
            case TLS_MODE_ACME -> ACME;
            default -> "unknown";
        };
    }

    static String opTag(CertOp op) {
        return switch (op) {
            case CERT_OP_ISSUE -> "issue";
            case CERT_OP_RENEW -> "renew";
            case CERT_OP_REVOKE -> "revoke";
            default -> "unknown";
        };
    }

    static String outcomeTag(CertEvent event) {
        return switch (event.getOutcome()) {
            case CERT_OUTCOME_ISSUED -> "issued";
            case CERT_OUTCOME_REVOKED -> "revoked";
            case CERT_OUTCOME_FAILED -> event.getRetryable() ? "failed-retryable" : "failed";
            default -> "unknown";
        };
    }
}
