package dev.marina.provisioner.ec2;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The tags the driver puts on everything it creates, and the ownership check. Pure. The driver never takes a host for
 * its own (describe, list, terminate) unless it carries the owner tag with this platform's name and both the
 * deployment and the instance tag.
 */
public final class Ec2Tags {

    public static final String DEPLOYMENT = "marina:deployment";
    public static final String INSTANCE = "marina:instance";
    public static final String OWNER = "marina:owner";
    public static final String NAME = "Name";

    private Ec2Tags() {}

    /** The tags of a new instance and its volumes, in a fixed order. */
    public static Map<String, String> forInstance(String owner, String deployment, String instanceId) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(OWNER, owner);
        tags.put(DEPLOYMENT, deployment);
        tags.put(INSTANCE, instanceId);
        tags.put(NAME, instanceId);
        return tags;
    }

    /** Whether a host carrying these tags is this platform's (owner tag = owner, deployment and instance tagged). */
    public static boolean owned(Map<String, String> tags, String owner) {
        return owner.equals(tags.get(OWNER)) && !tags.getOrDefault(DEPLOYMENT, "").isEmpty()
                && !tags.getOrDefault(INSTANCE, "").isEmpty();
    }

    /** Whether a host is the platform's instance {@code instanceId}. */
    public static boolean isInstance(Map<String, String> tags, String owner, String instanceId) {
        return owned(tags, owner) && instanceId.equals(tags.get(INSTANCE));
    }

    public static Optional<String> deployment(Map<String, String> tags) {
        return Optional.ofNullable(tags.get(DEPLOYMENT));
    }
}
