package dev.marina.agent.backup;

import dev.marina.objectstore.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the deployment's object store for one backup (closed after it). The agent's comes from the instance folder's
 * {@code object-store.properties}; tests hand in their own.
 */
@FunctionalInterface
public interface ObjectStoreFactory {

    /** Throws {@link dev.marina.objectstore.ObjectStoreException} (or another runtime exception) saying why it cannot. */
    ObjectStore open();

    String CONFIG_FILE = "object-store.properties";

    /**
     * The store configured in {@code <instance folder>/object-store.properties}.
     *
     * <p>The S3 implementation and its {@code ObjectStoreConfig.load(Path)} are not in the object-store module yet:
     * until they are, this says so. Replacing the body of the lambda with the one line that builds the S3 store from
     * {@code ObjectStoreConfig.load(file)} is the whole wiring.
     */
    static ObjectStoreFactory fromInstanceFolder(Path instanceDir) {
        Path file = instanceDir.resolve(CONFIG_FILE);
        return () -> {
            if (!Files.isReadable(file)) {
                throw new dev.marina.objectstore.ObjectStoreException("no object store configured: " + file + " is missing");
            }
            throw new dev.marina.objectstore.ObjectStoreException("this agent has no S3 object store implementation yet ("
                    + file + " is there)");
        };
    }
}
