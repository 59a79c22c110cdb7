package dev.marina.agent.backup;

import dev.marina.schemas.v1.AgentReason;

/** A backup or restore that did not finish: why, in words, and as the code the answer carries. */
public final class BackupFailure extends RuntimeException {
    private final AgentReason code;

    private BackupFailure(AgentReason code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** mariadb-backup or mbstream failed, was killed, or its stream could not be read, compressed or encrypted. */
    public static BackupFailure tool(String message, Throwable cause) {
        return new BackupFailure(AgentReason.AGENT_REASON_BACKUP_TOOL_FAILED, message, cause);
    }

    /** The store could not be reached, refused, or holds something other than what the manifest says. */
    public static BackupFailure store(String message, Throwable cause) {
        return new BackupFailure(AgentReason.AGENT_REASON_OBJECT_STORE_ERROR, message, cause);
    }

    public AgentReason code() {
        return code;
    }
}
