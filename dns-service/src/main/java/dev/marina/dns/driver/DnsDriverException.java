package dev.marina.dns.driver;

/** Why the provider did not do what was asked, in words for the reconciler, and whether to try again. */
public class DnsDriverException extends RuntimeException {

    public enum Kind {
        /** The server did not answer (down, timeout, network): worth retrying. */
        UNREACHABLE(true),
        /** The zone changed between the read and the update (a condition failed): read and plan again. */
        ZONE_CHANGED(true),
        /** The server said no (bad key, zone not served, policy): retrying will not help. */
        REFUSED(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Kind kind;

    public DnsDriverException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DnsDriverException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
