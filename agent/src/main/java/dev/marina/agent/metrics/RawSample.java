package dev.marina.agent.metrics;

/**
 * Everything collected for one sample, before any arithmetic: counters as the server and the kernel
 * report them. {@link MetricsCalculator} turns two of them into rates.
 *
 * @param database  the server's status and replication state
 * @param server    the database server's process
 * @param agent     the agent's own process
 * @param diskBytes bytes of the files in the instance's folder
 */
public record RawSample(DatabaseReading database, ProcessFigures server, ProcessFigures agent, long diskBytes) {}
