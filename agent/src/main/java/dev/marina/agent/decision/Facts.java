package dev.marina.agent.decision;

import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.ServerConfig;
import java.util.List;

/**
 * Everything a decision depends on besides the command, gathered before deciding.
 *
 * @param state            what the instance holds now
 * @param highestEpoch     the highest epoch of any command this instance accepted
 * @param installedVersion the version of the database server installed here, e.g. "10.11.19"
 * @param role             the instance's role in the agent's state (UNSPECIFIED before the first DEPLOY)
 * @param deployedBefore   a DEPLOY was carried out to the end here before
 * @param writablePrimary  the instance is a primary that takes writes (deployed or promoted, not fenced since)
 */
public record Facts(LocalState state, long highestEpoch, String installedVersion, Role role, boolean deployedBefore,
        boolean writablePrimary, List<String> installed, ServerConfig configured, boolean backupRunning, boolean paused) {

    /**
     * @param installed      every exact version installed here (the system build and the unpacked ones)
     * @param configured     the build (exact version), size and parameters (normalized) the server runs
     * @param backupRunning  a backup of this instance runs now
     * @param paused         the server is stopped on purpose (PAUSE) until RESUME or a client's connection wakes it
     */
    public Facts {
        installed = installed == null || installed.isEmpty() ? List.of(installedVersion) : List.copyOf(installed);
        configured = configured == null ? ServerConfig.newBuilder().setVersion(installedVersion).build() : configured;
    }

    public Facts(LocalState state, long highestEpoch, String installedVersion, Role role, boolean deployedBefore,
            boolean writablePrimary, List<String> installed, ServerConfig configured, boolean backupRunning) {
        this(state, highestEpoch, installedVersion, role, deployedBefore, writablePrimary, installed, configured, backupRunning, false);
    }

    public Facts(LocalState state, long highestEpoch, String installedVersion, Role role, boolean deployedBefore,
            boolean writablePrimary) {
        this(state, highestEpoch, installedVersion, role, deployedBefore, writablePrimary, null, null, false);
    }

    /** The same facts with the server paused (stopped on purpose) or not. */
    public Facts withPaused(boolean next) {
        return new Facts(state, highestEpoch, installedVersion, role, deployedBefore, writablePrimary, installed, configured,
                backupRunning, next);
    }

    public Facts(LocalState state, long highestEpoch, String installedVersion, Role role, boolean deployedBefore) {
        this(state, highestEpoch, installedVersion, role, deployedBefore, false);
    }

    /** Facts of an instance that has no role yet. */
    public Facts(LocalState state, long highestEpoch, String installedVersion) {
        this(state, highestEpoch, installedVersion, Role.ROLE_UNSPECIFIED, false);
    }
}
