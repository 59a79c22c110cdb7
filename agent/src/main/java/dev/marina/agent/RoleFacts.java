package dev.marina.agent;

import dev.marina.schemas.v1.Role;

/**
 * The agent's side of a heartbeat: what it made of the instance, besides what the database shows.
 *
 * @param role              PRIMARY or REPLICA; UNSPECIFIED before the first DEPLOY
 * @param fenced            a primary kept read-only by the agent until PROMOTE (lost lease, FENCE, restart)
 * @param epoch             the highest accepted epoch
 * @param replicationSource the primary a replica replicates from (its instance id)
 */
public record RoleFacts(Role role, boolean fenced, long epoch, String replicationSource) {

    public static final RoleFacts NONE = new RoleFacts(Role.ROLE_UNSPECIFIED, false, 0, "");
}
