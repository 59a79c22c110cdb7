package dev.marina.service;

import dev.marina.schemas.proof.PlatformProofKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The platform's proof key ({@link PlatformProofKey}) in a file readable only by its owner, kept like
 * the platform's other secrets ({@code .marina/secrets/proof.key} locally, {@code marina.proof.key-file}).
 * Only the control plane reads it: intent-service, health-monitor and the provisioner. Agents get their
 * instance's key, never this one. A separate key from {@link SecretBox}'s: agents hold that one.
 */
public final class ProofKeyFile {
    private ProofKeyFile() {}

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Reads the key file, creating it with a new random key (mode 0600) when it does not exist yet. */
    public static PlatformProofKey readOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                Path dir = file.toAbsolutePath().getParent();
                Files.createDirectories(dir);
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Path temp = Files.createTempFile(dir, ".proof", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(temp, Base64.getEncoder().encodeToString(fresh) + "\n");
                try {
                    // Atomic: of the services creating it at once, exactly one wins; all read the winner's.
                    Files.createLink(file, temp);
                } catch (FileAlreadyExistsException someoneElseWon) {
                    // read theirs
                } finally {
                    Files.deleteIfExists(temp);
                }
            }
            return new PlatformProofKey(Base64.getDecoder().decode(Files.readString(file).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the platform proof key " + file, e);
        }
    }
}
