package dev.marina.dns.commands;

import dev.marina.dns.DnsConfig;
import dev.marina.dns.driver.DnsDriver;
import dev.marina.dns.driver.DnsDriverException;
import dev.marina.dns.zone.BatchPlanner;
import dev.marina.dns.zone.BatchPlanner.Chunk;
import dev.marina.dns.zone.BatchPlanner.Wish;
import dev.marina.dns.zone.Names;
import dev.marina.dns.zone.Plan;
import dev.marina.dns.zone.RecordSet;
import dev.marina.dns.zone.ZoneContents;
import dev.marina.schemas.topics.DnsWishKey;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Carries out commands in batches: one read of the zone, one plan per deployment, the changes packed
 * into few atomic updates. A server that does not answer, or a zone that changed between read and
 * update, gets a few tries with a doubling pause; then the commands still open are answered FAILED
 * and the caller moves on (the reconciler sends them again later), so a dead server never makes the
 * service spin. Also repairs drift: the zone brought back to every deployment's latest wish.
 */
@ApplicationScoped
public class DnsCommandHandler {

    private static final Logger LOG = Logger.getLogger(DnsCommandHandler.class);

    private final DnsDriver driver;
    private final DnsConfig config;
    private final Clock clock;
    /**
     * The zone as the last batch left it (its read, with every update since applied), or null: the next batch reads
     * the zone. A full read per batch made dns-service's cost grow with the zone: at 10,000 deployments (50,000 record
     * sets) a transfer and its parse per batch kept a core busy. Safe to plan on: every change carries conditions on what
     * the plan relied on (a name still free, an ownership record still ours), so a zone changed from outside fails the
     * update (ZONE_CHANGED), which forgets this and reads again; a record removed from outside is the drift check's, which
     * always reads. Only the controller's thread uses it.
     */
    private ZoneContents zoneAsLeft;

    @Inject
    public DnsCommandHandler(DnsDriver driver, DnsConfig config, Clock clock) {
        this.driver = driver;
        this.config = config;
        this.clock = clock;
    }

    public DnsEvent carryOut(DnsCommand command) {
        return carryOut(List.of(command)).get(0);
    }

    /** The answers, one per command and in the same order. At most one command per deployment. */
    public List<DnsEvent> carryOut(List<DnsCommand> commands) {
        DnsEvent[] answers = new DnsEvent[commands.size()];
        Map<Integer, Wish> open = new LinkedHashMap<>();
        for (int i = 0; i < commands.size(); i++) {
            DnsCommand command = commands.get(i);
            Optional<String> problem = problem(command);
            if (problem.isPresent()) {
                answers[i] = failed(command, problem.get());
            } else {
                open.put(i, wish(command));
            }
        }
        Duration pause = config.retryBackoff();
        for (int attempt = 1; !open.isEmpty(); attempt++) {
            try {
                round(commands, open, answers);
            } catch (DnsDriverException e) {
                if (!e.kind().retryable() || attempt >= config.attempts()) {
                    String tries = e.kind().retryable() ? " (after " + attempt + " tries)" : "";
                    open.keySet().forEach(i -> answers[i] = failed(commands.get(i), e.getMessage() + tries));
                    open.clear();
                    break;
                }
                LOG.warnf("dns change not done, retrying commands=%d attempt=%d in=%dms reason=%s", open.size(), attempt,
                        pause.toMillis(), e.getMessage());
            }
            if (!open.isEmpty()) {
                if (attempt >= config.attempts()) {
                    open.keySet().forEach(i -> answers[i] = failed(commands.get(i),
                            "the zone kept changing under the update (after " + config.attempts() + " tries)"));
                    break;
                }
                sleep(pause);
                pause = pause.multipliedBy(2);
            }
        }
        return List.of(answers);
    }

