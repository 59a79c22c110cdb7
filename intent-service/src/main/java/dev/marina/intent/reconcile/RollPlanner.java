package dev.marina.intent.reconcile;

import dev.marina.schemas.engine.EngineVersion;
import dev.marina.schemas.engine.ServerParameters;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RollState;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import dev.marina.service.Timestamps;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Brings running servers to the config the spec wants (version, size, parameters), planned from the observed state.
 * Pure.
 *
 * <p>A change of dynamic parameters only is applied live: UPDATE to every instance at once, no restart. A change that
 * restarts servers (another build, size or a static parameter) is rolled:
 * <ol>
 *   <li>replicas first, one at a time: out of the reader name (and the names answer without it), UPDATE with the drain
 *       timeout (the agent waits for open transactions, restarts on the new build or settings), DATABASE_READY running
 *       the target, caught up (serving reads of the primary, Up, lag small), back in the reader name; then the next;</li>
 *   <li>then a switchover to an updated replica that caught up (HaPlanner's: fence, wait for the position, promote,
 *       the writer name moves), after which the old primary is a replica like the others and is updated last.</li>
 * </ol>
 *
 * <p>Invariants:
 * <ul>
 *   <li>At most one instance is out of service for the roll at a time, and a step starts only while every other
 *       instance serves and is not Down, no role change is under way and (with {@code applyInWindow}) the maintenance
 *       window is open.</li>
 *   <li>A writable primary is never restarted: it is updated only after it handed the role over.</li>
 *   <li>Never while a backup runs on the instance.</li>
 *   <li>A failed step (UPDATE answered FAILED or REFUSED, no answer within {@code updateTimeout}, the roll's switchover
 *       abandoned) halts the roll: nothing more is restarted and the deployment serves on; a new generation resumes it,
 *       or reverses it with another target.</li>
 * </ul>
 */
final class RollPlanner {
    private RollPlanner() {}

    static final String LEAVING_READERS = "leaving the reader name";
    static final String RESTARTING = "draining and restarting";
    static final String CATCHING_UP = "catching up";
    static final String REJOINING = "rejoining the reader name";
    static final String SWITCHOVER = "switchover";
    static final String LIVE = "applying parameters live";
    static final String ADDING = "adding a temporary replica";
    static final String RETIRING = "retiring the old primary";

    /** The config a spec wants: its build, size and parameters (normalized at intake). */
    static ServerConfig desiredConfig(Intent desired) {
        return ServerConfig.newBuilder()
                .setVersion(desired.getSpec().getVersion())
                .setSize(desired.getSpec().getSize())
                .putAllParameters(new TreeMap<>(desired.getSpec().getParametersMap()))
                .build();
    }

    /** A short, stable digest of a config: the UPDATE action's subject. */
    static String digest(ServerConfig config) {
        StringBuilder canonical = new StringBuilder(config.getVersion()).append('|').append(config.getSize().name());
        new TreeMap<>(config.getParametersMap()).forEach((k, v) -> canonical.append('|').append(k).append('=').append(v));
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * Whether a server running {@code running} runs what is wanted: the same build (as the server reports it; a spec
     * stored with a series only, the same series), the same size, and every wanted parameter at its value. What the
     * agent does not report (no size, no version) is not held against it.
     */
    static boolean runs(ServerConfig running, ServerConfig wanted) {
        return sameVersion(running.getVersion(), wanted.getVersion()) && sameSize(running.getSize(), wanted.getSize())
                && differingParameters(running, wanted, null).isEmpty();
    }

    /** Whether bringing a server from {@code running} to {@code wanted} restarts it (build, size or a static parameter). */
    static boolean restarts(ServerConfig running, ServerConfig wanted) {
        return !sameVersion(running.getVersion(), wanted.getVersion()) || !sameSize(running.getSize(), wanted.getSize())
                || !differingParameters(running, wanted, ServerParameters.Apply.STATIC).isEmpty();
    }

    private static boolean sameVersion(String running, String wanted) {
        if (running.isEmpty() || wanted.isEmpty()) {
            return true;
        }
        Optional<EngineVersion> r = EngineVersion.fromReported(running);
        Optional<EngineVersion> w = EngineVersion.parse(wanted);
        if (r.isEmpty()) {
            return running.equals(wanted);
        }
        return w.map(r.get()::equals).orElse(r.get().series().equals(wanted));
    }

    private static boolean sameSize(Size running, Size wanted) {
        return running == Size.SIZE_UNSPECIFIED || wanted == Size.SIZE_UNSPECIFIED || running == wanted;
    }

    /** The wanted parameters (of one kind, or all with {@code null}) the server does not run at their value. */
    private static List<String> differingParameters(ServerConfig running, ServerConfig wanted, ServerParameters.Apply kind) {
        return new TreeMap<>(wanted.getParametersMap()).entrySet().stream()
                .filter(e -> kind == null || ServerParameters.find(e.getKey()).map(p -> p.apply() == kind).orElse(false))
                .filter(e -> !e.getValue().equals(normalized(e.getKey(), running.getParametersMap().get(e.getKey()))))
                .map(Map.Entry::getKey).toList();
    }

    private static String normalized(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return ServerParameters.normalize(name, value);
        } catch (IllegalArgumentException e) {
            return value;
        }
    }

