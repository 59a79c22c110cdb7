package dev.marina.testkit;

import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.S3ObjectStore;
import dev.marina.objectstore.local.LocalObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The object store every test in this JVM shares: a real s3proxy on loopback, as {@code ./marina up} runs
 * it. When {@code MARINA_TEST_OBJECT_STORE} names the client settings file of a running one (as
 * {@code ./marina test} does, starting one for the whole run) that one is used; otherwise one is started on
 * first use, on a free port with its data in a temporary folder, and stopped (its folder removed) when the
 * JVM ends. Tests never share keys: each takes a {@link #freshStore()} or {@link #freshConfig()} under a
 * prefix of its own.
 */
public final class SharedObjectStore {
    private SharedObjectStore() {}

    /** The client settings file ({@code object-store.properties}) of a running local object store. */
    public static final String ENV = "MARINA_TEST_OBJECT_STORE";

    /** A system property, not a static field: Quarkus loads this class again for every test profile. */
    private static final String STARTED = "marina.test.object-store.settings";

    /** The shared store's client settings file (bucket made, no prefix; 0600). */
    public static Path settingsFile() {
        synchronized (System.class) {
            String started = System.getProperty(STARTED);
            if (started != null) {
                return Path.of(started);
            }
            String fromEnv = System.getenv(ENV);
            Path settings;
            if (fromEnv != null && !fromEnv.isBlank()) {
                settings = Path.of(fromEnv);
                if (!Files.isReadable(settings)) {
                    throw new IllegalStateException(ENV + "=" + fromEnv + " names no readable file: it should be the"
                            + " object-store.properties of a running local object store (./marina test sets it)");
                }
            } else {
                settings = startOwn();
            }
            ObjectStoreConfig.load(settings);
            System.setProperty(STARTED, settings.toString());
            return settings;
        }
    }

    /** The shared store's settings (no prefix): the whole bucket. Prefer {@link #freshConfig()}. */
    public static ObjectStoreConfig config() {
        return ObjectStoreConfig.load(settingsFile());
    }

    /** The shared store under a prefix no other test uses ({@code test/<random>}). */
    public static ObjectStoreConfig freshConfig() {
        return config().withPrefix("test/" + UUID.randomUUID());
    }

    /** A client of the shared store under a fresh prefix; close it at the end of the test. */
    public static S3ObjectStore freshStore() {
        return new S3ObjectStore(freshConfig());
    }

    /**
     * A fresh prefix's settings as a file (0600, in a temporary folder), for a service under test that loads
     * them with {@link ObjectStoreConfig#load}.
     */
    public static Path freshSettingsFile() {
        ObjectStoreConfig config = freshConfig();
        try {
            Path dir = Files.createTempDirectory("marina-object-store-settings-");
            Path file = dir.resolve("object-store.properties");
            dir.toFile().deleteOnExit();
            file.toFile().deleteOnExit();
            config.writeTo(file, "a test's object store settings (prefix " + config.prefix() + ")");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a test's object store settings", e);
        }
    }

    private static Path startOwn() {
        Path dir;
        try {
            dir = Files.createTempDirectory("marina-object-store-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalObjectStore store = LocalObjectStore.start(MarinaRoot.find(), dir, LocalObjectStore.freePort());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            store.stop();
            deleteTree(dir);
        }, "stop-shared-object-store"));
        return store.settingsFile();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder: best effort
        }
    }
}
