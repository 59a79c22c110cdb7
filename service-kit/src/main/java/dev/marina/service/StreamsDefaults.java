package dev.marina.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Enumeration;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The platform's shared Kafka Streams settings, for code that builds a {@code KafkaStreams} without
 * Quarkus (tests, benchmarks, tools). Quarkus services get the same settings from this module's
 * {@code META-INF/microprofile-config.properties}; that file is the one source, read here.
 */
public final class StreamsDefaults {
    private StreamsDefaults() {}

    private static final String PREFIX = "kafka-streams.";

    /** For a {@code TopologyTestDriver}, which connects to nothing: an address that is never used. */
    public static Properties properties(String applicationId) {
        Properties none = new Properties();
        none.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        return properties(applicationId, none);
    }

    /** The shared settings plus application id and a client's base settings (address and credentials). */
    public static Properties properties(String applicationId, Properties client) {
        Properties shared = sharedConfig();
        Properties props = new Properties();
        for (String key : shared.stringPropertyNames()) {
            if (key.startsWith(PREFIX)) {
                props.setProperty(key.substring(PREFIX.length()), resolve(shared, shared.getProperty(key)));
            }
        }
        props.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.putAll(client);
        return props;
    }

    /** Reads this module's own config file, not another jar's file of the same name. */
    private static Properties sharedConfig() {
        String ours = StreamsDefaults.class.getProtectionDomain().getCodeSource().getLocation().toString();
        try {
            Enumeration<URL> files = StreamsDefaults.class.getClassLoader()
                    .getResources("META-INF/microprofile-config.properties");
            while (files.hasMoreElements()) {
                URL file = files.nextElement();
                if (file.toString().contains(ours.replaceFirst("^file:", ""))) {
                    Properties props = new Properties();
                    try (InputStream in = file.openStream()) {
                        props.load(in);
                    }
                    return props;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the shared service config", e);
        }
        throw new IllegalStateException("service-kit's META-INF/microprofile-config.properties is not on the classpath");
    }

    /** Resolves the simple {@code ${key}} references the shared file uses. */
    private static String resolve(Properties shared, String value) {
        if (value.startsWith("${") && value.endsWith("}")) {
            String ref = value.substring(2, value.length() - 1);
            String resolved = shared.getProperty(ref);
            if (resolved == null) {
                throw new IllegalStateException("unresolved ${" + ref + "} in the shared service config");
            }
            return resolved;
        }
        return value;
    }
}
