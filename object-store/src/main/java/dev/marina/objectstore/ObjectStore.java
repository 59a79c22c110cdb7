package dev.marina.objectstore;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where backups and archived binary logs go: a bucket under a prefix, spoken to with the S3 API (Amazon
 * S3 in production, s3proxy locally; the same code). Keys given here are relative to the configured
 * prefix. Every method throws {@link ObjectStoreException} naming the key and the store's answer when
 * the store is unreachable or refuses.
 */
public interface ObjectStore extends AutoCloseable {

    /**
     * Streams {@code content} to {@code key} (multipart: never holds the whole object in memory, never
     * writes it to local disk) and returns what was stored. An object appears under its key only when
     * complete: a failed or interrupted upload leaves nothing visible (its parts are aborted).
     */
    StoredObjectInfo put(String key, InputStream content);

    /** Writes a small object (a manifest, an index) in one request. */
    StoredObjectInfo put(String key, byte[] content);

    /** The object's bytes as a stream; {@link ObjectStoreException.NotFound} when there is none. */
    InputStream get(String key);

    /** Size and time of the object, or empty when there is none. */
    Optional<StoredObjectInfo> head(String key);

    /** Every object whose key starts with {@code keyPrefix}, in key order (all pages). */
    List<StoredObjectInfo> list(String keyPrefix);

    /** Removes the object; removing one that is not there is not an error. */
    void delete(String key);

    @Override
    void close();
}
