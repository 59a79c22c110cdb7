package dev.marina.provisioner.driver;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Instance ids ("<tenant>-<name>-<n>") name folders and cloud resources, so only a safe alphabet is
 * accepted: letters, digits, '-' and '_', starting with a letter or digit, at most 128 characters.
 * This keeps an id from ever escaping the instances folder ("..", "/").
 */
public final class InstanceIds {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    private InstanceIds() {}

    /** Why the id is unusable, or empty when it is fine. */
    public static Optional<String> problem(String instanceId) {
        if (instanceId == null || instanceId.isEmpty()) {
            return Optional.of("instance_id is missing");
        }
        if (!SAFE.matcher(instanceId).matches()) {
            return Optional.of("instance_id \"" + instanceId + "\" must be letters, digits, '-' or '_' (at most 128)");
        }
        return Optional.empty();
    }
}
