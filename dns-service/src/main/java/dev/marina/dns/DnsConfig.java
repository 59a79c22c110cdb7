package dev.marina.dns;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** dns-service's settings, {@code marina.dns.*}; every key documented here, with its default. */
@ConfigMapping(prefix = "marina.dns")
public interface DnsConfig {

    /** Which provider holds the zone: {@code rfc2136} (dynamic updates with TSIG, e.g. BIND) or {@code route53}. */
    @WithDefault("rfc2136")
    String driver();

    /** The DNS server that takes the updates (and answers zone transfers). */
    @WithDefault("127.0.0.1")
    String serverHost();

    @WithDefault("53")
    int serverPort();

    /** The one zone this service manages; commands for any other zone fail. */
    @WithDefault("marina.test")
    String zone();

    /** The TSIG key's name, as the server knows it. */
    @WithDefault("marina")
    String keyName();

    /** The TSIG secret, base64. Either this or {@link #keyFile()}. */
    Optional<String> keySecret();

    /** A file holding the TSIG secret: tsig-keygen's output, or the bare base64 secret. */
    Optional<String> keyFile();

    /** The TSIG algorithm, e.g. {@code hmac-sha256}. */
    @WithDefault("hmac-sha256")
    String algorithm();

    /** TTL of records whose command gives none. Short: endpoints move on failover. */
    @WithDefault("5s")
    Duration ttl();

    /** How long one request to the server may take. */
    @WithDefault("2s")
    Duration timeout();

    /** Tries per command while the server is unreachable or the zone changes under us; then FAILED. */
    @WithDefault("4")
    int attempts();

    /** Pause before the second try; doubled before each further one. */
    @WithDefault("200ms")
    Duration retryBackoff();

    /** Most conditions plus operations in one update; a batch of commands is packed into updates of this size. */
    @WithDefault("300")
    int maxUpdateItems();

    /** How often the zone is compared with every deployment's latest command (drift repair, orphan removal). */
    @WithDefault("30s")
    Duration driftInterval();

    /** Route 53 settings ({@code marina.dns.route53.*}), used when the driver is {@code route53}. */
    Route53 route53();

    interface Route53 {
        /** The hosted zone's id, e.g. {@code Z0123456789ABCDEFGHIJ}; required for route53. */
        Optional<String> hostedZoneId();

        /** The SDK's region; Route 53 is global. */
        @WithDefault("aws-global")
        String region();

        /** Another endpoint (a proxy, or the recorded exchanges in tests). */
        Optional<String> endpoint();

        @WithDefault("10s")
        Duration requestTimeout();

        /** How long to wait for a change to be INSYNC on Route 53's servers. */
        @WithDefault("120s")
        Duration changeTimeout();

        /** API calls per second, shared by every call of the service; Route 53 allows 5 per account. */
        @WithDefault("5")
        double rate();

        /** Tries after a throttling answer, with doubling pauses from {@link #throttleBackoff()}. */
        @WithDefault("5")
        int throttleRetries();

        @WithDefault("200ms")
        Duration throttleBackoff();
    }
}
