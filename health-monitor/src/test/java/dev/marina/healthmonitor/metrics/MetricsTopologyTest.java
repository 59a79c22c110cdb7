package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.MetricsFixtures.DEPLOYMENT;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.ONE;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.T0;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.TWO;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.at;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.counters;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.gauges;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.instance;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.sample;
import static dev.marina.healthmonitor.metrics.MetricsFixtures.status;
import static dev.marina.schemas.metrics.MetricNames.CONNECTIONS;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_PER_SECOND;
import static dev.marina.schemas.metrics.MetricNames.QUERIES_TOTAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.healthmonitor.HealthMetrics;
import dev.marina.healthmonitor.HealthSettings;
import dev.marina.healthmonitor.HealthTopology;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.proof.ProofSerdes;
import dev.marina.schemas.topics.Topics;
import dev.marina.service.Proofs;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.DeploymentMetrics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.Phase;
import dev.marina.service.StreamsDefaults;
import dev.marina.service.Timestamps;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics sub-topology's wiring, on the service's whole topology, with the monitor's clock in hand. */
class MetricsTopologyTest {

    private static final double EXACT = 1e-9;
    private static final MetricsSettings SETTINGS = MetricsSettings.defaults();

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, MetricSample> samples;
    private TestInputTopic<String, String> rawSamples;
    private TestInputTopic<String, DeploymentStatus> statuses;
    private TestInputTopic<String, String> rawStatuses;
    static final PlatformProofKey PROOF = new PlatformProofKey(new byte[32]);
    private TestOutputTopic<String, DeploymentMetrics> aggregates;
    private TestOutputTopic<String, DeadLetter> deadLetters;
    /** The monitor's clock, well after the samples of most tests: they are not ahead of it. */
    private Instant now = T0.plus(Duration.ofMinutes(10));

