package dev.marina.provisioner.local;

import dev.marina.provisioner.EventSink;
import dev.marina.provisioner.ProvisionEvents;
import dev.marina.schemas.topics.DeploymentKey;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Keeps every instance's agent running: when one died, relaunches it on the same folder and address
 * (the data stays) and reports RESTARTING then RUNNING, with {@link RestartBackoff} between repeated
 * deaths. {@link #recover()} is the first pass after the provisioner starts: it adopts agents that
 * survived the provisioner, relaunches the dead and finishes destroys a crash interrupted.
 */
public final class Supervisor {

    private static final Logger LOG = Logger.getLogger(Supervisor.class);

    /** Per instance: relaunches since the agent last ran stably, and when the next may happen. */
    private static final class Track {
        int recentRelaunches;
        Instant launchedAt;
        Instant nextAttemptAt;

        Track(Instant now) {
            launchedAt = now;
            nextAttemptAt = now;
        }
    }

    private final LocalDriver driver;
    private final RestartBackoff backoff;
    private final EventSink events;
    private final Clock clock;
    private final Map<String, Track> tracks = new HashMap<>();
    private final AtomicLong restarts = new AtomicLong();

    public Supervisor(LocalDriver driver, RestartBackoff backoff, EventSink events, Clock clock) {
        this.driver = driver;
        this.backoff = backoff;
        this.events = events;
        this.clock = clock;
    }

    /** Agent relaunches since this provisioner started. */
    public long restarts() {
        return restarts.get();
    }

    /** The first pass after a (re)start of the provisioner. */
    public synchronized void recover() {
        for (InstanceRecord record : driver.records()) {
            if (record.destroying()) {
                LOG.infof("finishing an interrupted destroy deployment=%s instance=%s", record.deployment(), record.instanceId());
                try {
                    driver.destroy(record.instanceId());
                    events.emit(ProvisionEvents.destroyed("", DeploymentKey.parse(record.deployment()),
                            record.instanceId(), clock.instant()));
                } catch (RuntimeException e) {
                    LOG.errorf(e, "interrupted destroy failed again deployment=%s instance=%s", record.deployment(),
                            record.instanceId());
                }
            } else if (driver.isAgentRunning(record)) {
                LOG.infof("agent adopted deployment=%s instance=%s address=%s pid=%d", record.deployment(),
                        record.instanceId(), record.address(), record.pid());
                try {
                    driver.rekeyIfNeeded(record.instanceId()).ifPresent(relaunched -> {
                        restarts.incrementAndGet();
                        events.emit(ProvisionEvents.restarting(record.toInstance(), clock.instant()));
                        events.emit(ProvisionEvents.running("", relaunched.toInstance(), clock.instant()));
                    });
                } catch (RuntimeException e) {
                    LOG.errorf(e, "giving the adopted agent its instance key failed deployment=%s instance=%s",
                            record.deployment(), record.instanceId());
                }
            }
        }
        superviseOnce();
    }

    /** One pass over every instance; called every {@code marina.provisioner.supervise-interval}. */
    public synchronized void superviseOnce() {
        Instant now = clock.instant();
        Set<String> present = new HashSet<>();
        for (InstanceRecord listed : driver.records()) {
            if (listed.destroying()) {
                continue;
            }
            present.add(listed.instanceId());
            Track track = tracks.computeIfAbsent(listed.instanceId(), id -> new Track(now));
            try {
                supervise(listed.instanceId(), track, now);
            } catch (RuntimeException e) {
                LOG.errorf(e, "supervision failed deployment=%s instance=%s", listed.deployment(), listed.instanceId());
            }
        }
        tracks.keySet().retainAll(present);
    }

    private void supervise(String instanceId, Track track, Instant now) {
        // Under the driver's lock: a destroy cannot slip between "found dead" and the events, so a
        // RESTARTING never follows a DESTROYED.
        synchronized (driver) {
            Optional<InstanceRecord> current = driver.records().stream()
                    .filter(r -> r.instanceId().equals(instanceId) && !r.destroying())
                    .findFirst();
            if (current.isEmpty()) {
                return;
            }
            InstanceRecord record = current.get();
            if (driver.isAgentRunning(record)) {
                if (track.recentRelaunches > 0 && backoff.isStable(track.launchedAt, now)) {
                    track.recentRelaunches = 0;
                }
                return;
            }
            if (now.isBefore(track.nextAttemptAt)) {
                return;
            }
            // Relaunch first, report after: a look that found the agent gone can race its own start (it is seen
            // only once its process is up), and a RESTARTING with no relaunch behind it would never be followed
            // by RUNNING — the instance would look restarting for ever.
            Optional<InstanceRecord> relaunched = driver.relaunchIfNotRunning(instanceId);
            if (relaunched.isEmpty()) {
                return; // it was running after all
            }
            LOG.warnf("agent was not running, relaunched deployment=%s instance=%s address=%s last-pid=%s relaunches=%d",
                    record.deployment(), instanceId, record.address(), record.pid(), track.recentRelaunches);
            track.recentRelaunches++;
            track.launchedAt = now;
            track.nextAttemptAt = now.plus(backoff.delayBefore(track.recentRelaunches));
            restarts.incrementAndGet();
            events.emit(ProvisionEvents.restarting(record.toInstance(), now));
            events.emit(ProvisionEvents.running("", relaunched.get().toInstance(), clock.instant()));
        }
    }
}
