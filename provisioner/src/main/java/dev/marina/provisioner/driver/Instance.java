package dev.marina.provisioner.driver;

import java.time.Instant;
import java.util.Objects;

/**
 * An instance as every driver describes it.
 *
 * @param instanceId "<tenant>-<name>-<n>", chosen by the reconciler
 * @param deployment the deployment key "tenant/name"
 * @param address    where the instance is reached (a loopback 127.x.y.z locally)
 * @param createdAt  when it was created; the orphan grace period counts from here
 */
public record Instance(String instanceId, String deployment, String address, Instant createdAt) {
    public Instance {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(deployment, "deployment");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
