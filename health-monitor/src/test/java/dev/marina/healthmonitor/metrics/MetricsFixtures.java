package dev.marina.healthmonitor.metrics;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.Phase;
import dev.marina.service.Timestamps;
import java.time.Instant;
import java.util.Map;

/** Samples, statuses and times the metrics tests share. */
final class MetricsFixtures {
    private MetricsFixtures() {}

    static final String DEPLOYMENT = "acme/orders";
    static final DeploymentRef REF = DeploymentKey.parse(DEPLOYMENT);
    static final String ONE = "acme-orders-1";
    static final String TWO = "acme-orders-2";
    /** On a minute boundary, so the 10 s and 1 min windows both start here. */
    static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");

    static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    static MetricSample sample(String instance, Instant sampledAt, Map<String, Double> gauges,
            Map<String, Double> counters) {
        return MetricSample.newBuilder()
                .setDeployment(REF)
                .setInstanceId(instance)
                .setSampledAt(Timestamps.of(sampledAt))
                .putAllGauges(gauges)
                .putAllCounters(counters)
                .build();
    }

    static MetricSample gauges(String instance, Instant sampledAt, Map<String, Double> gauges) {
        return sample(instance, sampledAt, gauges, Map.of());
    }

    static MetricSample counters(String instance, Instant sampledAt, Map<String, Double> counters) {
        return sample(instance, sampledAt, Map.of(), counters);
    }

    static DeploymentStatus status(Phase phase, InstanceStatus... instances) {
        DeploymentStatus.Builder status = DeploymentStatus.newBuilder().setDeployment(REF).setPhase(phase);
        for (InstanceStatus instance : instances) {
            status.addInstances(instance);
        }
        return status.build();
    }

    static InstanceStatus instance(String id, Health health) {
        return InstanceStatus.newBuilder().setInstanceId(id).setHealth(health).build();
    }
}
