package dev.marina.testkit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Pebble (Let's Encrypt's test ACME server) as a child process, modelled on {@link LocalBind}:
 * its own HTTPS CA and a certificate for {@code localhost}/{@code 127.0.0.1} (made with the openssl
 * CLI), the ACME and management listeners on free ports of 127.0.0.1, DNS-01 lookups sent to the
 * given DNS server (a {@link LocalBind}). Pebble makes a new random root at every start and issues
 * 5-year certificates. Tests stop, kill and start it again to play "ACME server down".
 *
 * <p>Everything a test needs lives in {@link #dir()}; {@link #attach(Path)} finds a running server
 * again from its folder, so a test can steer a server that another class loader started (Quarkus
 * loads test resources and tests apart).
 */
public final class LocalPebble implements AutoCloseable {

    public static final String PEBBLE = "/usr/bin/pebble";
    public static final String OPENSSL = "/usr/bin/openssl";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern PORT = Pattern.compile("\"%s\"\\s*:\\s*\"127\\.0\\.0\\.1:(\\d+)\"");

    private final Path dir;
    private final int acmePort;
    private final int managementPort;
    private final String dnsServer;
    private final Thread shutdownHook = new Thread(this::kill, "stop-local-pebble");
    private volatile HttpClient http;
    private Process process;

    private LocalPebble(Path dir, int acmePort, int managementPort, String dnsServer) {
        this.dir = dir;
        this.acmePort = acmePort;
        this.managementPort = managementPort;
        this.dnsServer = dnsServer;
    }

    /**
     * Starts a server in a new temporary folder that validates DNS-01 challenges by asking the DNS
     * server at {@code dnsHost:dnsPort} (e.g. a {@link LocalBind}).
     */
    public static LocalPebble start(String dnsHost, int dnsPort) {
        requireInstalled();
        try {
            Path dir = Files.createTempDirectory("marina-pebble-");
            makeHttpsCertificate(dir);
            int acmePort = LocalKafka.freePort();
            int managementPort = LocalKafka.freePort();
            String dnsServer = dnsHost + ":" + dnsPort;
            writeConfig(dir, acmePort, managementPort, dnsServer);
            LocalPebble pebble = new LocalPebble(dir, acmePort, managementPort, dnsServer);
            Runtime.getRuntime().addShutdownHook(pebble.shutdownHook);
            pebble.launch();
            return pebble;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the Pebble server", e);
        }
    }

    /** The server whose folder is {@code dir}, started by {@link #start} (perhaps in another class loader). */
    public static LocalPebble attach(Path dir) {
        try {
            String config = Files.readString(dir.resolve("pebble-config.json"));
            String dnsServer = Files.readString(dir.resolve("dns-server")).trim();
            return new LocalPebble(dir, port(config, "listenAddress"), port(config, "managementListenAddress"), dnsServer);
        } catch (IOException e) {
            throw new UncheckedIOException("no Pebble server prepared in " + dir, e);
        }
    }

    /** The ACME directory, e.g. {@code https://127.0.0.1:14000/dir}. */
    public String directoryUrl() {
        return "https://127.0.0.1:" + acmePort + "/dir";
    }

    /** The management API, e.g. {@code https://127.0.0.1:15000}. */
    public String managementUrl() {
        return "https://127.0.0.1:" + managementPort;
    }

    /** The CA (PEM) that signed the certificate of both HTTPS listeners: what a client must trust. */
    public Path trustPem() {
        return dir.resolve("https-ca.pem");
    }

    public Path dir() {
        return dir;
    }

    /** The current root CA of issued certificates (PEM); it changes at every start. */
    public String rootsPem() {
        return get("/roots/0");
    }

    /** The current intermediate CA of issued certificates (PEM). */
    public String intermediatesPem() {
        return get("/intermediates/0");
    }

    /**
     * What Pebble knows of a certificate, by serial in lowercase hex: its JSON answer (with
     * {@code "Status": "Valid"} or {@code "Revoked"}), or empty when Pebble never issued it.
     */
    public Optional<String> certStatus(String serialHex) {
        HttpResponse<String> response = request("/cert-status-by-serial/" + serialHex);
        return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    }

    public boolean isRunning() {
        return pid().flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Stops the server (SIGTERM) and waits for it. Its ports stay reserved for {@link #restart()}. */
    public void stop() {
        end(false);
    }

    /** Kills the server (SIGKILL), as a crash would. */
    public void kill() {
        end(true);
    }

    /** Starts the server again on the same folder and ports (Pebble forgets accounts, orders and its root). */
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
        if (!Files.isExecutable(Path.of(PEBBLE))) {
            throw new IllegalStateException(PEBBLE + " is missing: the certificate tests need a real ACME server."
                    + " Install the Debian package pebble (`apt-get install pebble`).");
        }
        if (!Files.isExecutable(Path.of(OPENSSL))) {
            throw new IllegalStateException(OPENSSL + " is missing: Pebble's HTTPS certificate is made with it."
                    + " Install the Debian package openssl (`apt-get install openssl`).");
        }
    }

    /** A CA and a certificate for localhost and 127.0.0.1 signed by it, for Pebble's two HTTPS listeners. */
    private static void makeHttpsCertificate(Path dir) throws IOException {
        Files.writeString(dir.resolve("https-leaf.ext"), String.join("\n",
                "basicConstraints=critical,CA:FALSE",
                "keyUsage=critical,digitalSignature",
                "extendedKeyUsage=serverAuth",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                ""));
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "https-ca.key", "-out", "https-ca.pem", "-days", "3650",
                "-subj", "/CN=marina test Pebble HTTPS CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "https-key.pem", "-out", "https.csr", "-subj", "/CN=localhost");
        openssl(dir, "x509", "-req", "-in", "https.csr", "-CA", "https-ca.pem", "-CAkey", "https-ca.key",
                "-CAcreateserial", "-out", "https-cert.pem", "-days", "3650", "-extfile", "https-leaf.ext");
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(OPENSSL);
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running openssl", e);
        }
    }

    private static void writeConfig(Path dir, int acmePort, int managementPort, String dnsServer) throws IOException {
        Files.writeString(dir.resolve("pebble-config.json"), String.join("\n",
                "{",
                "  \"pebble\": {",
                "    \"listenAddress\": \"127.0.0.1:" + acmePort + "\",",
                "    \"managementListenAddress\": \"127.0.0.1:" + managementPort + "\",",
                "    \"certificate\": \"" + dir.resolve("https-cert.pem") + "\",",
                "    \"privateKey\": \"" + dir.resolve("https-key.pem") + "\",",
                // http-01 and tls-alpn-01 are not used (DNS-01 only); ports nobody listens on
                "    \"httpPort\": " + LocalKafka.freePort() + ",",
                "    \"tlsPort\": " + LocalKafka.freePort() + ",",
                "    \"ocspResponderURL\": \"\",",
                "    \"externalAccountBindingRequired\": false",
                "  }",
                "}",
                ""));
        Files.writeString(dir.resolve("dns-server"), dnsServer + "\n");
    }

    private static int port(String config, String key) {
        Matcher m = Pattern.compile(String.format(PORT.pattern(), key)).matcher(config);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " on 127.0.0.1 in the Pebble config");
        }
        return Integer.parseInt(m.group(1));
    }

    private void launch() {
        Path log = dir.resolve("pebble.log");
        try {
            ProcessBuilder builder = new ProcessBuilder(PEBBLE, "-config", dir.resolve("pebble-config.json").toString(),
                    "-dnsserver", dnsServer)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // no random 0-15 s sleeps before validations; every nonce accepted; no authorization reuse
            // between orders, so every order really validates its challenges
            builder.environment().putAll(Map.of(
                    "PEBBLE_VA_NOSLEEP", "1",
                    "PEBBLE_WFE_NONCEREJECT", "0",
                    "PEBBLE_AUTHZREUSE", "0"));
            process = builder.start();
            Files.writeString(dir.resolve("pebble.pid"), process.pid() + "\n");
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (!answers()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("pebble exited with code " + process.exitValue()
                            + " before it was ready; see " + log + ":\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("pebble did not answer within " + READY_TIMEOUT.toSeconds()
                            + " s; see " + log + ":\n" + tail(log));
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start pebble in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while starting pebble", e);
        }
    }

    /** True once both the ACME directory and the management API's roots answer. */
    private boolean answers() {
        try {
            HttpResponse<String> dirResponse = http().send(HttpRequest.newBuilder(URI.create(directoryUrl()))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return dirResponse.statusCode() == 200 && request("/roots/0").statusCode() == 200;
        } catch (IOException | UncheckedIOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String get(String path) {
        HttpResponse<String> response = request(path);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + managementUrl() + path + " answered " + response.statusCode()
                    + ": " + response.body());
        }
        return response.body();
    }

    private HttpResponse<String> request(String path) {
        try {
            return http().send(HttpRequest.newBuilder(URI.create(managementUrl() + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + managementUrl() + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** An HTTP client that trusts exactly Pebble's HTTPS CA. */
    private HttpClient http() {
        if (http == null) {
            try {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int i = 0;
                for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(
                        new ByteArrayInputStream(Files.readAllBytes(trustPem())))) {
                    trust.setCertificateEntry("pebble-https-ca-" + i++, ca);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                SSLContext ssl = SSLContext.getInstance("TLS");
                ssl.init(null, tmf.getTrustManagers(), null);
                http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(2)).build();
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot trust " + trustPem(), e);
            }
        }
        return http;
    }

    private Optional<Long> pid() {
        try {
            return Optional.of(Long.parseLong(Files.readString(dir.resolve("pebble.pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void end(boolean kill) {
        // by the pid file: the server may have been started again through another instance (attach)
        Optional<ProcessHandle> handle = pid().flatMap(ProcessHandle::of);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return;
        }
        ProcessHandle p = handle.get();
        if (kill) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
