package dev.marina.provisioner.driver;

import dev.marina.schemas.v1.Size;
import java.time.Instant;
import java.util.Objects;

/**
 * What a CREATE asks for.
 *
 * @param instanceId    the instance to create (the idempotency key)
 * @param deployment    the deployment key "tenant/name"
 * @param size          the instance size (the local driver runs every size alike)
 * @param commandsSince from when on the instance's agent reads its commands on its first start
 */
public record CreateRequest(String instanceId, String deployment, Size size, Instant commandsSince) {
    public CreateRequest {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(deployment, "deployment");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(commandsSince, "commandsSince");
    }
}
