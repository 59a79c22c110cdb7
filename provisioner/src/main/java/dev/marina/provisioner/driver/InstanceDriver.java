package dev.marina.provisioner.driver;

import java.util.List;
import java.util.Optional;

/**
 * Where instances come from: one implementation per driver ({@code local}, later {@code ec2}),
 * chosen by {@code marina.provisioner.driver}. Every call is idempotent by instance id, so a repeated
 * command (after a crash, before its offset was committed) is harmless. Calls come from several threads at
 * once (the command lanes, one per deployment at a time, and the supervisor or observer): an implementation
 * is thread-safe, serializing what it must.
 */
public interface InstanceDriver {

    /**
     * Creates the instance, or returns it when it exists already (same address as before).
     *
     * @throws DriverException when the instance cannot be created, or its id belongs to another deployment
     */
    Instance create(CreateRequest request);

    /** The instance, when it exists. */
    Optional<Instance> describe(String instanceId);

    /** Destroys the instance and frees what it held; an unknown id is already destroyed. */
    void destroy(String instanceId);

    /** Every instance this driver holds, oldest first. */
    List<Instance> list();
}