    /** Whether the roll keeps this instance out of the reader name now (it is being restarted or catching up). */
    static boolean outOfReaders(ReconcilerState state, String instanceId) {
        RollState roll = state.getRoll();
        return state.hasRoll() && !roll.getDone() && !roll.getHalted() && roll.getCurrentInstance().equals(instanceId)
                && !roll.getStep().equals(REJOINING);
    }

    /** The replicas a roll adds besides {@code spec.replicas}: its temporary one while a deployment without replicas rolls. */
    static int temporaryReplicas(ReconcilerState.Builder state) {
        RollState roll = state.getRoll();
        return state.hasRoll() && !roll.getDone() && !roll.getHalted() && roll.getTemporaryWanted() ? 1 : 0;
    }

    /** Whether the roll has asked this instance to restart and waits for its answer (it is Down on purpose meanwhile). */
    static boolean restarting(ReconcilerState.Builder state, String instanceId) {
        RollState roll = state.getRoll();
        return state.hasRoll() && !roll.getDone() && !roll.getHalted() && roll.getCurrentInstance().equals(instanceId)
                && Ledger.pending(state, Ledger.update(instanceId, roll.getTargetDigest()));
    }

    /** Whether the clock alone makes a roll step due: a window it waits for opened. */
    static boolean timeDue(ReconcilerState state, Instant now) {
        RollState roll = state.getRoll();
        return state.hasRoll() && !roll.getDone() && !roll.getHalted() && roll.hasWindowOpensAt()
                && !Timestamps.toInstant(roll.getWindowOpensAt()).isAfter(now);
    }

    /** The instances still wanted, by id. */
    private static List<ObservedInstance> active(ReconcilerState.Builder state) {
        return state.getInstancesMap().values().stream().filter(i -> !i.getPlan().getRetiring())
                .sorted(Comparator.comparing(ObservedInstance::getInstanceId)).toList();
    }

    /** Instances that reported what they run and do not run the target (one that reported nothing yet is not judged). */
    static List<ObservedInstance> outdated(ReconcilerState.Builder state, ServerConfig target) {
        return active(state).stream().filter(i -> i.hasRunning() && !runs(i.getRunning(), target)).toList();
    }

    static void plan(Pass pass, PlanSettings settings) {
        Intent desired = pass.state.getDesired();
        if (desired.getDeleted()) {
            return;
        }
        ServerConfig target = desiredConfig(desired);
        String digest = digest(target);
        Ledger.forgetUpdatesExcept(pass.state, digest);
        RollState.Builder roll = pass.state.getRoll().toBuilder();
        List<ObservedInstance> outdated = outdated(pass.state, target);
        if (!pass.state.hasRoll() || !roll.getTargetDigest().equals(digest)) {
            // a new target (the first roll, another change, or one reversing a halted roll); an instance out for the
            // old one stays the current one until it is back
            // (a halted roll's instance is back in service already)
            String current = roll.getHalted() || roll.getDone() ? "" : roll.getCurrentInstance();
            String step = current.isEmpty() ? "" : roll.getStep();
            roll = RollState.newBuilder().setTarget(target).setTargetDigest(digest).setGeneration(desired.getGeneration())
                    .setCurrentInstance(current).setStep(step).setDone(outdated.isEmpty() && current.isEmpty());
            if (!roll.getDone()) {
                roll.setStartedAt(Timestamps.of(pass.now));
            }
        } else if (roll.getHalted() && roll.getGeneration() != desired.getGeneration()) {
            // a later spec change resumes a halted roll
            roll.setHalted(false).clearHaltReason().setGeneration(desired.getGeneration());
            clearFailures(pass, digest);
        }
        roll.clearWaitingFor().clearWindowOpensAt();
        if (roll.getHalted()) {
            pass.state.setRoll(roll);
            return;
        }
        Optional<String> failure = failure(pass, settings, digest);
        if (failure.isPresent()) {
            pass.state.setRoll(roll.setHalted(true).setHaltReason(failure.get()).clearStep());
            return;
        }
        step(pass, settings, roll, target, digest);
        pass.state.setRoll(roll);
    }