    /**
     * One read, plan and update of every open wish. Wishes whose update found the zone changed stay
     * open for the next round (which reads again); the others are answered and closed.
     */
    private void round(List<DnsCommand> commands, Map<Integer, Wish> open, DnsEvent[] answers) {
        List<Integer> indexes = List.copyOf(open.keySet());
        List<Wish> wishes = indexes.stream().map(open::get).toList();
        ZoneContents zone = zoneAsLeft != null ? zoneAsLeft : driver.read().workingCopy();
        zoneAsLeft = null; // until every update of this round went through
        List<Plan> plans = BatchPlanner.planInPlace(driver.zone(), wishes, zone);
        for (int k = 0; k < plans.size(); k++) {
            int i = indexes.get(k);
            DnsCommand command = commands.get(i);
            if (plans.get(k) instanceof Plan.Invalid invalid) {
                answers[i] = failed(command, invalid.reason());
                open.remove(i);
            } else if (plans.get(k) instanceof Plan.Clash clash) {
                LOG.warnf("dns clash, nothing changed deployment=%s command=%s reason=%s", wishes.get(k).deployment(),
                        command.getCommandId(), clash.reason());
                answers[i] = DnsEvents.clash(command, clash.reason(), clock.instant());
                open.remove(i);
            } else if (((Plan.Apply) plans.get(k)).change().isEmpty()) {
                answers[i] = applied(command, (Plan.Apply) plans.get(k), 0);
                open.remove(i);
            }
        }
        List<Chunk> chunks = BatchPlanner.chunk(plans, maxItems());
        DnsDriverException changedUnderUs = null;
        for (Chunk chunk : chunks) {
            try {
                driver.apply(chunk.change());
            } catch (DnsDriverException e) {
                if (e.kind() != DnsDriverException.Kind.ZONE_CHANGED) {
                    throw e;
                }
                changedUnderUs = e;
                continue; // its members stay open; the next round reads again
            }
            for (int k : chunk.members()) {
                int i = indexes.get(k);
                Plan.Apply apply = (Plan.Apply) plans.get(k);
                answers[i] = applied(commands.get(i), apply, apply.change().operations().size());
                open.remove(i);
            }
        }
        if (changedUnderUs != null) {
            LOG.warnf("dns zone changed between read and update, planning again commands=%d reason=%s", open.size(),
                    changedUnderUs.getMessage());
        } else {
            zoneAsLeft = zone;
        }
        if (chunks.size() > 1 || indexes.size() > 1) {
            LOG.infof("dns batch commands=%d updates=%d", indexes.size(), chunks.size());
        }
    }

    /**
     * Makes the zone match every deployment's latest wish again, and removes names owned by
     * deployments that have none ({@code wishes} must then be complete: every deployment that could
     * own a name). One try; the next drift check tries again. Returns the deployments repaired.
     */
    public List<String> repairDrift(Map<String, DnsCommand> latestByDeployment) {
        forgetZone(); // the check is about what the server holds: read it, and let the next batch read it too
        ZoneContents zone = driver.read();
        List<Wish> wishes = new ArrayList<>();
        latestByDeployment.values().stream().filter(c -> problem(c).isEmpty()).forEach(c -> wishes.add(wish(c)));
        Set<String> known = latestByDeployment.keySet();
        for (String owner : zone.owningDeployments()) {
            if (!known.contains(owner)) {
                wishes.add(new Wish(owner, List.of())); // its deployment is gone: its names go too
            }
        }
        List<Plan> plans = BatchPlanner.plan(driver.zone(), wishes, zone);
        List<String> repaired = new ArrayList<>();
        for (Chunk chunk : BatchPlanner.chunk(plans, maxItems())) {
            driver.apply(chunk.change());
            for (int k : chunk.members()) {
                Wish wish = wishes.get(k);
                repaired.add(wish.deployment());
                LOG.warnf("dns drift repaired deployment=%s operations=%d%s", wish.deployment(),
                        ((Plan.Apply) plans.get(k)).change().operations().size(),
                        known.contains(wish.deployment()) ? "" : " (orphan: no such deployment)");
            }
        }
        return repaired;
    }

    /** The next batch reads the zone rather than planning on the zone as the last one left it (a new term as leader). */
    public void forgetZone() {
        zoneAsLeft = null;
    }

    private int maxItems() {
        return Math.min(config.maxUpdateItems(), driver.maxUpdateItems());
    }

    private Optional<String> problem(DnsCommand command) {
        if (!Names.fqdn(command.getZone()).equals(driver.zone())) {
            return Optional.of("zone " + command.getZone() + " is not managed here");
        }
        try {
            CommandRecords.desired(command, config.ttl());
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private Wish wish(DnsCommand command) {
        List<RecordSet> desired = CommandRecords.desired(command, config.ttl());
        return new Wish(DnsWishKey.of(command), desired);
    }

    private DnsEvent applied(DnsCommand command, Plan.Apply apply, int operations) {
        if (operations > 0) {
            LOG.infof("dns applied deployment=%s command=%s operations=%d records=%d", DnsWishKey.of(command),
                    command.getCommandId(), operations, apply.records().size());
        }
        return DnsEvents.applied(command, apply.records(), clock.instant());
    }

    private DnsEvent failed(DnsCommand command, String reason) {
        LOG.warnf("dns command failed deployment=%s command=%s reason=%s", DnsWishKey.of(command),
                command.getCommandId(), reason);
        return DnsEvents.failed(command, reason, clock.instant());
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between tries; the commands will be replayed", e);
        }
    }
}
