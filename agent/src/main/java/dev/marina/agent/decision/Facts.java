package dev.marina.agent.decision;

/**
 * Everything a decision depends on besides the command, gathered before deciding.
 *
 * @param state            what the instance holds now
 * @param highestEpoch     the highest epoch of any command this instance accepted
 * @param installedVersion the version of the database server installed here, e.g. "10.11.19"
 */
public record Facts(LocalState state, long highestEpoch, String installedVersion) {}
