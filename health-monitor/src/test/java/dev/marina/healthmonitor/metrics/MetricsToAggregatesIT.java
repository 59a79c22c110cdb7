package dev.marina.healthmonitor.metrics;

import dev.marina.testkit.SharedKafka;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentMetrics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.Phase;
import dev.marina.service.Timestamps;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service on the real broker: statuses and samples of three deployments in, window aggregates on
 * {@code deployment-metrics} out, and per-deployment gauges on {@code /q/metrics} for two of them,
 * the label cap being 2 here.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(MetricsToAggregatesIT.CapOfTwo.class)
class MetricsToAggregatesIT {

    public static class CapOfTwo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "marina.health.metrics.max-deployment-labels", "2",
                    // The broker may be shared with other modules' tests (./marina test), whose statuses
                    // would take the two labels: start from the end, and publish what this test needs
                    // again and again until it is seen.
                    "kafka-streams.auto.offset.reset", "latest");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private final String tenant = "mt-it-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<String> deployments = List.of(DeploymentKey.of(tenant, "db1"), DeploymentKey.of(tenant, "db2"),
            DeploymentKey.of(tenant, "db3"));
    private ScheduledExecutorService agents;
    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void awaitReady() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200)
                        .body("checks.find { it.name == 'kafka-streams' }.status", equalTo("UP")));
    }

    @AfterEach
    void stopAgents() throws InterruptedException {
        if (agents != null) {
            agents.shutdownNow();
            agents.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (producer != null) {
            producer.close();
        }
    }

    @Test
    void samples_become_window_aggregates_and_capped_fleet_gauges() {
        try (AggregateReader reader = new AggregateReader(bootstrapServers, Set.copyOf(deployments))) {
            startAgents();

            // deployment-metrics: both instances and the deployment, in 10 s and 1 min windows.
            String first = deployments.get(0);
            DeploymentMetrics whole = reader.await(WAIT, m -> m.getInstanceId().isEmpty() && m.getWindowSeconds() == 10
                    && m.getGaugesAvgOrDefault(MetricNames.QUERIES_PER_SECOND, 0) == 30.0, first);
            assertEquals(7.0, whole.getGaugesAvgOrThrow(MetricNames.CONNECTIONS), 1e-9,
                    "connections: 3 + 4, summed over the instances");
            assertEquals(whole.getWindowStart().getSeconds() + 10, whole.getWindowEnd().getSeconds());
            reader.await(WAIT, m -> m.getInstanceId().equals(instance(first, 1)) && m.getWindowSeconds() == 60
                    && m.getGaugesAvgOrDefault(MetricNames.QUERIES_PER_SECOND, 0) == 10.0, first);
            reader.await(WAIT, m -> m.getInstanceId().equals(instance(first, 2)) && m.getWindowSeconds() == 10
                    && m.getGaugesAvgOrDefault(MetricNames.QUERIES_PER_SECOND, 0) == 20.0, first);
            reader.await(WAIT, m -> m.getInstanceId().isEmpty() && m.getWindowSeconds() == 10
                    && m.getCounterRatesOrDefault(MetricNames.QUERIES_TOTAL, 0) > 0, first);
        }

        // /q/metrics: two of the three deployments labelled, the third refused and counted.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, Double> series = scrape();
            List<String> labelled = new ArrayList<>();
            for (String deployment : deployments) {
                Double up = series.get("marina_deployment_instances{deployment=\"" + deployment + "\",health=\"up\"}");
                Double qps = series.get("marina_deployment_queries_per_second{deployment=\"" + deployment + "\"}");
                if (up != null) {
                    assertEquals(2.0, up, deployment + " instances up");
                    assertEquals(30.0, qps, deployment + " queries per second, summed over its instances");
                    assertEquals(7.0, series.get("marina_deployment_connections{deployment=\"" + deployment + "\"}"));
                    labelled.add(deployment);
                } else {
                    assertEquals(null, qps, deployment + " is not labelled at all");
                }
            }
            assertEquals(2, labelled.size(), "labelled: " + labelled);
            assertEquals(2.0, series.get("marina_metrics_labelled_deployments"));
            assertTrue(series.getOrDefault("marina_metrics_labels_refused_total", 0.0) >= 1.0);
            assertEquals(2, series.keySet().stream().filter(s -> s.startsWith("marina_deployment_queries_per_second{"))
                    .count(), "at most two deployment labels, whoever they belong to");
        });

        Map<String, Double> series = scrape();
        assertTrue(series.getOrDefault("marina_health_metrics_samples_total", 0.0) > 0);
        assertTrue(series.getOrDefault("marina_health_metrics_aggregation_latency_seconds_count", 0.0) > 0);
        assertTrue(series.keySet().stream().anyMatch(s -> s.startsWith("kafka_consumer_fetch_manager_records_lag")),
                "Kafka Streams' consumer lag, bound by Quarkus' Micrometer extension");
    }

    private void startAgents() {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        Instant started = Instant.now();
        agents = Executors.newSingleThreadScheduledExecutor();
        agents.scheduleAtFixedRate(() -> {
            double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
            for (String deployment : deployments) {
                send(Topics.DEPLOYMENT_STATUS.name(), deployment, Topics.DEPLOYMENT_STATUS.valueSerde().serializer()
                        .serialize("", status(deployment)));
                for (int n = 1; n <= 2; n++) {
                    MetricSample sample = MetricSample.newBuilder()
                            .setDeployment(DeploymentKey.parse(deployment))
                            .setInstanceId(instance(deployment, n))
                            .setSampledAt(Timestamps.of(Instant.now()))
                            .putGauges(MetricNames.QUERIES_PER_SECOND, 10.0 * n)
                            .putGauges(MetricNames.CONNECTIONS, 2.0 + n)
                            .putCounters(MetricNames.QUERIES_TOTAL, Math.floor(10.0 * n * seconds))
                            .build();
                    send(Topics.METRICS.name(), deployment, Topics.METRICS.valueSerde().serializer().serialize("", sample));
                }
            }
            producer.flush();
        }, 0, 500, TimeUnit.MILLISECONDS);
    }

    /** The service's proof key: samples are sent as agents send them, proven for their instance. */
    @jakarta.inject.Inject
    dev.marina.schemas.proof.PlatformProofKey proof;

    private void send(String topic, String key, byte[] value) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        if (topic.equals(Topics.METRICS.name())) {
            MetricSample sample = dev.marina.schemas.serde.ProtoJsonSerde.fromJson(MetricSample.getDefaultInstance(), value).value();
            dev.marina.schemas.proof.MessageProof.sign(proof, topic, record.headers(),
                    key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value, sample.getInstanceId());
        }
        producer.send(record);
    }

    private static DeploymentStatus status(String deployment) {
        return DeploymentStatus.newBuilder()
                .setDeployment(DeploymentKey.parse(deployment))
                .setPhase(Phase.PHASE_READY)
                .addInstances(InstanceStatus.newBuilder().setInstanceId(instance(deployment, 1)).setHealth(Health.HEALTH_UP))
                .addInstances(InstanceStatus.newBuilder().setInstanceId(instance(deployment, 2)).setHealth(Health.HEALTH_UP))
                .build();
    }

    private static String instance(String deployment, int n) {
        return deployment.replace('/', '-') + "-" + n;
    }

    /** Every series on /q/metrics, by name and labels as Prometheus prints them. */
    private static Map<String, Double> scrape() {
        String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, Double> series = new HashMap<>();
        for (String line : body.split("\n")) {
            Matcher m = SERIES.matcher(line.trim());
            if (!line.startsWith("#") && m.matches()) {
                series.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
        return series;
    }

    /** Reads deployment-metrics from its end, keeping the records of the given deployments. */
    private static final class AggregateReader implements AutoCloseable {
        private final KafkaConsumer<String, DeploymentMetrics> consumer;
        private final Set<String> keys;
        private final List<ConsumerRecord<String, DeploymentMetrics>> seen = new CopyOnWriteArrayList<>();

        AggregateReader(String bootstrapServers, Set<String> keys) {
            this.keys = keys;
            Properties props = new Properties();
            props.putAll(SharedKafka.clientProperties());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer = new KafkaConsumer<>(props, Topics.DEPLOYMENT_METRICS.keySerde().deserializer(),
                    Topics.DEPLOYMENT_METRICS.valueSerde().deserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEPLOYMENT_METRICS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        }

        DeploymentMetrics await(Duration atMost, Predicate<DeploymentMetrics> wanted, String key) {
            Instant deadline = Instant.now().plus(atMost);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, DeploymentMetrics> record : seen) {
                    if (record.key().equals(key) && wanted.test(record.value())) {
                        return record.value();
                    }
                }
                for (ConsumerRecord<String, DeploymentMetrics> record : consumer.poll(Duration.ofMillis(200))) {
                    if (keys.contains(record.key())) {
                        seen.add(record);
                    }
                }
            }
            throw new AssertionError("no such record for " + key + " in " + atMost + "; saw " + seen.size() + " records"
                    + (seen.isEmpty() ? "" : ", the last " + seen.get(seen.size() - 1).value()));
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
