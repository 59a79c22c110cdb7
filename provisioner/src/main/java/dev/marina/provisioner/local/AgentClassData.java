package dev.marina.provisioner.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A class-data-sharing archive of the agent, which roughly halves an agent's start-up — and agent
 * start-up is on every deployment's way to Ready. The JVM accepts an archive only for the exact
 * jar path it was made with, so the provisioner makes its own: once per agent build, in the
 * background, by starting the agent idle and stopping it. Agents launched before it exists simply
 * start without it (the JVM ignores a missing archive). A new build (see {@link AgentBuild}) gets an archive of its
 * own, made when the provisioner first sees it.
 */
final class AgentClassData {
    private static final Logger LOG = Logger.getLogger(AgentClassData.class);
    private static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(60);

    /**
     * JVM options of every agent; the archive is only valid with the same ones. The JIT is left whole (C1 and C2):
     * stopping at C1 saved about 12 MB of an idle agent's 110 MB but left AES-GCM without its intrinsics, so a
     * backup's and the binary-log archive's encryption ran at 32 MB/s instead of over 1 GB/s (./marina bench
     * backup prints both); start-up is the same either way (0.87 s against 0.82 s, measured idle).
     */
    static final List<String> JVM_OPTIONS = List.of("-Xmx96m", "-XX:+UseSerialGC");

    private final String java;
    private final Path jar;
    private final Path cacheDir;
    private final Set<String> training = ConcurrentHashMap.newKeySet();

    AgentClassData(String java, Path jar, Path cacheDir) {
        this.java = java;
        this.jar = jar;
        this.cacheDir = cacheDir;
    }

    /**
     * The archive's path for any build, with {@link AgentBuild#PLACEHOLDER} where the build's fingerprint goes: the
     * launcher fills it in at each launch, so an agent of a new build names that build's archive.
     */
    String archivePattern() {
        return cacheDir.resolve("agent-" + AgentBuild.PLACEHOLDER + ".jsa").toString();
    }

    /** Where the archive of a build is (or will be). */
    Path archive(AgentBuild build) {
        return cacheDir.resolve("agent-" + build.fingerprint() + ".jsa");
    }

    /** Makes the archive of the jar's current build if it does not exist yet, without holding up the caller. */
    void prepareInBackground() {
        if (!Files.isRegularFile(jar)) {
            return;
        }
        AgentBuild build;
        try {
            build = AgentBuild.of(jar);
        } catch (java.io.UncheckedIOException e) {
            return; // being rebuilt: the next call makes it
        }
        Path archive = archive(build);
        if (Files.exists(archive) || !training.add(build.fingerprint())) {
            return;
        }
        Thread thread = new Thread(() -> {
            try {
                train(archive);
            } finally {
                training.remove(build.fingerprint());
            }
        }, "agent-class-data");
        thread.setDaemon(true);
        thread.start();
    }

    private void train(Path archive) {
        Path dir = archive.getParent();
        Path temp = dir.resolve(archive.getFileName() + ".tmp");
        Path log = dir.resolve("training.log");
        long started = System.nanoTime();
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(temp);
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(JVM_OPTIONS);
            command.addAll(List.of("-XX:ArchiveClassesAtExit=" + temp, "-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            // An idle agent: no instance, no topic bootstrap, any free HTTP port.
            builder.environment().keySet().removeIf(name -> name.startsWith("MARINA_") || name.startsWith("QUARKUS_"));
            builder.environment().put("QUARKUS_HTTP_PORT", "0");
            builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
            builder.environment().put("MARINA_TOPICS_BOOTSTRAP", "false");
            Process agent = builder.start();
            long deadline = System.nanoTime() + TRAINING_TIMEOUT.toNanos();
            while (!Files.readString(log, StandardCharsets.UTF_8).contains("started in") && agent.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            agent.destroy(); // a normal exit writes the archive
            if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
            if (Files.size(temp) > 0) {
                Files.move(temp, archive, StandardCopyOption.ATOMIC_MOVE);
                LOG.infof("agent class-data archive made archive=%s took=%dms", archive,
                        Duration.ofNanos(System.nanoTime() - started).toMillis());
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // Only speed is lost: agents start without the archive.
            LOG.warnf("agent class-data archive not made archive=%s reason=%s (see %s)", archive, e.getMessage(), log);
        }
    }
}
