package dev.marina.agent;

import dev.marina.agent.database.DatabaseServer;
import dev.marina.agent.database.Observation;
import dev.marina.agent.database.SemiSync;
import dev.marina.schemas.v1.SemiSyncWait;
import dev.marina.agent.replication.ReplicationError;
import dev.marina.schemas.v1.Size;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A database that only records what was asked of it. */
final class FakeDatabase implements DatabaseServer {

    final List<String> calls = new ArrayList<>();
    boolean data;
    boolean running;
    String adminPassword;
    boolean failReload;
    boolean readOnly = true;
    String position = "0-1-1";
    /** What {@link #replicate} answers. */
    Replication replication = new Replication(Link.STREAMING, ReplicationError.NONE, "0-1-1");
    /** Thrown by {@link #start} when set. */
    RuntimeException startFails;
    /** Thrown by {@link #stopReplicating} when set. */
    RuntimeException stopReplicatingFails;
    /** Runs inside {@link #stop()} and {@link #removeData()}, to look at the agent from there. */
    Runnable duringStopOrRemove = () -> { };

    @Override
    public String version() {
        return "10.11.19";
    }

    @Override
    public boolean hasData() {
        return data;
    }

    @Override
    public void prepare(Size size) {
        calls.add("prepare " + size);
        data = true;
    }

    boolean restorePending;

    @Override
    public void prepareRestored(Size size, java.nio.file.Path restored, boolean replays) {
        calls.add("prepare restored " + size + " from " + restored.getFileName() + (replays ? " to replay" : ""));
        data = true;
        restorePending = true;
        replayPending = replays;
    }

    boolean replayPending;

    @Override
    public boolean replayInterrupted() {
        return replayPending;
    }

    @Override
    public void discardRestored() {
        calls.add("discard restored");
        running = false;
        data = false;
        restorePending = false;
        replayPending = false;
    }

    @Override
    public boolean restorePending() {
        return restorePending;
    }

    @Override
    public void adoptRestored(String adminUser, String adminPassword, String replicationPassword, String gtidPosition,
            Runnable replay) {
        calls.add("adopt restored " + adminUser + (restorePending ? " at " + gtidPosition : ""));
        if (restorePending && replayPending) {
            replay.run();
        }
        restorePending = false;
        replayPending = false;
    }

    @Override
    public StartOutcome start(Size size, boolean secureTransportOnly, boolean semiSyncReplica) {
        calls.add("start " + size + (secureTransportOnly ? " tls-only" : ""));
        if (startFails != null) {
            throw startFails;
        }
        StartOutcome outcome = running ? StartOutcome.ADOPTED : StartOutcome.STARTED;
        running = true;
        readOnly = true;
        return outcome;
    }

    @Override
    public boolean answers() {
        return running;
    }

    @Override
    public void ensureAdminUser(String user, String password) {
        calls.add("admin " + user);
        adminPassword = password;
    }

    @Override
    public void restrictAdminUser(String user) {
        calls.add("restrict " + user);
    }

    @Override
    public void ensureReplicationUser(String password) {
        calls.add("replication-user");
    }

    @Override
    public void stopReplicating(String waitForGtid, Duration wait) {
        calls.add("stop-replicating" + (waitForGtid.isEmpty() ? "" : " " + waitForGtid));
        if (stopReplicatingFails != null) {
            throw stopReplicatingFails;
        }
    }

    @Override
    public void makeWritable(SemiSync.Master mode) {
        calls.add("writable " + mode);
        readOnly = false;
    }

    @Override
    public SemiSyncWait setCommitWait(boolean semiSync, boolean replicasWanted) {
        SemiSync.Master mode = SemiSync.whenTold(new SemiSync.Reading(false, false, false, 0, 0), semiSync, replicasWanted);
        calls.add("commit-wait " + mode);
        return SemiSync.waitOf(mode);
    }

    @Override
    public String takeWrites(SemiSync.Master mode, String adminUser) {
        restrictAdminUser(adminUser);
        calls.add("take-writes " + mode);
        readOnly = false;
        return position;
    }

    @Override
    public String makeReadOnly() {
        calls.add("read-only");
        readOnly = true;
        return position;
    }

    @Override
    public Replication replicate(Source source, String password, boolean semiSync, Duration check) {
        calls.add("replicate " + source.address() + (source.caBundle() == null ? " unverified" : " verified")
                + (semiSync ? " semi-sync" : " async"));
        readOnly = true;
        return replication;
    }

    @Override
    public String binlogPosition() {
        return position;
    }

    @Override
    public void reloadTls(boolean secureTransportOnly) {
        calls.add("reload-tls" + (secureTransportOnly ? " tls-only" : ""));
        if (failReload) {
            throw new IllegalStateException("FLUSH SSL failed");
        }
    }

    @Override
    public void stop() {
        calls.add("stop");
        duringStopOrRemove.run();
        running = false;
    }

    @Override
    public void removeData() {
        calls.add("remove");
        duringStopOrRemove.run();
        data = false;
    }

    @Override
    public Observation observe() {
        return running ? Observation.reachable(position, readOnly) : Observation.unreachable("down");
    }

    /** Why wake on connect cannot work (null: it can). */
    String wakeMissing;
    boolean paused;
    WakeState wake = WakeState.NONE;

    @Override
    public void markPaused(boolean next) {
        paused = next;
    }

    @Override
    public java.util.Optional<String> wakeUnavailable() {
        return java.util.Optional.ofNullable(wakeMissing);
    }

    @Override
    public void armWake(Size size, boolean secureTransportOnly, boolean semiSyncReplica, WakeStart start) {
        calls.add("arm-wake " + (start.writable() ? "writable" : "read-only") + (start.semiSyncWait() ? " semi-sync" : ""));
        wake = WakeState.ARMED;
    }

    @Override
    public WakeState wakeState() {
        return wake;
    }

    @Override
    public void awaitWoken() {
        calls.add("woken");
        wake = WakeState.NONE;
        running = true;
        readOnly = false;
        paused = false;
    }

    @Override
    public void close() {}
}
