package dev.marina.provisioner.local;

import dev.marina.schemas.proof.PlatformProofKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hands each agent its instance's secrets: its Kafka principal ({@link AgentCredentials}) and its proof key (see schemas' {@code dev.marina.schemas.proof}): derived from
 * the platform's proof key, written to {@code <folder>/instance.key} (mode 0600) before every launch and
 * passed by path ({@code MARINA_INSTANCE_KEY_FILE}); removed when the instance is destroyed. The platform's
 * key itself never leaves the control plane.
 */
final class InstanceKeys {

    static final String FILE = "instance.key";
    static final String ENV = "MARINA_INSTANCE_KEY_FILE";

    private final PlatformProofKey platform;
    private final AgentCredentials kafka;

    InstanceKeys(PlatformProofKey platform, AgentCredentials kafka) {
        this.platform = platform;
        this.kafka = kafka;
    }

    static Path file(InstanceRecord record) {
        return record.folderPath().resolve(FILE);
    }

    /**
     * Writes the instance's key and makes its Kafka principal; true when either was missing or the key
     * file held another key (an agent launched before them, which must be restarted to use them).
     */
    boolean write(InstanceRecord record) {
        boolean newKey = platform.forInstance(record.deployment(), record.instanceId()).write(file(record));
        boolean newPrincipal = kafka.ensure(record);
        return newKey || newPrincipal;
    }

    void remove(InstanceRecord record) {
        kafka.remove(record);
        try {
            Files.deleteIfExists(file(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the instance key " + file(record), e);
        }
    }
}
