package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.access.KafkaAccess;
import dev.marina.schemas.access.KafkaUsers;
import dev.marina.schemas.access.Principals;
import dev.marina.schemas.access.Role;
import dev.marina.schemas.topics.Topics;
import dev.marina.testkit.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The secured broker as a hostile or mistaken client meets it: no credentials, a wrong password, an
 * agent's or another service's principal — each may do exactly what {@code Principals} grants.
 */
class KafkaAccessControlIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void a_client_without_credentials_cannot_reach_the_broker() {
        Properties plain = new Properties();
        plain.put("bootstrap.servers", SharedKafka.bootstrapServers());
        assertEquals(WriteOutcome.FAILED, write(plain, Topics.AGENT_COMMANDS.name()));
        Properties tlsOnly = new Properties();
        tlsOnly.putAll(plain);
        tlsOnly.put("security.protocol", "SSL");
        tlsOnly.put("ssl.truststore.type", "PEM");
        tlsOnly.put("ssl.truststore.location", KafkaAccess.caFile(SharedKafka.secretsDir()).toString());
        assertEquals(WriteOutcome.FAILED, write(tlsOnly, Topics.AGENT_COMMANDS.name()));
    }

    @Test
    void a_wrong_password_is_refused_as_an_authentication_failure() {
        Properties p = SharedKafka.clientProperties(Role.HEALTH_MONITOR);
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"health-monitor\" password=\"guessed\";");
        ExecutionException e = assertThrows(ExecutionException.class, () -> send(p, Topics.INSTANCE_HEALTH.name()));
        assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
    }

    @Test
    void an_agent_writes_its_reports_reads_its_commands_and_cannot_command_anyone() throws Exception {
        String instance = "acl" + UUID.randomUUID().toString().substring(0, 8) + "-orders-1";
        Properties agent = SharedKafka.agentClientProperties(instance);
        assertEquals(WriteOutcome.WRITTEN, write(agent, Topics.HEARTBEATS.name()));
        assertEquals(WriteOutcome.WRITTEN, write(agent, Topics.AGENT_EVENTS.name()));
        assertEquals(WriteOutcome.DENIED, write(agent, Topics.AGENT_COMMANDS.name()));
        assertEquals(WriteOutcome.DENIED, write(agent, Topics.PROVISION_COMMANDS.name()));
        assertEquals(WriteOutcome.DENIED, write(agent, Topics.INSTANCE_HEALTH.name()));
        assertTrue(canRead(agent, Topics.AGENT_COMMANDS.name()));
        assertTrue(!canRead(agent, Topics.HEARTBEATS.name()), "an agent reads no other instance's reports");
    }

    @Test
    void a_removed_agent_principal_cannot_log_in_any_more() throws Exception {
        String instance = "acl" + UUID.randomUUID().toString().substring(0, 8) + "-orders-2";
        Properties agent = SharedKafka.agentClientProperties(instance);
        assertEquals(WriteOutcome.WRITTEN, write(agent, Topics.HEARTBEATS.name()));
        Path file = KafkaAccess.userFile(SharedKafka.secretsDir(), Principals.agent(instance));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (Admin admin = Admin.create(SharedKafka.clientProperties())) {
            new KafkaUsers(admin, KafkaAccess.caFile(SharedKafka.secretsDir()), TIMEOUT).remove(Principals.agent(instance), file);
        }
        assertTrue(!Files.exists(file));
        ExecutionException e = assertThrows(ExecutionException.class, () -> send(agent, Topics.HEARTBEATS.name()));
        assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
    }

    @Test
    void services_write_only_their_own_topics() {
        assertEquals(WriteOutcome.WRITTEN, write(SharedKafka.clientProperties(Role.INTENT_SERVICE), Topics.AGENT_COMMANDS.name()));
        assertEquals(WriteOutcome.DENIED, write(SharedKafka.clientProperties(Role.HEALTH_MONITOR), Topics.AGENT_COMMANDS.name()));
        assertEquals(WriteOutcome.DENIED, write(SharedKafka.clientProperties(Role.CERT_SERVICE), Topics.INTENTS.name()));
        assertEquals(WriteOutcome.DENIED, write(SharedKafka.clientProperties(Role.DNS_SERVICE), Topics.CERT_EVENTS.name()));
        assertEquals(WriteOutcome.DENIED, write(SharedKafka.clientProperties(Role.PROVISIONER), Topics.PROVISION_COMMANDS.name()));
        assertEquals(WriteOutcome.WRITTEN, write(SharedKafka.clientProperties(Role.PROVISIONER), Topics.PROVISION_EVENTS.name()));
    }

    @Test
    void a_service_may_not_create_topics_only_the_admin_may() throws Exception {
        String name = "intent-service-probe-" + UUID.randomUUID();
        try (Admin dns = Admin.create(SharedKafka.clientProperties(Role.DNS_SERVICE))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> dns.createTopics(List.of(new NewTopic("sneaky-" + UUID.randomUUID(), 1, (short) 1))).all()
                            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
        }
        // Its own prefix (Kafka Streams' internal topics) it may.
        try (Admin intent = Admin.create(SharedKafka.clientProperties(Role.INTENT_SERVICE))) {
            intent.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            intent.deleteTopics(List.of(name)).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void another_system_declares_intents_and_reads_statuses_but_commands_nothing() throws Exception {
        String name = "itest" + UUID.randomUUID().toString().substring(0, 8);
        Path file = KafkaAccess.userFile(SharedKafka.secretsDir(), name);
        try (Admin admin = Admin.create(SharedKafka.clientProperties())) {
            new KafkaUsers(admin, KafkaAccess.caFile(SharedKafka.secretsDir()), TIMEOUT).ensure(name, Role.INTEGRATION, file);
        }
        Properties other = KafkaAccess.client(file, SharedKafka.bootstrapServers());
        assertEquals(WriteOutcome.WRITTEN, write(other, Topics.INTENT_EVENTS.name()));
        assertEquals(WriteOutcome.DENIED, write(other, Topics.INTENTS.name()));
        assertEquals(WriteOutcome.DENIED, write(other, Topics.AGENT_COMMANDS.name()));
        assertTrue(canRead(other, Topics.DEPLOYMENT_STATUS.name()));
        assertTrue(!canRead(other, Topics.AGENT_COMMANDS.name()));
    }

    private enum WriteOutcome { WRITTEN, DENIED, FAILED }

    private static WriteOutcome write(Properties client, String topic) {
        try {
            send(client, topic);
            return WriteOutcome.WRITTEN;
        } catch (ExecutionException e) {
            return e.getCause() instanceof TopicAuthorizationException ? WriteOutcome.DENIED : WriteOutcome.FAILED;
        } catch (Exception e) {
            return e instanceof TopicAuthorizationException ? WriteOutcome.DENIED : WriteOutcome.FAILED;
        }
    }

    private static void send(Properties client, String topic) throws Exception {
        Properties p = new Properties();
        p.putAll(client);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("max.block.ms", 8_000);
        p.put("delivery.timeout.ms", 8_000);
        p.put("request.timeout.ms", 5_000);
        p.put("linger.ms", 0);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            // Not a valid record of the topic: it only probes the right to write (consumers dead-letter it).
            producer.send(new ProducerRecord<>(topic, "acl-probe/x".getBytes(StandardCharsets.UTF_8),
                    "acl probe".getBytes(StandardCharsets.UTF_8))).get(15, TimeUnit.SECONDS);
        }
    }

    private static boolean canRead(Properties client, String topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("default.api.timeout.ms", 8_000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(Set.of(partition));
            consumer.seekToBeginning(Set.of(partition));
            consumer.position(partition);
            consumer.poll(Duration.ofMillis(500));
            return true;
        } catch (TopicAuthorizationException e) {
            return false;
        }
    }
}
