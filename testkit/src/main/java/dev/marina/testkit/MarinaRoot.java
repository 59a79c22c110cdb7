package dev.marina.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root: the {@code marina.root} system property (set by the build), or upwards from here. */
final class MarinaRoot {
    private MarinaRoot() {}

    static Path find() {
        String configured = System.getProperty("marina.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isExecutable(dir.resolve("marina")) && Files.isDirectory(dir.resolve("kafka-broker"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root (no ./marina above "
                + Path.of("").toAbsolutePath() + "); set -Dmarina.root");
    }
}
