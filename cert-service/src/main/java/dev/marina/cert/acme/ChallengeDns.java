package dev.marina.cert.acme;

import dev.marina.cert.CertFailure;
import dev.marina.schemas.v1.DeploymentRef;
import java.util.List;
import java.util.Map;

/**
 * Where DNS-01 challenge records go: dns-service, over {@code dns-commands}, as the deployment's
 * {@code acme-challenge} wish. Both calls are safe to repeat.
 */
public interface ChallengeDns {

    /**
     * Makes the deployment's challenge records exactly {@code txt} (name with trailing dot → values)
     * and waits until they are in the zone.
     *
     * @throws CertFailure (retryable) when dns-service answers FAILED or CLASH, or does not answer in time
     */
    void present(DeploymentRef deployment, String commandId, Map<String, List<String>> txt) throws CertFailure;

    /** Removes every challenge record of the deployment; returns once the broker has the command. */
    void cleanUp(DeploymentRef deployment, String commandId);
}