    /** A failed UPDATE for the target, or one unanswered for {@code updateTimeout}: why the roll halts. */
    private static Optional<String> failure(Pass pass, PlanSettings settings, String digest) {
        for (ObservedInstance i : active(pass.state)) {
            if (i.getUpdateFailedDigest().equals(digest)) {
                return Optional.of("updating " + i.getInstanceId() + " failed: " + i.getUpdateFailure()
                        + (i.hasRunning() ? "; it serves on " + describe(i.getRunning()) : ""));
            }
            ActionKey key = Ledger.update(i.getInstanceId(), digest);
            Optional<InFlightAction> asked = Ledger.get(pass.state, key);
            if (asked.isPresent() && !Timestamps.toInstant(asked.get().getRetryAt()).isAfter(pass.now)) {
                Ledger.remove(pass.state, key);
                return Optional.of(i.getInstanceId() + " did not answer UPDATE within "
                        + settings.roll().updateTimeout().toSeconds() + " s");
            }
        }
        return Optional.empty();
    }

    private static void clearFailures(Pass pass, String digest) {
        for (ObservedInstance i : active(pass.state)) {
            if (i.getUpdateFailedDigest().equals(digest)) {
                pass.state.putInstances(i.getInstanceId(), i.toBuilder().clearUpdateFailedDigest().clearUpdateFailure().build());
            }
        }
    }

    private static void step(Pass pass, PlanSettings settings, RollState.Builder roll, ServerConfig target, String digest) {
        // our switchover: done, or abandoned (HaPlanner gave up on it, the epoch moved on)
        if (roll.getSwitchoverEpoch() != 0) {
            boolean ours = pass.state.hasRoleChange() && pass.state.getRoleChange().getEpoch() == roll.getSwitchoverEpoch();
            if (ours && !pass.state.getRoleChange().getDone()) {
                roll.setStep(SWITCHOVER);
                return;
            }
            if (!ours) {
                roll.setHalted(true).clearStep().setHaltReason("the switchover to an updated replica was abandoned: "
                        + pass.state.getLastError());
                return;
            }
            roll.setSwitchoverEpoch(0).clearCurrentInstance().clearStep();
        }
        // dynamic parameters only: live, at once, on every instance that needs no restart
        for (ObservedInstance i : outdated(pass.state, target)) {
            if (!restarts(i.getRunning(), target) && Facts.serving(i) && i.getHealth() != Health.HEALTH_DOWN
                    && !i.getInstanceId().equals(roll.getCurrentInstance())) {
                update(pass, settings, i, digest);
            }
        }
        if (!roll.getCurrentInstance().isEmpty() && !current(pass, settings, roll, target, digest)) {
            return; // the instance out of service is not back yet
        }
        List<ObservedInstance> restarting = outdated(pass.state, target).stream().filter(i -> restarts(i.getRunning(), target)).toList();
        roll.setRestart(roll.getRestart() || !restarting.isEmpty());
        if (restarting.isEmpty()) {
            boolean done = outdated(pass.state, target).isEmpty();
            roll.setDone(done);
            if (done) {
                roll.clearStep();
            } else {
                roll.setStep(LIVE);
            }
            return;
        }
        List<ObservedInstance> demoted = restarting.stream().filter(i -> i.getPlan().getRole() == Role.ROLE_REPLICA).toList();
        if (!demoted.isEmpty() && roll.getTemporaryWanted() && roll.getSwitchoverEpoch() == 0
                && Facts.primary(pass.state).map(p -> p.getInstanceId().equals(roll.getTemporaryInstance())).orElse(false)) {
            // blue/green: the old primary, switched away from, is retired rather than restarted (the last step of a
            // change already under way: it waits for nothing)
            ObservedInstance old = demoted.get(0);
            Decide.retire(pass.state, old, "replaced by " + roll.getTemporaryInstance() + " running " + describe(target)
                    + " (a deployment without replicas is changed through a temporary replica)");
            roll.setTemporaryWanted(false).setCurrentInstance(old.getInstanceId()).setStep(RETIRING);
            return;
        }
        Optional<String> wait = mustWait(pass, roll);
        if (wait.isPresent()) {
            roll.setWaitingFor(wait.get()).clearStep();
            return;
        }
        Optional<ObservedInstance> primary = Facts.primary(pass.state);
        List<ObservedInstance> replicas = restarting.stream().filter(i -> i.getPlan().getRole() == Role.ROLE_REPLICA).toList();
        if (!replicas.isEmpty()) {
            Optional<ObservedInstance> free = replicas.stream().filter(i -> !backupOn(pass.state, i)).findFirst();
            if (free.isEmpty()) {
                roll.setWaitingFor("the backup running on " + replicas.get(0).getInstanceId() + " to finish").clearStep();
                return;
            }
            roll.setCurrentInstance(free.get().getInstanceId()).setStep(LEAVING_READERS);
            current(pass, settings, roll, target, digest);
            return;
        }
        if (primary.isEmpty() || !restarting.contains(primary.get())) {
            return;
        }
        // every replica runs the target: hand the primary role to one that caught up, then the old primary is a replica
        Optional<ObservedInstance> to = active(pass.state).stream()
                .filter(i -> i.getPlan().getRole() == Role.ROLE_REPLICA && runs(i.getRunning(), target) && caughtUp(pass, settings, i))
                .findFirst();
        if (to.isEmpty() && AutoscalePlanner.replicasWanted(pass.state) == 0 && !roll.getTemporaryWanted()) {
            // no replica to hand over to: a temporary one on the target (DEPLOY carries it), switched to once caught up
            String added = HaPlanner.addInstance(pass, Role.ROLE_REPLICA);
            roll.setTemporaryWanted(true).setTemporaryInstance(added).setCurrentInstance(added).setStep(ADDING);
            return;
        }
        if (to.isEmpty()) {
            roll.setWaitingFor("an updated replica that has caught up, to hand the primary role to").clearStep();
            return;
        }
        Optional<Long> epoch = HaPlanner.startSwitchoverTo(pass, settings, to.get().getInstanceId(),
                "roll to " + describe(target) + ": " + primary.get().getInstanceId() + " hands the primary role to the updated "
                        + to.get().getInstanceId());
        if (epoch.isEmpty()) {
            roll.setWaitingFor("the primary to be writable and healthy for a switchover to " + to.get().getInstanceId()).clearStep();
            return;
        }
        roll.setSwitchoverEpoch(epoch.get()).setCurrentInstance(primary.get().getInstanceId()).setStep(SWITCHOVER);
    }

