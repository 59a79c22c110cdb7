package dev.marina.agent;

import dev.marina.agent.database.MyCnf;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentRef;
import java.util.Objects;

/**
 * Who this agent is: the instance, its deployment, and the address its database listens on.
 *
 * @param instanceId    {@code "<tenant>-<name>-<n>"}
 * @param deploymentKey {@code "<tenant>/<name>"}, the key of every record the agent reads and writes
 * @param address       the instance's loopback address, e.g. 127.10.0.3
 */
public record InstanceIdentity(String instanceId, String deploymentKey, String address) {

    public InstanceIdentity {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(address, "address");
        DeploymentKey.parse(deploymentKey); // throws, naming the key, when it is not "tenant/name"
    }

    public DeploymentRef deployment() {
        return DeploymentKey.parse(deploymentKey);
    }

    /** Where clients reach the database. */
    public String endpoint() {
        return address + ":" + MyCnf.PORT;
    }
}
