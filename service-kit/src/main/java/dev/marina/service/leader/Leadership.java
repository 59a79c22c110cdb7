package dev.marina.service.leader;

import dev.marina.service.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Reception;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A service's one {@link LeaderElection} (docs/copies.md): its single-actor work runs on the copy the
 * group elects, the other copies stand by. The copy is named {@code <service>-<marina.copy>} in logs and
 * in the leader's claim.
 */
@ApplicationScoped
public class Leadership {

    @ConfigProperty(name = "quarkus.application.name")
    String service;

    /** This copy's number: 1 unless the launcher starts several (MARINA_COPY). */
    @ConfigProperty(name = "marina.copy", defaultValue = "1")
    int copy;

    /** The election's group; {@code <service>-leader} unless set (tests: one of their own). */
    @ConfigProperty(name = "marina.leader.group")
    Optional<String> group;

    /** The group's session timeout: how long a stalled or cut-off leader goes unnoticed. The lease is shorter. */
    @ConfigProperty(name = "marina.leader.session-timeout", defaultValue = "6s")
    Duration sessionTimeout;

    @Inject
    KafkaClients kafka;

    @Inject
    Clock clock;

    private volatile LeaderElection election;

    /** Starts this copy's candidacy: {@code work} begins when it is elected and ends when it stops leading. Once. */
    public synchronized void elect(LeaderElection.Work work) {
        if (election != null) {
            throw new IllegalStateException("the election of " + service + " already runs: one election, one work, per service");
        }
        election = LeaderElection.builder(service, copyName(), kafka.base())
                .group(group.orElse(LeaderElection.group(service)))
                .sessionTimeout(sessionTimeout)
                .clock(clock)
                .work(work)
                .build()
                .start();
    }

    /** True while this copy leads and may act; work that acts repeatedly asks before each effect. */
    public boolean leading() {
        LeaderElection e = election;
        return e != null && e.leading();
    }

    /** True while this copy takes part in the election (leading or standing by): a copy that is ready. */
    public boolean member() {
        LeaderElection e = election;
        return e != null && e.member();
    }

    /** This copy's name, e.g. "provisioner-2". */
    public String copyName() {
        return service + "-" + copy;
    }

    /**
     * The work ends, then the copy leaves the group: another copy takes over without waiting for a timeout.
     * First among the shutdown observers, so the work ends while what it uses is still open.
     */
    void stop(@Observes(notifyObserver = Reception.IF_EXISTS) @Priority(1) ShutdownEvent event) {
        LeaderElection e;
        synchronized (this) {
            e = election;
        }
        if (e != null) {
            e.close();
        }
    }
}
