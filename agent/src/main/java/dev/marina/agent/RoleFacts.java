package dev.marina.agent;

import dev.marina.schemas.v1.Role;

/**
 * The agent's side of a heartbeat: what it made of the instance, besides what the database shows.
 *
 * @param role              PRIMARY or REPLICA; UNSPECIFIED before the first DEPLOY
 * @param fenced            a primary kept read-only by the agent until PROMOTE (lost lease, FENCE, restart)
 * @param epoch             the highest accepted epoch
 * @param replicationSource the primary a replica replicates from (its instance id)
 * @param paused            the server is stopped on purpose (PAUSE): not reachable, and not a failure
 * @param wakeOnConnect     paused, and its address starts the server on the first connection
 */
public record RoleFacts(Role role, boolean fenced, long epoch, String replicationSource, boolean paused, boolean wakeOnConnect) {

    public RoleFacts(Role role, boolean fenced, long epoch, String replicationSource) {
        this(role, fenced, epoch, replicationSource, false, false);
    }

    public static final RoleFacts NONE = new RoleFacts(Role.ROLE_UNSPECIFIED, false, 0, "");
}
