package dev.marina.testkit;

import java.util.Properties;

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

    /**
     * What a test's own Kafka client (producer, consumer, admin) needs to reach the shared broker:
     * the bootstrap address and whatever else the broker asks of a client. Tests start from this,
     * never from the address alone, so that the broker's settings are decided in one place.
     */
    public static Properties clientProperties() {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers());
        return props;
    }

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
