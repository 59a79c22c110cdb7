package dev.marina.cert;

/**
 * Why a command cannot be carried out, as it goes out in a FAILED event: a reason code (stable,
 * for machines), a message (for people) and whether asking again later can help.
 */
public final class CertFailure extends Exception {

    // not retryable: the request itself is wrong
    public static final String CSR_UNREADABLE = "csr-unreadable";
    public static final String CSR_SIGNATURE = "csr-signature-invalid";
    public static final String CSR_NO_NAMES = "csr-without-names";
    public static final String NAME_NOT_REQUESTED = "name-not-requested";
    public static final String NAME_OUTSIDE_ZONE = "name-outside-zone";
    public static final String NAME_NOT_OWNED = "name-owned-by-another-deployment";
    public static final String NOT_THIS_DEPLOYMENTS = "certificate-of-another-deployment";
    public static final String UNKNOWN_MODE = "unknown-mode";
    public static final String UNKNOWN_OP = "unknown-op";
    public static final String BAD_SERIAL = "bad-serial";
    public static final String NOT_ISSUED_HERE = "not-issued-here";
    public static final String ACME_NOT_CONFIGURED = "acme-not-configured";
    public static final String ACME_REJECTED = "acme-rejected";
    // retryable: the world may change
    public static final String ACME_UNREACHABLE = "acme-unreachable";
    public static final String ACME_RATE_LIMITED = "acme-rate-limited";
    public static final String ACME_ERROR = "acme-error";
    public static final String CHALLENGE_FAILED = "challenge-failed";
    public static final String DNS_NOT_APPLIED = "dns-not-applied";
    public static final String NAME_NOT_DECLARED = "name-not-declared";
    public static final String TIMED_OUT = "timed-out";
    public static final String INTERNAL = "internal-error";

    private final String code;
    private final boolean retryable;

    private CertFailure(String code, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.retryable = retryable;
    }

    public static CertFailure permanent(String code, String message) {
        return new CertFailure(code, message, false, null);
    }

    public static CertFailure retryable(String code, String message) {
        return new CertFailure(code, message, true, null);
    }

    public static CertFailure retryable(String code, String message, Throwable cause) {
        return new CertFailure(code, message, true, cause);
    }

    public String code() {
        return code;
    }

    public boolean isRetryable() {
        return retryable;
    }

    /** The event's reason: {@code "<code>: <message>"}. */
    public String reason() {
        return code + ": " + getMessage();
    }
}
