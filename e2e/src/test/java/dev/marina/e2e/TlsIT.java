package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TLS end to end, on the packaged platform with a real Pebble, BIND, MariaDB and broker: a deployment
 * in each mode becomes Ready only with its certificates installed; a client verifies the server by
 * name with openssl and with JDBC (full identity verification); a forced renewal replaces the
 * certificate without restarting the server or dropping a connection; delete revokes; and a
 * cert-service killed in the middle of an order still ends with one certificate.
 */
@org.junit.jupiter.api.Order(1) // see Platform.shared
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsIT {

    private static final Duration READY = Duration.ofSeconds(150);
    private Platform platform;

    @BeforeAll
    void start() throws Exception {
        platform = Platform.shared(Platform.STANDARD);
        PlatformDnsSocketFactory.resolver = platform::dig;
    }

    @AfterAll
    void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    private static String spec(String mode) {
        return "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\",\"tls\":{\"mode\":\"" + mode + "\"}}}";
    }

    @Test
    void an_acme_certificate_verifies_by_name_renews_without_a_restart_and_is_revoked_on_delete() throws Exception {
        String name = "tls" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String writer = name + ".e2e." + Platform.ZONE;
        assertEquals(200, platform.call("PUT", path, spec("TLS_MODE_ACME")).status());

        JsonNode status = awaitReady(path);
        JsonNode tls = condition(status, "TlsReady");
        assertTrue(tls.path("status").asBoolean(), tls.toString());
        JsonNode instance = status.path("instances").get(0);
        String serial = instance.path("certSerial").asText();
        assertTrue(!serial.isEmpty() && instance.has("certNotAfter") && instance.has("certRenewAt"), instance.toString());
        assertEquals("Valid", pebbleStatus(serial), "Pebble issued it");

        Path ca = caBundle(path);
        String address = instance.path("address").asText();
        for (String hostname : List.of(writer, "ro." + writer, "i1." + writer)) {
            String verified = opensslVerify(address, hostname, ca);
            assertTrue(verified.contains("Verify return code: 0 (ok)"), hostname + ":\n" + verified);
            assertTrue(verified.toLowerCase().contains(serial.toLowerCase()) || serialOf(verified).equalsIgnoreCase(serial),
                    "presents the issued certificate " + serial + ":\n" + verified);
        }

        try (Connection before = connectByName(path, writer, ca)) {
            long uptimeBefore = uptime(before);
            assertThrows(SQLException.class, () -> connectWithoutTls(path, address).close(),
                    "require_secure_transport refuses a plain connection");

            assertEquals(200, platform.call("POST", path + "/certificates/renew", null).status());
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
                JsonNode i = platform.call("GET", path, null).body().path("status").path("instances").get(0);
                return !i.path("certSerial").asText().equals(serial) && !i.path("certSerial").asText().isEmpty();
            });
            String renewed = platform.call("GET", path, null).body().path("status").path("instances").get(0)
                    .path("certSerial").asText();
            assertNotEquals(serial, renewed);
            String after = opensslVerify(address, writer, caBundle(path));
            assertTrue(after.contains("Verify return code: 0 (ok)"), after);
            assertTrue(serialOf(after).equalsIgnoreCase(renewed), "the server presents the renewed certificate:\n" + after);

            assertTrue(uptime(before) >= uptimeBefore, "the connection opened before the renewal still works");
            try (Connection fresh = connectByName(path, writer, caBundle(path))) {
                assertTrue(uptime(fresh) >= uptimeBefore, "the server was not restarted by the renewal");
            }
        }

        String renewedSerial = platform.call("GET", path, null).body().path("status").path("instances").get(0)
                .path("certSerial").asText();
        int deleted = platform.call("DELETE", path, null).status();
        assertTrue(deleted == 200 || deleted == 202, "delete answered " + deleted);
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                pebbleStatus(renewedSerial).equals("Revoked"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                platform.call("GET", path, null).status() == 404);
    }

    @Test
    void a_self_signed_certificate_verifies_by_name_against_the_platform_ca() throws Exception {
        String name = "ss" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        String writer = name + ".e2e." + Platform.ZONE;
        assertEquals(200, platform.call("PUT", path, spec("TLS_MODE_SELF_SIGNED")).status());

        JsonNode status = awaitReady(path);
        String address = status.path("instances").get(0).path("address").asText();
        Path ca = caBundle(path);
        String verified = opensslVerify(address, writer, ca);
        assertTrue(verified.contains("Verify return code: 0 (ok)"), verified);
        try (Connection c = connectByName(path, writer, ca)) {
            assertTrue(uptime(c) > 0);
        }
        String wrongName = opensslVerify(address, "other.e2e." + Platform.ZONE, ca);
        assertTrue(!wrongName.contains("Verify return code: 0 (ok)"), "a name the certificate lacks fails:\n" + wrongName);

        platform.call("DELETE", path, null);
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                platform.call("GET", path, null).status() == 404);
    }

    @Test
    void cert_service_killed_in_the_middle_of_an_order_ends_with_one_certificate() throws Exception {
        String name = "kill" + UUID.randomUUID().toString().substring(0, 6);
        String path = "/v1/deployments/e2e/" + name;
        assertEquals(200, platform.call("PUT", path, spec("TLS_MODE_ACME")).status());

        // kill it as soon as it has placed an ACME order for this deployment
        String placed = "acme order placed deployment=e2e/" + name;
        Awaitility.await().atMost(READY).pollInterval(Duration.ofMillis(10)).until(() ->
                platform.fullLog("cert-service").contains(placed));
        platform.kill("cert-service");
        String before = platform.fullLog("cert-service");
        platform.restart("cert-service");

        JsonNode status = awaitReady(path);
        String serial = status.path("instances").get(0).path("certSerial").asText();
        assertEquals("Valid", pebbleStatus(serial));
        String all = platform.fullLog("cert-service");
        String after = all.substring(before.length());
        long orders = all.lines().filter(l -> l.contains(placed)).count();
        boolean replaced = after.contains("placing a fresh one deployment=e2e/" + name);
        assertTrue(orders == 1 || (orders == 2 && replaced),
                "one order for the request, resumed after the restart (or one fresh order when the first became unusable); "
                        + "orders placed: " + orders + "\n" + after);
        platform.call("DELETE", path, null);
    }

    /** What Pebble's management API says of a certificate: "Valid", "Revoked", or "?" when it does not know it. */
    private String pebbleStatus(String serial) {
        return platform.pebble.certStatus(serial).map(json -> {
            try {
                return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).path("Status").asText("?");
            } catch (IOException e) {
                return "?";
            }
        }).orElse("?");
    }

    private JsonNode awaitReady(String path) throws Exception {
        long deadline = System.nanoTime() + READY.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = platform.call("GET", path, null).body();
            if (last != null && "PHASE_READY".equals(last.path("status").path("phase").asText())) {
                return last.path("status");
            }
            Platform.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(path + " not Ready within " + READY + "; last: " + last + "\ncert-service: "
                + platform.log("cert-service") + "\nintent-service: " + platform.log("intent-service"));
    }

    private static JsonNode condition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        throw new AssertionError("no " + type + " condition in " + status);
    }

    /** The deployment's CA bundle from the API, in a file. */
    private Path caBundle(String path) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(platform.apiUrl() + path + "/ca"))
                .header("Authorization", "Bearer " + Platform.TOKEN).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("BEGIN CERTIFICATE"), response.body());
        Path file = Files.createTempFile("marina-ca-", ".pem");
        Files.writeString(file, response.body());
        return file;
    }

    /** {@code openssl s_client -starttls mysql} verifying the chain and the name, as a user would check it. */
    private static String opensslVerify(String address, String hostname, Path ca) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("openssl", "s_client", "-starttls", "mysql", "-connect", address + ":3306",
                "-servername", hostname, "-verify_hostname", hostname, "-CAfile", ca.toString(), "-verify_return_error",
                "-showcerts").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("Q\n".getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl s_client did not finish:\n" + out);
        }
        return out + "\n" + leafSerial(out);
    }

    /** The serial of the first certificate openssl printed, as "serial=<hex>" (openssl x509 -noout -serial). */
    private static String leafSerial(String sClientOutput) throws IOException, InterruptedException {
        int begin = sClientOutput.indexOf("-----BEGIN CERTIFICATE-----");
        int end = sClientOutput.indexOf("-----END CERTIFICATE-----");
        if (begin < 0 || end < 0) {
            return "serial=";
        }
        Process p = new ProcessBuilder("openssl", "x509", "-noout", "-serial").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(sClientOutput.substring(begin, end + "-----END CERTIFICATE-----".length()).getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    private static String serialOf(String verified) {
        for (String line : verified.lines().toList()) {
            if (line.startsWith("serial=")) {
                return line.substring("serial=".length()).replaceFirst("^0+", "");
            }
        }
        return "";
    }

    /** JDBC by name with full identity verification (the chain against the CA bundle, the name against the certificate). */
    private Connection connectByName(String path, String hostname, Path ca) throws Exception {
        JsonNode creds = platform.call("GET", path + "/credentials", null).body();
        Path trust = trustStore(ca);
        Properties props = new Properties();
        props.put("user", creds.path("user").asText());
        props.put("password", creds.path("password").asText());
        props.put("sslMode", "VERIFY_IDENTITY");
        props.put("trustCertificateKeyStoreUrl", trust.toUri().toString());
        props.put("trustCertificateKeyStoreType", "PKCS12");
        props.put("trustCertificateKeyStorePassword", "changeit");
        props.put("socketFactory", PlatformDnsSocketFactory.class.getName());
        props.put("connectTimeout", "5000");
        return DriverManager.getConnection("jdbc:mysql://" + hostname + ":3306/", props);
    }

    private Connection connectWithoutTls(String path, String address) throws Exception {
        JsonNode creds = platform.call("GET", path + "/credentials", null).body();
        Properties props = new Properties();
        props.put("user", creds.path("user").asText());
        props.put("password", creds.path("password").asText());
        props.put("sslMode", "DISABLED");
        props.put("allowPublicKeyRetrieval", "true");
        props.put("connectTimeout", "5000");
        return DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", props);
    }

    private static Path trustStore(Path caPem) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int n = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(caPem)))) {
            store.setCertificateEntry("ca-" + n++, c);
        }
        Path file = Files.createTempFile("marina-trust-", ".p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, "changeit".toCharArray());
        }
        return file;
    }

    private static long uptime(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Uptime'")) {
            r.next();
            return r.getLong(2);
        }
    }
}
