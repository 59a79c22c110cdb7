package dev.marina.agent;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.ActionKey;
import dev.marina.schemas.v1.Durability;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What the agent did to its instance, kept in {@link InstanceFiles#stateFile()} so a restarted agent
 * knows it: whether a database was deployed (and how), whether the instance was destroyed, the
 * highest epoch accepted, which certificate the server presents, and the instance's role. The
 * database's own state (running or not, read-only or not) is never stored: it is observed.
 *
 * @param phase             NEW, DEPLOYED or DESTROYED
 * @param size              the size the database was deployed with (renders my.cnf at every start)
 * @param adminUser         the admin user the last accepted DEPLOY asked for
 * @param deployCommandId   the id of the DEPLOY that created the database, echoed when it is announced again
 * @param highestEpoch      the highest epoch of any accepted command
 * @param tlsMode           what the last accepted DEPLOY said about TLS
 * @param certRequestId     the request whose certificate the server presents; empty before the first INSTALL_CERT
 * @param certSerial        that certificate's serial (lowercase hex)
 * @param role              PRIMARY or REPLICA: the first DEPLOY's, then the last PROMOTE's or REPLICATE's
 * @param ready             a DEPLOY was carried out to the end once (a primary's first DEPLOY makes it writable, no later one)
 * @param fenced            a primary kept read-only by the agent (FENCE, lost lease, restart) until a PROMOTE
 * @param durability        semi-sync or async, from the last DEPLOY, PROMOTE or REPLICATE
 * @param replicationSource the instance a replica replicates from (REPLICATE's primary_instance_id)
 * @param deployAction      the action of the DEPLOY that created the database (recorded with its command id), echoed
 *                          with it by the events the agent sends unasked; the empty key when that DEPLOY carried none
 *                          (or the file predates actions)
 * @param pause             whether the server is paused (PAUSE), and how
 */
public record AgentState(Phase phase, Size size, String adminUser, String deployCommandId, long highestEpoch,
        TlsMode tlsMode, String certRequestId, String certSerial, Role role, boolean ready, boolean fenced,
        Durability durability, String replicationSource, ActionKey deployAction, Pause pause) {

    public enum Phase { NEW, DEPLOYED, DESTROYED }

    /**
     * PAUSE: the server is stopped on purpose (kept so across agent restarts: the agent does not start it on its own).
     *
     * @param paused        stopped on purpose until RESUME (or a client's connection wakes it)
     * @param wakeOnConnect the address keeps listening and the first connection starts the server
     * @param semiSyncWait  the master-side semi-sync of the primary when it was paused: a woken or resumed primary
     *                      turns it on again (waiting only once a replica attached, see SemiSync.Master.UNTIL_FIRST_REPLICA)
     */
    public record Pause(boolean paused, boolean wakeOnConnect, boolean semiSyncWait) {
        public static final Pause NONE = new Pause(false, false, false);
    }

    public static final AgentState NEW = new AgentState(Phase.NEW, Size.SIZE_UNSPECIFIED, "", "", 0,
            TlsMode.TLS_MODE_UNSPECIFIED, "", "", Role.ROLE_UNSPECIFIED, false, false, Durability.DURABILITY_SEMI_SYNC, "",
            ActionKey.getDefaultInstance(), Pause.NONE);

    public AgentState deployed(Size size, String adminUser, String commandId, ActionKey action) {
        return new AgentState(Phase.DEPLOYED, size, adminUser, commandId, highestEpoch, tlsMode, certRequestId, certSerial,
                role, ready, fenced, durability, replicationSource, action, pause);
    }

    /** The size an UPDATE restarted the server with (my.cnf at every later start). */
    public AgentState withSize(Size next) {
        return new AgentState(phase, next, adminUser, deployCommandId, highestEpoch, tlsMode, certRequestId, certSerial,
                role, ready, fenced, durability, replicationSource, deployAction, pause);
    }

    /** Whether the DEPLOY that created the database carried an action. */
    public boolean hasDeployAction() {
        return !deployAction.equals(ActionKey.getDefaultInstance());
    }

    public AgentState destroyed() {
        return new AgentState(Phase.DESTROYED, size, adminUser, deployCommandId, highestEpoch, tlsMode, "", "", role, ready,
                fenced, durability, replicationSource, deployAction, Pause.NONE);
    }

    public AgentState withEpoch(long epoch) {
        return new AgentState(phase, size, adminUser, deployCommandId, Math.max(highestEpoch, epoch), tlsMode, certRequestId,
                certSerial, role, ready, fenced, durability, replicationSource, deployAction, pause);
    }

    public AgentState withTlsMode(TlsMode mode) {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, mode, certRequestId, certSerial, role,
                ready, fenced, durability, replicationSource, deployAction, pause);
    }

    public AgentState withCertificate(String requestId, String serial) {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, requestId, serial, role, ready,
                fenced, durability, replicationSource, deployAction, pause);
    }

    /**
     * The role the first DEPLOY gave; an unspecified role (a DEPLOY from before replication existed) is a
     * primary. A primary is fenced until it is made writable ({@link #primary()}): the lease guards only a
     * server that was made writable.
     */
    public AgentState withRole(Role next) {
        Role known = next == Role.ROLE_REPLICA ? Role.ROLE_REPLICA : Role.ROLE_PRIMARY;
        boolean primary = known == Role.ROLE_PRIMARY;
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, certRequestId, certSerial, known,
                ready, primary, durability, primary ? "" : replicationSource, deployAction, pause);
    }

    public AgentState withReady() {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, certRequestId, certSerial, role,
                true, fenced, durability, replicationSource, deployAction, pause);
    }

    public AgentState withDurability(Durability next) {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, certRequestId, certSerial, role,
                ready, fenced, semiSyncUnlessAsync(next), replicationSource, deployAction, pause);
    }

    /** The writable primary (PROMOTE, a primary's first DEPLOY). */
    public AgentState primary() {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, certRequestId, certSerial,
                Role.ROLE_PRIMARY, ready, false, durability, "", deployAction, pause);
    }

    /** A replica of {@code source} (REPLICATE). */
    public AgentState replicaOf(String source) {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, certRequestId, certSerial,
                Role.ROLE_REPLICA, ready, false, durability, source, deployAction, pause);
    }

    /** A primary kept read-only by the agent until a PROMOTE; nothing changes for a replica (it is read-only anyway). */
    public AgentState withFenced() {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, certRequestId, certSerial, role,
                ready, role == Role.ROLE_PRIMARY, durability, replicationSource, deployAction, pause);
    }

    /** Paused as {@code next} says ({@link Pause#NONE}: running again). */
    public AgentState withPause(Pause next) {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, certRequestId, certSerial, role,
                ready, fenced, durability, replicationSource, deployAction, next);
    }

    public boolean paused() {
        return pause.paused();
    }

    /** A primary the agent lets take writes: role PRIMARY, not fenced, not paused (a paused server takes nothing). */
    public boolean writablePrimary() {
        return phase == Phase.DEPLOYED && role == Role.ROLE_PRIMARY && !fenced && !pause.paused();
    }

    /** A primary that takes writes once it runs again: role PRIMARY, not fenced (paused or not). */
    public boolean primaryNotFenced() {
        return phase == Phase.DEPLOYED && role == Role.ROLE_PRIMARY && !fenced;
    }

    public boolean semiSync() {
        return durability != Durability.DURABILITY_ASYNC;
    }

    public static Durability semiSyncUnlessAsync(Durability durability) {
        return durability == Durability.DURABILITY_ASYNC ? Durability.DURABILITY_ASYNC : Durability.DURABILITY_SEMI_SYNC;
    }

    public boolean certificateInstalled() {
        return !certRequestId.isEmpty();
    }

    /**
     * Clients must use TLS once a certificate of the platform is installed, unless the deployment said
     * TLS_MODE_DISABLED (a DEPLOY from before TLS existed says UNSPECIFIED; a certificate sent to it
     * means TLS is wanted). The bootstrap certificate alone never closes plain connections.
     */
    public boolean secureTransportRequired() {
        return certificateInstalled() && tlsMode != TlsMode.TLS_MODE_DISABLED;
    }

    /**
     * A file written before replication existed has no role: a deployed instance was then always a
     * single primary, deployed to the end.
     */
    public static AgentState load(Path file) {
        if (!Files.exists(file)) {
            return NEW;
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Phase phase = Phase.valueOf(props.getProperty("phase", Phase.NEW.name()));
        boolean before = phase != Phase.NEW;
        return new AgentState(
                phase,
                Size.valueOf(props.getProperty("size", Size.SIZE_UNSPECIFIED.name())),
                props.getProperty("admin-user", ""),
                props.getProperty("deploy-command-id", ""),
                Long.parseLong(props.getProperty("highest-epoch", "0")),
                TlsMode.valueOf(props.getProperty("tls-mode", TlsMode.TLS_MODE_UNSPECIFIED.name())),
                props.getProperty("cert-request-id", ""),
                props.getProperty("cert-serial", ""),
                Role.valueOf(props.getProperty("role", before ? Role.ROLE_PRIMARY.name() : Role.ROLE_UNSPECIFIED.name())),
                Boolean.parseBoolean(props.getProperty("ready", Boolean.toString(before))),
                Boolean.parseBoolean(props.getProperty("fenced", "false")),
                Durability.valueOf(props.getProperty("durability", Durability.DURABILITY_SEMI_SYNC.name())),
                props.getProperty("replication-source", ""),
                deployAction(props.getProperty("deploy-action", "")),
                new Pause(Boolean.parseBoolean(props.getProperty("paused", "false")),
                        Boolean.parseBoolean(props.getProperty("wake-on-connect", "false")),
                        Boolean.parseBoolean(props.getProperty("paused-semi-sync-wait", "false"))));
    }

    /** The saved action (proto JSON); the empty key when there is none or it does not decode (it is only echoed). */
    private static ActionKey deployAction(String json) {
        if (json.isBlank()) {
            return ActionKey.getDefaultInstance();
        }
        Decoded<ActionKey> decoded = ProtoJsonSerde.fromJson(ActionKey.getDefaultInstance(), json.getBytes(StandardCharsets.UTF_8));
        return decoded.isOk() ? decoded.value() : ActionKey.getDefaultInstance();
    }

    public void save(Path file) {
        Properties props = new Properties();
        props.setProperty("phase", phase.name());
        props.setProperty("size", size.name());
        props.setProperty("admin-user", adminUser);
        props.setProperty("deploy-command-id", deployCommandId);
        props.setProperty("highest-epoch", Long.toString(highestEpoch));
        props.setProperty("tls-mode", tlsMode.name());
        props.setProperty("cert-request-id", certRequestId);
        props.setProperty("cert-serial", certSerial);
        props.setProperty("role", role.name());
        props.setProperty("ready", Boolean.toString(ready));
        props.setProperty("fenced", Boolean.toString(fenced));
        props.setProperty("durability", durability.name());
        props.setProperty("replication-source", replicationSource);
        if (pause.paused()) {
            props.setProperty("paused", "true");
            props.setProperty("wake-on-connect", Boolean.toString(pause.wakeOnConnect()));
            props.setProperty("paused-semi-sync-wait", Boolean.toString(pause.semiSyncWait()));
        }
        if (hasDeployAction()) {
            props.setProperty("deploy-action", ProtoJsonSerde.toJson(deployAction));
        }
        StringWriter text = new StringWriter();
        try {
            props.store(text, "written by the marina agent; do not edit while it runs");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        InstanceFiles.writePrivately(file, text.toString());
    }
}
