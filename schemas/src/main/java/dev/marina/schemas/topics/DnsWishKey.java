package dev.marina.schemas.topics;

import dev.marina.schemas.v1.DnsCommand;

/**
 * The record key of a DNS wish, which names one group of a deployment's records: {@code "<tenant>/<name>"}
 * for a deployment's names (the reconciler's, on {@code dns-commands}), {@code "<tenant>/<name>#<purpose>"}
 * for another group of its records, such as cert-service's DNS-01 challenges (on {@code dns-challenges}).
 * Both topics are compacted, so each wish's latest command stands, and one wish never replaces another. Answers on {@code dns-events} stay keyed by the
 * deployment (co-partitioned with what the reconciler reads) and carry the purpose.
 */
public final class DnsWishKey {
    private DnsWishKey() {}

    /** cert-service's {@code _acme-challenge} TXT records of a deployment. */
    public static final String ACME_CHALLENGE = "acme-challenge";

    public static String of(DnsCommand command) {
        String deployment = DeploymentKey.of(command.getDeployment());
        return command.getPurpose().isEmpty() ? deployment : deployment + "#" + command.getPurpose();
    }
}
