package dev.marina.schemas.proof;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * One instance's proof key, as its agent holds it: it proves that instance's reports and checks the
 * commands sent to it, and nothing else. Kept in a file readable only by its owner, written by the
 * provisioner before the agent starts ({@link #write}) and removed with the instance.
 *
 * @param keyId         the id of the platform proof key it was derived from
 * @param deploymentKey {@code "<tenant>/<name>"}
 * @param instanceId    the instance
 * @param key           32 bytes
 */
public record InstanceKey(String keyId, String deploymentKey, String instanceId, byte[] key) implements ProofKeys {

    public InstanceKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(deploymentKey, "deploymentKey");
        Objects.requireNonNull(instanceId, "instanceId");
        if (key == null || key.length != 32) {
            throw new IllegalArgumentException("an instance key is 32 bytes");
        }
        key = key.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    /** Only this instance's key: an agent can neither prove nor check another instance's records. */
    @Override
    public Optional<SecretKey> instanceKey(String deployment, String instance) {
        return deploymentKey.equals(deployment) && instanceId.equals(instance)
                ? Optional.of(new SecretKeySpec(key, "HmacSHA256"))
                : Optional.empty();
    }

    /** The file's content; the key in base64. */
    public String fileContent() {
        return "# marina instance proof key: proves this instance's messages; keep it private (0600)\n"
                + "version=1\n"
                + "key-id=" + keyId + "\n"
                + "deployment=" + deploymentKey + "\n"
                + "instance=" + instanceId + "\n"
                + "key=" + Base64.getEncoder().encodeToString(key) + "\n";
    }

    /** Writes the key atomically (temp file, rename) with mode 0600; true when the file changed. */
    public boolean write(Path file) {
        try {
            Optional<InstanceKey> current = Files.exists(file) ? Optional.of(read(file)) : Optional.empty();
            if (current.isPresent() && current.get().equals(this)) {
                return false;
            }
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(temp, fileContent());
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
            return true;
        } catch (IOException | IllegalArgumentException e) {
            throw new UncheckedIOException("cannot write the instance key " + file,
                    e instanceof IOException io ? io : new IOException(e.getMessage(), e));
        }
    }

    /** Reads a key file; throws {@link IllegalArgumentException} naming what is wrong with it. */
    public static InstanceKey read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the instance key " + file, e);
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalArgumentException("the instance key " + file + " is unreadable", e);
        }
        if (!"1".equals(p.getProperty("version"))) {
            throw new IllegalArgumentException("the instance key " + file + " has version " + p.getProperty("version")
                    + "; this agent knows 1");
        }
        for (String field : new String[] {"key-id", "deployment", "instance", "key"}) {
            if (p.getProperty(field, "").isBlank()) {
                throw new IllegalArgumentException("the instance key " + file + " lacks " + field);
            }
        }
        try {
            return new InstanceKey(p.getProperty("key-id"), p.getProperty("deployment"), p.getProperty("instance"),
                    Base64.getDecoder().decode(p.getProperty("key").trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the instance key " + file + " is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InstanceKey other && keyId.equals(other.keyId) && deploymentKey.equals(other.deploymentKey)
                && instanceId.equals(other.instanceId) && Arrays.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyId, deploymentKey, instanceId, Arrays.hashCode(key));
    }

    /** Never the key itself: records print their fields, and logs must not carry secrets. */
    @Override
    public String toString() {
        return "InstanceKey[keyId=" + keyId + ", deployment=" + deploymentKey + ", instance=" + instanceId + "]";
    }
}
