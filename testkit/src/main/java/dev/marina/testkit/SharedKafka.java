package dev.marina.testkit;

/**
 * The broker every test in this JVM shares. When {@code KAFKA_BOOTSTRAP_SERVERS} is set (as
 * {@code ./marina test} does, starting one broker for the whole run) that broker is used; otherwise
 * one is started on first use and lives as long as the JVM.
 */
public final class SharedKafka {
    private SharedKafka() {}

    /**
     * Where the broker this JVM started is recorded: a system property, because Quarkus loads this
     * class again for every test profile, and a static field would start a broker per class loader.
     */
    private static final String STARTED = "marina.test.kafka.bootstrap";

    public static String bootstrapServers() {
        String fromEnv = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        synchronized (System.class) {
            String started = System.getProperty(STARTED);
            if (started == null) {
                LocalKafka kafka = LocalKafka.startFresh();
                Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "stop-shared-kafka"));
                started = kafka.bootstrapServers();
                System.setProperty(STARTED, started);
            }
            return started;
        }
    }
}
