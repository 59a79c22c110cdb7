package dev.marina.intent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The intent API's settings, {@code marina.api.*}. */
@ConfigMapping(prefix = "marina.api")
public interface ApiConfig {

    /** The platform-admin bearer token (it makes the tenants' tokens); unset: the token in token-file is used. */
    Optional<String> token();

    /** File holding the platform-admin token, created (mode 0600) on first start when token is unset; {@code ./marina} reads it (a path). */
    @WithDefault("${marina.home}/secrets/api.token")
    String tokenFile();

    /** How long a change request waits for intake's decision before the API answers 202 with its request id (a duration). */
    @WithDefault("10s")
    Duration awaitTimeout();
}
