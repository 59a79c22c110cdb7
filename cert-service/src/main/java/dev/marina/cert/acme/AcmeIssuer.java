package dev.marina.cert.acme;

import dev.marina.cert.CertConfig;
import dev.marina.cert.CertFailure;
import dev.marina.cert.StateKeys;
import dev.marina.cert.pki.CsrCheck;
import dev.marina.cert.pki.Pem;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentRef;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.jboss.logging.Logger;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Certificate;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.RevocationReason;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Dns01Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeLazyLoadingException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;

/**
 * ACME orders with DNS-01 through dns-service, with one platform account. Orders are polled briskly
 * ({@code marina.cert.acme.poll-interval}), never with acme4j's 3 s waits. The session and account are
 * made on first use and dropped when the server is unreachable or forgot the account, so a restarted
 * ACME server (or one that was down at start) is picked up by the next command.
 */
@ApplicationScoped
public class AcmeIssuer {

    private static final Logger LOG = Logger.getLogger(AcmeIssuer.class);

    @Inject
    CertConfig config;

    @Inject
    StateKeys keys;

    @Inject
    ChallengeDns dns;

    private SSLContext ssl;
    private HttpClient http;
    private Login login;
    private volatile List<X509Certificate> roots;

    /** Receives the URL of an order as soon as it is placed, so a crash after it resumes the order. */
    public interface OrderJournal {
        void ordered(String orderUrl, int orders);
    }

    /** An issued chain (leaf first) and the CA bundle clients must trust. */
    public record Issued(List<X509Certificate> chain, String caBundlePem, String orderUrl) {}

    @PostConstruct
    void init() {
        ssl = TrustedHttp.sslContext(config.acme().trustPem());
        http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(config.acme().requestTimeout()).build();
    }

    public boolean configured() {
        return config.acme().directory().filter(d -> !d.isBlank()).isPresent();
    }

    private String directory() {
        return config.acme().directory().orElse("(marina.cert.acme.directory unset)");
    }

    /**
     * Orders a certificate for the CSR's names and finalizes it with the CSR. Resumes {@code journaledOrder}
     * when it is still usable; otherwise places a fresh order, at most once more for the same command.
     */
    public Issued issue(String commandId, DeploymentRef deployment, CsrCheck.CheckedCsr csr, Optional<String> journaledOrder,
            int ordersSoFar, OrderJournal journal) throws CertFailure {
        requireConfigured();
        long deadline = System.nanoTime() + config.acme().orderTimeout().toNanos();
        String dep = DeploymentKey.of(deployment);
        Login current = null;
        try {
            current = login();
            Order order = null;
            int orders = ordersSoFar;
            if (journaledOrder.isPresent()) {
                order = resume(current, journaledOrder.get(), dep, commandId);
                if (order == null && orders >= 2) {
                    throw CertFailure.retryable(CertFailure.ACME_ERROR, "the order " + journaledOrder.get()
                            + " is no longer usable and this command already placed a fresh one; send a new command");
                }
            }
            if (order == null) {
                order = current.newOrder().domains(csr.names()).create();
                orders++;
                journal.ordered(order.getLocation().toString(), orders);
                LOG.infof("acme order placed deployment=%s command=%s order=%s names=%s", dep, commandId, order.getLocation(), csr.names());
            }
            authorize(order, deployment, commandId, deadline);
            List<X509Certificate> chain = finalizeAndDownload(order, csr, deadline, dep);
            return new Issued(chain, caBundle(chain), order.getLocation().toString());
        } catch (AcmeException | AcmeLazyLoadingException e) {
            if (current != null && AcmeFailures.staleLogin(e)) {
                forget(current);
            }
            throw AcmeFailures.classify(e, directory());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CertFailure.retryable(CertFailure.INTERNAL, "interrupted during the order (shutting down)");
        }
    }

    /** Revokes a certificate this account obtained. Already revoked counts as done. */
    public void revoke(X509Certificate certificate) throws CertFailure {
        requireConfigured();
        Login current = null;
        try {
            current = login();
            Certificate.revoke(current, certificate, RevocationReason.UNSPECIFIED);
        } catch (AcmeServerException e) {
            if ("alreadyRevoked".equals(AcmeFailures.type(e))) {
                return;
            }
            if (AcmeFailures.staleLogin(e)) {
                forget(current);
            }
            throw AcmeFailures.classify(e, directory());
        } catch (AcmeException | AcmeLazyLoadingException e) {
            if (current != null && AcmeFailures.staleLogin(e)) {
                forget(current);
            }
            throw AcmeFailures.classify(e, directory());
        }
    }

