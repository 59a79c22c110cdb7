package dev.marina.healthmonitor.dashboard;

import dev.marina.service.KafkaClients;
import com.google.protobuf.Message;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.MetricSample;
import dev.marina.service.TopicReader;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Feeds the {@link FleetView} from the topics with one {@link TopicReader} (all partitions assigned, no
 * group, {@code read_committed}): {@code deployment-status} from the beginning, {@code instance-health}
 * from {@code transitions-look-back} ago, {@code metrics} from {@code metrics-look-back} ago. After a
 * failure it resumes where it was. Every change goes out to the page's server-sent events.
 *
 * <p>It runs beside the health topology and never touches it: a broken dashboard feed is logged and
 * shown on the page, and does not make the service unready.
 */
@ApplicationScoped
public class FleetFeed {
    private static final Logger LOG = Logger.getLogger(FleetFeed.class);

    @Inject
    KafkaClients kafka;

    @Inject
    DashboardConfig config;

    private final Clock clock = Clock.systemUTC();
    private final BroadcastProcessor<Views.Event> events = BroadcastProcessor.create();
    private DashboardSettings settings;
    private FleetView view;
    private volatile long undecodable;
    private volatile TopicReader reader;
    /** When time alone is next looked at (alerts of conditions false for long); the reader's thread only. */
    private Instant nextTick;

    /** The topics the dashboard reads (besides the Streams topology's; the hostile-record test covers each). */
    public static final java.util.List<dev.marina.schemas.topics.TopicSpec<?>> INPUTS =
            java.util.List.of(Topics.DEPLOYMENT_STATUS, Topics.INSTANCE_HEALTH, Topics.METRICS);

    void onStart(@Observes StartupEvent event) {
        settings = DashboardSettings.of(config);
        view = new FleetView(settings);
        LOG.infof("dashboard feed starting chart_window=%s metrics_look_back=%s transitions_look_back=%s max_deployments=%d",
                settings.chartWindow(), settings.metricsLookBack(), settings.transitionsLookBack(), settings.maxDeployments());
        nextTick = clock.instant().plus(settings.alertCheckInterval());
        reader = TopicReader.builder("health-monitor-dashboard", kafka.base())
                .topic(Topics.DEPLOYMENT_STATUS, TopicReader.Start.BEGINNING, this::status)
                .topic(Topics.INSTANCE_HEALTH, TopicReader.Start.ago(settings.transitionsLookBack()), this::health)
                .topic(Topics.METRICS, TopicReader.Start.ago(settings.metricsLookBack()), this::metric)
                .afterPoll(this::tick)
                .resumeAfterFailure()
                .clock(clock)
                .build()
                .start();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (reader != null) {
            reader.close();
        }
    }

    public FleetView view() {
        return view;
    }

    public DashboardSettings settings() {
        return settings;
    }

    public Instant now() {
        return clock.instant();
    }

    public Views.Feed state() {
        return reader == null ? new Views.Feed(false, "not started", undecodable, view.evicted())
                : new Views.Feed(reader.caughtUp(), reader.problem(), undecodable, view.evicted());
    }

    /** Every change from now on. */
    public Multi<Views.Event> events() {
        return events;
    }

    private void status(TopicReader.Read<DeploymentStatus> record) {
        if (record.key() == null) {
            return;
        }
        Instant now = clock.instant();
        if (record.tombstone()) {
            publish(view.status(record.key(), null, now));
            return;
        }
        decoded(record).ifPresent(s -> publish(view.status(record.key(), s, now)));
    }

    private void health(TopicReader.Read<InstanceHealth> record) {
        if (record.key() == null || record.tombstone()) {
            return;
        }
        decoded(record).ifPresent(h -> publish(view.health(record.key(), h, clock.instant())));
    }

    private void metric(TopicReader.Read<MetricSample> record) {
        if (record.key() == null || record.tombstone()) {
            return;
        }
        decoded(record).ifPresent(m -> publish(view.metric(record.key(), m, Instant.ofEpochMilli(record.timestamp()),
                clock.instant())));
    }

    private void tick() {
        Instant t = clock.instant();
        if (!t.isBefore(nextTick)) {
            publish(view.tick(t));
            nextTick = t.plus(settings.alertCheckInterval());
        }
    }

    private void publish(List<Views.Event> changes) {
        for (Views.Event e : changes) {
            events.onNext(e);
        }
    }

    private <T extends Message> Optional<T> decoded(TopicReader.Read<T> record) {
        if (record.value() instanceof Decoded.Failed<T> failed) {
            // The writers of these topics dead-letter for themselves; the dashboard only skips and counts.
            undecodable++;
            LOG.warnf("dashboard skipped an undecodable record topic=%s partition=%d offset=%d deployment=%s reason=%s",
                    record.topic(), record.partition(), record.offset(), record.key(), failed.reason());
            return Optional.empty();
        }
        return Optional.of(record.value().value());
    }
}
