package dev.marina.cert.acme;

import dev.marina.cert.CertFailure;
import java.util.Set;
import org.shredzone.acme4j.exception.AcmeLazyLoadingException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.exception.AcmeUnauthorizedException;

/** What an ACME error means for the requester: the reason, and whether asking again later can help. */
public final class AcmeFailures {
    private AcmeFailures() {}

    /** Problem types (RFC 8555 §6.7) that asking again will not cure. */
    private static final Set<String> PERMANENT = Set.of(
            "badCSR", "rejectedIdentifier", "unsupportedIdentifier", "caa", "badRevocationReason", "unsupportedContact");

    public static CertFailure classify(Throwable error, String directory) {
        Throwable e = error instanceof AcmeLazyLoadingException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof AcmeRateLimitedException limited) {
            return CertFailure.retryable(CertFailure.ACME_RATE_LIMITED, "rate limited by the ACME server"
                    + limited.getRetryAfter().map(t -> ", retry after " + t).orElse("") + ": " + limited.getMessage(), e);
        }
        if (e instanceof AcmeNetworkException) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return CertFailure.retryable(CertFailure.ACME_UNREACHABLE, "the ACME server at " + directory + " is unreachable ("
                    + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")", e);
        }
        if (e instanceof AcmeServerException server) {
            String type = type(server);
            if (PERMANENT.contains(type)) {
                return CertFailure.permanent(CertFailure.ACME_REJECTED, "the ACME server refused (" + type + "): " + server.getMessage());
            }
            return CertFailure.retryable(CertFailure.ACME_ERROR, "the ACME server answered"
                    + (type.isEmpty() ? "" : " (" + type + ")") + ": " + server.getMessage(), e);
        }
        return CertFailure.retryable(CertFailure.ACME_ERROR, "ACME request failed: " + e.getMessage(), e);
    }

    /** True when the cached session and account should be dropped: the server restarted or forgot the account. */
    static boolean staleLogin(Throwable error) {
        Throwable e = error instanceof AcmeLazyLoadingException && error.getCause() != null ? error.getCause() : error;
        return e instanceof AcmeNetworkException || e instanceof AcmeUnauthorizedException
                || (e instanceof AcmeServerException s && Set.of("accountDoesNotExist", "badNonce", "unauthorized").contains(type(s)));
    }

    /** The problem type's last part, e.g. {@code badCSR} for {@code urn:ietf:params:acme:error:badCSR}. */
    static String type(AcmeServerException e) {
        String type = e.getType() == null ? "" : e.getType().toString();
        return type.substring(type.lastIndexOf(':') + 1);
    }
}
