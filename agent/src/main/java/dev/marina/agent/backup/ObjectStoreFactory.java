package dev.marina.agent.backup;

import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.objectstore.S3ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the deployment's object store for one backup (closed after it). The agent's comes from the instance
 * folder's {@code object-store.properties}, which the provisioner writes at every launch; tests hand in their own.
 */
@FunctionalInterface
public interface ObjectStoreFactory {

    /** Throws {@link ObjectStoreException} (or another runtime exception) saying why it cannot. */
    ObjectStore open();

    String CONFIG_FILE = "object-store.properties";

    /** The S3 store configured in {@code <instance folder>/object-store.properties}, read afresh for every backup. */
    static ObjectStoreFactory fromInstanceFolder(Path instanceDir) {
        Path file = instanceDir.resolve(CONFIG_FILE);
        return () -> {
            if (!Files.isReadable(file)) {
                throw new ObjectStoreException("no object store configured for this instance: " + file + " is missing"
                        + " (the provisioner writes it when marina.provisioner.object-store-config is set)");
            }
            try {
                return new S3ObjectStore(ObjectStoreConfig.load(file));
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                throw new ObjectStoreException("the object store settings " + file + " are unusable: " + e.getMessage(), e);
            }
        };
    }
}
