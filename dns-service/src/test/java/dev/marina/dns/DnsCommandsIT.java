package dev.marina.dns;

import dev.marina.testkit.TopicTail;
import dev.marina.testkit.SharedKafka;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.dns.driver.DnsQuery;
import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.Ownership;
import dev.marina.dns.zone.RecordSet;
import dev.marina.dns.zone.ZoneChange;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.DnsWishKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

/** dns-service end to end on its side: a command on dns-commands, records in a real BIND, an answer on dns-events. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(DnsCommandsIT.WithBind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DnsCommandsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String ZONE = BindTestResource.ZONE;

    /** marina.dns.* pointed at a BIND server started for this profile. */
    public static class WithBind implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(BindTestResource.class));
        }

        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("marina.dns.drift-interval", "1s");
        }
    }

    @jakarta.inject.Inject
    dev.marina.dns.driver.DnsDriver driver;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "marina.dns.server-port")
    int bindPort;

    private KafkaProducer<byte[], byte[]> producer;
    private TopicTail<DnsEvent> events;
    private TopicTail<DeadLetter> deadLetters;

    @BeforeAll
    void openTopics() throws Exception {
        awaitTopics();
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(props);
        events = new TopicTail<>(Topics.DNS_EVENTS);
        deadLetters = new TopicTail<>(Topics.DEAD_LETTERS);
    }

    @AfterAll
    void closeTopics() {
        producer.close();
        events.close();
        deadLetters.close();
    }

    @Test
    void applies_a_deployments_records_and_answers_applied() {
        DeploymentRef deployment = uniqueDeployment();
        String name = "primary." + deployment.getName() + "." + ZONE + ".";

        ActionKey action = ActionKey.newBuilder().setKind(ActionKind.ACTION_KIND_APPLY_NAMES).setSubject("digest-7").build();
        DnsEvent event = send(command(deployment, ZONE, false, aRecord(name, "127.10.0.7")).toBuilder().setAction(action).build());

        assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, event.getOutcome(), event.getReason());
        assertEquals(action, event.getAction(), "the answer echoes the command's action");
        assertEquals(List.of(name), event.getRecordsList().stream().map(DnsRecordSet::getName).toList());
        assertEquals(5, event.getRecords(0).getTtlSeconds(), "the default TTL fills in");
        assertEquals(List.of("127.10.0.7"), DnsQuery.values(bindPort, name, "A"));

        DnsEvent removed = send(command(deployment, ZONE, true));

        assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, removed.getOutcome(), removed.getReason());
        assertEquals(List.of(), DnsQuery.values(bindPort, name, "A"));
    }

    @Test
    void refuses_a_name_another_deployment_owns() {
        DeploymentRef first = uniqueDeployment();
        String name = "shared." + first.getName() + "." + ZONE + ".";
        send(command(first, ZONE, false, aRecord(name, "127.10.0.8")));

        DnsEvent event = send(command(uniqueDeployment(), ZONE, false, aRecord(name, "127.10.0.9")));

        assertEquals(DnsOutcome.DNS_OUTCOME_CLASH, event.getOutcome());
        assertTrue(event.getReason().contains(name), event.getReason());
        assertEquals(List.of("127.10.0.8"), DnsQuery.values(bindPort, name, "A"));
    }

    @Test
    void fails_a_command_for_a_zone_it_does_not_manage() {
        DeploymentRef deployment = uniqueDeployment();

        DnsEvent event = send(command(deployment, "other.example", false, aRecord("p.other.example.", "127.10.0.1")));

        assertEquals(DnsOutcome.DNS_OUTCOME_FAILED, event.getOutcome());
        assertEquals("zone other.example is not managed here", event.getReason());
    }

    @Test
    void sends_an_undecodable_command_to_dead_letters() {
        String key = DeploymentKey.of(uniqueDeployment());
        producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(), key.getBytes(StandardCharsets.UTF_8),
                "{not json".getBytes(StandardCharsets.UTF_8)));
        producer.flush();

        DeadLetter letter = deadLetters.await(d -> d.getKey().toStringUtf8().equals(key), TIMEOUT, "dead letter for " + key);

        assertEquals("dns-service", letter.getConsumer());
        assertEquals(Topics.DNS_COMMANDS.name(), letter.getSourceTopic());
    }

    @Test
    void restores_an_owned_record_changed_from_outside() {
        DeploymentRef deployment = uniqueDeployment();
        String name = "drift." + deployment.getName() + "." + ZONE + ".";
        send(command(deployment, ZONE, false, aRecord(name, "127.10.0.11")));

        driver.apply(new ZoneChange(List.of(), List.of(new ZoneChange.Replace(RecordSet.of(name, "A", 5, "10.9.9.9")))));
        assertEquals(List.of("10.9.9.9"), DnsQuery.values(bindPort, name, "A"));

        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> DnsQuery.values(bindPort, name, "A").equals(List.of("127.10.0.11")));
    }

    @Test
    void removes_names_owned_by_a_deployment_that_is_gone_and_leaves_foreign_ones() {
        String orphan = "orphan-" + UUID.randomUUID().toString().substring(0, 8) + "." + ZONE + ".";
        String foreign = "foreign-" + UUID.randomUUID().toString().substring(0, 8) + "." + ZONE + ".";
        driver.apply(new ZoneChange(List.of(), List.of(
                new ZoneChange.Replace(RecordSet.of(orphan, "A", 5, "127.10.0.12")),
                new ZoneChange.Replace(RecordSet.of(Names.ownerRecordName(orphan), "TXT", 5,
                        Ownership.value("acme/long-gone"))),
                new ZoneChange.Replace(RecordSet.of(foreign, "A", 5, "10.1.1.1")))));

        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> DnsQuery.values(bindPort, orphan, "A").isEmpty());
        assertEquals(List.of(), DnsQuery.values(bindPort, Names.ownerRecordName(orphan), "TXT"));
        assertEquals(List.of("10.1.1.1"), DnsQuery.values(bindPort, foreign, "A"), "not ours: untouched");
    }

    @Test
    void a_tombstoned_deployment_loses_its_names_at_the_next_drift_check() {
        DeploymentRef deployment = uniqueDeployment();
        String name = "tomb." + deployment.getName() + "." + ZONE + ".";
        send(command(deployment, ZONE, false, aRecord(name, "127.10.0.13")));

        producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(),
                DeploymentKey.of(deployment).getBytes(StandardCharsets.UTF_8), null));
        producer.flush();

        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> DnsQuery.values(bindPort, name, "A").isEmpty());
    }

    @Test
    void a_challenge_wish_lives_beside_the_deployments_names_and_goes_on_its_own() {
        DeploymentRef deployment = uniqueDeployment();
        String name = "w." + deployment.getName() + "." + ZONE + ".";
        String challenge = "_acme-challenge." + name;
        send(command(deployment, ZONE, false, aRecord(name, "127.10.0.14")));
        DnsCommand txt = command(deployment, ZONE, false, DnsRecordSet.newBuilder().setName(challenge).setType("TXT")
                .addValues("digest-one").setTtlSeconds(1).build()).toBuilder().setPurpose(DnsWishKey.ACME_CHALLENGE).build();

        DnsEvent applied = send(txt);

        assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, applied.getOutcome(), applied.getReason());
        assertEquals(DnsWishKey.ACME_CHALLENGE, applied.getPurpose(), "the answer says which wish it is about");
        assertEquals(List.of("digest-one"), DnsQuery.values(bindPort, challenge, "TXT"));
        assertEquals(List.of("127.10.0.14"), DnsQuery.values(bindPort, name, "A"), "the names' wish is not replaced");

        DnsEvent removed = send(txt.toBuilder().setCommandId(txt.getCommandId() + "/remove").clearRecords().setRemoveAll(true).build());

        assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, removed.getOutcome(), removed.getReason());
        assertEquals(List.of(), DnsQuery.values(bindPort, challenge, "TXT"));
        assertEquals(List.of("127.10.0.14"), DnsQuery.values(bindPort, name, "A"), "removing the challenge leaves the names");
        // the drift check knows both wishes: neither one's records are orphans of the other
        Awaitility.await().during(Duration.ofMillis(1500)).atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> DnsQuery.values(bindPort, name, "A").equals(List.of("127.10.0.14")));
    }

    @Test
    void a_command_under_another_wishs_key_goes_to_dead_letters() {
        DeploymentRef deployment = uniqueDeployment();
        DnsCommand txt = command(deployment, ZONE, true).toBuilder().setPurpose(DnsWishKey.ACME_CHALLENGE).build();
        String key = DeploymentKey.of(deployment); // the names' key, not the challenge's
        producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(), key.getBytes(StandardCharsets.UTF_8),
                ProtoJsonSerde.toJson(txt).getBytes(StandardCharsets.UTF_8)));
        producer.flush();

        DeadLetter letter = deadLetters.await(d -> d.getKey().toStringUtf8().equals(key), TIMEOUT, "dead letter for " + key);

        assertTrue(letter.getReason().contains("is not the command's wish"), letter.getReason());
    }

    @Test
    void many_commands_at_once_are_carried_out_in_few_updates() {
        int count = 60;
        List<DnsCommand> commands = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            DeploymentRef deployment = uniqueDeployment();
            commands.add(command(deployment, ZONE, false,
                    aRecord("w." + deployment.getName() + "." + ZONE + ".", "127.10.1." + (i + 1)),
                    aRecord("ro.w." + deployment.getName() + "." + ZONE + ".", "127.10.1." + (i + 1))));
        }
        double batchesBefore = batches();
        commands.forEach(c -> producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(),
                DeploymentKey.of(c.getDeployment()).getBytes(StandardCharsets.UTF_8),
                ProtoJsonSerde.toJson(c).getBytes(StandardCharsets.UTF_8))));
        producer.flush();

        for (DnsCommand c : commands) {
            DnsEvent event = events.await(e -> e.getCommandId().equals(c.getCommandId()), TIMEOUT, "answer to " + c.getCommandId());
            assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, event.getOutcome(), event.getReason());
            assertEquals(c.getRecords(0).getValuesList(), DnsQuery.values(bindPort, c.getRecords(0).getName(), "A"));
        }
        double batches = batches() - batchesBefore;
        assertTrue(batches < count / 2.0, "60 commands sent together took " + batches + " batches");
        assertTrue(io.restassured.RestAssured.get("/q/metrics").asString().contains("kafka_consumer_fetch_manager_records_lag"),
                "the controller's consumer lag is on /q/metrics");
    }

    @Test
    void commands_read_but_not_carried_out_yet_are_not_drift() throws InterruptedException {
        // The drift check runs every second here; commands arriving every 50 ms for 2 s are being read when it runs.
        double repairsBefore = driftRepairs();
        List<DnsCommand> commands = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            DeploymentRef deployment = uniqueDeployment();
            DnsCommand c = command(deployment, ZONE, false, aRecord("n." + deployment.getName() + "." + ZONE + ".", "127.10.2." + (i + 1)));
            commands.add(c);
            producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(),
                    DeploymentKey.of(c.getDeployment()).getBytes(StandardCharsets.UTF_8),
                    ProtoJsonSerde.toJson(c).getBytes(StandardCharsets.UTF_8)));
            producer.flush();
            Thread.sleep(50);
        }
        for (DnsCommand c : commands) {
            DnsEvent event = events.await(e -> e.getCommandId().equals(c.getCommandId()), TIMEOUT, "answer to " + c.getCommandId());
            assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, event.getOutcome(), event.getReason());
        }
        assertEquals(0.0, driftRepairs() - repairsBefore, "new commands were counted as drift repairs");
    }

    /** How many batches the controller has carried out, from its Prometheus endpoint. */
    private static double batches() {
        String metrics = io.restassured.RestAssured.get("/q/metrics").asString();
        return metrics.lines().filter(l -> l.startsWith("marina_dns_batch_duration_seconds_count"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Deployments the drift check has repaired, from the Prometheus endpoint. */
    private static double driftRepairs() {
        String metrics = io.restassured.RestAssured.get("/q/metrics").asString();
        return metrics.lines().filter(l -> l.startsWith("marina_dns_drift_repairs_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The reconciler's wishes go on dns-commands, cert-service's (with a purpose) on dns-challenges. */
    private DnsEvent send(DnsCommand command) {
        producer.send(new ProducerRecord<>((command.getPurpose().isEmpty() ? Topics.DNS_COMMANDS : Topics.DNS_CHALLENGES).name(),
                DnsWishKey.of(command).getBytes(StandardCharsets.UTF_8),
                ProtoJsonSerde.toJson(command).getBytes(StandardCharsets.UTF_8)));
        producer.flush();
        return events.await(e -> e.getCommandId().equals(command.getCommandId()), TIMEOUT,
                "answer to " + command.getCommandId());
    }

    private static DnsCommand command(DeploymentRef deployment, String zone, boolean removeAll, DnsRecordSet... records) {
        return DnsCommand.newBuilder()
                .setCommandId(DeploymentKey.of(deployment) + "/" + UUID.randomUUID())
                .setDeployment(deployment)
                .setZone(zone)
                .addAllRecords(List.of(records))
                .setRemoveAll(removeAll)
                .build();
    }

    private static DnsRecordSet aRecord(String name, String value) {
        return DnsRecordSet.newBuilder().setName(name).setType("A").addValues(value).build();
    }

    private static DeploymentRef uniqueDeployment() {
        return DeploymentRef.newBuilder().setTenant("acme").setName("db-" + UUID.randomUUID().toString().substring(0, 8)).build();
    }

    private void awaitTopics() {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        try (Admin admin = Admin.create(props)) {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() ->
                    admin.listTopics().names().get(5, TimeUnit.SECONDS).containsAll(
                            Set.of(Topics.DNS_COMMANDS.name(), Topics.DNS_CHALLENGES.name(), Topics.DNS_EVENTS.name(),
                                    Topics.DEAD_LETTERS.name())));
        }
    }
}
