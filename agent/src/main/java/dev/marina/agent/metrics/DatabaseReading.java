package dev.marina.agent.metrics;

/** What one look at the database server gives: its status counters and its replication state. */
public record DatabaseReading(DatabaseStatus status, Replication replication) {}
