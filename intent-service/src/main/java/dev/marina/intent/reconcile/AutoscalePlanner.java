package dev.marina.intent.reconcile;

import dev.marina.schemas.metrics.MetricNames;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AutoscaleAction;
import dev.marina.schemas.v1.AutoscaleDecision;
import dev.marina.schemas.v1.AutoscaleMetric;
import dev.marina.schemas.v1.AutoscaleState;
import dev.marina.schemas.v1.AutoscalingSpec;
import dev.marina.schemas.v1.ObservedInstance;
import dev.marina.schemas.v1.ReconcilerState;
import dev.marina.schemas.v1.ReconcilerStateOrBuilder;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.RollState;
import dev.marina.service.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Read-replica autoscaling by target tracking (as Aurora Auto Scaling does it), planned from the observed state. Pure.
 *
 * <p>The readers' average of the spec's metric (CPU, client connections or client queries per second per reader,
 * from each reader's latest 10-second window on {@code deployment-metrics}; with no reader, the primary's) is kept
 * near the target:
 * <ul>
 *   <li><b>Scale out</b> when the average has been above the target for {@code scale-out-after}: as many readers as
 *       bring the average to the target ({@code ceil(n × average / target) − n}, at least one, n at least 1), up to
 *       {@code max_replicas}; then no other scale-out for the scale-out cooldown. A scale-out may run during a
 *       scale-in cooldown.</li>
 *   <li><b>Scale in</b> when the average has been below the target for {@code scale-in-after}, and removing a reader
 *       would not push the others above it ({@code average × n / (n − 1)}; with one reader, twice its load): one reader
 *       at a time, only one the autoscaler added (newest first), never below {@code spec.replicas}; not within the
 *       scale-in cooldown of the last scale-in nor the scale-out cooldown of the last scale-out. The reader leaves the
 *       reader name, is drained (its client connections gone, or {@code drain-timeout}), then retired.</li>
 *   <li>Replicas wanted = {@code spec.replicas} (the base, where it starts) + the readers the autoscaler added; every
 *       step that counts replicas ({@link #replicasWanted}) reads this one figure. Above {@code max_replicas} (the spec
 *       lowered it) added readers are removed at once.</li>
 *   <li><b>Holds</b> (nothing decided; {@code status.autoscaling.holding} says why): a pause, a roll, a failover or
 *       switchover under way, instances missing (a wanted replica not serving reads), a scale-in still draining, no
 *       recent metrics; a scale-in also while a backup runs on the reader it would remove.</li>
 * </ul>
 * The state keeps only what the decisions need: when the average went above or below the target, the last scale
 * times, the ids added, the latest average (bounded; no history of samples).
 */
final class AutoscalePlanner {
    private AutoscalePlanner() {}

    enum Kind { NONE, HOLD, SCALE_OUT, SCALE_IN }

    /**
     * What one decision looks at.
     *
     * @param specReplicas the spec's replicas (the base)
     * @param added        replicas the autoscaler added on top
     * @param readers      replicas serving reads now (the average's denominator)
     * @param current      the readers' average, when recent metrics exist
     * @param hold         why nothing may be decided now ("" when nothing holds)
     */
    record Input(AutoscalingSpec spec, int specReplicas, int added, int readers, OptionalDouble current,
            Optional<Instant> aboveSince, Optional<Instant> belowSince, Optional<Instant> lastScaleOut,
            Optional<Instant> lastScaleIn, String hold, Instant now) {}

    /** @param replicasAfter replicas wanted after it; @param reason in words */
    record Decision(Kind kind, int replicasAfter, String reason) {
        static Decision none(int replicas) {
            return new Decision(Kind.NONE, replicas, "");
        }
    }

    /** The decision, from the input alone. */
    static Decision decide(Input in, PlanSettings.AutoscaleSettings settings) {
        AutoscalingSpec spec = in.spec();
        int wanted = in.specReplicas() + in.added();
        int max = Math.max(spec.getMaxReplicas(), in.specReplicas());
        if (in.added() > 0 && wanted > max) {
            return new Decision(Kind.SCALE_IN, Math.max(max, in.specReplicas()), "replicas " + wanted + " above max_replicas " + max);
        }
        if (!spec.hasTarget() || spec.getTarget().getMetric() == AutoscaleMetric.AUTOSCALE_METRIC_UNSPECIFIED) {
            return Decision.none(wanted);
        }
        if (!in.hold().isEmpty()) {
            return new Decision(Kind.HOLD, wanted, in.hold());
        }
        if (in.current().isEmpty()) {
            return new Decision(Kind.HOLD, wanted, "no recent " + metricName(spec.getTarget().getMetric()) + " from the readers");
        }
        double current = in.current().getAsDouble();
        double target = spec.getTarget().getValue();
        String metric = metricName(spec.getTarget().getMetric());
        Instant now = in.now();
        if (in.aboveSince().isPresent() && !in.aboveSince().get().plus(settings.scaleOutAfter()).isAfter(now)) {
            String above = String.format(Locale.ROOT, "%s %.1f above target %.1f for %d s", metric, current, target,
                    Duration.between(in.aboveSince().get(), now).toSeconds());
            if (wanted >= max) {
                return new Decision(Kind.HOLD, wanted, above + "; at max_replicas " + max);
            }
            Duration cooldown = cooldown(spec.getScaleOutCooldown(), settings.scaleOutCooldown());
            Optional<Instant> until = in.lastScaleOut().map(t -> t.plus(cooldown)).filter(t -> t.isAfter(now));
            if (until.isPresent()) {
                return new Decision(Kind.HOLD, wanted, above + "; scale-out cooldown until " + until.get());
            }
            int n = Math.max(1, in.readers());
            int needed = (int) Math.ceil(n * current / target) - n;
            int add = Math.min(Math.max(1, needed), max - wanted);
            return new Decision(Kind.SCALE_OUT, wanted + add, above);
        }
        if (in.belowSince().isPresent() && !in.belowSince().get().plus(settings.scaleInAfter()).isAfter(now)) {
            if (in.added() == 0 || wanted <= in.specReplicas()) {
                return Decision.none(wanted); // only readers it added are removed
            }
            String below = String.format(Locale.ROOT, "%s %.1f below target %.1f for %d s", metric, current, target,
                    Duration.between(in.belowSince().get(), now).toSeconds());
            Duration inCooldown = cooldown(spec.getScaleInCooldown(), settings.scaleInCooldown());
            Duration outCooldown = cooldown(spec.getScaleOutCooldown(), settings.scaleOutCooldown());
            Optional<Instant> until = later(in.lastScaleIn().map(t -> t.plus(inCooldown)), in.lastScaleOut().map(t -> t.plus(outCooldown)))
                    .filter(t -> t.isAfter(now));
            if (until.isPresent()) {
                return new Decision(Kind.HOLD, wanted, below + "; scale-in cooldown until " + until.get());
            }
            int n = in.readers();
            double projected = n > 1 ? current * n / (n - 1) : current * 2;
            if (projected > target) {
                return new Decision(Kind.HOLD, wanted, below + String.format(Locale.ROOT,
                        "; one reader fewer would put the others at %.1f, above the target", projected));
            }
            return new Decision(Kind.SCALE_IN, wanted - 1, below);
        }
        return Decision.none(wanted);
    }

    private static Optional<Instant> later(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return Optional.of(a.get().isAfter(b.get()) ? a.get() : b.get());
    }

    /** The spec's cooldown, or the service's default when the spec gives none. */
    static Duration cooldown(String spec, Duration fallback) {
        return SpecDuration.orElse(spec, fallback);
    }

    /** When the average is above or below the target, since when (kept while it stays so; cleared when it crosses). */
    static AutoscaleState.Builder track(AutoscaleState.Builder state, double current, double target, Instant at) {
        if (current > target) {
            if (!state.hasAboveSince()) {
                state.setAboveSince(Timestamps.of(at));
            }
            state.clearBelowSince();
        } else if (current < target) {
            if (!state.hasBelowSince()) {
                state.setBelowSince(Timestamps.of(at));
            }
            state.clearAboveSince();
        } else {
            state.clearAboveSince().clearBelowSince();
        }
        return state;
    }

    /** The gauge a metric is read from. */
    static String gauge(AutoscaleMetric metric) {
        return switch (metric) {
            case AUTOSCALE_METRIC_CPU_PERCENT -> MetricNames.CPU_PERCENT;
            case AUTOSCALE_METRIC_CONNECTIONS_PER_READER -> MetricNames.CLIENT_CONNECTIONS;
            case AUTOSCALE_METRIC_QUERIES_PER_SECOND_PER_READER -> MetricNames.CLIENT_QUERIES_PER_SECOND;
            default -> "";
        };
    }

    static String metricName(AutoscaleMetric metric) {
        return switch (metric) {
            case AUTOSCALE_METRIC_CPU_PERCENT -> "cpu_percent";
            case AUTOSCALE_METRIC_CONNECTIONS_PER_READER -> "client_connections per reader";
            case AUTOSCALE_METRIC_QUERIES_PER_SECOND_PER_READER -> "client_queries_per_second per reader";
            default -> "no metric";
        };
    }

    /** Replicas wanted now: the spec's plus the ones the autoscaler added. Every step that counts replicas reads this. */
    static int replicasWanted(ReconcilerStateOrBuilder state) {
        return Math.max(0, state.getDesired().getSpec().getReplicas()) + Math.max(0, state.getAutoscale().getAddedReplicas());
    }

    /** Whether this reader is being removed by a scale-in: it is out of the reader name from the decision on. */
    static boolean outOfReaders(ReconcilerStateOrBuilder state, String instanceId) {
        return !instanceId.isEmpty() && state.getAutoscale().getRemoving().equals(instanceId);
    }

    /** Whether the clock alone makes a decision due: a sustained window or a cooldown may have run out, or a drain. */
    static boolean timeDue(ReconcilerState state, Instant now, PlanSettings settings) {
        AutoscaleState a = state.getAutoscale();
        if (!state.getDesired().getSpec().hasAutoscaling() || state.getDesired().getDeleted()) {
            return false;
        }
        if (!a.getRemoving().isEmpty()) {
            return true;
        }
        // a decision that holds (a cooldown, max_replicas, a roll) is looked at again with the next metrics window
        return a.getHolding().isEmpty()
                && ((a.hasAboveSince() && !Timestamps.toInstant(a.getAboveSince()).plus(settings.autoscale().scaleOutAfter()).isAfter(now))
                || (a.hasBelowSince() && a.getAddedReplicas() > 0
                        && !Timestamps.toInstant(a.getBelowSince()).plus(settings.autoscale().scaleInAfter()).isAfter(now)));
    }

    static void plan(Pass pass, PlanSettings settings) {
        ReconcilerState.Builder state = pass.state;
        if (state.getDesired().getDeleted()) {
            return;
        }
        AutoscalingSpec spec = state.getDesired().getSpec().getAutoscaling();
        AutoscaleState.Builder a = state.getAutoscale().toBuilder();
        adoptAdded(state, a);
        if (!a.getRemoving().isEmpty()) {
            drain(pass, settings, a);
        }
        if (!state.getDesired().getSpec().hasAutoscaling()) {
            // autoscaling taken out of the spec: back to spec.replicas, the readers it added drained and removed one by one
            a.clearAboveSince().clearBelowSince().clearHolding();
            if (a.getAddedReplicas() > 0 && a.getRemoving().isEmpty() && !PausePlanner.inEffect(state)) {
                int before = Math.max(0, state.getDesired().getSpec().getReplicas()) + a.getAddedReplicas();
                newestAdded(state, a).ifPresent(victim -> {
                    a.setRemoving(victim).setRemovingSince(Timestamps.of(pass.now)).setLastScaleInAt(Timestamps.of(pass.now));
                    decided(pass, a, AutoscaleAction.AUTOSCALE_ACTION_SCALE_IN, before, before - 1, OptionalDouble.empty(),
                            "autoscaling taken out of the spec: back to spec.replicas", List.of(victim));
                });
            }
            state.setAutoscale(a);
            return;
        }
        Facts.Snapshot facts = Facts.of(state.build(), settings, pass.now);
        OptionalDouble current = current(state, facts, spec.getTarget().getMetric(), pass.now, settings.autoscale());
        if (current.isPresent()) {
            a.setCurrent(current.getAsDouble()).setCurrentAt(Timestamps.of(pass.now));
            if (spec.hasTarget() && spec.getTarget().getValue() > 0) {
                track(a, current.getAsDouble(), spec.getTarget().getValue(), pass.now);
            }
        } else {
            a.clearAboveSince().clearBelowSince();
        }
        int specReplicas = Math.max(0, state.getDesired().getSpec().getReplicas());
        Decision decision = decide(new Input(spec, specReplicas, a.getAddedReplicas(), facts.readers().size(), current,
                time(a.hasAboveSince(), a.getAboveSince()), time(a.hasBelowSince(), a.getBelowSince()),
                time(a.hasLastScaleOutAt(), a.getLastScaleOutAt()), time(a.hasLastScaleInAt(), a.getLastScaleInAt()),
                hold(state, facts, a), pass.now), settings.autoscale());
        a.setHolding(decision.kind() == Kind.HOLD ? decision.reason() : "");
        int before = specReplicas + a.getAddedReplicas();
        if (decision.kind() == Kind.SCALE_OUT) {
            List<String> ids = new ArrayList<>();
            for (int n = before; n < decision.replicasAfter(); n++) {
                ids.add(HaPlanner.addInstance(pass, Role.ROLE_REPLICA));
            }
            a.setAddedReplicas(a.getAddedReplicas() + ids.size()).addAllAddedIds(ids).setLastScaleOutAt(Timestamps.of(pass.now))
                    .clearAboveSince();
            decided(pass, a, AutoscaleAction.AUTOSCALE_ACTION_SCALE_OUT, before, decision.replicasAfter(), current, decision.reason(), ids);
        } else if (decision.kind() == Kind.SCALE_IN && a.getRemoving().isEmpty()) {
            Optional<String> victim = newestAdded(state, a);
            if (victim.isPresent()) {
                a.setRemoving(victim.get()).setRemovingSince(Timestamps.of(pass.now)).setLastScaleInAt(Timestamps.of(pass.now))
                        .clearBelowSince();
                decided(pass, a, AutoscaleAction.AUTOSCALE_ACTION_SCALE_IN, before, before - 1, current, decision.reason(),
                        List.of(victim.get()));
            }
        }
        state.setAutoscale(a);
    }

    private static Optional<Instant> time(boolean has, com.google.protobuf.Timestamp t) {
        return has ? Optional.of(Timestamps.toInstant(t)) : Optional.empty();
    }

    /**
     * The added ids follow the instances: an added reader that was replaced (broken, Down for long) is forgotten and
     * the replacement, the newest replica not counted yet, counts in its place; the count is what was decided.
     */
    static void adoptAdded(ReconcilerState.Builder state, AutoscaleState.Builder a) {
        List<String> kept = a.getAddedIdsList().stream().filter(id -> active(state, id)).toList();
        List<String> ids = new ArrayList<>(kept);
        List<ObservedInstance> candidates = state.getInstancesMap().values().stream()
                .filter(i -> !i.getPlan().getRetiring() && i.getPlan().getRole() == Role.ROLE_REPLICA && !ids.contains(i.getInstanceId()))
                .sorted(Comparator.comparing((ObservedInstance i) -> -HaPlanner.number(i.getInstanceId()))).toList();
        // the replicas not counted as added must stay at least spec.replicas
        int spare = candidates.size() - Math.max(0, state.getDesired().getSpec().getReplicas());
        for (ObservedInstance c : candidates) {
            if (ids.size() >= a.getAddedReplicas() || spare <= 0) {
                break;
            }
            ids.add(c.getInstanceId());
            spare--;
        }
        if (!ids.equals(a.getAddedIdsList())) {
            a.clearAddedIds().addAllAddedIds(ids);
        }
        if (!a.getRemoving().isEmpty() && !active(state, a.getRemoving())) {
            // gone before it was retired here (replaced, or failed): the scale-in is done
            a.setAddedReplicas(Math.max(0, a.getAddedReplicas() - 1)).clearRemoving().clearRemovingSince();
        }
    }

    private static boolean active(ReconcilerState.Builder state, String id) {
        ObservedInstance i = state.getInstancesMap().get(id);
        return i != null && !i.getPlan().getRetiring();
    }

    private static Optional<String> newestAdded(ReconcilerState.Builder state, AutoscaleState.Builder a) {
        return a.getAddedIdsList().stream().filter(id -> active(state, id))
                .max(Comparator.comparing(HaPlanner::number));
    }

    /**
     * A scale-in's reader: out of the reader name from the decision on; once the names answer without it, drained
     * (its client connections, from its latest metrics after the names moved, gone) or {@code drain-timeout} passed;
     * then retired through the usual path (the agent stops the server, the provisioner removes the instance).
     */
    private static void drain(Pass pass, PlanSettings settings, AutoscaleState.Builder a) {
        ObservedInstance r = pass.state.getInstancesMap().get(a.getRemoving());
        if (r == null || r.getPlan().getRetiring()) {
            a.setAddedReplicas(Math.max(0, a.getAddedReplicas() - 1)).clearRemoving().clearRemovingSince();
            return;
        }
        if (!DnsNames.answering(pass.state.build(), settings.dns())) {
            return; // the reader name still lists it
        }
        Instant since = Timestamps.toInstant(a.getRemovingSince());
        boolean drained = r.hasMetricAt() && Timestamps.toInstant(r.getMetricAt()).isAfter(since) && r.getClientConnections() == 0;
        boolean timedOut = !since.plus(settings.roll().drainTimeout()).isAfter(pass.now);
        if (!drained && !timedOut && Facts.serving(r)) {
            return;
        }
        Decide.retire(pass.state, r, "scale-in: " + (drained ? "drained, no client connection left"
                : timedOut ? "drain timeout after " + settings.roll().drainTimeout().toSeconds() + " s" : "not serving"));
        List<String> rest = a.getAddedIdsList().stream().filter(id -> !id.equals(r.getInstanceId())).toList();
        a.clearAddedIds().addAllAddedIds(rest).setAddedReplicas(Math.max(0, a.getAddedReplicas() - 1)).clearRemoving().clearRemovingSince();
    }

    /** Why nothing may be decided now, or "". */
    static String hold(ReconcilerState.Builder state, Facts.Snapshot facts, AutoscaleState.Builder a) {
        if (PausePlanner.inEffect(state)) {
            return "the deployment is " + (state.getPause().getResuming() ? "resuming" : "paused");
        }
        RollState roll = state.getRoll();
        if (state.hasRoll() && !roll.getDone() && !roll.getHalted()) {
            return "a roll runs";
        }
        if (state.hasRoleChange() && !state.getRoleChange().getDone()) {
            return "a " + (state.getRoleChange().getKind() == dev.marina.schemas.v1.RoleChangeKind.ROLE_CHANGE_KIND_FAILOVER
                    ? "failover" : "switchover") + " runs";
        }
        if (!a.getRemoving().isEmpty()) {
            return "removing " + a.getRemoving() + " (leaving the reader name, draining)";
        }
        if (!facts.writable()) {
            return "no writable primary";
        }
        int wanted = Math.max(0, state.getDesired().getSpec().getReplicas()) + a.getAddedReplicas();
        if (facts.readers().size() < wanted) {
            return "instances missing: " + facts.readers().size() + " of " + wanted + " replicas serve reads";
        }
        String source = state.getBackups().hasCurrent() ? state.getBackups().getCurrentSource() : "";
        if (!source.isEmpty() && newestAdded(state, a).map(source::equals).orElse(false)) {
            return "a backup runs on " + source;
        }
        return "";
    }

    /** The readers' average of the metric over their latest windows; with no reader, the primary's. Empty when none is recent. */
    static OptionalDouble current(ReconcilerState.Builder state, Facts.Snapshot facts, AutoscaleMetric metric, Instant now,
            PlanSettings.AutoscaleSettings settings) {
        List<ObservedInstance> from = facts.readers().stream().filter(r -> !outOfReaders(state, r.getInstanceId())).toList();
        if (from.isEmpty()) {
            from = facts.primary().map(List::of).orElse(List.of());
        }
        return from.stream().filter(i -> i.hasMetricAt()
                        && !Timestamps.toInstant(i.getMetricAt()).plus(settings.metricsMaxAge()).isBefore(now))
                .mapToDouble(ObservedInstance::getMetricValue).average();
    }

    private static void decided(Pass pass, AutoscaleState.Builder a, AutoscaleAction action, int before, int after,
            OptionalDouble observed, String reason, List<String> instances) {
        AutoscalingSpec spec = pass.state.getDesired().getSpec().getAutoscaling();
        AutoscaleDecision decision = AutoscaleDecision.newBuilder()
                .setDeployment(pass.state.getDesired().getDeployment())
                .setAction(action)
                .setReplicasBefore(before)
                .setReplicasAfter(after)
                .setMetric(spec.getTarget().getMetric())
                .setObserved(observed.orElse(0))
                .setTarget(spec.getTarget().getValue())
                .setReason(reason)
                .setDecidedAt(Timestamps.of(pass.now))
                .addAllInstances(instances)
                .build();
        a.setLastDecision(decision);
        pass.emit(Topics.AUTOSCALE_DECISIONS, decision);
    }
}