    @BeforeEach
    void start() {
        Properties props = StreamsDefaults.properties("health-monitor-test");
        props.setProperty(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        FleetGauges fleet = new FleetGauges(registry, 2, SETTINGS.gaugesExpireAfter());
        driver = new TopologyTestDriver(HealthTopology.build(HealthSettings.defaults(), SETTINGS,
                new HealthMetrics(registry), fleet, () -> now, PROOF, Proofs.counting(registry),
                dev.marina.healthmonitor.HeartbeatEnds.UNKNOWN), props, now);
        // as agents send them: proven with their instance's key
        samples = driver.createInputTopic(MetricsTopology.METRICS, ProofSerdes.keys(), ProofSerdes.signing(PROOF));
        rawSamples = driver.createInputTopic(MetricsTopology.METRICS, ProofSerdes.keys(),
                ProofSerdes.signingJson(dev.marina.schemas.v1.MetricSample.getDefaultInstance(), PROOF));
        statuses = driver.createInputTopic(MetricsTopology.DEPLOYMENT_STATUS, new StringSerializer(),
                Topics.DEPLOYMENT_STATUS.valueSerde().serializer());
        rawStatuses = driver.createInputTopic(MetricsTopology.DEPLOYMENT_STATUS, new StringSerializer(),
                new StringSerializer());
        aggregates = driver.createOutputTopic(MetricsTopology.DEPLOYMENT_METRICS,
                Topics.DEPLOYMENT_METRICS.keySerde().deserializer(), Topics.DEPLOYMENT_METRICS.valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(MetricsTopology.DEAD_LETTERS, Topics.DEAD_LETTERS.keySerde().deserializer(),
                Topics.DEAD_LETTERS.valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** The deployment's status, stamped before the samples so it does not move stream time past them. */
    private void owns(String... instances) {
        DeploymentStatus.Builder status = status(Phase.PHASE_READY).toBuilder();
        for (String id : instances) {
            status.addInstances(instance(id, Health.HEALTH_UP));
        }
        statuses.pipeInput(DEPLOYMENT, status.build(), T0.minusSeconds(30));
    }

    /** Producer timestamps do not matter: a sample's time is its sampled_at. */
    private void send(MetricSample sample) {
        samples.pipeInput(DEPLOYMENT, sample, now);
    }

    /** The last record of each window (by instance and size): the window's value as it stands. */
    private Map<String, DeploymentMetrics> latestByWindow() {
        Map<String, DeploymentMetrics> latest = new LinkedHashMap<>();
        for (TestRecord<String, DeploymentMetrics> record : aggregates.readRecordsToList()) {
            assertEquals(DEPLOYMENT, record.key(), "keyed by the deployment");
            DeploymentMetrics m = record.value();
            latest.put(windowKey(m.getInstanceId(), m.getWindowSeconds(), Timestamps.toInstant(m.getWindowStart())), m);
        }
        return latest;
    }

    private static String windowKey(String instance, long seconds, Instant start) {
        return (instance.isEmpty() ? "deployment" : instance) + "/" + seconds + "s@" + start;
    }

    private double count(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private Double gauge(String name, String... tags) {
        Gauge gauge = registry.find(name).tags(tags).gauge();
        return gauge == null ? null : gauge.value();
    }

    @Test
    void two_instances_in_one_window_give_instance_and_deployment_aggregates_of_10s_and_1min() {
        owns(ONE, TWO);
        send(sample(ONE, at(1), Map.of(QUERIES_PER_SECOND, 10.0, CONNECTIONS, 4.0), Map.of(QUERIES_TOTAL, 100.0)));
        send(sample(TWO, at(2), Map.of(QUERIES_PER_SECOND, 100.0, CONNECTIONS, 10.0), Map.of(QUERIES_TOTAL, 0.0)));
        send(sample(ONE, at(6), Map.of(QUERIES_PER_SECOND, 30.0, CONNECTIONS, 6.0), Map.of(QUERIES_TOTAL, 150.0)));
        send(sample(TWO, at(7), Map.of(QUERIES_PER_SECOND, 100.0, CONNECTIONS, 20.0), Map.of(QUERIES_TOTAL, 40.0)));

        Map<String, DeploymentMetrics> latest = latestByWindow();
        assertEquals(6, latest.size(), "two instances and the deployment, in a 10 s and a 1 min window: " + latest.keySet());

        DeploymentMetrics one10 = latest.get(windowKey(ONE, 10, T0));
        assertWindow(one10, ONE, T0, at(10), 10, 2);
        assertEquals(20.0, one10.getGaugesAvgOrThrow(QUERIES_PER_SECOND), EXACT);
        assertEquals(30.0, one10.getGaugesMaxOrThrow(QUERIES_PER_SECOND), EXACT);
        assertEquals(5.0, one10.getCounterRatesOrThrow(QUERIES_TOTAL), EXACT, "50 queries in 10 s");

        DeploymentMetrics two10 = latest.get(windowKey(TWO, 10, T0));
        assertEquals(15.0, two10.getGaugesAvgOrThrow(CONNECTIONS), EXACT);
        assertEquals(20.0, two10.getGaugesMaxOrThrow(CONNECTIONS), EXACT);
        assertEquals(4.0, two10.getCounterRatesOrThrow(QUERIES_TOTAL), EXACT);

        DeploymentMetrics whole10 = latest.get(windowKey("", 10, T0));
        assertWindow(whole10, "", T0, at(10), 10, 4);
        assertEquals(120.0, whole10.getGaugesAvgOrThrow(QUERIES_PER_SECOND), EXACT, "20 + 100");
        assertEquals(130.0, whole10.getGaugesMaxOrThrow(QUERIES_PER_SECOND), EXACT, "30 + 100");
        assertEquals(20.0, whole10.getGaugesAvgOrThrow(CONNECTIONS), EXACT, "5 + 15");
        assertEquals(9.0, whole10.getCounterRatesOrThrow(QUERIES_TOTAL), EXACT, "5 + 4");

        DeploymentMetrics one60 = latest.get(windowKey(ONE, 60, T0));
        assertWindow(one60, ONE, T0, at(60), 60, 2);
        assertEquals(20.0, one60.getGaugesAvgOrThrow(QUERIES_PER_SECOND), EXACT);
        assertEquals(50.0 / 60, one60.getCounterRatesOrThrow(QUERIES_TOTAL), EXACT);

        DeploymentMetrics whole60 = latest.get(windowKey("", 60, T0));
        assertWindow(whole60, "", T0, at(60), 60, 4);
        assertEquals(120.0, whole60.getGaugesAvgOrThrow(QUERIES_PER_SECOND), EXACT);
        assertEquals(90.0 / 60, whole60.getCounterRatesOrThrow(QUERIES_TOTAL), EXACT);

        assertEquals(4.0, count("marina.health.metrics.samples"));
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void every_sample_updates_its_windows_so_the_last_record_of_a_window_is_its_value() {
        owns(ONE);
        send(gauges(ONE, at(1), Map.of(CONNECTIONS, 2.0)));
        List<DeploymentMetrics> first = aggregates.readValuesToList();
        assertEquals(List.of(10L, 10L, 60L, 60L), first.stream().map(DeploymentMetrics::getWindowSeconds).toList());
        assertEquals(List.of(ONE, "", ONE, ""), first.stream().map(DeploymentMetrics::getInstanceId).toList());

        send(gauges(ONE, at(2), Map.of(CONNECTIONS, 4.0)));
        List<DeploymentMetrics> second = aggregates.readValuesToList();
        assertEquals(4, second.size());
        assertEquals(3.0, second.get(0).getGaugesAvgOrThrow(CONNECTIONS), EXACT);
        assertEquals(2, second.get(0).getSamples());
    }

    @Test
    void a_late_sample_within_the_grace_is_counted_and_one_beyond_it_is_dropped() {
        owns(ONE);
        send(gauges(ONE, at(1), Map.of(CONNECTIONS, 1.0)));
        send(gauges(ONE, at(14), Map.of(CONNECTIONS, 1.0)));
        aggregates.readRecordsToList();

        // Stream time 14 s: the window [0, 10) closes at 10 + 5 s grace.
        send(gauges(ONE, at(9), Map.of(CONNECTIONS, 7.0)));
        DeploymentMetrics late = latestByWindow().get(windowKey(ONE, 10, T0));
        assertNotNull(late, "counted in its window");
        assertEquals(2, late.getSamples());
        assertEquals(4.0, late.getGaugesAvgOrThrow(CONNECTIONS), EXACT);

        send(gauges(ONE, at(16), Map.of(CONNECTIONS, 1.0)));
        aggregates.readRecordsToList();
        // Stream time 16 s: too late for [0, 10), still on time for the minute [0, 60).
        send(gauges(ONE, at(8), Map.of(CONNECTIONS, 1.0)));
        Map<String, DeploymentMetrics> after = latestByWindow();
        assertNull(after.get(windowKey(ONE, 10, T0)), "nothing emitted for the closed window");
        assertEquals(5, after.get(windowKey(ONE, 60, T0)).getSamples());
        assertEquals(1.0, count("marina.health.metrics.late.samples", "window", "10s"));
        assertEquals(0.0, count("marina.health.metrics.late.samples", "window", "1m"));

        // Stream time 2 min: a sample from the first minute is too late for both windows.
        send(gauges(ONE, at(120), Map.of(CONNECTIONS, 1.0)));
        aggregates.readRecordsToList();
        double aggregated = count("marina.health.metrics.samples");
        send(gauges(ONE, at(30), Map.of(CONNECTIONS, 1.0)));
        assertTrue(aggregates.isEmpty(), "dropped");
        assertEquals(2.0, count("marina.health.metrics.late.samples", "window", "10s"));
        assertEquals(1.0, count("marina.health.metrics.late.samples", "window", "1m"));
        assertEquals(aggregated, count("marina.health.metrics.samples"), "a sample dropped everywhere is not aggregated");
        assertTrue(deadLetters.isEmpty(), "late samples are dropped and counted, not dead-lettered");
    }

    @Test
    void a_counter_reset_within_a_window_counts_the_value_after_the_restart() {
        owns(ONE);
        send(counters(ONE, at(0), Map.of(QUERIES_TOTAL, 1000.0)));
        send(counters(ONE, at(3), Map.of(QUERIES_TOTAL, 1100.0)));
        send(counters(ONE, at(5), Map.of(QUERIES_TOTAL, 20.0)));
        send(counters(ONE, at(8), Map.of(QUERIES_TOTAL, 70.0)));

        DeploymentMetrics window = latestByWindow().get(windowKey(ONE, 10, T0));
        assertEquals(17.0, window.getCounterRatesOrThrow(QUERIES_TOTAL), EXACT, "(100 + 20 + 50) / 10 s");
    }

    @Test
    void a_windows_rate_starts_from_the_last_sample_of_the_window_before() {
        owns(ONE);
        send(counters(ONE, at(8), Map.of(QUERIES_TOTAL, 100.0)));
        send(counters(ONE, at(12), Map.of(QUERIES_TOTAL, 140.0)));

        Map<String, DeploymentMetrics> latest = latestByWindow();
        assertTrue(!latest.get(windowKey(ONE, 10, T0)).containsCounterRates(QUERIES_TOTAL), "one point, nothing before");
        assertEquals(4.0, latest.get(windowKey(ONE, 10, at(10))).getCounterRatesOrThrow(QUERIES_TOTAL), EXACT);
        assertEquals(40.0 / 60, latest.get(windowKey(ONE, 60, T0)).getCounterRatesOrThrow(QUERIES_TOTAL), EXACT);
    }

    @Test
    void an_undecodable_sample_goes_to_dead_letters_and_the_next_one_is_still_aggregated() {
        owns(ONE);
        rawSamples.pipeInput(DEPLOYMENT, "{not a sample", now);

        TestRecord<String, DeadLetter> letter = deadLetters.readRecord();
        assertEquals(DEPLOYMENT, letter.key(), "the original key");
        DeadLetter dead = letter.value();
        assertEquals(MetricsTopology.METRICS, dead.getSourceTopic());
        assertEquals("health-monitor", dead.getConsumer());
        assertArrayEquals("{not a sample".getBytes(StandardCharsets.UTF_8), dead.getValue().toByteArray());
        assertTrue(dead.getReason().contains("marina.v1.MetricSample"), dead.getReason());
        assertEquals(now, Timestamps.toInstant(dead.getDeadAt()));
        assertTrue(aggregates.isEmpty());
        assertEquals(1.0, count("marina.health.metrics.dead.letters", "topic", "metrics", "reason", "undecodable"));

        send(gauges(ONE, at(1), Map.of(CONNECTIONS, 1.0)));
        assertEquals(4, aggregates.readRecordsToList().size());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void a_sample_of_an_instance_the_status_does_not_list_is_dropped_and_counted_not_dead_lettered() {
        owns(ONE);
        send(gauges("acme-orders-9", at(1), Map.of(CONNECTIONS, 1.0)));

        assertTrue(deadLetters.isEmpty(), "a proven sample is no bad record");
        assertTrue(aggregates.isEmpty());
        assertEquals(1.0, count("marina.health.metrics.unlisted.samples", "reason", "unknown-instance"));
    }

    @Test
    void a_sample_of_a_deployment_without_status_yet_or_after_its_deletion_is_dropped_and_counted() {
        send(gauges(ONE, at(1), Map.of(CONNECTIONS, 1.0)));
        assertTrue(aggregates.isEmpty());

        owns(ONE);
        send(gauges(ONE, at(2), Map.of(CONNECTIONS, 1.0)));
        assertEquals(4, aggregates.readRecordsToList().size());

        statuses.pipeInput(DEPLOYMENT, null, T0);
        send(gauges(ONE, at(3), Map.of(CONNECTIONS, 1.0)));
        assertTrue(aggregates.isEmpty());
        assertTrue(deadLetters.isEmpty());
        assertEquals(2.0, count("marina.health.metrics.unlisted.samples", "reason", "unknown-deployment"));
    }

    @Test
    void a_sample_stamped_ahead_of_the_clock_is_dead_lettered_and_does_not_make_others_late() {
        owns(ONE);
        send(gauges(ONE, now.plusSeconds(4), Map.of(CONNECTIONS, 1.0)));
        assertEquals(4, aggregates.readRecordsToList().size(), "within the grace: accepted");

        send(gauges(ONE, now.plus(Duration.ofHours(1)), Map.of(CONNECTIONS, 1.0)));
        assertTrue(deadLetters.readValue().getReason().contains("ahead of the monitor's clock"));
        assertEquals(1.0, count("marina.health.metrics.dead.letters", "topic", "metrics", "reason", "ahead-of-clock"));

        send(gauges(ONE, now.minusSeconds(1), Map.of(CONNECTIONS, 1.0)));
        assertEquals(4, aggregates.readRecordsToList().size(), "an on-time sample is still on time");
    }

    @Test
    void a_status_that_does_not_decode_is_dead_lettered_and_the_roster_stays() {
        owns(ONE);
        rawStatuses.pipeInput(DEPLOYMENT, "[]", T0);

        DeadLetter dead = deadLetters.readValue();
        assertEquals(MetricsTopology.DEPLOYMENT_STATUS, dead.getSourceTopic());
        assertTrue(dead.getReason().contains("marina.v1.DeploymentStatus"), dead.getReason());
        assertEquals(1.0, count("marina.health.metrics.dead.letters", "topic", "deployment-status", "reason", "undecodable"));

        send(gauges(ONE, at(1), Map.of(CONNECTIONS, 1.0)));
        assertEquals(4, aggregates.readRecordsToList().size(), "the instance is still owned");
    }

    @Test
    void fleet_gauges_follow_statuses_and_aggregates_up_to_the_label_cap() {
        owns(ONE, TWO);
        assertEquals(2.0, gauge("marina.deployment.instances", "deployment", DEPLOYMENT, "health", "up"));

        send(gauges(ONE, at(1), Map.of(QUERIES_PER_SECOND, 10.0, CONNECTIONS, 3.0)));
        send(gauges(TWO, at(2), Map.of(QUERIES_PER_SECOND, 20.0, CONNECTIONS, 4.0)));
        assertEquals(30.0, gauge("marina.deployment.queries.per.second", "deployment", DEPLOYMENT));
        assertEquals(7.0, gauge("marina.deployment.connections", "deployment", DEPLOYMENT));

        // The cap is 2 here: a third deployment is refused and counted.
        for (String other : List.of("acme/billing", "acme/search")) {
            statuses.pipeInput(other, status(Phase.PHASE_READY, instance("x", Health.HEALTH_UP)).toBuilder()
                    .setDeployment(dev.marina.schemas.topics.DeploymentKey.parse(other)).build(), T0);
        }
        assertEquals(2, registry.find("marina.deployment.instances").tag("health", "up").gauges().size());
        assertEquals(1.0, count("marina.metrics.labels.refused"));

        // Deleted: its gauges go and its label is free.
        statuses.pipeInput(DEPLOYMENT, status(Phase.PHASE_DELETED), T0);
        assertNull(gauge("marina.deployment.instances", "deployment", DEPLOYMENT, "health", "up"));
        assertNull(gauge("marina.deployment.queries.per.second", "deployment", DEPLOYMENT));
    }

    @Test
    void old_windows_leave_the_stores_as_stream_time_moves_on() {
        owns(ONE);
        send(gauges(ONE, at(1), Map.of(CONNECTIONS, 1.0)));
        assertNotNull(driver.getWindowStore(WindowSize.TEN_SECONDS.storeName()).fetch(DEPLOYMENT, T0.toEpochMilli()));
        assertNotNull(driver.getWindowStore(WindowSize.ONE_MINUTE.storeName()).fetch(DEPLOYMENT, T0.toEpochMilli()));

        // Retention is two windows plus the grace; RocksDB drops whole segments (at least a minute each).
        send(gauges(ONE, at(300), Map.of(CONNECTIONS, 1.0)));
        assertNull(driver.getWindowStore(WindowSize.TEN_SECONDS.storeName()).fetch(DEPLOYMENT, T0.toEpochMilli()));
        assertNull(driver.getWindowStore(WindowSize.ONE_MINUTE.storeName()).fetch(DEPLOYMENT, T0.toEpochMilli()));
    }

    private static void assertWindow(DeploymentMetrics record, String instance, Instant start, Instant end, long seconds,
            long samples) {
        assertNotNull(record, "no record for " + instance + " " + seconds + " s");
        assertEquals(DEPLOYMENT, record.getDeployment().getTenant() + "/" + record.getDeployment().getName());
        assertEquals(instance, record.getInstanceId());
        assertEquals(start, Timestamps.toInstant(record.getWindowStart()));
        assertEquals(end, Timestamps.toInstant(record.getWindowEnd()));
        assertEquals(seconds, record.getWindowSeconds());
        assertEquals(samples, record.getSamples());
    }
}
