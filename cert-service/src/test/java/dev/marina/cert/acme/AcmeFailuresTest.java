package dev.marina.cert.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.cert.CertFailure;
import java.net.ConnectException;
import java.net.URI;
import java.net.URL;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.toolbox.JSON;

class AcmeFailuresTest {

    private static final String DIR = "https://acme.example/dir";

    @Test
    void rate_limited_is_retryable_and_says_when() throws Exception {
        Instant after = Instant.parse("2026-11-20T12:00:00Z");
        var limited = new AcmeRateLimitedException(problem("rateLimited", "too many certificates for marina.test"), after, List.of());

        CertFailure failure = AcmeFailures.classify(limited, DIR);

        assertTrue(failure.isRetryable());
        assertEquals(CertFailure.ACME_RATE_LIMITED, failure.code());
        assertTrue(failure.reason().contains("retry after 2026-11-20T12:00:00Z"), failure.reason());
        assertTrue(failure.reason().contains("too many certificates"), failure.reason());
    }

    @Test
    void an_unreachable_server_is_retryable_and_named() {
        CertFailure failure = AcmeFailures.classify(new AcmeNetworkException(new ConnectException("Connection refused")), DIR);

        assertTrue(failure.isRetryable());
        assertEquals("acme-unreachable: the ACME server at " + DIR + " is unreachable (ConnectException: Connection refused)",
                failure.reason());
        assertTrue(AcmeFailures.staleLogin(new AcmeNetworkException(new ConnectException())));
    }

    @Test
    void a_rejected_name_or_csr_is_not_retryable_other_server_errors_are() throws Exception {
        assertFalse(AcmeFailures.classify(new AcmeServerException(problem("rejectedIdentifier", "no")), DIR).isRetryable());
        assertFalse(AcmeFailures.classify(new AcmeServerException(problem("badCSR", "no")), DIR).isRetryable());
        assertTrue(AcmeFailures.classify(new AcmeServerException(problem("serverInternal", "oops")), DIR).isRetryable());
    }

    @Test
    void a_forgotten_account_drops_the_session() throws Exception {
        assertTrue(AcmeFailures.staleLogin(new AcmeServerException(problem("accountDoesNotExist", "who?"))));
        assertFalse(AcmeFailures.staleLogin(new AcmeServerException(problem("rejectedIdentifier", "no"))));
    }

    private static Problem problem(String type, String detail) throws Exception {
        URL base = URI.create(DIR).toURL();
        return new Problem(JSON.parse("{\"type\":\"urn:ietf:params:acme:error:" + type + "\",\"detail\":\"" + detail + "\"}"), base);
    }
}