    /** The journaled order if it can still lead to a certificate, else null (invalid, expired, unknown to the server). */
    private Order resume(Login current, String url, String dep, String commandId) throws AcmeException {
        Order order;
        try {
            order = current.bindOrder(URI.create(url).toURL());
            order.fetch();
        } catch (AcmeNetworkException | AcmeRateLimitedException e) {
            throw e;
        } catch (AcmeException | MalformedURLException | IllegalArgumentException e) {
            LOG.infof("acme journaled order unknown to the server, placing a fresh one deployment=%s command=%s order=%s reason=%s",
                    dep, commandId, url, e.getMessage());
            return null;
        }
        Status status = order.getStatus();
        if (status == Status.INVALID || status == Status.EXPIRED || status == Status.DEACTIVATED
                || status == Status.CANCELED || status == Status.REVOKED) {
            LOG.infof("acme journaled order unusable, placing a fresh one deployment=%s command=%s order=%s status=%s",
                    dep, commandId, url, status);
            return null;
        }
        LOG.infof("acme journaled order resumed deployment=%s command=%s order=%s status=%s", dep, commandId, url, status);
        return order;
    }

    /** Publishes the pending authorizations' TXT records, triggers their challenges, polls until all are valid. */
    private void authorize(Order order, DeploymentRef deployment, String commandId, long deadline)
            throws AcmeException, CertFailure, InterruptedException {
        List<Authorization> pending = new ArrayList<>();
        Map<String, List<String>> txt = new LinkedHashMap<>();
        for (Authorization auth : order.getAuthorizations()) {
            Status status = auth.getStatus();
            if (status == Status.VALID) {
                continue;
            }
            String name = auth.getIdentifier().getValue();
            if (status != Status.PENDING) {
                throw CertFailure.retryable(CertFailure.CHALLENGE_FAILED, "the authorization for " + name + " is " + status);
            }
            Dns01Challenge challenge = auth.findChallenge(Dns01Challenge.class).orElseThrow(() -> CertFailure.permanent(
                    CertFailure.ACME_REJECTED, "the ACME server offers no dns-01 challenge for " + name));
            String rrName = fqdn(challenge.getRRName(auth.getIdentifier()));
            txt.computeIfAbsent(rrName, k -> new ArrayList<>()).add(challenge.getDigest());
            pending.add(auth);
        }
        if (pending.isEmpty()) {
            return;
        }
        try {
            // unique per attempt, so a late answer to an earlier attempt is never taken for this one's
            dns.present(deployment, commandId + "/challenge/" + java.util.UUID.randomUUID().toString().substring(0, 8), txt);
            for (Authorization auth : pending) {
                Dns01Challenge challenge = auth.findChallenge(Dns01Challenge.class).orElseThrow();
                if (challenge.getStatus() == Status.PENDING) {
                    challenge.trigger();
                }
            }
            List<Authorization> open = new ArrayList<>(pending);
            while (!open.isEmpty()) {
                sleepOrTimeout(deadline, "the DNS-01 challenges of " + txt.keySet() + " were not validated");
                for (var it = open.iterator(); it.hasNext(); ) {
                    Authorization auth = it.next();
                    auth.fetch();
                    Status status = auth.getStatus();
                    if (status == Status.VALID) {
                        it.remove();
                    } else if (status != Status.PENDING) {
                        String problem = auth.findChallenge(Dns01Challenge.class).flatMap(Dns01Challenge::getError)
                                .map(p -> p.toString()).orElse("authorization " + status);
                        throw CertFailure.retryable(CertFailure.CHALLENGE_FAILED, "the DNS-01 challenge for "
                                + auth.getIdentifier().getValue() + " failed: " + problem);
                    }
                }
            }
        } finally {
            dns.cleanUp(deployment, commandId + "/challenge-cleanup");
        }
    }

