package dev.marina.bench;

import dev.marina.schemas.proof.PlatformProofKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** The proof key of a platform the bench started (its control plane made it in {@code <home>/secrets/proof.key}). */
final class PlatformProof {
    private PlatformProof() {}

    static PlatformProofKey of(Path home) throws IOException {
        Path file = home.resolve("secrets").resolve("proof.key");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + file, e);
            }
        }
        return new PlatformProofKey(Base64.getDecoder().decode(Files.readString(file).trim()));
    }
}
