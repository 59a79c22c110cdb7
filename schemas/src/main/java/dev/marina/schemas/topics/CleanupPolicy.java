package dev.marina.schemas.topics;

/** Kafka's {@code cleanup.policy}, as the catalogue uses it. */
public enum CleanupPolicy {
    /** Segments are deleted after the retention period: event streams. */
    DELETE("delete"),
    /** The latest record per key is kept forever: state. */
    COMPACT("compact");

    private final String kafkaValue;

    CleanupPolicy(String kafkaValue) {
        this.kafkaValue = kafkaValue;
    }

    public String kafkaValue() {
        return kafkaValue;
    }
}