    /**
     * Drives the instance out of service one step further.
     *
     * @return true once it is back (running the target, caught up, in the reader name again) or gone: the roll may go on
     */
    private static boolean current(Pass pass, PlanSettings settings, RollState.Builder roll, ServerConfig target, String digest) {
        ObservedInstance i = pass.state.getInstancesMap().get(roll.getCurrentInstance());
        if (i == null || i.getPlan().getRetiring()) {
            roll.clearCurrentInstance().clearStep();
            return true;
        }
        if (roll.getStep().equals(ADDING)) {
            // the temporary replica, deployed on the target: it only has to catch up
            if (i.hasRunning() && runs(i.getRunning(), target) && caughtUp(pass, settings, i)) {
                roll.clearCurrentInstance().clearStep();
                return true;
            }
            return false;
        }
        if (!i.hasRunning() || !runs(i.getRunning(), target)) {
            if (Facts.writable(pass.state.getEpoch(), i) || i.getPlan().getRole() == Role.ROLE_PRIMARY) {
                // never restart the primary: it is updated only as a replica, after a switchover
                roll.clearCurrentInstance().clearStep();
                return true;
            }
            boolean asked = Ledger.pending(pass.state, Ledger.update(i.getInstanceId(), digest));
            if (!asked) {
                if (!namesAnswer(pass, roll, settings)) {
                    roll.setStep(LEAVING_READERS);
                    return false;
                }
                if (backupOn(pass.state, i)) {
                    roll.setStep(LEAVING_READERS).setWaitingFor("the backup running on " + i.getInstanceId() + " to finish");
                    return false;
                }
            }
            roll.setStep(RESTARTING);
            update(pass, settings, i, digest);
            return false;
        }
        if (!caughtUp(pass, settings, i)) {
            roll.setStep(CATCHING_UP);
            return false;
        }
        if (!roll.getStep().equals(REJOINING)) {
            roll.setStep(REJOINING); // the reader name lists it again from now on
            if (settings.dns().enabled()) {
                return false;
            }
        }
        // back in the reader name once it answers with it (the names are planned later in this pass)
        if (!namesAnswer(pass, roll, settings)) {
            return false;
        }
        roll.clearCurrentInstance().clearStep();
        return true;
    }

