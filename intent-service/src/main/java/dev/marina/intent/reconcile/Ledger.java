package dev.marina.intent.reconcile;

import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.ActionKind;
import dev.marina.schemas.v1.BinlogArchiveSettings;
import dev.marina.schemas.v1.InFlightAction;
import dev.marina.schemas.v1.ReconcilerState;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The reconciler's action ledger: one {@link ActionKey} per effect it waits for, held in
 * {@code ReconcilerState.in_flight}. Every command carries its key and every answer echoes it, so an
 * answer is matched to its action by value. Pure.
 *
 * <p>Invariants:
 * <ul>
 *   <li>The map key of an in-flight action is {@link #id} of its {@code action}: a name derived from the
 *       key, for lookups, logs and command ids, and never read back. Decisions read the {@code ActionKey}.</li>
 *   <li>An answer counts only for the action in flight with an equal key; an answer that echoes no key
 *       (a worker older than the ledger) is matched by its command id, compared whole.</li>
 *   <li>An in-flight entry without a key predates the ledger: {@link #dropUntyped} forgets it and the
 *       planner sends its command again (commands are idempotent, so a repeat is harmless).</li>
 * </ul>
 */
public final class Ledger {
    private Ledger() {}

    public static ActionKey createInstance(String instanceId) {
        return of(ActionKind.ACTION_KIND_CREATE_INSTANCE, instanceId);
    }

    public static ActionKey deploy(String instanceId) {
        return of(ActionKind.ACTION_KIND_DEPLOY, instanceId);
    }

    public static ActionKey stopDatabase(String instanceId) {
        return of(ActionKind.ACTION_KIND_STOP_DATABASE, instanceId);
    }

    public static ActionKey destroyInstance(String instanceId) {
        return of(ActionKind.ACTION_KIND_DESTROY_INSTANCE, instanceId);
    }

    /** Making the zone hold the record sets with this digest. */
    public static ActionKey applyNames(String digest) {
        return ActionKey.newBuilder().setKind(ActionKind.ACTION_KIND_APPLY_NAMES).setSubject(digest).build();
    }

    /** Removing every name of a deleted deployment. */
    public static ActionKey removeNames() {
        return ActionKey.newBuilder().setKind(ActionKind.ACTION_KIND_REMOVE_NAMES).build();
    }

    /** Request {@code n} of an instance's certificate: the agent's CSR, cert-service's chain, the agent installing it. */
    public static ActionKey makeCsr(String instanceId, int request) {
        return of(ActionKind.ACTION_KIND_MAKE_CSR, instanceId).toBuilder().setRequest(request).build();
    }

    public static ActionKey issueCert(String instanceId, int request) {
        return of(ActionKind.ACTION_KIND_ISSUE_CERT, instanceId).toBuilder().setRequest(request).build();
    }

    public static ActionKey installCert(String instanceId, int request) {
        return of(ActionKind.ACTION_KIND_INSTALL_CERT, instanceId).toBuilder().setRequest(request).build();
    }

    /** Revoking a certificate: about its serial, not its instance (which is gone by then). */
    public static ActionKey revokeCert(String serial) {
        return ActionKey.newBuilder().setKind(ActionKind.ACTION_KIND_REVOKE_CERT).setSubject(serial).build();
    }

    /** Role changes at an epoch: the agent's PROMOTE, REPLICATE (from the current primary) and FENCE. */
    public static ActionKey promote(String instanceId, long epoch) {
        return of(ActionKind.ACTION_KIND_PROMOTE, instanceId).toBuilder().setEpoch(epoch).build();
    }

    public static ActionKey replicate(String instanceId, long epoch) {
        return of(ActionKind.ACTION_KIND_REPLICATE, instanceId).toBuilder().setEpoch(epoch).build();
    }

    public static ActionKey fence(String instanceId, long epoch) {
        return of(ActionKind.ACTION_KIND_FENCE, instanceId).toBuilder().setEpoch(epoch).build();
    }

    /** A backup with this id, asked of this instance (a new source is a new action). */
    public static ActionKey backup(String instanceId, String backupId) {
        return of(ActionKind.ACTION_KIND_BACKUP, instanceId).toBuilder().setSubject(backupId).build();
    }

    /** Bringing an instance to a config (the subject: its digest, {@link RollPlanner#digest}); another config is another action. */
    public static ActionKey update(String instanceId, String configDigest) {
        return of(ActionKind.ACTION_KIND_UPDATE, instanceId).toBuilder().setSubject(configDigest).build();
    }

    /** Stopping an instance for the deployment's pause number {@code n} (the primary with wake on connect). */
    public static ActionKey pause(String instanceId, int n) {
        return of(ActionKind.ACTION_KIND_PAUSE, instanceId).toBuilder().setRequest(n).build();
    }

    /** Starting a paused instance again, for pause number {@code n}. */
    public static ActionKey resume(String instanceId, int n) {
        return of(ActionKind.ACTION_KIND_RESUME, instanceId).toBuilder().setRequest(n).build();
    }

    /** Drops every in-flight PAUSE and RESUME (a resume replaces the pause's steps, a pause the resume's). */
    public static void forgetPauseSteps(ReconcilerState.Builder state, ActionKind kind) {
        removeIf(state, a -> a.getKind() == kind);
    }

    /** Drops every in-flight UPDATE except those for {@code digest} (a new target replaces an older one). */
    public static void forgetUpdatesExcept(ReconcilerState.Builder state, String digest) {
        removeIf(state, a -> a.getKind() == ActionKind.ACTION_KIND_UPDATE && !a.getSubject().equals(digest));
    }

    /** Telling a writable primary the replicas its deployment wants (a new count is a new action). */
    public static ActionKey replicasWanted(String instanceId, int replicas) {
        return of(ActionKind.ACTION_KIND_SET_REPLICAS_WANTED, instanceId).toBuilder().setRequest(replicas).build();
    }

    /**
     * Telling the primary at an epoch how to archive its binary logs: {@code request} 1 to archive (0 not to), the
     * subject the position after which binary logs stay on the server. Other settings, a new primary or a new epoch
     * are a new action.
     */
    public static ActionKey archiveBinlogs(String instanceId, long epoch, BinlogArchiveSettings settings) {
        return of(ActionKind.ACTION_KIND_ARCHIVE_BINLOGS, instanceId).toBuilder().setEpoch(epoch)
                .setRequest(settings.getEnabled() ? 1 : 0).setSubject(settings.getKeepAfterGtid()).build();
    }

    /** The settings an ARCHIVE_BINLOGS action asks for (see {@link #archiveBinlogs}). */
    public static BinlogArchiveSettings archiveSettings(ActionKey key) {
        return BinlogArchiveSettings.newBuilder().setEnabled(key.getRequest() == 1).setKeepAfterGtid(key.getSubject()).build();
    }

    /** Whether an action is one of the agent's role steps (its answer says where the instance stands in a role change). */
    public static boolean isRoleStep(ActionKind kind) {
        return kind == ActionKind.ACTION_KIND_PROMOTE || kind == ActionKind.ACTION_KIND_REPLICATE
                || kind == ActionKind.ACTION_KIND_FENCE;
    }

    /** Whether an action is one of the agent's certificate steps (its answer says nothing about the database). */
    public static boolean isCertStep(ActionKind kind) {
        return kind == ActionKind.ACTION_KIND_MAKE_CSR || kind == ActionKind.ACTION_KIND_INSTALL_CERT;
    }

    public static boolean isNames(ActionKind kind) {
        return kind == ActionKind.ACTION_KIND_APPLY_NAMES || kind == ActionKind.ACTION_KIND_REMOVE_NAMES;
    }

    /**
     * The action's name in the ledger, e.g. {@code replicate/acme-orders-2/3}: the map key, the last part of
     * command ids, and what logs and metrics show. The same names as before the typed ledger, so command
     * ids (and with them the workers' idempotency tokens) did not change.
     */
    public static String id(ActionKey key) {
        StringBuilder id = new StringBuilder(word(key.getKind()));
        switch (key.getKind()) {
            case ACTION_KIND_APPLY_NAMES -> id.append('/').append(key.getSubject());
            case ACTION_KIND_REMOVE_NAMES -> id.append("/remove");
            case ACTION_KIND_REVOKE_CERT -> id.append('/').append(key.getSubject());
            case ACTION_KIND_MAKE_CSR, ACTION_KIND_ISSUE_CERT, ACTION_KIND_INSTALL_CERT ->
                    id.append('/').append(key.getInstanceId()).append('/').append(key.getRequest());
            case ACTION_KIND_PROMOTE, ACTION_KIND_REPLICATE, ACTION_KIND_FENCE ->
                    id.append('/').append(key.getInstanceId()).append('/').append(key.getEpoch());
            case ACTION_KIND_BACKUP -> id.append('/').append(key.getSubject()).append('/').append(key.getInstanceId());
            case ACTION_KIND_PAUSE, ACTION_KIND_RESUME -> id.append('/').append(key.getInstanceId()).append('/').append(key.getRequest());
            case ACTION_KIND_SET_REPLICAS_WANTED -> id.append('/').append(key.getInstanceId()).append('/').append(key.getRequest());
            case ACTION_KIND_UPDATE -> id.append('/').append(key.getInstanceId()).append('/').append(key.getSubject());
            case ACTION_KIND_ARCHIVE_BINLOGS -> {
                id.append('/').append(key.getInstanceId()).append('/').append(key.getEpoch())
                        .append(key.getRequest() == 1 ? "/on" : "/off");
                if (!key.getSubject().isEmpty()) {
                    id.append('/').append(key.getSubject());
                }
            }
            default -> id.append('/').append(key.getInstanceId());
        }
        return id.toString();
    }

    /** The kind as one lower-case word, for ids and metric tags. */
    public static String word(ActionKind kind) {
        return switch (kind) {
            case ACTION_KIND_CREATE_INSTANCE -> "create";
            case ACTION_KIND_DEPLOY -> "deploy";
            case ACTION_KIND_STOP_DATABASE -> "agent-destroy";
            case ACTION_KIND_DESTROY_INSTANCE -> "destroy";
            case ACTION_KIND_APPLY_NAMES, ACTION_KIND_REMOVE_NAMES -> "dns";
            case ACTION_KIND_MAKE_CSR -> "csr";
            case ACTION_KIND_ISSUE_CERT -> "cert";
            case ACTION_KIND_INSTALL_CERT -> "install";
            case ACTION_KIND_REVOKE_CERT -> "revoke";
            case ACTION_KIND_PROMOTE -> "promote";
            case ACTION_KIND_REPLICATE -> "replicate";
            case ACTION_KIND_FENCE -> "fence";
            case ACTION_KIND_BACKUP -> "backup";
            case ACTION_KIND_SET_REPLICAS_WANTED -> "replicas-wanted";
            case ACTION_KIND_ARCHIVE_BINLOGS -> "archive";
            case ACTION_KIND_UPDATE -> "update";
            case ACTION_KIND_PAUSE -> "pause";
            case ACTION_KIND_RESUME -> "resume";
            default -> kind.name().toLowerCase(Locale.ROOT);
        };
    }

    public static Optional<InFlightAction> get(ReconcilerState.Builder state, ActionKey key) {
        return Optional.ofNullable(state.getInFlightMap().get(id(key)));
    }

    public static boolean pending(ReconcilerState.Builder state, ActionKey key) {
        return state.getInFlightMap().containsKey(id(key));
    }

    public static void remove(ReconcilerState.Builder state, ActionKey key) {
        state.removeInFlight(id(key));
    }

    /**
     * The in-flight action an answer is about: the one whose key the answer echoes, or (an answer that echoes
     * none) the one whose command id it names. Empty when nothing in flight waits for it.
     */
    public static Optional<InFlightAction> answered(ReconcilerState state, ActionKey echoed, String commandId) {
        if (echoed.getKind() != ActionKind.ACTION_KIND_UNSPECIFIED) {
            return Optional.ofNullable(state.getInFlightMap().get(id(echoed))).filter(a -> a.getAction().equals(echoed));
        }
        return state.getInFlightMap().values().stream().filter(a -> a.getCommandId().equals(commandId)).findFirst();
    }

    /** Drops every in-flight action about an instance that no longer exists. */
    public static void forgetInstance(ReconcilerState.Builder state, String instanceId) {
        removeIf(state, a -> a.getInstanceId().equals(instanceId) && !a.getInstanceId().isEmpty());
    }

    /** Drops every in-flight DNS action except {@code keep} (a newer wish replaces an older one). */
    public static void forgetNamesExcept(ReconcilerState.Builder state, Optional<ActionKey> keep) {
        removeIf(state, a -> isNames(a.getKind()) && !keep.map(a::equals).orElse(false));
    }

    /** Drops every in-flight SET_REPLICAS_WANTED except {@code keep} (a newer wish, or another primary, replaces it). */
    public static void forgetReplicasWantedExcept(ReconcilerState.Builder state, Optional<ActionKey> keep) {
        removeIf(state, a -> a.getKind() == ActionKind.ACTION_KIND_SET_REPLICAS_WANTED && !keep.map(a::equals).orElse(false));
    }

    /** Drops every in-flight ARCHIVE_BINLOGS except {@code keep} (other settings, or another primary, replace it). */
    public static void forgetArchiveExcept(ReconcilerState.Builder state, Optional<ActionKey> keep) {
        removeIf(state, a -> a.getKind() == ActionKind.ACTION_KIND_ARCHIVE_BINLOGS && !keep.map(a::equals).orElse(false));
    }

    /** Forgets in-flight entries written before the typed ledger (see the class comment). */
    public static ReconcilerState dropUntyped(ReconcilerState state) {
        if (state.getInFlightMap().values().stream().allMatch(InFlightAction::hasAction)) {
            return state;
        }
        ReconcilerState.Builder next = state.toBuilder();
        for (InFlightAction a : List.copyOf(state.getInFlightMap().values())) {
            if (!a.hasAction()) {
                next.removeInFlight(a.getKey());
            }
        }
        return next.build();
    }

    private static void removeIf(ReconcilerState.Builder state, Predicate<ActionKey> drop) {
        for (InFlightAction a : List.copyOf(state.getInFlightMap().values())) {
            if (drop.test(a.getAction())) {
                state.removeInFlight(a.getKey());
            }
        }
    }

    private static ActionKey of(ActionKind kind, String instanceId) {
        return ActionKey.newBuilder().setKind(kind).setInstanceId(instanceId).build();
    }
}
