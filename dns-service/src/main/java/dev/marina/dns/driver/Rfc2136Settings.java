package dev.marina.dns.driver;

import java.time.Duration;

/** How to reach a server that takes RFC 2136 updates: where, which zone, which TSIG key. */
public record Rfc2136Settings(String host, int port, String zone, String keyName, String keySecret,
        String algorithm, Duration timeout) {

    @Override
    public String toString() {
        // Never print the secret.
        return "Rfc2136Settings[server=" + host + ":" + port + ", zone=" + zone + ", key=" + keyName
                + ", algorithm=" + algorithm + ", timeout=" + timeout + "]";
    }
}
