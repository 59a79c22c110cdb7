package dev.marina.agent;

import org.jboss.logging.MDC;

/** Every log line of the agent's threads carries the deployment and the instance (MDC keys). */
public final class InstanceLog {
    private InstanceLog() {}

    public static void tag(InstanceIdentity identity) {
        MDC.put("deployment", identity.deploymentKey());
        MDC.put("instance", identity.instanceId());
    }
}
