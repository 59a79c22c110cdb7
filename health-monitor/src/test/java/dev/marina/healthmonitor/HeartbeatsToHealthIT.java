package dev.marina.healthmonitor;

import dev.marina.testkit.SharedKafka;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.Role;
import dev.marina.service.Timestamps;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service on the real broker: heartbeats in, transitions out, DOWN detected with no input at all. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class HeartbeatsToHealthIT {

    /** Scheduling, the Streams commit interval and this consumer's polling, with room for a busy machine. */
    private static final Duration MARGIN = Duration.ofMillis(2500);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    HealthConfig config;

    /** The service's proof key: heartbeats are sent as agents send them, proven for their instance. */
    @Inject
    dev.marina.schemas.proof.PlatformProofKey proof;

    @BeforeEach
    void awaitReady() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200)
                        .body("checks.find { it.name == 'kafka-streams' }.status", equalTo("UP")));
    }

    @Test
    void a_heartbeating_instance_is_up_and_goes_down_by_itself_once_heartbeats_stop() {
        String tenant = "hm-it-" + UUID.randomUUID().toString().substring(0, 8);
        String deploymentKey = DeploymentKey.of(tenant, "db");
        String instance = tenant + "-db-1";

        try (HealthWatcher watcher = new HealthWatcher(bootstrapServers, deploymentKey);
                KafkaProducer<String, Heartbeat> producer = producer()) {
            Agent agent = new Agent(producer, deploymentKey, instance);

            HealthWatcher.Seen up = watcher.await(Health.HEALTH_UP, Duration.ofSeconds(30), agent::beatEvery500ms)
                    .orElseThrow(() -> new AssertionError("no UP for " + deploymentKey + "; saw " + watcher.seen()));
            assertEquals(instance, up.health().getInstanceId());
            assertEquals(Role.ROLE_PRIMARY, up.health().getRole());

            // The agent stops. Nothing else is sent: only the wall-clock check can notice.
            Instant lastSent = agent.lastSentAt();
            HealthWatcher.Seen down = watcher.await(Health.HEALTH_DOWN,
                    config.downAfter().plus(MARGIN).plusSeconds(5), () -> {})
                    .orElseThrow(() -> new AssertionError("no DOWN for " + deploymentKey + "; saw " + watcher.seen()));

            Duration detectedAfter = Duration.between(lastSent, Timestamps.toInstant(down.health().getDetectedAt()));
            Duration arrivedAfter = Duration.between(lastSent, down.receivedAt());
            assertFalse(detectedAfter.compareTo(config.downAfter()) < 0,
                    "DOWN detected " + detectedAfter + " after the last heartbeat, before down-after");
            assertTrue(arrivedAfter.compareTo(config.downAfter().plus(MARGIN)) <= 0,
                    "DOWN arrived " + arrivedAfter + " after the last heartbeat; down-after is " + config.downAfter());
            assertTrue(down.health().getReason().startsWith("no heartbeat for "), down.health().getReason());
            assertEquals(List.of(Health.HEALTH_UP, Health.HEALTH_SUSPECT, Health.HEALTH_DOWN),
                    watcher.seen().stream().map(s -> s.health().getHealth()).toList(), "one record per transition");
        }
    }

    private KafkaProducer<String, Heartbeat> producer() {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(props, dev.marina.schemas.proof.ProofSerdes.keys(),
                dev.marina.schemas.proof.ProofSerdes.<Heartbeat>signing(proof));
    }

    /** Sends heartbeats as an agent would, at most one per 500 ms. */
    private static final class Agent {
        private final KafkaProducer<String, Heartbeat> producer;
        private final String deploymentKey;
        private final String instance;
        private long sequence;
        private Instant lastSentAt = Instant.EPOCH;

        Agent(KafkaProducer<String, Heartbeat> producer, String deploymentKey, String instance) {
            this.producer = producer;
            this.deploymentKey = deploymentKey;
            this.instance = instance;
        }

        void beatEvery500ms() {
            Instant now = Instant.now();
            if (Duration.between(lastSentAt, now).toMillis() < 500) {
                return;
            }
            sequence++;
            Heartbeat heartbeat = Heartbeat.newBuilder()
                    .setDeployment(DeploymentKey.parse(deploymentKey))
                    .setInstanceId(instance)
                    .setRole(Role.ROLE_PRIMARY)
                    .setDatabaseReachable(true)
                    .setGtidPosition("0-1-" + sequence)
                    .setSequence(sequence)
                    .setSentAt(Timestamps.of(now))
                    .build();
            try {
                producer.send(new ProducerRecord<>(Topics.HEARTBEATS.name(), deploymentKey, heartbeat)).get();
            } catch (Exception e) {
                throw new AssertionError("could not send a heartbeat", e);
            }
            lastSentAt = now;
        }

        Instant lastSentAt() {
            return lastSentAt;
        }
    }
}
