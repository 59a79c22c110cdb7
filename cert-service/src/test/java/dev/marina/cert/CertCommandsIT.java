package dev.marina.cert;

import dev.marina.testkit.TopicTail;
import dev.marina.testkit.SharedKafka;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.cert.acme.TestOrders;
import dev.marina.cert.pki.Pem;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertEvent;
import dev.marina.schemas.v1.CertOp;
import dev.marina.schemas.v1.CertOutcome;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.schemas.v1.TlsMode;
import dev.marina.service.Timestamps;
import dev.marina.testkit.KafkaTestResource;
import dev.marina.testkit.LocalPebble;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shredzone.acme4j.Status;

/**
 * cert-service on its side, against a real broker, a real BIND and a real Pebble: commands on
 * cert-commands, certificates checked with the openssl CLI, answers on cert-events. A test-only
 * {@link StandInDnsService} plays dns-service for the challenge records.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(CertCommandsIT.WithPebble.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CertCommandsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final String ZONE = AcmeWorldResource.ZONE;

    public static class WithPebble implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(AcmeWorldResource.class));
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "marina.test.pebble-dir")
    String pebbleDir;

    @ConfigProperty(name = "marina.test.bind-port")
    int bindPort;

    @ConfigProperty(name = "marina.test.bind-key-name")
    String bindKeyName;

    @ConfigProperty(name = "marina.test.bind-key-secret")
    String bindKeySecret;

    @ConfigProperty(name = "quarkus.http.test-port")
    int testPort;

    @Inject
    CertConfig config;

    @Inject
    StateKeys state;

    private KafkaProducer<byte[], byte[]> producer;
    private TopicTail<CertEvent> events;
    private TopicTail<DeadLetter> deadLetters;
    private StandInDnsService dns;
    private LocalPebble pebble;
    private Path work;

    @BeforeAll
    void open() throws Exception {
        awaitTopics();
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(props);
        events = new TopicTail<>(Topics.CERT_EVENTS);
        deadLetters = new TopicTail<>(Topics.DEAD_LETTERS);
        dns = new StandInDnsService(bootstrapServers, ZONE, bindPort, bindKeyName, bindKeySecret);
        pebble = LocalPebble.attach(Path.of(pebbleDir));
        work = Files.createTempDirectory("cert-it-");
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() ->
                io.restassured.RestAssured.given().port(testPort).get("/q/health/ready").statusCode() == 200);
    }

    @AfterAll
    void close() {
        producer.close();
        events.close();
        deadLetters.close();
        dns.close();
    }

    @Test
    void self_signed_issues_a_certificate_that_openssl_verifies_against_the_platform_ca() throws Exception {
        DeploymentRef deployment = uniqueDeployment();
        String name = "w." + deployment.getName() + "." + ZONE;

        dev.marina.schemas.v1.ActionKey action = dev.marina.schemas.v1.ActionKey.newBuilder()
                .setKind(dev.marina.schemas.v1.ActionKind.ACTION_KIND_ISSUE_CERT).setInstanceId("i-1").setRequest(1).build();
        CertEvent event = send(issue(deployment, TlsMode.TLS_MODE_SELF_SIGNED, name, "ro." + deployment.getName() + "." + ZONE)
                .toBuilder().setAction(action).build());

        assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, event.getOutcome(), event.getReason());
        assertEquals(action, event.getAction(), "the answer echoes the command's action");
        assertEquals("i-1", event.getInstanceId());
        X509Certificate leaf = Pem.certificates(event.getChainPem()).get(0);
        assertEquals(leaf.getSerialNumber().toString(16), event.getSerial());
        assertEquals(state.ca().certificatePem(), event.getCaBundlePem());
        Instant notAfter = Timestamps.toInstant(event.getNotAfter());
        assertTrue(Duration.between(Instant.now(), notAfter).toDays() >= 89, "90 days by default: " + notAfter);
        openssl("verify", "-CAfile", file("ca.pem", event.getCaBundlePem()), "-verify_hostname", name,
                "-purpose", "sslserver", file("leaf.pem", event.getChainPem()));
        openssl("verify", "-CAfile", file("ca.pem", event.getCaBundlePem()), "-purpose", "sslclient",
                file("leaf.pem", event.getChainPem()));
    }

    @Test
    void self_signed_revocation_is_recorded_and_repeating_it_is_harmless() {
        DeploymentRef deployment = uniqueDeployment();
        CertEvent issued = send(issue(deployment, TlsMode.TLS_MODE_SELF_SIGNED, "w." + deployment.getName() + "." + ZONE));

        CertEvent revoked = send(revoke(deployment, TlsMode.TLS_MODE_SELF_SIGNED, issued.getSerial()));
        CertEvent again = send(revoke(deployment, TlsMode.TLS_MODE_SELF_SIGNED, issued.getSerial().toUpperCase()));
        CertEvent unknown = send(revoke(deployment, TlsMode.TLS_MODE_SELF_SIGNED, "abcdef0123"));

        assertEquals(CertOutcome.CERT_OUTCOME_REVOKED, revoked.getOutcome(), revoked.getReason());
        assertEquals(issued.getSerial(), revoked.getSerial());
        assertEquals(CertOutcome.CERT_OUTCOME_REVOKED, again.getOutcome(), again.getReason());
        assertEquals(CertOutcome.CERT_OUTCOME_REVOKED, unknown.getOutcome(), unknown.getReason());
        String list = io.restassured.RestAssured.get("/ca/revoked").asString();
        assertTrue(list.lines().toList().contains(issued.getSerial()), list);
    }

    @Test
    void acme_issues_through_dns01_and_the_chain_verifies_against_pebbles_root() throws Exception {
        DeploymentRef deployment = uniqueDeployment();
        String name = "w." + deployment.getName() + "." + ZONE;
        String other = "ro." + deployment.getName() + "." + ZONE;

        long started = System.nanoTime();
        CertEvent event = send(issue(deployment, TlsMode.TLS_MODE_ACME, name, other));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("acme issue (2 names, command to ISSUED event): %d ms%n", tookMs);

        assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, event.getOutcome(), event.getReason());
        List<X509Certificate> chain = Pem.certificates(event.getChainPem());
        assertEquals(2, chain.size(), "leaf and intermediate");
        assertEquals(chain.get(0).getSerialNumber().toString(16), event.getSerial());
        assertEquals(Pem.certificates(pebble.rootsPem()), Pem.certificates(event.getCaBundlePem()), "the bundle is Pebble's root");
        openssl("verify", "-CAfile", file("root.pem", event.getCaBundlePem()),
                "-untrusted", file("intermediate.pem", Pem.of(chain.get(1))),
                "-verify_hostname", other, file("leaf.pem", Pem.of(chain.get(0))));
        // the challenge records go again once the order is done
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> dns.txt("_acme-challenge." + name + ".").isEmpty());
    }

    @Test
    void acme_revocation_reaches_the_acme_server() {
        DeploymentRef deployment = uniqueDeployment();
        CertEvent issued = send(issue(deployment, TlsMode.TLS_MODE_ACME, "w." + deployment.getName() + "." + ZONE));
        assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, issued.getOutcome(), issued.getReason());
        assertTrue(pebble.certStatus(issued.getSerial()).orElseThrow().contains("Valid"));

        CertEvent revoked = send(revoke(deployment, TlsMode.TLS_MODE_ACME, issued.getSerial()));
        CertEvent again = send(revoke(deployment, TlsMode.TLS_MODE_ACME, issued.getSerial()));
        CertEvent unknown = send(revoke(deployment, TlsMode.TLS_MODE_ACME, "abcdef0123"));

        assertEquals(CertOutcome.CERT_OUTCOME_REVOKED, revoked.getOutcome(), revoked.getReason());
        assertTrue(pebble.certStatus(issued.getSerial()).orElseThrow().contains("Revoked"), pebble.certStatus(issued.getSerial()).get());
        assertEquals(CertOutcome.CERT_OUTCOME_REVOKED, again.getOutcome(), again.getReason());
        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, unknown.getOutcome());
        assertFalse(unknown.getRetryable());
        assertTrue(unknown.getReason().startsWith("not-issued-here"), unknown.getReason());
    }

    @Test
    void orders_of_many_deployments_run_side_by_side() {
        int count = 30;
        List<CertCommand> commands = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            DeploymentRef deployment = uniqueDeployment();
            commands.add(issue(deployment, TlsMode.TLS_MODE_ACME, "w." + deployment.getName() + "." + ZONE));
            declare(deployment, "w." + deployment.getName() + "." + ZONE);
        }
        long started = System.nanoTime();
        commands.forEach(c -> producer.send(new ProducerRecord<>(Topics.CERT_COMMANDS.name(),
                DeploymentKey.of(c.getDeployment()).getBytes(StandardCharsets.UTF_8),
                ProtoJsonSerde.toJson(c).getBytes(StandardCharsets.UTF_8))));
        producer.flush();

        for (CertCommand c : commands) {
            CertEvent event = events.await(e -> e.getCommandId().equals(c.getCommandId()), TIMEOUT, "answer to " + c.getCommandId());
            assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, event.getOutcome(), event.getReason());
        }
        System.out.printf("acme issue of %d deployments at once: %d ms%n", count, (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    void the_same_command_twice_gets_the_same_certificate() {
        DeploymentRef deployment = uniqueDeployment();
        CertCommand command = issue(deployment, TlsMode.TLS_MODE_ACME, "w." + deployment.getName() + "." + ZONE);

        CertEvent first = send(command);
        CertEvent second = send(command);

        assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, first.getOutcome(), first.getReason());
        assertEquals(first, second, "the journaled event, unchanged");
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                events.seen(e -> e.getCommandId().equals(command.getCommandId())).size() == 2);
    }

    @Test
    void an_order_journaled_before_a_crash_is_resumed_not_placed_again() throws Exception {
        DeploymentRef deployment = uniqueDeployment();
        String name = "w." + deployment.getName() + "." + ZONE;
        CertCommand command = issue(deployment, TlsMode.TLS_MODE_ACME, name);
        var login = TestOrders.login(config, state.accountKey());
        URL placed = TestOrders.place(login, List.of(name));
        state.journal().ordered(command.getCommandId(), placed.toString(), 1);

        CertEvent event = send(command);

        assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, event.getOutcome(), event.getReason());
        var order = TestOrders.fetch(login, placed);
        assertEquals(Status.VALID, order.getStatus());
        assertEquals(TestOrders.certificate(order).getSerialNumber().toString(16), event.getSerial(),
                "the certificate is the journaled order's");
        var entry = state.journal().entry(command.getCommandId()).orElseThrow();
        assertEquals(1, entry.orders(), "no second order");
        assertEquals(placed.toString(), entry.orderUrl().orElseThrow());
    }

    @Test
    void acme_server_down_fails_retryable_and_the_service_recovers_when_it_is_back() throws Exception {
        DeploymentRef deployment = uniqueDeployment();
        String name = "w." + deployment.getName() + "." + ZONE;
        pebble.stop();
        CertEvent failed;
        try {
            failed = send(issue(deployment, TlsMode.TLS_MODE_ACME, name));
        } finally {
            pebble.restart();
        }

        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, failed.getOutcome());
        assertTrue(failed.getRetryable());
        assertTrue(failed.getReason().startsWith("acme-unreachable: the ACME server at " + config.acme().directory().get()),
                failed.getReason());

        CertEvent issued = send(issue(deployment, TlsMode.TLS_MODE_ACME, name));

        assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, issued.getOutcome(), issued.getReason());
        List<X509Certificate> chain = Pem.certificates(issued.getChainPem());
        openssl("verify", "-CAfile", file("root.pem", issued.getCaBundlePem()),
                "-untrusted", file("intermediate.pem", Pem.of(chain.get(1))), file("leaf.pem", Pem.of(chain.get(0))));
    }

    @Test
    void a_clash_on_the_challenge_records_fails_retryable() {
        DeploymentRef deployment = uniqueDeployment();
        dns.misbehaveFor(DeploymentKey.of(deployment), StandInDnsService.Misbehaviour.CLASH);

        CertEvent event = send(issue(deployment, TlsMode.TLS_MODE_ACME, "w." + deployment.getName() + "." + ZONE));

        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, event.getOutcome());
        assertTrue(event.getRetryable());
        assertTrue(event.getReason().startsWith("dns-not-applied: dns-service refused the challenge records"), event.getReason());
    }

    @Test
    void a_challenge_the_acme_server_finds_wrong_fails_retryable() {
        DeploymentRef deployment = uniqueDeployment();
        dns.misbehaveFor(DeploymentKey.of(deployment), StandInDnsService.Misbehaviour.WRONG_TXT);

        CertEvent event = send(issue(deployment, TlsMode.TLS_MODE_ACME, "w." + deployment.getName() + "." + ZONE));

        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, event.getOutcome());
        assertTrue(event.getRetryable());
        assertTrue(event.getReason().startsWith("challenge-failed: the DNS-01 challenge for w." + deployment.getName()),
                event.getReason());
    }

    @Test
    void a_csr_naming_a_name_the_deployment_does_not_have_fails_for_good() {
        DeploymentRef deployment = uniqueDeployment();
        CertCommand command = issue(deployment, TlsMode.TLS_MODE_ACME, "w." + deployment.getName() + "." + ZONE).toBuilder()
                .clearDnsNames().addDnsNames("ro." + deployment.getName() + "." + ZONE).build();

        CertEvent event = send(command);

        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, event.getOutcome());
        assertFalse(event.getRetryable());
        assertTrue(event.getReason().startsWith("name-not-requested"), event.getReason());
    }

    @Test
    void a_name_declared_for_another_deployment_is_never_signed_for_this_one() {
        DeploymentRef victim = uniqueDeployment();
        String writer = victim.getName() + ".acme." + ZONE;
        declare(victim, writer, "ro." + writer);
        DeploymentRef forger = DeploymentRef.newBuilder().setTenant("mallory").setName("db-" + UUID.randomUUID().toString().substring(0, 8)).build();

        // the command lists the victim's writer name as the forger's: the CSR matches the command, the zone does not
        CertEvent event = sendUndeclared(issue(forger, TlsMode.TLS_MODE_SELF_SIGNED, writer));

        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, event.getOutcome());
        assertFalse(event.getRetryable());
        assertTrue(event.getReason().startsWith("name-owned-by-another-deployment"), event.getReason());
        assertTrue(event.getReason().contains(DeploymentKey.of(victim)), event.getReason());
        assertTrue(event.getChainPem().isEmpty());
    }

    @Test
    void names_the_platform_never_declared_fail_retryable_after_the_wait() {
        DeploymentRef deployment = uniqueDeployment();

        CertEvent event = sendUndeclared(issue(deployment, TlsMode.TLS_MODE_SELF_SIGNED, "w." + deployment.getName() + "." + ZONE));

        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, event.getOutcome());
        assertTrue(event.getRetryable(), "the names may still be on their way");
        assertTrue(event.getReason().startsWith("name-not-declared"), event.getReason());
    }

    @Test
    void a_deployment_cannot_revoke_another_deployments_certificate() {
        DeploymentRef owner = uniqueDeployment();
        CertEvent issued = send(issue(owner, TlsMode.TLS_MODE_SELF_SIGNED, "w." + owner.getName() + "." + ZONE));
        assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, issued.getOutcome(), issued.getReason());

        CertEvent event = send(revoke(uniqueDeployment(), TlsMode.TLS_MODE_SELF_SIGNED, issued.getSerial()));

        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, event.getOutcome());
        assertFalse(event.getRetryable());
        assertTrue(event.getReason().startsWith("certificate-of-another-deployment"), event.getReason());
        assertFalse(state.journal().isRevoked(issued.getSerial()));
    }

    @Test
    void an_unknown_mode_fails_for_good() {
        DeploymentRef deployment = uniqueDeployment();

        CertEvent event = send(issue(deployment, TlsMode.TLS_MODE_DISABLED, "w." + deployment.getName() + "." + ZONE));

        assertEquals(CertOutcome.CERT_OUTCOME_FAILED, event.getOutcome());
        assertFalse(event.getRetryable());
        assertTrue(event.getReason().startsWith("unknown-mode"), event.getReason());
    }

    @Test
    void an_undecodable_command_goes_to_dead_letters_and_the_service_goes_on() {
        DeploymentRef deployment = uniqueDeployment();
        String key = DeploymentKey.of(deployment);
        producer.send(new ProducerRecord<>(Topics.CERT_COMMANDS.name(), key.getBytes(StandardCharsets.UTF_8),
                "{not json".getBytes(StandardCharsets.UTF_8)));
        producer.flush();

        DeadLetter letter = deadLetters.await(d -> d.getKey().toStringUtf8().equals(key), TIMEOUT, "dead letter for " + key);

        assertEquals("cert-service", letter.getConsumer());
        assertEquals(Topics.CERT_COMMANDS.name(), letter.getSourceTopic());
        assertEquals("{not json", letter.getValue().toStringUtf8());
        CertEvent after = send(issue(deployment, TlsMode.TLS_MODE_SELF_SIGNED, "w." + deployment.getName() + "." + ZONE));
        assertEquals(CertOutcome.CERT_OUTCOME_ISSUED, after.getOutcome(), after.getReason());
    }

    @Test
    void commands_orders_and_their_duration_are_on_the_metrics_endpoint() {
        DeploymentRef deployment = uniqueDeployment();
        send(issue(deployment, TlsMode.TLS_MODE_SELF_SIGNED, "w." + deployment.getName() + "." + ZONE));

        String metrics = io.restassured.RestAssured.get("/q/metrics").asString();

        assertTrue(metrics.contains("marina_cert_commands_total{mode=\"self-signed\",op=\"issue\",outcome=\"issued\"}"), metrics);
        assertTrue(metrics.contains("marina_cert_order_duration_seconds_bucket{"), "histogram");
        assertTrue(metrics.contains("marina_cert_orders_in_progress"), "gauge");
    }

    // ---- helpers

    /** Sends a command, first declaring (as the reconciler does on dns-commands) the names an issue asks for. */
    private CertEvent send(CertCommand command) {
        if (command.getOp() != CertOp.CERT_OP_REVOKE) {
            declare(command.getDeployment(), command.getDnsNamesList().toArray(String[]::new));
        }
        return sendUndeclared(command);
    }

    /** Declares a deployment's names in the zone, as the reconciler's latest command on dns-commands. */
    private void declare(DeploymentRef deployment, String... names) {
        DnsCommand.Builder declaration = DnsCommand.newBuilder().setCommandId(UUID.randomUUID().toString())
                .setDeployment(deployment).setZone(ZONE);
        for (String name : names) {
            declaration.addRecords(DnsRecordSet.newBuilder().setName(name + ".").setType("A").addValues("127.0.0.1").setTtlSeconds(5));
        }
        producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(),
                DeploymentKey.of(deployment).getBytes(StandardCharsets.UTF_8),
                ProtoJsonSerde.toJson(declaration.build()).getBytes(StandardCharsets.UTF_8)));
        producer.flush();
    }

    private CertEvent sendUndeclared(CertCommand command) {
        int before = events.seen(e -> e.getCommandId().equals(command.getCommandId())).size();
        producer.send(new ProducerRecord<>(Topics.CERT_COMMANDS.name(),
                DeploymentKey.of(command.getDeployment()).getBytes(StandardCharsets.UTF_8),
                ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8)));
        producer.flush();
        List<CertEvent> seen = new ArrayList<>();
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> {
            seen.clear();
            seen.addAll(events.seen(e -> e.getCommandId().equals(command.getCommandId())));
            return seen.size() > before;
        });
        return seen.get(seen.size() - 1);
    }

    private static CertCommand issue(DeploymentRef deployment, TlsMode mode, String... names) {
        return CertCommand.newBuilder()
                .setCommandId(DeploymentKey.of(deployment) + "/cert/" + UUID.randomUUID())
                .setDeployment(deployment)
                .setInstanceId("i-1")
                .setOp(CertOp.CERT_OP_ISSUE)
                .setMode(mode)
                .setCsrPem(TestCsrs.csr(TestCsrs.ecKey(), names))
                .addAllDnsNames(List.of(names))
                .build();
    }

    private static CertCommand revoke(DeploymentRef deployment, TlsMode mode, String serial) {
        return CertCommand.newBuilder()
                .setCommandId(DeploymentKey.of(deployment) + "/revoke/" + UUID.randomUUID())
                .setDeployment(deployment)
                .setInstanceId("i-1")
                .setOp(CertOp.CERT_OP_REVOKE)
                .setMode(mode)
                .setSerial(serial)
                .build();
    }

    private static DeploymentRef uniqueDeployment() {
        return DeploymentRef.newBuilder().setTenant("acme").setName("db-" + UUID.randomUUID().toString().substring(0, 8)).build();
    }

    private String file(String name, String content) throws Exception {
        Path file = Files.createTempFile(work, "", "-" + name);
        Files.writeString(file, content);
        return file.toString();
    }

    /** Runs the openssl CLI and fails the test with its output unless it succeeds. */
    private static void openssl(String... args) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/openssl"))) {
            throw new AssertionError("/usr/bin/openssl is missing: install the Debian package openssl");
        }
        List<String> command = new ArrayList<>(List.of("/usr/bin/openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "openssl " + String.join(" ", args) + ":\n" + out);
    }

    private void awaitTopics() {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        try (Admin admin = Admin.create(props)) {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() ->
                    admin.listTopics().names().get(5, TimeUnit.SECONDS).containsAll(Set.of(Topics.CERT_COMMANDS.name(),
                            Topics.CERT_EVENTS.name(), Topics.DNS_CHALLENGES.name(), Topics.DNS_EVENTS.name(), Topics.DEAD_LETTERS.name())));
        }
    }
}
