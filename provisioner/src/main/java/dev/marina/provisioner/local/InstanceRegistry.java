package dev.marina.provisioner.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local driver's memory: every instance with its address, folder and agent pid, kept in
 * {@code $MARINA_HOME/provisioner/instances.json}. Every change is written before it takes effect
 * elsewhere, atomically (temp file, fsync, rename), so after a crash the file holds either the old or
 * the new state, never half of one. Not thread-safe: {@link LocalDriver} serialises access.
 */
public final class InstanceRegistry {

    /** The file's shape; {@code version} lets a later format be told apart. */
    record Contents(int version, List<InstanceRecord> instances) {}

    private static final int VERSION = 1;

    private final Path file;
    private final ObjectMapper json;
    private final Map<String, InstanceRecord> byId = new LinkedHashMap<>();

    private InstanceRegistry(Path file) {
        this.file = file;
        this.json = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .build();
    }

    /**
     * Loads the registry, empty when the file does not exist yet. A file that exists but cannot be read
     * stops the provisioner: starting empty would hand out addresses that running instances hold.
     */
    public static InstanceRegistry load(Path file) {
        InstanceRegistry registry = new InstanceRegistry(file);
        if (Files.exists(file)) {
            try {
                Contents contents = registry.json.readValue(file.toFile(), Contents.class);
                if (contents.version() != VERSION) {
                    throw new IllegalStateException(file + " has format version " + contents.version()
                            + ", this provisioner reads version " + VERSION);
                }
                for (InstanceRecord record : contents.instances()) {
                    registry.byId.put(record.instanceId(), record);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the instance registry " + file
                        + " (fix or move it away; starting without it could hand out addresses in use): " + e.getMessage(), e);
            }
        }
        return registry;
    }

    /**
     * Reads the file again, replacing what is held: a provisioner copy elected leader takes over the
     * registry another copy kept on this host (docs/copies.md).
     */
    public void reload() {
        InstanceRegistry fresh = load(file);
        byId.clear();
        byId.putAll(fresh.byId);
    }

    public Path file() {
        return file;
    }

    public Optional<InstanceRecord> find(String instanceId) {
        return Optional.ofNullable(byId.get(instanceId));
    }

    /** Every record, oldest first. */
    public List<InstanceRecord> all() {
        List<InstanceRecord> all = new ArrayList<>(byId.values());
        all.sort(Comparator.comparing(InstanceRecord::createdAt).thenComparing(InstanceRecord::instanceId));
        return all;
    }

    public List<String> addressesInUse() {
        return byId.values().stream().map(InstanceRecord::address).toList();
    }

    /** Adds or replaces a record and writes the file before returning. */
    public void put(InstanceRecord record) {
        InstanceRecord previous = byId.put(record.instanceId(), record);
        try {
            save();
        } catch (UncheckedIOException e) {
            restore(record.instanceId(), previous);
            throw e;
        }
    }

    /** Removes a record (freeing its address) and writes the file before returning. */
    public void remove(String instanceId) {
        InstanceRecord previous = byId.remove(instanceId);
        if (previous == null) {
            return;
        }
        try {
            save();
        } catch (UncheckedIOException e) {
            restore(instanceId, previous);
            throw e;
        }
    }

    private void restore(String instanceId, InstanceRecord previous) {
        if (previous == null) {
            byId.remove(instanceId);
        } else {
            byId.put(instanceId, previous);
        }
    }

    private void save() {
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            byte[] bytes = json.writeValueAsBytes(new Contents(VERSION, all()));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                // On disk before the rename, so the rename never exposes an empty or partial file.
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the instance registry " + file, e);
        }
    }
}
