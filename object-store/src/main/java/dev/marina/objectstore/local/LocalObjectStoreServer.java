package dev.marina.objectstore.local;

import dev.marina.objectstore.ObjectStoreConfig;
import dev.marina.objectstore.PrivateFile;
import dev.marina.objectstore.ObjectStoreException;
import dev.marina.objectstore.S3ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Runs s3proxy, an S3-compatible server keeping objects in a folder, as the platform's local object store
 * (dev, tests, CI): Amazon S3 is not reachable here, and the same {@link S3ObjectStore} code speaks to both.
 *
 * <pre>
 * java -cp $(cat object-store/target/runtime.classpath):object-store/target/classes \
 *      dev.marina.objectstore.local.LocalObjectStoreServer \
 *      --dir DIR --port 9000 --jar object-store/target/s3proxy.jar [--bucket marina] [--parent-pid PID]
 * </pre>
 *
 * <p>Under {@code DIR} (0700):
 * <ul>
 *   <li>{@code credentials.properties} (0600): the access key pair, made once and reused at every start;</li>
 *   <li>{@code s3proxy.conf} (0600): s3proxy's settings (loopback endpoint, AWS v2/v4 signatures required,
 *       the {@code filesystem-nio2} backend), rewritten at every start;</li>
 *   <li>{@code data/}: the buckets and objects, kept across restarts;</li>
 *   <li>{@code object-store.properties} (0600): the client settings ({@code marina.object-store.*}) that
 *       {@link ObjectStoreConfig#load} reads, written once s3proxy answers and the bucket exists;</li>
 *   <li>{@code ready}: the endpoint, while the server is ready; removed at shutdown.</li>
 * </ul>
 *
 * s3proxy runs as a child process ({@code java -jar}, its 40 MB of dependencies stay off every classpath);
 * this process stops it when it is stopped, and, with {@code --parent-pid}, when that process ends.
 */
public final class LocalObjectStoreServer {

    public static final String CREDENTIALS = "credentials.properties";
    public static final String CLIENT_SETTINGS = "object-store.properties";
    public static final String READY = "ready";
    public static final String DEFAULT_BUCKET = "marina";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private static volatile boolean stopping;

    private LocalObjectStoreServer() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("unexpected argument " + args[i]);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        Path dir = Path.of(required(options, "dir")).toAbsolutePath();
        int port = Integer.parseInt(required(options, "port"));
        Path jar = Path.of(required(options, "jar")).toAbsolutePath();
        String bucket = options.getOrDefault("bucket", DEFAULT_BUCKET);
        Long parentPid = options.containsKey("parent-pid") ? Long.valueOf(options.get("parent-pid")) : null;
        if (!Files.isRegularFile(jar)) {
            fail("s3proxy is not built: " + jar + " is missing (mvn -pl object-store process-resources copies it there)");
        }

        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path ready = dir.resolve(READY);
        Files.deleteIfExists(ready);
        Properties credentials = credentials(dir);
        String identity = credentials.getProperty("identity");
        String secret = credentials.getProperty("credential");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path conf = dir.resolve("s3proxy.conf");
        PrivateFile.write(conf, ("# Written by LocalObjectStoreServer at every start; secrets: never share, never log\n"
                + "s3proxy.endpoint=" + endpoint + "\n"
                + "s3proxy.authorization=aws-v2-or-v4\n"
                + "s3proxy.identity=" + identity + "\n"
                + "s3proxy.credential=" + secret + "\n"
                + "jclouds.provider=filesystem-nio2\n"
                + "jclouds.filesystem.basedir=" + data + "\n").getBytes(StandardCharsets.UTF_8));

        String java = ProcessHandle.current().info().command().orElse("java");
        // The whole JIT (not C1 only): s3proxy hashes every byte it takes (SHA-256 of signed payloads, MD5 for
        // ETags), and without C2's intrinsics it took backups at 58 MB/s instead of 78 (./marina bench backup 200).
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                // Its logback otherwise prints how it configured itself, some 20 lines at every start.
                "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
                "-jar", jar.toString(), "--properties", conf.toString()));
        Process s3proxy = new ProcessBuilder(command).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            try {
                Files.deleteIfExists(ready);
            } catch (IOException ignored) {
                // best effort
            }
            stop(s3proxy);
        }, "stop-s3proxy"));
        System.out.println("marina-object-store: starting s3proxy (pid " + s3proxy.pid() + ") at " + endpoint + ", data in " + data);

        ObjectStoreConfig config = ObjectStoreConfig.of(endpoint, bucket, "", identity, secret);
        long started = System.nanoTime();
        long deadline = started + READY_TIMEOUT.toNanos();
        try (S3ObjectStore store = new S3ObjectStore(config)) {
            while (true) {
                if (!s3proxy.isAlive()) {
                    fail("s3proxy exited with code " + s3proxy.exitValue() + " before it answered (see its output above)");
                }
                try {
                    store.ensureBucket();
                    break;
                } catch (ObjectStoreException notYet) {
                    if (System.nanoTime() > deadline) {
                        fail("s3proxy did not answer at " + endpoint + " within " + READY_TIMEOUT.toSeconds() + " s: "
                                + notYet.getMessage());
                    }
                    Thread.sleep(200);
                }
            }
        }
        Properties client = config.toProperties();
        ByteArrayOut out = new ByteArrayOut();
        client.store(out, "Client settings of the local object store (ObjectStoreConfig.load): never share, never log");
        PrivateFile.write(dir.resolve(CLIENT_SETTINGS), out.toByteArray());
        Files.writeString(ready, endpoint + "\n");
        System.out.println("marina-object-store: READY at " + endpoint + " bucket " + bucket + " after "
                + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms; client settings in "
                + dir.resolve(CLIENT_SETTINGS));

        while (s3proxy.isAlive()) {
            if (parentPid != null && ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false) == false) {
                System.out.println("marina-object-store: process " + parentPid + " ended: stopping");
                System.exit(0);
            }
            s3proxy.waitFor(500, TimeUnit.MILLISECONDS);
        }
        if (!stopping) {
            Files.deleteIfExists(ready);
            fail("s3proxy exited with code " + s3proxy.exitValue());
        }
    }

    /** The access key pair in {@code dir/credentials.properties}, made (0600) on first start and kept. */
    static Properties credentials(Path dir) throws IOException {
        Path file = dir.resolve(CREDENTIALS);
        if (!Files.exists(file)) {
            Properties p = new Properties();
            p.setProperty("identity", "marina-" + random(6).toLowerCase().replace('_', '0').replace('-', '1'));
            p.setProperty("credential", random(30));
            ByteArrayOut out = new ByteArrayOut();
            p.store(out, "the local object store's access key pair: never share, never log");
            PrivateFile.write(file, out.toByteArray());
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        if (p.getProperty("identity", "").isBlank() || p.getProperty("credential", "").isBlank()) {
            throw new IOException(file + " lacks identity or credential: remove it to have a new pair made");
        }
        return p;
    }

    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static final class ByteArrayOut extends java.io.ByteArrayOutputStream {}

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            usage("--" + name + " is required");
        }
        return value;
    }

    private static void fail(String problem) {
        System.err.println("marina-object-store: " + problem);
        System.exit(1);
    }

    private static void usage(String problem) {
        System.err.println("LocalObjectStoreServer: " + problem);
        System.err.println("usage: LocalObjectStoreServer --dir DIR --port PORT --jar S3PROXY_JAR [--bucket NAME] [--parent-pid PID]");
        System.exit(2);
    }
}
