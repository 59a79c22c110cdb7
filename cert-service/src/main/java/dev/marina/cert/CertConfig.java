package dev.marina.cert;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** cert-service's settings, {@code marina.cert.*} (env {@code MARINA_CERT_*}); every key documented here, with its default. */
@ConfigMapping(prefix = "marina.cert")
public interface CertConfig {

    /** Where the platform CA, the ACME account key and the journal live. Keep it on durable storage. */
    String stateDir();

    /**
     * The passphrase that encrypts the platform CA's and the ACME account's private keys at rest.
     * When unset, {@link #caPassphraseFile()} is read instead.
     */
    Optional<String> caPassphrase();

    /**
     * A file holding the passphrase (first line), used when {@link #caPassphrase()} is unset. Created
     * with a random passphrase (mode 0600) when it does not exist, so a local platform starts by itself.
     */
    Optional<String> caPassphraseFile();

    /** The DNS zone every certificate name must be in (the zone dns-service manages). */
    @WithDefault("marina.test")
    String zone();

    /**
     * How long an issue waits for its names to appear among the names the platform declared for its
     * deployment (on {@code dns-commands}) before it fails, retryable.
     */
    @WithDefault("10s")
    Duration namesWait();

    SelfSigned selfSigned();

    Acme acme();

    interface SelfSigned {
        /** Validity of the leaf certificates the platform CA signs. */
        @WithDefault("90d")
        Duration validity();

        /** Validity of the platform CA itself, when it is generated (first start). */
        @WithDefault("3650d")
        Duration caValidity();
    }

    interface Acme {
        /** The ACME directory, e.g. {@code https://127.0.0.1:14000/dir} (Pebble) or Let's Encrypt's. Unset: acme commands FAIL. */
        Optional<String> directory();

        /** A PEM file with the CA(s) to trust for the ACME server's HTTPS (Pebble's); unset: the JVM's default trust store. */
        Optional<String> trustPem();

        /** Where to fetch the ACME CA's root(s) to hand out as the CA bundle (Pebble: {@code https://127.0.0.1:15000/roots/0}). */
        Optional<String> rootsUrl();

        /** A PEM file with the ACME CA's root(s), used instead of {@link #rootsUrl()}. */
        Optional<String> rootsPem();

        /** The account's contact address; optional. */
        Optional<String> email();

        /** How often an order, its authorizations and challenges are polled (never acme4j's 3 s waits). */
        @WithDefault("50ms")
        Duration pollInterval();

        /** Orders of different deployments run in parallel, up to this many at once (one deployment's are serialized). */
        @WithDefault("32")
        int parallelOrders();

        /** TTL of the {@code _acme-challenge} TXT records. */
        @WithDefault("5s")
        Duration challengeTtl();

        /** How long to wait for dns-service's answer to the challenge records. */
        @WithDefault("30s")
        Duration dnsTimeout();

        /** How long one order may take from start to the downloaded chain before it FAILS (retryable). */
        @WithDefault("90s")
        Duration orderTimeout();

        /** Timeout of one HTTP request to the ACME server. */
        @WithDefault("10s")
        Duration requestTimeout();
    }
}