    private List<X509Certificate> finalizeAndDownload(Order order, CsrCheck.CheckedCsr csr, long deadline, String dep)
            throws AcmeException, CertFailure, InterruptedException {
        order.fetch();
        while (true) {
            Status status = order.getStatus();
            if (status == Status.VALID) {
                break;
            }
            if (status == Status.READY) {
                order.execute(csr.der());
            } else if (status == Status.INVALID) {
                throw CertFailure.retryable(CertFailure.ACME_ERROR, "the order " + order.getLocation() + " became invalid: "
                        + order.getError().map(Object::toString).orElse("no reason given"));
            } else {
                sleepOrTimeout(deadline, "the order " + order.getLocation() + " was not finalized (status " + status + ")");
                order.fetch();
            }
        }
        Certificate certificate = order.getCertificate();
        certificate.download();
        List<X509Certificate> chain = certificate.getCertificateChain();
        LOG.infof("acme certificate downloaded deployment=%s order=%s serial=%s not-after=%s", dep, order.getLocation(),
                Pem.serial(chain.get(0)), chain.get(0).getNotAfter().toInstant());
        return chain;
    }

    /** The ACME CA's roots as PEM: cached, fetched again when the chain does not lead to them (a restarted Pebble has a new root). */
    String caBundle(List<X509Certificate> chain) {
        List<X509Certificate> known = roots;
        if (known == null || !issuedUnder(chain, known)) {
            known = fetchRoots();
            roots = known;
            if (!issuedUnder(chain, known)) {
                LOG.warnf("acme chain does not lead to the configured roots issuer=\"%s\" roots=%d",
                        chain.get(chain.size() - 1).getIssuerX500Principal(), known.size());
            }
        }
        return known.isEmpty() ? "" : Pem.ofCertificates(known);
    }

    private List<X509Certificate> fetchRoots() {
        try {
            if (config.acme().rootsPem().filter(p -> !p.isBlank()).isPresent()) {
                return Pem.certificates(Files.readString(Path.of(config.acme().rootsPem().get())));
            }
            if (config.acme().rootsUrl().filter(p -> !p.isBlank()).isPresent()) {
                return Pem.certificates(TrustedHttp.get(http, config.acme().rootsUrl().get(), config.acme().requestTimeout()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("acme roots not available, the CA bundle stays empty reason=%s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of();
    }

    private static boolean issuedUnder(List<X509Certificate> chain, List<X509Certificate> roots) {
        X509Certificate top = chain.get(chain.size() - 1);
        for (X509Certificate root : roots) {
            if (top.getIssuerX500Principal().equals(root.getSubjectX500Principal())) {
                try {
                    top.verify(root.getPublicKey());
                    return true;
                } catch (Exception notThisOne) {
                    // same name, other key: a restarted CA
                }
            }
        }
        return false;
    }

    private synchronized Login login() throws AcmeException {
        if (login == null) {
            Session session = new Session(URI.create(config.acme().directory().orElseThrow()), new TrustingAcmeProvider(ssl));
            session.networkSettings().setTimeout(config.acme().requestTimeout());
            AccountBuilder account = new AccountBuilder().agreeToTermsOfService().useKeyPair(keys.accountKey());
            config.acme().email().filter(e -> !e.isBlank()).ifPresent(account::addEmail);
            login = account.createLogin(session);
            LOG.infof("acme account ready directory=%s account=%s", directory(), login.getAccountLocation());
        }
        return login;
    }

    private synchronized void forget(Login stale) {
        if (login == stale) {
            login = null;
            roots = null;
            LOG.infof("acme session dropped, the next command logs in again directory=%s", directory());
        }
    }

    private void requireConfigured() throws CertFailure {
        if (!configured()) {
            throw CertFailure.permanent(CertFailure.ACME_NOT_CONFIGURED, "acme mode is not configured here (marina.cert.acme.directory)");
        }
    }

    private void sleepOrTimeout(long deadline, String what) throws CertFailure, InterruptedException {
        if (System.nanoTime() > deadline) {
            throw CertFailure.retryable(CertFailure.TIMED_OUT, what + " within " + config.acme().orderTimeout().toSeconds() + " s");
        }
        Thread.sleep(Math.max(1, config.acme().pollInterval().toMillis()));
    }

    private static String fqdn(String name) {
        return name.endsWith(".") ? name : name + ".";
    }
}
