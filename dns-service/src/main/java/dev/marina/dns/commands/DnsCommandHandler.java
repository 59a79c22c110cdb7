package dev.marina.dns.commands;

import dev.marina.dns.DnsConfig;
import dev.marina.dns.driver.DnsDriver;
import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.OwnershipPlanner;
import dev.marina.dns.zone.Plan;
import dev.marina.dns.zone.RecordSet;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Carries out one command: read the zone, plan, apply, answer. A server that does not answer, or a
 * zone that changed between read and update, gets a few tries with a doubling pause; after that the
 * command is answered FAILED and the consumer moves on (the reconciler sends the command again later),
 * so a dead server never makes the consumer spin.
 */
@ApplicationScoped
public class DnsCommandHandler {

    private static final Logger LOG = Logger.getLogger(DnsCommandHandler.class);

    private final DnsDriver driver;
    private final DnsConfig config;
    private final Clock clock;

    @Inject
    public DnsCommandHandler(DnsDriver driver, DnsConfig config, Clock clock) {
        this.driver = driver;
        this.config = config;
        this.clock = clock;
    }

    public DnsEvent carryOut(DnsCommand command) {
        String deployment = DeploymentKey.of(command.getDeployment());
        if (!Names.fqdn(command.getZone()).equals(driver.zone())) {
            return failed(command, deployment, "zone " + command.getZone() + " is not managed here");
        }
        List<RecordSet> desired;
        try {
            desired = CommandRecords.desired(command, config.ttl());
        } catch (IllegalArgumentException e) {
            return failed(command, deployment, e.getMessage());
        }
        Duration pause = config.retryBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                return planAndApply(command, deployment, desired);
            } catch (DnsDriverException e) {
                if (!e.kind().retryable() || attempt >= config.attempts()) {
                    String tries = e.kind().retryable() ? " (after " + attempt + " tries)" : "";
                    return failed(command, deployment, e.getMessage() + tries);
                }
                LOG.warnf("dns change not done, retrying deployment=%s command=%s attempt=%d in=%dms reason=%s",
                        deployment, command.getCommandId(), attempt, pause.toMillis(), e.getMessage());
                sleep(pause);
                pause = pause.multipliedBy(2);
            }
        }
    }

    private DnsEvent planAndApply(DnsCommand command, String deployment, List<RecordSet> desired) {
        Plan plan = OwnershipPlanner.plan(deployment, driver.zone(), desired, driver.read());
        if (plan instanceof Plan.Invalid invalid) {
            return failed(command, deployment, invalid.reason());
        }
        if (plan instanceof Plan.Clash clash) {
            LOG.warnf("dns clash, nothing changed deployment=%s command=%s reason=%s", deployment,
                    command.getCommandId(), clash.reason());
            return DnsEvents.clash(command, clash.reason(), clock.instant());
        }
        Plan.Apply apply = (Plan.Apply) plan;
        driver.apply(apply.change());
        LOG.infof("dns applied deployment=%s command=%s operations=%d records=%d", deployment,
                command.getCommandId(), apply.change().operations().size(), apply.records().size());
        return DnsEvents.applied(command, apply.records(), clock.instant());
    }

    private DnsEvent failed(DnsCommand command, String deployment, String reason) {
        LOG.warnf("dns command failed deployment=%s command=%s reason=%s", deployment, command.getCommandId(), reason);
        return DnsEvents.failed(command, reason, clock.instant());
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between tries; the command will be replayed", e);
        }
    }
}
