package dev.marina.schemas.access;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A principal's Kafka client settings, kept in a file of its own (a Kafka client properties file:
 * TLS trust, SASL mechanism and login), 0600. Every client of the platform starts from one of these,
 * never from a bare address: the broker accepts nothing else.
 *
 * <p>Layout of the broker's secrets folder ({@code .marina/secrets/kafka}): {@code ca.pem} (what
 * clients trust), {@code admin.properties} (the super user), {@code users/PRINCIPAL.properties}
 * (each SCRAM principal made by {@link KafkaUsers}). An agent's file lives in its instance's folder.
 */
public final class KafkaAccess {
    private KafkaAccess() {}

    /** The environment variable that names a process's credentials file. */
    public static final String CREDENTIALS_ENV = "MARINA_KAFKA_CREDENTIALS";

    /** The settings a credentials file may hold: exactly what a client needs to reach the secured broker. */
    public static final List<String> CLIENT_KEYS = List.of(
            "security.protocol", "sasl.mechanism", "sasl.jaas.config",
            "ssl.truststore.type", "ssl.truststore.location", "ssl.endpoint.identification.algorithm");

    public static final String SCRAM = "SCRAM-SHA-512";

    public static Path adminFile(Path secretsDir) {
        return secretsDir.resolve("admin.properties");
    }

    /** The admin's settings for kcat: {@code kcat -F FILE …}. */
    public static Path adminKcatFile(Path secretsDir) {
        return secretsDir.resolve("admin.kcat.conf");
    }

    public static Path caFile(Path secretsDir) {
        return secretsDir.resolve("ca.pem");
    }

    public static Path userFile(Path secretsDir, String principal) {
        return secretsDir.resolve("users").resolve(principal + ".properties");
    }

    /** Reads a credentials file: only the {@link #CLIENT_KEYS}; fails saying what is wrong with it. */
    public static Properties load(Path file) {
        Properties raw = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            raw.load(in);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("no Kafka credentials at " + file
                    + " (./marina up makes them; the test kit makes its own)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Kafka credentials at " + file, e);
        }
        Properties out = new Properties();
        for (String key : CLIENT_KEYS) {
            String value = raw.getProperty(key);
            if (value != null) {
                out.setProperty(key, value);
            }
        }
        if (!out.containsKey("security.protocol") || !out.containsKey("sasl.jaas.config")) {
            throw new IllegalStateException("the Kafka credentials at " + file + " lack security.protocol or sasl.jaas.config");
        }
        return out;
    }

    /** A client's base settings: the broker's address and the principal's credentials. */
    public static Properties client(Path credentialsFile, String bootstrapServers) {
        Properties p = load(credentialsFile);
        p.setProperty("bootstrap.servers", bootstrapServers);
        return p;
    }

    /**
     * The same settings as MicroProfile Config entries for a Quarkus service: {@code kafka.*} (SmallRye
     * channels and the service's own clients) and {@code kafka-streams.*} (its topology).
     */
    public static Map<String, String> asServiceConfig(Properties credentials) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : CLIENT_KEYS) {
            String value = credentials.getProperty(key);
            if (value != null) {
                out.put("kafka." + key, value);
                out.put("kafka-streams." + key, value);
            }
        }
        return out;
    }

    /** A SCRAM principal's settings, trusting the broker's CA. */
    static Properties scramClient(String principal, String password, Path caFile) {
        Properties p = new Properties();
        p.setProperty("security.protocol", "SASL_SSL");
        p.setProperty("sasl.mechanism", SCRAM);
        p.setProperty("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"" + principal + "\" password=\"" + password + "\";");
        p.setProperty("ssl.truststore.type", "PEM");
        p.setProperty("ssl.truststore.location", caFile.toAbsolutePath().toString());
        return p;
    }

    /** The password in a SCRAM principal's settings, if the file exists. */
    static java.util.Optional<String> password(Path file) {
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
        String jaas = load(file).getProperty("sasl.jaas.config", "");
        int at = jaas.indexOf("password=\"");
        if (at < 0) {
            return java.util.Optional.empty();
        }
        int from = at + "password=\"".length();
        int to = jaas.indexOf('"', from);
        return to < 0 ? java.util.Optional.empty() : java.util.Optional.of(jaas.substring(from, to));
    }

    /** Writes settings to a file only the owner may read (atomically: a reader never sees half a file). */
    static void writePrivate(Path file, Properties settings, String comment) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path partial = dir.resolve(file.getFileName() + ".new");
            Files.deleteIfExists(partial);
            Files.createFile(partial, PosixFilePermissions.asFileAttribute(Set.of(
                    PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
            try (OutputStream out = Files.newOutputStream(partial)) {
                settings.store(out, comment);
            }
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Kafka credentials at " + file, e);
        }
    }
}
