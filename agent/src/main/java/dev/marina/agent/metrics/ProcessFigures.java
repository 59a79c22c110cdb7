package dev.marina.agent.metrics;

/**
 * One process on the host, at one moment.
 *
 * @param pid      the process id
 * @param cpuNanos CPU time used since the process started, user and system together
 * @param rssBytes resident memory
 */
public record ProcessFigures(long pid, long cpuNanos, long rssBytes) {}
