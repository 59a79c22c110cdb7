package dev.marina.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import dev.marina.schemas.access.KafkaAccess;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker (KRaft, one combined node) as a child process, started from the
 * {@code kafka-broker} module's classpath. Tests use it to run against a real broker, and to kill or
 * restart it. The broker watches this JVM and shuts down when it ends, however it ends.
 */
public final class LocalKafka implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final Path secretsDir;
    private final int port;
    private final int controllerPort;
    private Process process;

    private LocalKafka(Path dir, Path secretsDir, int port, int controllerPort) {
        this.dir = dir;
        this.secretsDir = secretsDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker in a new temporary folder on free ports. */
    public static LocalKafka startFresh() {
        try {
            return start(Files.createTempDirectory("marina-kafka-"), freePort(), freePort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a broker with its data in {@code dir} (formatted on first use) on the given ports. */
    public static LocalKafka start(Path dir, int port, int controllerPort) {
        return start(dir, dir.resolve("secrets"), port, controllerPort);
    }

    /**
     * Starts a broker whose secrets (CA, certificate, super users' passwords) are those in
     * {@code secretsDir}, made there if missing: two brokers sharing them accept the same admin and are
     * trusted by the same clients (SCRAM principals, though, live in each broker's own metadata).
     */
    public static LocalKafka start(Path dir, Path secretsDir, int port, int controllerPort) {
        LocalKafka kafka = new LocalKafka(dir, secretsDir, port, controllerPort);
        kafka.launch();
        return kafka;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The broker's secrets: its CA ({@code ca.pem}), the admin's settings, the principals' files. */
    public Path secretsDir() {
        return secretsDir;
    }

    /** The admin's (super user's) client settings for this broker. */
    public Properties adminClient() {
        return KafkaAccess.client(KafkaAccess.adminFile(secretsDir()), bootstrapServers());
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the broker cleanly (SIGTERM) and waits for it. */
    public void stop() {
        end(false);
    }

    /** Kills the broker (SIGKILL), as a crash would. */
    public void kill() {
        end(true);
    }

    /** Starts the broker again on the same folder and ports, after {@link #stop()} or {@link #kill()}. */
    public void restart() {
        if (isRunning()) {
            stop();
        }
        launch();
    }

    @Override
    public void close() {
        if (isRunning()) {
            stop();
        }
    }

    private void launch() {
        Path root = MarinaRoot.find();
        Path classpathFile = root.resolve("kafka-broker/target/broker.classpath");
        Path classes = root.resolve("kafka-broker/target/classes");
        if (!Files.isRegularFile(classpathFile) || !Files.isDirectory(classes)) {
            throw new IllegalStateException("the local Kafka broker is not built: " + classpathFile + " is missing."
                    + " Run `mvn -q -f " + root.resolve("kafka-broker/pom.xml") + " compile` or `./marina test`.");
        }
        try {
            Files.createDirectories(dir);
            Path ready = dir.resolve("ready");
            Files.deleteIfExists(ready);
            String java = ProcessHandle.current().info().command().orElse("java");
            // The whole JIT, as `./marina up` runs its broker: every client connects over TLS and SASL, and C1 alone
            // has none of the intrinsics the handshakes and record checksums use.
            List<String> command = new ArrayList<>(List.of(
                    java, "-Xmx384m", "-XX:+UseSerialGC",
                    "-cp", Files.readString(classpathFile).trim() + ":" + classes,
                    "dev.marina.kafka.LocalBroker",
                    "--dir", dir.toString(),
                    "--port", Integer.toString(port),
                    "--controller-port", Integer.toString(controllerPort),
                    "--secrets", secretsDir().toString(),
                    "--parent-pid", Long.toString(ProcessHandle.current().pid())));
            Path log = dir.resolve("broker.log");
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (!Files.exists(ready)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the Kafka broker exited with code " + process.exitValue()
                            + " before it was ready; see " + log);
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the Kafka broker was not ready within " + READY_TIMEOUT.toSeconds()
                            + " s; see " + log);
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the Kafka broker in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the Kafka broker", e);
        }
    }

    private void end(boolean kill) {
        if (process == null) {
            return;
        }
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ports handed out by this JVM, never handed out twice. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A TCP port nothing listens on right now, below the kernel's ephemeral range. A port from that range (what
     * {@code new ServerSocket(0)} gives) can be taken between this call and the server's bind as the local port of
     * any outgoing connection on the machine, and the server then fails to start ("port in use") while the caller
     * talks to whatever holds it. Below the range only another listener can take it.
     */
    public static int freePort() {
        int below = ephemeralLow();
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = random.nextInt(Math.max(1024, below - 12_000), below);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new java.net.InetSocketAddress(port));
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException inUse) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no free TCP port found below " + below);
    }

    /** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
    private static int ephemeralLow() {
        try {
            // read by lines: procfs reports a size of 0, which readString takes at its word
            String range = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .get(0).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > 2048 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
