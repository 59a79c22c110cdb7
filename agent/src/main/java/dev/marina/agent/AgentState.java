package dev.marina.agent;

import dev.marina.schemas.v1.Size;
import dev.marina.schemas.v1.TlsMode;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What the agent did to its instance, kept in {@link InstanceFiles#stateFile()} so a restarted agent
 * knows it: whether a database was deployed (and how), whether the instance was destroyed, the
 * highest epoch accepted, and which certificate the server presents. The database's own state (running or not) is never stored: it is observed.
 *
 * @param phase           NEW, DEPLOYED or DESTROYED
 * @param size            the size the database was deployed with (renders my.cnf at every start)
 * @param adminUser       the admin user the last accepted DEPLOY asked for
 * @param deployCommandId the id of the DEPLOY that created the database, echoed when it is announced again
 * @param highestEpoch    the highest epoch of any accepted command
 * @param tlsMode         what the last accepted DEPLOY said about TLS
 * @param certRequestId   the request whose certificate the server presents; empty before the first INSTALL_CERT
 * @param certSerial      that certificate's serial (lowercase hex)
 */
public record AgentState(Phase phase, Size size, String adminUser, String deployCommandId, long highestEpoch,
        TlsMode tlsMode, String certRequestId, String certSerial) {

    public enum Phase { NEW, DEPLOYED, DESTROYED }

    public static final AgentState NEW = new AgentState(Phase.NEW, Size.SIZE_UNSPECIFIED, "", "", 0,
            TlsMode.TLS_MODE_UNSPECIFIED, "", "");

    public AgentState deployed(Size size, String adminUser, String commandId) {
        return new AgentState(Phase.DEPLOYED, size, adminUser, commandId, highestEpoch, tlsMode, certRequestId, certSerial);
    }

    public AgentState destroyed() {
        return new AgentState(Phase.DESTROYED, size, adminUser, deployCommandId, highestEpoch, tlsMode, "", "");
    }

    public AgentState withEpoch(long epoch) {
        return new AgentState(phase, size, adminUser, deployCommandId, Math.max(highestEpoch, epoch), tlsMode, certRequestId,
                certSerial);
    }

    public AgentState withTlsMode(TlsMode mode) {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, mode, certRequestId, certSerial);
    }

    public AgentState withCertificate(String requestId, String serial) {
        return new AgentState(phase, size, adminUser, deployCommandId, highestEpoch, tlsMode, requestId, serial);
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
        return new AgentState(
                Phase.valueOf(props.getProperty("phase", Phase.NEW.name())),
                Size.valueOf(props.getProperty("size", Size.SIZE_UNSPECIFIED.name())),
                props.getProperty("admin-user", ""),
                props.getProperty("deploy-command-id", ""),
                Long.parseLong(props.getProperty("highest-epoch", "0")),
                TlsMode.valueOf(props.getProperty("tls-mode", TlsMode.TLS_MODE_UNSPECIFIED.name())),
                props.getProperty("cert-request-id", ""),
                props.getProperty("cert-serial", ""));
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
        StringWriter text = new StringWriter();
        try {
            props.store(text, "written by the marina agent; do not edit while it runs");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        InstanceFiles.writePrivately(file, text.toString());
    }
}
