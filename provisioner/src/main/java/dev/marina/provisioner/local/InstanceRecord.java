package dev.marina.provisioner.local;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.marina.provisioner.driver.Instance;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * What the local driver remembers about one instance, one entry of {@code instances.json}.
 *
 * @param instanceId    the instance id (also the folder name)
 * @param deployment    the deployment key "tenant/name"
 * @param address       the loopback address the instance holds
 * @param folder        the instance folder, absolute
 * @param pid           the agent's process id (also its process group id: it runs under setsid);
 *                      null until the first launch succeeded
 * @param createdAt     when the instance was created
 * @param commandsSince handed to the agent as MARINA_COMMANDS_SINCE on every launch
 * @param destroying    set before the destroy starts, so a crash half-way finishes it on recovery
 *                      instead of relaunching a half-removed instance
 * @param agentBuild    the {@link AgentBuild} fingerprint the agent was launched with; null for an agent launched
 *                      before builds were recorded, or by a custom agent command (no jar)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceRecord(
        String instanceId,
        String deployment,
        String address,
        String folder,
        Long pid,
        Instant createdAt,
        Instant commandsSince,
        boolean destroying,
        String agentBuild) {

    public InstanceRecord {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(deployment, "deployment");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(commandsSince, "commandsSince");
    }

    public Path folderPath() {
        return Path.of(folder);
    }

    public InstanceRecord withPid(long newPid) {
        return new InstanceRecord(instanceId, deployment, address, folder, newPid, createdAt, commandsSince, destroying,
                agentBuild);
    }

    /** The agent just launched: its pid and its build (null when there is no jar to tell it). */
    public InstanceRecord withAgent(long newPid, String build) {
        return new InstanceRecord(instanceId, deployment, address, folder, newPid, createdAt, commandsSince, destroying, build);
    }

    public InstanceRecord markedDestroying() {
        return new InstanceRecord(instanceId, deployment, address, folder, pid, createdAt, commandsSince, true, agentBuild);
    }

    public Instance toInstance() {
        return new Instance(instanceId, deployment, address, createdAt);
    }
}
