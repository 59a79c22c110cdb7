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
 * @param engineVersion the MariaDB version the instance will run, when known (the ec2 driver picks its image by it)
 * @param attempt       what makes this create one attempt (the CREATE's command id); a replayed command keeps it, so
 *                      the ec2 driver's client token is the same and a retried create never makes a second host
 */
public record CreateRequest(String instanceId, String deployment, Size size, Instant commandsSince,
        java.util.Optional<String> firstCommandJson, java.util.Optional<String> engineVersion, String attempt) {
    public CreateRequest {
        Objects.requireNonNull(engineVersion, "engineVersion");
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(deployment, "deployment");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(commandsSince, "commandsSince");
        Objects.requireNonNull(firstCommandJson, "firstCommandJson");
    }

    public CreateRequest(String instanceId, String deployment, Size size, Instant commandsSince,
            java.util.Optional<String> firstCommandJson) {
        this(instanceId, deployment, size, commandsSince, firstCommandJson, java.util.Optional.empty(), "");
    }

    public CreateRequest(String instanceId, String deployment, Size size, Instant commandsSince) {
        this(instanceId, deployment, size, commandsSince, java.util.Optional.empty());
    }
}
