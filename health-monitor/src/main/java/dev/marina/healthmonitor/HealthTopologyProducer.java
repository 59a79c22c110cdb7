package dev.marina.healthmonitor;

import dev.marina.healthmonitor.metrics.FleetGauges;
import dev.marina.healthmonitor.metrics.MetricsSettings;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.service.Proofs;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import dev.marina.service.KafkaClients;
import jakarta.inject.Singleton;
import java.time.InstantSource;
import org.apache.kafka.streams.Topology;
import org.jboss.logging.Logger;

/** Hands the topology to Quarkus' Kafka Streams extension, which runs it. */
@ApplicationScoped
public class HealthTopologyProducer {

    private static final Logger LOG = Logger.getLogger(HealthTopologyProducer.class);

    // @Singleton, not @ApplicationScoped: KafkaStreams reads a field of the Topology, and a client
    // proxy's fields are its own (empty) ones.
    /** The heartbeats partitions' end offsets, fetched on a thread of its own (see ReadHorizon). */
    @Produces
    @Singleton
    HeartbeatEndWatcher heartbeatEnds(KafkaClients kafka, MeterRegistry registry) {
        return new HeartbeatEndWatcher(kafka.base(), registry);
    }

    void closeHeartbeatEnds(@Disposes HeartbeatEndWatcher watcher) {
        watcher.close();
    }

    @Produces
    @Singleton
    Topology topology(HealthConfig config, MeterRegistry registry, PlatformProofKey proof, HeartbeatEndWatcher ends) {
        HealthSettings settings = new HealthSettings(config.suspectAfter(), config.downAfter(), config.forgetAfter(),
                config.checkInterval(), config.primaryLease());
        LOG.infof("health rules suspect_after=%s down_after=%s forget_after=%s check_interval=%s primary_lease=%s",
                settings.suspectAfter(), settings.downAfter(), settings.forgetAfter(), settings.checkInterval(),
                settings.primaryLease());
        MetricsSettings metrics = new MetricsSettings(config.metrics().grace(), config.metrics().maxDeploymentLabels(),
                config.metrics().gaugesExpireAfter());
        LOG.infof("metric aggregation windows=10s,1m grace=%s max_deployment_labels=%d gauges_expire_after=%s",
                metrics.grace(), metrics.maxDeploymentLabels(), metrics.gaugesExpireAfter());
        FleetGauges fleet = new FleetGauges(registry, metrics.maxDeploymentLabels(), metrics.gaugesExpireAfter());
        return HealthTopology.build(settings, metrics, new HealthMetrics(registry), fleet, InstantSource.system(), proof,
                Proofs.counting(registry), ends);
    }
}
