package dev.marina.agent.backup;

import dev.marina.objectstore.ObjectStore;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.objectstore.StoredObjectInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A test-only {@link ObjectStore} over a local directory, keeping the store's contract: an object appears under its
 * key only when complete (written to a temp file, then renamed). Stands in for the S3 store until that one lands.
 */
public final class DirectoryObjectStore implements ObjectStore {
    private final Path root;

    public DirectoryObjectStore(Path root) {
        this.root = root;
    }

    private Path path(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || key.endsWith("/")) {
            throw new ObjectStoreException("bad key " + key);
        }
        return p;
    }

    @Override
    public StoredObjectInfo put(String key, InputStream content) {
        Path target = path(key);
        try {
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(root, ".upload", ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(temp)) {
                    content.transferTo(out);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
            return head(key).orElseThrow();
        } catch (IOException e) {
            throw new ObjectStoreException("put " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public StoredObjectInfo put(String key, byte[] content) {
        return put(key, new java.io.ByteArrayInputStream(content));
    }

    @Override
    public InputStream get(String key) {
        Path p = path(key);
        if (!Files.isRegularFile(p)) {
            throw new ObjectStoreException.NotFound(key);
        }
        try {
            return Files.newInputStream(p);
        } catch (IOException e) {
            throw new ObjectStoreException("get " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<StoredObjectInfo> head(String key) {
        Path p = path(key);
        try {
            if (!Files.isRegularFile(p)) {
                return Optional.empty();
            }
            return Optional.of(new StoredObjectInfo(key, Files.size(p), Files.getLastModifiedTime(p).toInstant()));
        } catch (IOException e) {
            throw new ObjectStoreException("head " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<StoredObjectInfo> list(String keyPrefix) {
        List<StoredObjectInfo> found = new ArrayList<>();
        try (var paths = Files.walk(root)) {
            for (Path p : paths.filter(Files::isRegularFile).sorted().toList()) {
                String key = root.relativize(p).toString();
                if (key.startsWith(keyPrefix) && !p.getFileName().toString().startsWith(".upload")) {
                    found.add(head(key).orElseThrow());
                }
            }
        } catch (IOException e) {
            throw new ObjectStoreException("list " + keyPrefix + " failed: " + e.getMessage(), e);
        }
        return found;
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            throw new ObjectStoreException("delete " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {}
}
