package dev.marina.provisioner.local;

import dev.marina.schemas.proof.PlatformProofKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hands each agent its instance's proof key (see schemas' {@code dev.marina.schemas.proof}): derived from
 * the platform's proof key, written to {@code <folder>/instance.key} (mode 0600) before every launch and
 * passed by path ({@code MARINA_INSTANCE_KEY_FILE}); removed when the instance is destroyed. The platform's
 * key itself never leaves the control plane.
 */
final class InstanceKeys {

    static final String FILE = "instance.key";
    static final String ENV = "MARINA_INSTANCE_KEY_FILE";

    private final PlatformProofKey platform;

    InstanceKeys(PlatformProofKey platform) {
        this.platform = platform;
    }

    static Path file(InstanceRecord record) {
        return record.folderPath().resolve(FILE);
    }

    /** Writes the instance's key; true when the file was missing or held another key (an agent launched before it). */
    boolean write(InstanceRecord record) {
        return platform.forInstance(record.deployment(), record.instanceId()).write(file(record));
    }

    void remove(InstanceRecord record) {
        try {
            Files.deleteIfExists(file(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the instance key " + file(record), e);
        }
    }
}
