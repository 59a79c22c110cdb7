package dev.marina.bench;

import com.google.protobuf.Timestamp;
import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Endpoint;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceStatus;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.Role;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A fleet of simulated instances, for the metrics benchmark: {@code deployments} Ready deployments of
 * tenant {@value #TENANT} with {@value #INSTANCES_PER_DEPLOYMENT} instances each (a primary and two
 * replicas), named as the reconciler names them ({@code <tenant>-<name>-<n>}). It writes what
 * intent-service and the agents would: each deployment's status, and samples the way an agent sends
 * them: every gauge of {@link MetricNames} (replication lag from replicas only) and every counter,
 * the counters growing with time at the instance's own rates.
 *
 * <p>Each instance has fixed characteristics drawn from a seeded generator (its load, memory, disk),
 * and each sample varies around them. Safe to use from several threads.
 */
final class SimulatedFleet {
    static final String TENANT = "bench";
    static final int INSTANCES_PER_DEPLOYMENT = 3;

    private final int deployments;
    private final Instant epoch;
    // per instance, by index (deployment * 3 + number - 1)
    private final double[] queriesPerSecond;
    private final double[] connections;
    private final double[] memoryBytes;
    private final double[] diskBytes;
    private final double[] hitRatio;
    private final double[] counterStart;

    SimulatedFleet(int deployments, Instant epoch) {
        this.deployments = deployments;
        this.epoch = epoch;
        int n = instances();
        queriesPerSecond = new double[n];
        connections = new double[n];
        memoryBytes = new double[n];
        diskBytes = new double[n];
        hitRatio = new double[n];
        counterStart = new double[n];
        SplittableRandom seeded = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            // a few busy instances, many quiet ones
            queriesPerSecond[i] = 2 + 500 * Math.pow(seeded.nextDouble(), 3);
            connections[i] = 1 + seeded.nextInt(120);
            memoryBytes[i] = (300 + seeded.nextInt(1700)) * 1e6;
            diskBytes[i] = (200 + seeded.nextInt(20_000)) * 1e6;
            hitRatio[i] = 0.9 + 0.0999 * seeded.nextDouble();
            counterStart[i] = seeded.nextInt(50_000_000);
        }
    }

    int deployments() {
        return deployments;
    }

    int instances() {
        return deployments * INSTANCES_PER_DEPLOYMENT;
    }

    static String name(int deployment) {
        return String.format("d%05d", deployment);
    }

    String key(int instance) {
        return DeploymentKey.of(TENANT, name(instance / INSTANCES_PER_DEPLOYMENT));
    }

    static String instanceId(String tenant, String name, int number) {
        return tenant + "-" + name + "-" + number;
    }

    /** The Ready status of one deployment, listing its instances, as intent-service writes it. */
    static DeploymentStatus status(String tenant, String name, int instances, Instant now) {
        DeploymentStatus.Builder status = DeploymentStatus.newBuilder()
                .setDeployment(DeploymentRef.newBuilder().setTenant(tenant).setName(name))
                .setPhase(Phase.PHASE_READY)
                .setObservedGeneration(1)
                .setEpoch(1)
                .setUpdatedAt(timestamp(now));
        int hash = Math.floorMod(name.hashCode(), 250);
        for (int n = 1; n <= instances; n++) {
            String address = "10.77." + hash + "." + n;
            status.addInstances(InstanceStatus.newBuilder()
                    .setInstanceId(instanceId(tenant, name, n))
                    .setRole(n == 1 ? Role.ROLE_PRIMARY : Role.ROLE_REPLICA)
                    .setAddress(address)
                    .setHealth(Health.HEALTH_UP));
            status.addEndpoints(Endpoint.newBuilder().setKind("instance").setHost("i" + n + "." + name + "." + tenant)
                    .setPort(3306).setAddress(address));
        }
        status.addEndpoints(Endpoint.newBuilder().setKind("writer").setHost(name + "." + tenant).setPort(3306)
                .setAddress("10.77." + hash + ".1"));
        return status.build();
    }

    DeploymentStatus status(int deployment, Instant now) {
        return status(TENANT, name(deployment), INSTANCES_PER_DEPLOYMENT, now);
    }

    /** One instance's sample taken at {@code at}, as proto3 JSON. */
    /** The id of instance {@code instance} (what its samples name, and what their proof is made for). */
    String instanceId(int instance) {
        return instanceId(TENANT, name(instance / INSTANCES_PER_DEPLOYMENT), instance % INSTANCES_PER_DEPLOYMENT + 1);
    }

    String sampleJson(int instance, Instant at) {
        int deployment = instance / INSTANCES_PER_DEPLOYMENT;
        int number = instance % INSTANCES_PER_DEPLOYMENT + 1;
        return ProtoJsonSerde.toJson(sample(instance, TENANT, name(deployment), instanceId(TENANT, name(deployment), number),
                number != 1, at));
    }

    /** A sample of instance {@code instance}'s characteristics, sent under another name (the latency probe). */
    MetricSample sample(int instance, String tenant, String name, String instanceId, boolean replica, Instant at) {
        double seconds = (at.toEpochMilli() - epoch.toEpochMilli()) / 1000.0;
        double qps = queriesPerSecond[instance];
        MetricSample.Builder s = MetricSample.newBuilder()
                .setDeployment(DeploymentRef.newBuilder().setTenant(tenant).setName(name))
                .setInstanceId(instanceId)
                .setSampledAt(timestamp(at));
        double now = qps * vary(0.2);
        s.putGauges(MetricNames.CONNECTIONS, Math.round(connections[instance] * vary(0.1)));
        s.putGauges(MetricNames.QUERIES_PER_SECOND, now);
        s.putGauges(MetricNames.SLOW_QUERIES_PER_SECOND, now * 0.002);
        s.putGauges(MetricNames.BUFFER_POOL_HIT_RATIO, Math.min(1, hitRatio[instance] * vary(0.001)));
        if (replica) {
            s.putGauges(MetricNames.REPLICATION_LAG_SECONDS, ThreadLocalRandom.current().nextInt(3));
        }
        s.putGauges(MetricNames.ROWS_READ_PER_SECOND, now * 25);
        s.putGauges(MetricNames.ROWS_WRITTEN_PER_SECOND, now * (replica ? 0.5 : 3));
        s.putGauges(MetricNames.CPU_PERCENT, Math.min(400, 1 + qps / 8 * vary(0.3)));
        s.putGauges(MetricNames.MEMORY_BYTES, Math.round(memoryBytes[instance] * vary(0.02)));
        s.putGauges(MetricNames.DISK_BYTES, Math.round(diskBytes[instance] + seconds * 1000));
        // Totals since the server started: they only grow, at the instance's rates.
        double queries = counterStart[instance] + qps * seconds;
        s.putCounters(MetricNames.QUERIES_TOTAL, Math.floor(queries));
        s.putCounters(MetricNames.SLOW_QUERIES_TOTAL, Math.floor(queries * 0.002));
        s.putCounters(MetricNames.ROWS_READ_TOTAL, Math.floor(queries * 25));
        s.putCounters(MetricNames.ROWS_WRITTEN_TOTAL, Math.floor(queries * (replica ? 0.5 : 3)));
        return s.build();
    }

    private double vary(double by) {
        return 1 + by * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    }

    static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
}
