package dev.marina.healthmonitor;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.Heartbeat;
import java.util.Optional;

/** Checks that a decoded heartbeat can be judged at all; what fails goes to {@code dead-letters}. */
public final class HeartbeatValidation {
    private HeartbeatValidation() {}

    /** Why the heartbeat cannot be used, or empty when it can. */
    public static Optional<String> problem(String key, Heartbeat heartbeat) {
        if (key == null) {
            return Optional.of("heartbeat without a record key; expected the deployment key \"<tenant>/<name>\"");
        }
        try {
            DeploymentKey.parse(key);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        if (heartbeat.getInstanceId().isBlank()) {
            return Optional.of("heartbeat without instance_id");
        }
        if (!heartbeat.hasSentAt()) {
            return Optional.of("heartbeat without sent_at: it cannot be ordered");
        }
        if (heartbeat.hasDeployment() && !DeploymentKey.of(heartbeat.getDeployment()).equals(key)) {
            return Optional.of("record key \"" + key + "\" does not match the heartbeat's deployment \""
                    + DeploymentKey.of(heartbeat.getDeployment()) + "\"");
        }
        return Optional.empty();
    }
}
