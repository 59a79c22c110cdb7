package dev.marina.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The local broker's secrets, made once on first start and kept (folder 0700, files 0600):
 *
 * <ul>
 *   <li>{@code ca.p12}: a CA of its own (EC P-256, ten years), which signs the broker's certificate;
 *       {@code ca.pem} is its certificate, the one file a client needs to trust the broker;</li>
 *   <li>{@code broker.p12}: the broker's key and certificate for {@code 127.0.0.1} and {@code localhost};</li>
 *   <li>{@code broker-secrets.properties}: the key store password and the passwords of the two super
 *       users, {@code broker} (the node talking to its own controller) and {@code admin} (the platform's
 *       operator: topics, principals, ACLs). Both log in with SASL/PLAIN, whose users live in the broker's
 *       own settings, so they work on the very first start, before any SCRAM credential exists;</li>
 *   <li>{@code admin.properties}: the admin's Kafka client settings, and {@code admin.kcat.conf} the same for
 *       kcat, both rewritten at every start.</li>
 * </ul>
 *
 * Certificates are made with the JDK's {@code keytool}, the tool a platform team would use too.
 */
public final class BrokerSecrets {

    public static final String CA_PEM = "ca.pem";
    public static final String ADMIN_PROPERTIES = "admin.properties";
    /** The admin's settings for kcat ({@code kcat -F admin.kcat.conf}: librdkafka's property names). */
    public static final String ADMIN_KCAT = "admin.kcat.conf";
    private static final String CA_STORE = "ca.p12";
    private static final String BROKER_STORE = "broker.p12";
    private static final String PASSWORDS = "broker-secrets.properties";

    private final Path dir;
    private final String storePassword;
    private final String brokerPassword;
    private final String adminPassword;

    private BrokerSecrets(Path dir, String storePassword, String brokerPassword, String adminPassword) {
        this.dir = dir;
        this.storePassword = storePassword;
        this.brokerPassword = brokerPassword;
        this.adminPassword = adminPassword;
    }

    /** Loads the secrets in {@code dir}, making whatever is missing. */
    public static BrokerSecrets ensure(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path passwords = dir.resolve(PASSWORDS);
        if (!Files.exists(passwords)) {
            Properties p = new Properties();
            p.setProperty("store.password", randomSecret());
            p.setProperty("broker.password", randomSecret());
            p.setProperty("admin.password", randomSecret());
            Path partial = dir.resolve(PASSWORDS + ".new");
            Files.deleteIfExists(partial);
            createPrivateFile(partial);
            try (OutputStream out = Files.newOutputStream(partial)) {
                p.store(out, "the local broker's passwords: never share, never log");
            }
            Files.move(partial, passwords);
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(passwords)) {
            p.load(in);
        }
        BrokerSecrets secrets = new BrokerSecrets(dir, p.getProperty("store.password"), p.getProperty("broker.password"),
                p.getProperty("admin.password"));
        if (!Files.exists(dir.resolve(BROKER_STORE)) || !Files.exists(dir.resolve(CA_PEM))) {
            secrets.makeCertificates();
        }
        secrets.writeAdminProperties();
        return secrets;
    }

