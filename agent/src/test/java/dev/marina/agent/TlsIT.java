package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.database.MariaDbFigures;
import dev.marina.agent.database.MariaDbServer;
import dev.marina.agent.database.MariaDbSettings;
import dev.marina.agent.database.TemplateDataDirectory;
import dev.marina.agent.metrics.SamplingGate;
import dev.marina.agent.tls.Pem;
import dev.marina.agent.tls.TestCa;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.SecretBox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS on a real {@code mariadbd} through the agent's {@link CommandHandler}: a CSR made on the instance,
 * signed by a test CA, installed without a restart, checked from outside with {@code openssl s_client}
 * and Connector/J (VERIFY_IDENTITY on the certificate's name), then renewed, moved to another CA, and
 * carried across a server restart.
 */
class TlsIT {

    private static final String ADMIN = "shop_admin";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final String NAME = "orders.acme.db.test";
    private static final List<String> NAMES = List.of(NAME, "orders-1.acme.db.test");

    private static Path home;
    private static SecretBox box;

    @BeforeAll
    static void setUp() throws Exception {
        LocalServers.requireMariaDb();
        requireOpenssl();
        home = Files.createTempDirectory("marina-tls-it-");
        box = SecretBox.fromKeyFile(home.resolve("secrets/platform.key"));
        String version = new MariaDbServer(new InstanceFiles(home), "127.0.0.1", home, MariaDbSettings.defaults()).version();
        TemplateDataDirectory.ensure(home, version, LocalServers.INSTALL_DB);
    }

    @AfterAll
    static void tearDown() {
        if (home != null) {
            LocalServers.killServersUnder(home);
            TemplateDataDirectory.deleteTree(home);
        }
    }

    @Test
    void installs_renews_and_changes_ca_without_a_restart_and_keeps_tls_required_across_one() throws Exception {
        long started = System.nanoTime();
        String address = LocalServers.freeAddress();
        String id = "tls-orders-1";
        InstanceFiles files = new InstanceFiles(home.resolve("instances").resolve(id));
        MariaDbServer database = new MariaDbServer(files, address, home, MariaDbSettings.defaults());
        CommandHandler handler = new CommandHandler(new InstanceIdentity(id, "tls/orders", address), files, database, () -> box,
                new AgentMetrics(new SimpleMeterRegistry()), new SamplingGate(), Clock.systemUTC());
        NameMappingSocketFactory.ADDRESSES.put(NAME, address);
        NameMappingSocketFactory.ADDRESSES.put("elsewhere.acme.db.test", address);
        TestCa caA = TestCa.root("marina IT CA A");
        TestCa caB = TestCa.root("marina IT CA B");
        Path caAFile = write("ca-a.pem", caA.pem());
        Path caBFile = write("ca-b.pem", caB.pem());
        try {
            // Deployed with TLS wanted: the server starts with the bootstrap certificate, plain connections still work.
            AgentEvent ready = handler.handle(deploy(id, "deploy-1"));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, ready.getOutcome(), ready.getReason());
            assertEquals("YES", queryAsAdmin(plain(address), "SELECT @@have_ssl"));
            long pid = serverPid(files);

            // MAKE_CSR → signed by CA A → INSTALL_CERT.
            AgentEvent csr = handler.handle(command(id, "csr-1", AgentOp.AGENT_OP_MAKE_CSR).setCertRequestId("r1").addAllDnsNames(NAMES).build());
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, csr.getOutcome(), csr.getReason());
            assertEquals(csr.getCsrPem(), handler.handle(command(id, "csr-1-again", AgentOp.AGENT_OP_MAKE_CSR)
                    .setCertRequestId("r1").addAllDnsNames(NAMES).build()).getCsrPem(), "the same request, the same CSR");
            X509Certificate leaf1 = caA.sign(csr.getCsrPem());
            AgentEvent installed = handler.handle(install(id, "install-1", "r1", caA.chainPem(leaf1), caA.pem()));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, installed.getOutcome(), installed.getReason());
            assertEquals(leaf1.getSerialNumber().toString(16), installed.getCertSerial());
            assertEquals("r1", installed.getCertRequestId());

            // Seen from outside: openssl verifies chain and host name; Connector/J verifies identity by name.
            assertEquals(leaf1.getSerialNumber(), presented(address, caAFile).getSerialNumber());
            assertTrue(queryVerified(NAME, caA, "SHOW SESSION STATUS LIKE 'Ssl_version'", 2).startsWith("TLS"));
            SQLException wrongName = assertThrows(SQLException.class,
                    () -> queryVerified("elsewhere.acme.db.test", caA, "SELECT 1", 1), "the certificate does not name elsewhere.*");
            System.out.printf("TlsIT: a name the certificate lacks is refused: %s%n", causes(wrongName));
            assertTrue(causes(wrongName).contains("elsewhere.acme.db.test"), causes(wrongName));
            // MariaDB 10.11 answers a plain login under require_secure_transport with "Access denied" (1045),
            // the same user and password that work over TLS just above.
            SQLException insecure = assertThrows(SQLException.class, () -> queryAsAdmin(plain(address), "SELECT 1"));
            assertEquals(1045, insecure.getErrorCode(), insecure.getMessage());
            // The agent's own connections (probes, metrics, commands) go over TLS now.
            assertTrue(database.observe().reachable(), database.observe().toString());
            try (MariaDbFigures figures = new MariaDbFigures(files, address)) {
                assertTrue(figures.read().status().connections() > 0);
            }
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, handler.handle(deploy(id, "deploy-1-again")).getOutcome());

            // The same chain again: DONE, nothing changes.
            AgentEvent again = handler.handle(install(id, "install-1-again", "r1", caA.chainPem(leaf1), caA.pem()));
            assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, again.getOutcome(), again.getReason());
            assertEquals(installed.getCertSerial(), again.getCertSerial());

            // Renewal with a new request: new serial, no restart, a connection opened before still works.
            try (Connection before = verified(NAME, caA)) {
                long uptimeBefore = uptime(before);
                X509Certificate leaf2 = caA.sign(handler.handle(command(id, "csr-2", AgentOp.AGENT_OP_MAKE_CSR)
                        .setCertRequestId("r2").addAllDnsNames(NAMES).build()).getCsrPem());
                AgentEvent renewed = handler.handle(install(id, "install-2", "r2", caA.chainPem(leaf2), caA.pem()));
                assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, renewed.getOutcome(), renewed.getReason());
                assertEquals(leaf2.getSerialNumber(), presented(address, caAFile).getSerialNumber());
                assertNotEquals(leaf1.getSerialNumber(), leaf2.getSerialNumber());
                assertTrue(uptime(before) >= uptimeBefore, "no restart: Uptime went on");
                assertEquals(pid, serverPid(files));
                assertFalse(Files.exists(files.tlsRequests().resolve("r1.key")), "the replaced request's key is removed");

                // A chain for another key is refused; the current certificate keeps serving.
                X509Certificate foreign = caA.sign(new dev.marina.agent.tls.ServerTls(new InstanceFiles(home.resolve("elsewhere")))
                        .csr("x", NAMES));
                handler.handle(command(id, "csr-3", AgentOp.AGENT_OP_MAKE_CSR).setCertRequestId("r3").addAllDnsNames(NAMES).build());
                AgentEvent refused = handler.handle(install(id, "install-3-foreign", "r3", caA.chainPem(foreign), caA.pem()));
                assertEquals(AgentOutcome.AGENT_OUTCOME_REFUSED, refused.getOutcome());
                assertTrue(refused.getReason().contains("another key"), refused.getReason());
                assertEquals(leaf2.getSerialNumber(), presented(address, caAFile).getSerialNumber());

                // A CA change: CA B's certificate is served, CA A stays trusted beside it.
                X509Certificate leaf3 = caB.sign(Files.readString(files.tlsRequests().resolve("r3.csr")));
                AgentEvent moved = handler.handle(install(id, "install-3", "r3", caB.chainPem(leaf3), caB.pem()));
                assertEquals(AgentOutcome.AGENT_OUTCOME_DONE, moved.getOutcome(), moved.getReason());
                assertEquals(leaf3.getSerialNumber(), presented(address, caBFile).getSerialNumber());
                assertEquals(List.of(caB.certificate(), caA.certificate()), Pem.certificates(Files.readString(files.caBundle())));
                assertEquals("1", queryVerified(NAME, caB, "SELECT 1", 1));
                assertTrue(uptime(before) >= uptimeBefore);
                assertEquals(pid, serverPid(files));
                assertTrue(database.answers(), "the agent's next connection trusts the new CA");
            }

            // A server restart keeps the certificate and the refusal of plain connections (my.cnf).
            database.stop();
            CommandHandler restarted = new CommandHandler(new InstanceIdentity(id, "tls/orders", address), files, database, () -> box,
                    new AgentMetrics(new SimpleMeterRegistry()), new SamplingGate(), Clock.systemUTC());
            AgentEvent back = restarted.recover().orElseThrow();
            assertEquals(AgentOutcome.AGENT_OUTCOME_DATABASE_READY, back.getOutcome(), back.getReason());
            assertNotEquals(pid, serverPid(files));
            assertTrue(Files.readString(files.myCnf()).contains("require_secure_transport=ON"));
            assertEquals("ON", queryVerified(NAME, caB, "SELECT IF(@@require_secure_transport, 'ON', 'OFF')", 1));
            assertEquals(1045, assertThrows(SQLException.class, () -> queryAsAdmin(plain(address), "SELECT 1")).getErrorCode());
            System.out.printf("TlsIT figure: whole_walk_ms=%d%n", (System.nanoTime() - started) / 1_000_000);
        } finally {
            database.close();
            LocalServers.killServersUnder(files.dir());
        }
    }

    // --- commands

    private static AgentCommand.Builder command(String id, String commandId, AgentOp op) {
        return AgentCommand.newBuilder().setCommandId(commandId).setInstanceId(id).setOp(op)
                .setDeployment(DeploymentKey.parse("tls/orders")).setEpoch(1);
    }

    private static AgentCommand deploy(String id, String commandId) {
        return command(id, commandId, AgentOp.AGENT_OP_DEPLOY).setEngine(Engine.ENGINE_MARIADB).setVersion("10.11")
                .setSize(Size.SIZE_SMALL).setAdminUser(ADMIN).setAdminPassword(box.seal(PASSWORD)).setTlsMode(TlsMode.TLS_MODE_ACME)
                .build();
    }

    private static AgentCommand install(String id, String commandId, String requestId, String chain, String caBundle) {
        return command(id, commandId, AgentOp.AGENT_OP_INSTALL_CERT).setCertRequestId(requestId).setCertChainPem(chain)
                .setCaBundlePem(caBundle).build();
    }

    // --- clients

    private static String plain(String address) {
        return "jdbc:mysql://" + address + ":3306/?sslMode=DISABLED&connectTimeout=2000";
    }

    /** By the certificate's name (dialled at the instance's address), verifying the chain against {@code ca} and the name. */
    private static Connection verified(String name, TestCa ca) throws Exception {
        Path trust = home.resolve("trust-" + UUID.randomUUID() + ".p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca.certificate());
        try (OutputStream out = Files.newOutputStream(trust)) {
            store.store(out, "changeit".toCharArray());
        }
        return DriverManager.getConnection("jdbc:mysql://" + name + ":3306/?sslMode=VERIFY_IDENTITY&connectTimeout=2000"
                + "&socketFactory=" + NameMappingSocketFactory.class.getName()
                + "&trustCertificateKeyStoreUrl=" + trust.toUri() + "&trustCertificateKeyStoreType=PKCS12"
                + "&trustCertificateKeyStorePassword=changeit&fallbackToSystemTrustStore=false", ADMIN, PASSWORD);
    }

    private static String queryVerified(String name, TestCa ca, String sql, int column) throws Exception {
        try (Connection c = verified(name, ca)) {
            return query(c, sql, column);
        }
    }

    private static String queryAsAdmin(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, ADMIN, PASSWORD)) {
            return query(c, sql, 1);
        }
    }

    private static String query(Connection c, String sql, int column) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            assertTrue(r.next(), sql);
            return r.getString(column);
        }
    }

    private static long uptime(Connection c) throws SQLException {
        return Long.parseLong(query(c, "SHOW GLOBAL STATUS LIKE 'Uptime'", 2));
    }

    /**
     * The certificate the server presents, as {@code openssl s_client} sees it, which must verify the chain
     * against {@code caFile} and the host name: its exit code is checked (it prints "Verify return code: 0"
     * even when the server offers no TLS at all).
     */
    private static X509Certificate presented(String address, Path caFile) throws Exception {
        Process openssl = new ProcessBuilder("openssl", "s_client", "-starttls", "mysql", "-connect", address + ":3306",
                "-servername", NAME, "-verify_hostname", NAME, "-CAfile", caFile.toString(), "-verify_return_error")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(openssl.waitFor(20, TimeUnit.SECONDS), "openssl s_client did not finish");
        assertEquals(0, openssl.exitValue(), output);
        assertTrue(output.contains("Verification: OK") && output.contains("Verified peername: " + NAME), output);
        return Pem.certificates(output).get(0);
    }

    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" <- ");
        }
        return text.toString();
    }

    private static long serverPid(InstanceFiles files) throws IOException {
        return Long.parseLong(Files.readString(files.pidFile()).trim());
    }

    private static Path write(String name, String content) throws IOException {
        return Files.writeString(home.resolve(name), content);
    }

    private static void requireOpenssl() {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed: apt-get install openssl");
    }
}
