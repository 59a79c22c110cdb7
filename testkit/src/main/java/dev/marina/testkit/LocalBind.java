package dev.marina.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real BIND {@code named} as a child process: one primary zone on 127.0.0.1 (IPv4 only, no
 * recursion, no rndc), accepting RFC 2136 updates signed with a freshly generated TSIG key for any
 * name in the zone, and zone transfers (AXFR) signed with the same key. Tests use it to run the
 * DNS driver against a real server, and to stop, kill or restart it. The server ends with this
 * JVM (shutdown hook); a SIGKILL of the JVM can outlive it.
 */
public final class LocalBind implements AutoCloseable {

    public static final String NAMED = "/usr/sbin/named";
    public static final String TSIG_KEYGEN = "/usr/sbin/tsig-keygen";
    public static final String ALGORITHM = "hmac-sha256";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern SECRET = Pattern.compile("secret\\s+\"([^\"]+)\"");

    private final Path dir;
    private final int port;
    private final String zone;
    private final String keyName;
    private final String keySecret;
    private final Thread shutdownHook = new Thread(this::kill, "stop-local-bind");
    private Process process;

    private LocalBind(Path dir, int port, String zone, String keyName, String keySecret) {
        this.dir = dir;
        this.port = port;
        this.zone = zone;
        this.keyName = keyName;
        this.keySecret = keySecret;
    }

    /** Starts a server for {@code zone} (e.g. {@code "db.marina.test"}) in a new temporary folder on a free port. */
    public static LocalBind start(String zone) {
        requireInstalled();
        String bareZone = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        try {
            Path dir = Files.createTempDirectory("marina-bind-");
            String keyName = "marina-test-key";
            String secret = generateKey(dir, keyName);
            int port = LocalKafka.freePort();
            writeConfig(dir, port, bareZone, keyName);
            LocalBind bind = new LocalBind(dir, port, bareZone, keyName, secret);
            Runtime.getRuntime().addShutdownHook(bind.shutdownHook);
            bind.launch();
            return bind;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the BIND server", e);
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** The zone, without the trailing dot. */
    public String zone() {
        return zone;
    }

    /** The TSIG key name, without the trailing dot. */
    public String keyName() {
        return keyName;
    }

    /** The TSIG secret, base64, as tsig-keygen wrote it. */
    public String keySecret() {
        return keySecret;
    }

    /** The TSIG algorithm name as BIND and dnsjava spell it. */
    public String algorithm() {
        return ALGORITHM;
    }

    public Path dir() {
        return dir;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server cleanly (SIGTERM; it flushes its journal) and waits for it. */
    public void stop() {
        end(false);
    }

    /** Kills the server (SIGKILL), as a crash would. */
    public void kill() {
        end(true);
    }

    /** Starts the server again on the same folder, port, zone data and key. */
    public void restart() {
        if (isRunning()) {
            stop();
        }
        launch();
    }

    /** Stops the server and removes its folder. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook runs anyway and finds the server gone.
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Only a leftover temporary folder.
        }
    }

    private static void requireInstalled() {
        for (String program : List.of(NAMED, TSIG_KEYGEN)) {
            if (!Files.isExecutable(Path.of(program))) {
                throw new IllegalStateException(program + " is missing: the DNS tests need a real BIND server."
                        + " Install it with `apt-get install bind9 bind9-utils`.");
            }
        }
    }

    private static String generateKey(Path dir, String keyName) throws IOException {
        Path keyFile = dir.resolve("tsig.key");
        Process keygen = new ProcessBuilder(TSIG_KEYGEN, "-a", ALGORITHM, keyName)
                .redirectErrorStream(true)
                .redirectOutput(keyFile.toFile())
                .start();
        try {
            if (!keygen.waitFor(10, TimeUnit.SECONDS) || keygen.exitValue() != 0) {
                keygen.destroyForcibly();
                throw new IllegalStateException("tsig-keygen failed: " + Files.readString(keyFile));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating the TSIG key", e);
        }
        Matcher secret = SECRET.matcher(Files.readString(keyFile));
        if (!secret.find()) {
            throw new IllegalStateException("no secret in tsig-keygen's output: " + Files.readString(keyFile));
        }
        return secret.group(1);
    }

    private static void writeConfig(Path dir, int port, String zone, String keyName) throws IOException {
        Files.writeString(dir.resolve("zone.db"), String.join("\n",
                "$TTL 60",
                "@ IN SOA ns." + zone + ". hostmaster." + zone + ". 1 3600 600 86400 5",
                "@ IN NS ns." + zone + ".",
                "ns IN A 127.0.0.1",
                ""));
        Files.writeString(dir.resolve("named.conf"), String.join("\n",
                "options {",
                "  directory \"" + dir + "\";",
                "  pid-file \"" + dir.resolve("named.pid") + "\";",
                "  session-keyfile \"" + dir.resolve("session.key") + "\";",
                "  managed-keys-directory \"" + dir + "\";",
                "  listen-on port " + port + " { 127.0.0.1; };",
                "  listen-on-v6 { none; };",
                "  recursion no;",
                "  dnssec-validation no;",
                "  allow-query { any; };",
                "};",
                // No rndc: nothing listens on the default control port 953, so servers never clash.
                "controls { };",
                "include \"" + dir.resolve("tsig.key") + "\";",
                "zone \"" + zone + "\" {",
                "  type primary;",
                "  file \"" + dir.resolve("zone.db") + "\";",
                "  journal \"" + dir.resolve("zone.db.jnl") + "\";",
                "  update-policy { grant " + keyName + " zonesub ANY; };",
                // The key may also read the whole zone (AXFR): that is how a driver sees what it owns.
                "  allow-transfer { key " + keyName + "; };",
                "};",
                ""));
    }

    private void launch() {
        Path log = dir.resolve("named.log");
        try {
            process = new ProcessBuilder(NAMED, "-4", "-f", "-c", dir.resolve("named.conf").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (!answersSoa()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("named exited with code " + process.exitValue()
                            + " before it was ready; see " + log + ":\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("named did not answer within " + READY_TIMEOUT.toSeconds()
                            + " s; see " + log + ":\n" + tail(log));
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start named in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while starting named", e);
        }
    }

    /** True once the server answers a SOA query for the zone authoritatively with NOERROR. */
    private boolean answersSoa() throws IOException {
        int id = ThreadLocalRandom.current().nextInt(0x10000);
        byte[] query = soaQuery(id);
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(200);
            socket.send(new DatagramPacket(query, query.length, InetAddress.getByName(host()), port));
            byte[] buffer = new byte[512];
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            socket.receive(answer);
            boolean sameId = ((buffer[0] & 0xff) << 8 | (buffer[1] & 0xff)) == id;
            boolean noError = (buffer[3] & 0x0f) == 0;
            boolean hasAnswer = ((buffer[6] & 0xff) << 8 | (buffer[7] & 0xff)) > 0;
            return answer.getLength() >= 12 && sameId && noError && hasAnswer;
        } catch (SocketTimeoutException | java.net.PortUnreachableException notYet) {
            return false;
        }
    }

    /** A minimal DNS query (RFC 1035 §4.1): header, then the zone's name, type SOA, class IN. */
    private byte[] soaQuery(int id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : zone.toLowerCase(Locale.ROOT).split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        out.writeBytes(new byte[] {0, 0, 6, 0, 1});
        return out.toByteArray();
    }

    private void end(boolean kill) {
        if (process == null || !process.isAlive()) {
            return;
        }
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
