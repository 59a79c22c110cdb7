package dev.marina.objectstore;

import java.time.Instant;

/** One object in the store: its key (relative to the store's prefix), size in bytes, and when it was written. */
public record StoredObjectInfo(String key, long size, Instant lastModified) {}
