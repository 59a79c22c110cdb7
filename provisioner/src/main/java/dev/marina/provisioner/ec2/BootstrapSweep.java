package dev.marina.provisioner.ec2;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which bootstrap parameters the provisioner deletes on an observation pass, and why. Pure. A parameter lives at most
 * {@code bootstrap-ttl}: the agent deletes it as soon as it has read it; this catches the rest (an agent that never
 * started, a launch that failed after the write, a provisioner restarted in between).
 */
public final class BootstrapSweep {

    /** A parameter to delete: the instance it belongs to and the reason, for the log. */
    public record Due(String instanceId, String reason) {}

    public static final String WRITTEN_EXPIRED = "written longer ago than bootstrap-ttl";
    public static final String LAUNCHED_EXPIRED = "instance launched longer ago than bootstrap-ttl";

    private BootstrapSweep() {}

    /**
     * @param written  parameters this provisioner wrote and has not deleted: instance → when
     * @param launched instances EC2 shows: instance → launch time
     * @param swept    instances whose parameter was deleted already since this provisioner started
     */
    public static List<Due> due(Map<String, Instant> written, Map<String, Instant> launched, Set<String> swept,
            Instant now, Duration ttl) {
        List<Due> due = new ArrayList<>();
        Set<String> named = new TreeSet<>();
        new TreeSet<>(written.keySet()).forEach(instance -> {
            if (!written.get(instance).plus(ttl).isAfter(now)) {
                due.add(new Due(instance, WRITTEN_EXPIRED));
                named.add(instance);
            }
        });
        // A provisioner started since the write does not know it: every instance past the TTL is swept once (a
        // DeleteParameter of nothing is a ParameterNotFound, which is fine).
        new TreeSet<>(launched.keySet()).forEach(instance -> {
            if (!named.contains(instance) && !written.containsKey(instance) && !swept.contains(instance)
                    && !launched.get(instance).plus(ttl).isAfter(now)) {
                due.add(new Due(instance, LAUNCHED_EXPIRED));
            }
        });
        return List.copyOf(due);
    }
}
