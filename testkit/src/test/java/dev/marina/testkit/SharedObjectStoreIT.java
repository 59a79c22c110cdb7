package dev.marina.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.S3ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedObjectStoreIT {

    @Test
    void givesEachTestAStoreOfItsOwnOnTheSharedServer() throws IOException {
        try (S3ObjectStore mine = SharedObjectStore.freshStore(); S3ObjectStore theirs = SharedObjectStore.freshStore()) {
            assertNotEquals(mine.config().prefix(), theirs.config().prefix());
            assertEquals(mine.config().endpoint(), theirs.config().endpoint());
            mine.put("a", new byte[] {1, 2, 3});
            try (InputStream in = mine.get("a")) {
                assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
            }
            assertEquals(List.of(), theirs.list(""));
        }
    }

    @Test
    void writesAPrivateSettingsFileAServiceCanLoad() throws IOException {
        Path file = SharedObjectStore.freshSettingsFile();
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        ObjectStoreConfig config = ObjectStoreConfig.load(file);
        try (S3ObjectStore store = new S3ObjectStore(config)) {
            store.put("k", new byte[] {9});
            assertEquals(1, store.list("").size());
        }
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(SharedObjectStore.settingsFile()));
    }
}