    /** The listeners' TLS and SASL settings and the authorizer, into the broker's configuration. */
    void configure(Properties p) {
        p.setProperty("ssl.keystore.type", "PKCS12");
        p.setProperty("ssl.keystore.location", dir.resolve(BROKER_STORE).toString());
        p.setProperty("ssl.keystore.password", storePassword);
        p.setProperty("ssl.key.password", storePassword);
        p.setProperty("ssl.truststore.type", "PEM");
        p.setProperty("ssl.truststore.location", dir.resolve(CA_PEM).toString());
        p.setProperty("ssl.enabled.protocols", "TLSv1.3,TLSv1.2");
        p.setProperty("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
        p.setProperty("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.setProperty("sasl.mechanism.controller.protocol", "PLAIN");
        String plainUsers = "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"broker\" password=\"" + brokerPassword + "\""
                + " user_broker=\"" + brokerPassword + "\" user_admin=\"" + adminPassword + "\";";
        for (String listener : List.of("clients", "controller")) {
            p.setProperty("listener.name." + listener + ".plain.sasl.jaas.config", plainUsers);
            p.setProperty("listener.name." + listener + ".scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        }
        // The controller listener is the node's own business: only the super users' PLAIN there.
        p.setProperty("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.setProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.setProperty("super.users", "User:broker;User:admin");
        p.setProperty("allow.everyone.if.no.acl.found", "false");
    }

    /** The admin's client settings for a given bootstrap address (also written to {@code admin.properties}). */
    public Properties adminClient(String bootstrap) {
        Properties p = adminSettings();
        p.setProperty("bootstrap.servers", bootstrap);
        return p;
    }

    private Properties adminSettings() {
        Properties p = new Properties();
        p.setProperty("security.protocol", "SASL_SSL");
        p.setProperty("sasl.mechanism", "PLAIN");
        p.setProperty("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"admin\" password=\"" + adminPassword + "\";");
        p.setProperty("ssl.truststore.type", "PEM");
        p.setProperty("ssl.truststore.location", dir.resolve(CA_PEM).toString());
        return p;
    }

    private void writeAdminProperties() throws IOException {
        writePrivate(ADMIN_PROPERTIES, out -> adminSettings().store(out,
                "Kafka client settings of the platform's admin (super user): never share, never log"));
        // librdkafka reads plain key=value lines (no escaping): kcat -F admin.kcat.conf
        String kcat = "# kcat settings of the platform's admin (super user): never share, never log\n"
                + "security.protocol=SASL_SSL\nsasl.mechanisms=PLAIN\nsasl.username=admin\n"
                + "sasl.password=" + adminPassword + "\nssl.ca.location=" + dir.resolve(CA_PEM) + "\n";
        writePrivate(ADMIN_KCAT, out -> out.write(kcat.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private void writePrivate(String name, Writer writer) throws IOException {
        Path partial = dir.resolve(name + ".new");
        Files.deleteIfExists(partial);
        createPrivateFile(partial);
        try (OutputStream out = Files.newOutputStream(partial)) {
            writer.write(out);
        }
        Files.move(partial, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void makeCertificates() throws IOException {
        for (String name : List.of(CA_STORE, BROKER_STORE, CA_PEM, "broker.csr", "broker.pem")) {
            Files.deleteIfExists(dir.resolve(name));
        }
        String ca = dir.resolve(CA_STORE).toString();
        String broker = dir.resolve(BROKER_STORE).toString();
        String caPem = dir.resolve(CA_PEM).toString();
        String csr = dir.resolve("broker.csr").toString();
        String brokerPem = dir.resolve("broker.pem").toString();
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=marina local Kafka CA",
                "-ext", "bc:c", "-validity", "3650", "-storetype", "PKCS12", "-keystore", ca);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca, "-file", caPem);
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-validity", "3650", "-storetype", "PKCS12", "-keystore", broker);
        keytool("-certreq", "-alias", "broker", "-keystore", broker, "-file", csr);
        keytool("-gencert", "-alias", "ca", "-keystore", ca, "-infile", csr, "-outfile", brokerPem, "-rfc",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "EKU=serverAuth,clientAuth", "-validity", "3650");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem, "-keystore", broker);
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", brokerPem, "-keystore", broker);
        Files.deleteIfExists(dir.resolve("broker.csr"));
        for (String name : List.of(CA_STORE, BROKER_STORE, CA_PEM, "broker.pem")) {
            Files.setPosixFilePermissions(dir.resolve(name), PosixFilePermissions.fromString("rw-------"));
        }
    }

    private void keytool(String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path keytool = Path.of(java).resolveSibling("keytool");
        List<String> command = new ArrayList<>();
        command.add(Files.isExecutable(keytool) ? keytool.toString() : "keytool");
        command.addAll(List.of(args));
        // The password is given through the environment, never on the command line (ps shows that).
        command.addAll(List.of("-storepass:env", "MARINA_KEYTOOL_PASSWORD"));
        if (List.of(args).contains("-genkeypair")) {
            command.addAll(List.of("-keypass:env", "MARINA_KEYTOOL_PASSWORD"));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("MARINA_KEYTOOL_PASSWORD", storePassword);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }

    /** Creates an empty file only its owner can read and write (fails if it exists). */
    public static void createPrivateFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException e) {
            throw new UncheckedIOException(new IOException("the file system of " + file + " has no POSIX permissions"));
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
