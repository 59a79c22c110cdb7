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
 * @param firstCommandJson the agent's first command (proto3 JSON), handed over with the launch
 */
public record CreateRequest(String instanceId, String deployment, Size size, Instant commandsSince,
        java.util.Optional<String> firstCommandJson) {
    public CreateRequest {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(deployment, "deployment");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(commandsSince, "commandsSince");
        Objects.requireNonNull(firstCommandJson, "firstCommandJson");
    }

    public CreateRequest(String instanceId, String deployment, Size size, Instant commandsSince) {
        this(instanceId, deployment, size, commandsSince, java.util.Optional.empty());
    }
}
