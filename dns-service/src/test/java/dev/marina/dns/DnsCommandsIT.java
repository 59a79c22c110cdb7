package dev.marina.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.dns.driver.DnsQuery;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeadLetter;
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
import org.apache.kafka.clients.admin.AdminClientConfig;
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
    }

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
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(props);
        events = new TopicTail<>(bootstrapServers, Topics.DNS_EVENTS);
        deadLetters = new TopicTail<>(bootstrapServers, Topics.DEAD_LETTERS);
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

        DnsEvent event = send(command(deployment, ZONE, false, aRecord(name, "127.10.0.7")));

        assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, event.getOutcome(), event.getReason());
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

    private DnsEvent send(DnsCommand command) {
        producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(),
                DeploymentKey.of(command.getDeployment()).getBytes(StandardCharsets.UTF_8),
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
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() ->
                    admin.listTopics().names().get(5, TimeUnit.SECONDS).containsAll(
                            Set.of(Topics.DNS_COMMANDS.name(), Topics.DNS_EVENTS.name(), Topics.DEAD_LETTERS.name())));
        }
    }
}
