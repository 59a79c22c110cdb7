package dev.marina.provisioner.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Which agent build a launch runs: a fingerprint of the agent jar and, in Quarkus' fast-jar layout, every file
 * beside it ({@code app/}, {@code lib/}, {@code quarkus/}: the agent's own code is in {@code app/}), by path, size
 * and modification time, plus the JVM and its options. A rebuild changes it; so does a {@code touch} of the jar.
 * Recorded with each instance ({@link InstanceRecord#agentBuild()}) and handed to the agent as
 * {@code MARINA_AGENT_BUILD}; an instance whose recorded build is not the current one is rolled ({@link AgentRoller}).
 *
 * @param fingerprint 16 hex digits
 * @param changedAt   the newest modification time among the files: a build still being written changed recently,
 *                    and is not rolled out until it has settled
 */
public record AgentBuild(String fingerprint, Instant changedAt) {

    /** In the agent command, replaced by the fingerprint at each launch (the class-data archive is per build). */
    public static final String PLACEHOLDER = "{build}";

    /** The agent's environment variable naming its build. */
    public static final String ENV = "MARINA_AGENT_BUILD";

    public AgentBuild {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(changedAt, "changedAt");
    }

    /** The build of the jar as it is on disk now; fails (UncheckedIOException) when the jar cannot be read. */
    public static AgentBuild of(Path jar) {
        Path file = jar.toAbsolutePath().normalize();
        try {
            List<String> lines = new ArrayList<>();
            long newest = 0;
            for (Path part : partsOf(file)) {
                BasicFileAttributes attributes = Files.readAttributes(part, BasicFileAttributes.class);
                long modified = attributes.lastModifiedTime().toMillis();
                newest = Math.max(newest, modified);
                lines.add(part + "|" + attributes.size() + "|" + modified);
            }
            lines.add(System.getProperty("java.vm.version"));
            lines.add(String.join(" ", AgentClassData.JVM_OPTIONS));
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
            return new AgentBuild(HexFormat.of().formatHex(digest, 0, 8), Instant.ofEpochMilli(newest));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent build " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The jar, and in a fast-jar layout every regular file of its folder, sorted. */
    private static List<Path> partsOf(Path jar) throws IOException {
        List<Path> parts = new ArrayList<>(List.of(jar));
        Path folder = jar.getParent();
        if (folder != null && Files.isDirectory(folder.resolve("app")) && Files.isDirectory(folder.resolve("lib"))) {
            for (String sub : List.of("app", "lib", "quarkus")) {
                if (!Files.isDirectory(folder.resolve(sub))) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(folder.resolve(sub))) {
                    files.filter(Files::isRegularFile).sorted().forEach(parts::add);
                }
            }
        }
        return parts;
    }

    /** The command line with {@link #PLACEHOLDER} replaced by this build's fingerprint. */
    List<String> apply(List<String> command) {
        return command.stream().map(part -> part.replace(PLACEHOLDER, fingerprint)).toList();
    }
}
