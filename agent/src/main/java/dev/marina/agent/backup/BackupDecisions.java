package dev.marina.agent.backup;

import java.util.Optional;

/** What a BACKUP does while another may be running: one backup at a time per instance. */
public final class BackupDecisions {
    private BackupDecisions() {}

    public enum Start {
        /** Nothing runs: run it. */
        RUN,
        /** The same backup runs already: answer this command too when it ends. */
        ATTACH,
        /** Another backup runs: refused (WRONG_STATE). */
        REFUSE
    }

    public static Start whileRunning(Optional<String> runningBackupId, String backupId) {
        if (runningBackupId.isEmpty()) {
            return Start.RUN;
        }
        return runningBackupId.get().equals(backupId) ? Start.ATTACH : Start.REFUSE;
    }

    public static String refusal(String runningBackupId) {
        return "backup " + runningBackupId + " is running: one backup at a time";
    }
}