    /** Whether the zone holds the names wanted with the roll as it is now (the instance out of the reader name, or back). */
    private static boolean namesAnswer(Pass pass, RollState.Builder roll, PlanSettings settings) {
        return DnsNames.answering(pass.state.build().toBuilder().setRoll(roll.build()).build(), settings.dns());
    }

    /** Sends UPDATE to the target config (once; again only after a halt was resumed: an unanswered one halts the roll). */
    private static void update(Pass pass, PlanSettings settings, ObservedInstance i, String digest) {
        ActionKey key = Ledger.update(i.getInstanceId(), digest);
        if (Ledger.pending(pass.state, key)) {
            return;
        }
        pass.ensure(key, settings.roll().updateTimeout(), Topics.AGENT_COMMANDS,
                issue -> HaPlanner.command(pass, i, AgentOp.AGENT_OP_UPDATE, issue)
                        .setRole(i.getPlan().getRole())
                        .setVersion(desiredConfig(pass.state.getDesired()).getVersion())
                        .setSize(pass.state.getDesired().getSpec().getSize())
                        .setConfig(desiredConfig(pass.state.getDesired()))
                        .setDrainTimeoutMs(settings.roll().drainTimeout().toMillis())
                        .build());
    }

    /** Serving reads of the primary again, Up, its link connected and its lag small. */
    static boolean caughtUp(Pass pass, PlanSettings settings, ObservedInstance i) {
        Optional<ObservedInstance> primary = Facts.primary(pass.state);
        return primary.isPresent() && Facts.servesReads(pass.state.getEpoch(), i, primary.get()) && i.getHealth() == Health.HEALTH_UP
                && i.getReplicationConnected() && i.getReplicationLagMs() <= settings.roll().maxLag().toMillis();
    }

    /** Why the next step cannot start now, or empty. */
    private static Optional<String> mustWait(Pass pass, RollState.Builder roll) {
        if (pass.state.hasRoleChange() && !pass.state.getRoleChange().getDone()) {
            return Optional.of("the " + pass.state.getRoleChange().getKind().name().substring("ROLE_CHANGE_KIND_".length())
                    .toLowerCase() + " under way");
        }
        var maintenance = pass.state.getDesired().getSpec().getMaintenance();
        if (maintenance.getApplyInWindow() && !maintenance.getWindow().isEmpty()) {
            MaintenanceWindow window = MaintenanceWindow.parse(maintenance.getWindow());
            if (!window.isOpen(pass.now)) {
                roll.setWindowOpensAt(Timestamps.of(window.nextOpening(pass.now)));
                return Optional.of("the maintenance window " + window);
            }
        }
        Optional<ObservedInstance> primary = Facts.primary(pass.state);
        if (primary.isEmpty() || !Facts.writable(pass.state.getEpoch(), primary.get())) {
            return Optional.of("a writable primary");
        }
        for (ObservedInstance i : active(pass.state)) {
            if (!Facts.serving(i) || i.getHealth() != Health.HEALTH_UP) {
                return Optional.of(i.getInstanceId() + " to be healthy (" + (Facts.serving(i) ? i.getHealth().name()
                        .substring("HEALTH_".length()).toLowerCase() : "not serving") + ")");
            }
            if (i.getPlan().getRole() == Role.ROLE_REPLICA && !Facts.servesReads(pass.state.getEpoch(), i, primary.get())) {
                return Optional.of(i.getInstanceId() + " to replicate from the primary");
            }
        }
        return Optional.empty();
    }

    private static boolean backupOn(ReconcilerState.Builder state, ObservedInstance i) {
        return state.getBackups().hasCurrent() && state.getBackups().getCurrentSource().equals(i.getInstanceId());
    }

    /** "10.11.19, SIZE_MEDIUM, 2 parameters", as the status and reasons show a config. */
    static String describe(ServerConfig c) {
        return c.getVersion() + (c.getSize() == Size.SIZE_UNSPECIFIED ? "" : ", " + c.getSize().name().substring("SIZE_".length())
                .toLowerCase()) + (c.getParametersCount() == 0 ? "" : ", " + c.getParametersCount() + " parameter"
                + (c.getParametersCount() == 1 ? "" : "s"));
    }
}
