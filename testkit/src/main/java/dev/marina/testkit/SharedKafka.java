package dev.marina.testkit;

/**
 * The broker every test in this JVM shares. When {@code KAFKA_BOOTSTRAP_SERVERS} is set (as
 * {@code ./marina test} does, starting one broker for the whole run) that broker is used; otherwise
 * one is started on first use and lives as long as the JVM.
 */
public final class SharedKafka {
    private SharedKafka() {}

    private static String bootstrapServers;

    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            String fromEnv = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
            if (fromEnv != null && !fromEnv.isBlank()) {
                bootstrapServers = fromEnv;
            } else {
                LocalKafka kafka = LocalKafka.startFresh();
                Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "stop-shared-kafka"));
                bootstrapServers = kafka.bootstrapServers();
            }
        }
        return bootstrapServers;
    }
}
