package dev.marina.objectstore.local;

import dev.marina.objectstore.ObjectStoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local object store ({@link LocalObjectStoreServer}: s3proxy on loopback) as a child process of this JVM,
 * for tests: started on a folder and port, stopped or killed and restarted on the same data. The server
 * watches this JVM and stops when it ends, however it ends.
 *
 * <p>Needs the object-store module built in the repository: {@code object-store/target/s3proxy.jar},
 * {@code target/runtime.classpath} and {@code target/classes} (any Maven build of the module up to
 * {@code compile} makes them).
 */
public final class LocalObjectStore implements AutoCloseable {

    private static final Duration READY_TIMEOUT = LocalObjectStoreServer.READY_TIMEOUT.plusSeconds(10);

    private final Path module;
    private final Path dir;
    private final int port;
    private Process process;

    private LocalObjectStore(Path module, Path dir, int port) {
        this.module = module;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts the server with its state in {@code dir} (credentials made on first use, data kept) on
     * {@code port}; {@code repositoryRoot} is where the {@code object-store} module is built.
     */
    public static LocalObjectStore start(Path repositoryRoot, Path dir, int port) {
        LocalObjectStore store = new LocalObjectStore(repositoryRoot.resolve("object-store"), dir, port);
        store.launch();
        return store;
    }

    /** The client settings ({@code object-store.properties}, 0600), bucket made, no prefix. */
    public Path settingsFile() {
        return dir.resolve(LocalObjectStoreServer.CLIENT_SETTINGS);
    }

    public ObjectStoreConfig config() {
        return ObjectStoreConfig.load(settingsFile());
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public Path log() {
        return dir.resolve("server.log");
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server (and s3proxy) cleanly and waits for it. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts it again on the same folder and port (same data, same credentials). */
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
        Path jar = module.resolve("target/s3proxy.jar");
        Path classpathFile = module.resolve("target/runtime.classpath");
        Path classes = module.resolve("target/classes");
        for (Path needed : List.of(jar, classpathFile, classes)) {
            if (!Files.exists(needed)) {
                throw new IllegalStateException("the local object store (s3proxy) is not built: " + needed + " is missing."
                        + " Run `mvn -q -pl object-store compile` in " + module.getParent() + " (or ./marina test).");
            }
        }
        try {
            Files.createDirectories(dir);
            Path ready = dir.resolve(LocalObjectStoreServer.READY);
            Files.deleteIfExists(ready);
            String java = ProcessHandle.current().info().command()
                    .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this JVM, to start s3proxy with"));
            process = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", Files.readString(classpathFile).trim() + ":" + classes,
                    LocalObjectStoreServer.class.getName(),
                    "--dir", dir.toString(),
                    "--port", Integer.toString(port),
                    "--jar", jar.toString(),
                    "--parent-pid", Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .start();
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (!Files.exists(ready)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the local object store (s3proxy) exited with code " + process.exitValue()
                            + " before it was ready; see " + log());
                }
                if (System.nanoTime() > deadline) {
                    stop();
                    throw new IllegalStateException("the local object store (s3proxy) was not ready within "
                            + READY_TIMEOUT.toSeconds() + " s; see " + log());
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the local object store in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the local object store", e);
        }
    }

    /** A TCP port nothing listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
