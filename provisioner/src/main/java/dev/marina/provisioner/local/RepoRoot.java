package dev.marina.provisioner.local;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the repository the platform runs from, to locate the agent jar built beside the provisioner:
 * {@code marina.root} when set, else the first folder holding {@code agent/} and the {@code marina}
 * launcher above the provisioner's own jar ({@code <repo>/provisioner/target/quarkus-app/…}) or
 * above the working directory, else the working directory.
 */
final class RepoRoot {
    private RepoRoot() {}

    static Path locate(Optional<String> configured) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return Path.of(configured.get()).toAbsolutePath().normalize();
        }
        return ownLocation().flatMap(RepoRoot::searchUpwards)
                .or(() -> searchUpwards(Path.of("").toAbsolutePath()))
                .orElse(Path.of("").toAbsolutePath());
    }

    private static Optional<Path> ownLocation() {
        try {
            return Optional.of(Path.of(RepoRoot.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> searchUpwards(Path start) {
        for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("agent")) && Files.isRegularFile(dir.resolve("marina"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }
}
