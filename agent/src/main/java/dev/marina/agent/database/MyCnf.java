package dev.marina.agent.database;

import dev.marina.agent.InstanceFiles;
import dev.marina.schemas.engine.ServerParameters;
import dev.marina.schemas.v1.Size;
import java.util.List;
import java.util.Map;

/**
 * The server's whole configuration, rendered from the instance's facts. It is written again before
 * every start, so a new agent version's settings apply on the next start; the server reads only
 * this file ({@code --defaults-file} first on its command line), never {@code /etc/mysql}.
 */
public final class MyCnf {
    private MyCnf() {}

    public static final int PORT = 3306;
    /** How long binary logs stay on the server when no archive needs them: 7 days. */
    public static final long BINLOG_EXPIRY_SECONDS = 604_800;
    /** InnoDB's buffer pool per size: the biggest share of the server's memory. */
    public static String bufferPoolSize(Size size) {
        return switch (size) {
            case SIZE_SMALL -> "32M";
            case SIZE_MEDIUM -> "64M";
            case SIZE_LARGE -> "128M";
            default -> throw new IllegalArgumentException("no buffer pool size for " + size);
        };
    }

    /**
     * @param secureTransportOnly {@code require_secure_transport=ON}: set once a certificate is installed
     *                            and the deployment wants TLS, so a restart keeps refusing plain connections
     */
    public static String render(InstanceFiles files, String address, Size size, boolean secureTransportOnly) {
        return render(files, address, size, secureTransportOnly, true);
    }

    /**
     * @param semiSyncReplica {@code rpl_semi_sync_slave_enabled} at start: a replica's IO thread resumes on its own
     *                        after a server restart and must acknowledge as before (the deployment's durability)
     */
    public static String render(InstanceFiles files, String address, Size size, boolean secureTransportOnly, boolean semiSyncReplica) {
        return render(files, address, size, secureTransportOnly, semiSyncReplica, false);
    }

    /**
     * @param keepBinlogs a primary that archives its binary logs: they never expire ({@code binlog_expire_logs_seconds=0});
     *                    the archiver purges only what it archived (see archive/DESIGN.md)
     */
    public static String render(InstanceFiles files, String address, Size size, boolean secureTransportOnly, boolean semiSyncReplica,
            boolean keepBinlogs) {
        return render(files, address, size, secureTransportOnly, semiSyncReplica, keepBinlogs, Map.of());
    }

    /**
     * @param parameters the deployment's server parameters: checked against the allow-list again here (a value that
     *                   is not allowed is never written into a config file: this throws) and rendered normalized, after
     *                   the platform's defaults (the last setting of an option wins)
     */
    public static String render(InstanceFiles files, String address, Size size, boolean secureTransportOnly, boolean semiSyncReplica,
            boolean keepBinlogs, Map<String, String> parameters) {
        return render(files, address, size, secureTransportOnly, semiSyncReplica, keepBinlogs, parameters, null);
    }

    /**
     * @param wake a paused server's start by a client's connection (null: any other start, read-only): a primary paused
     *             while it took writes starts writable, master-side semi-sync on without waiting until a replica attached
     */
    public static String render(InstanceFiles files, String address, Size size, boolean secureTransportOnly, boolean semiSyncReplica,
            boolean keepBinlogs, Map<String, String> parameters, DatabaseServer.WakeStart wake) {
        List<String> problems = ServerParameters.problems(parameters);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid server parameters: " + String.join("; ", problems));
        }
        StringBuilder deployment = new StringBuilder();
        if (!parameters.isEmpty()) {
            deployment.append("# The deployment's parameters (allow-listed, see ServerParameters).\n");
            ServerParameters.normalized(parameters).forEach((name, value) -> deployment.append(name).append('=').append(value).append('\n'));
        }
        String base = base(files, address, size, secureTransportOnly, semiSyncReplica, keepBinlogs);
        if (wake != null && wake.writable()) {
            // The agent knows this primary was writable at the current epoch when it was paused: the client that wakes it
            // must not meet a read-only server. Semi-sync does not wait while the paused replicas are away.
            base = base.replace("\nread_only=ON\n", "\n# Woken by a client's connection: a primary paused while it took writes.\nread_only=OFF\n")
                    .replace("\nrpl_semi_sync_master_enabled=OFF\n", "\nrpl_semi_sync_master_enabled="
                            + (wake.semiSyncWait() ? "ON" : "OFF") + "\n");
        }
        return base + deployment;
    }

    private static String base(InstanceFiles files, String address, Size size, boolean secureTransportOnly, boolean semiSyncReplica,
            boolean keepBinlogs) {
        return String.join("\n",
                "# Written by the marina agent before every start; edits are overwritten.",
                "[mysqld]",
                "bind-address=" + address,
                "port=" + PORT,
                "socket=" + files.socket(),
                "pid-file=" + files.pidFile(),
                "datadir=" + files.data(),
                "skip-name-resolve",
                "character-set-server=utf8mb4",
                "collation-server=utf8mb4_unicode_ci",
                "",
                "# Replication-ready from the first transaction: binlog with GTIDs.",
                "server_id=" + ServerId.fromAddress(address),
                "log_bin=mariadb-bin",
                "binlog_format=ROW",
                "log_slave_updates=ON",
                "gtid_strict_mode=ON",
                "# 0 while the binary logs are archived: nothing expires before it is archived.",
                "binlog_expire_logs_seconds=" + expirySeconds(keepBinlogs),
                "",
                "# Every start is read-only: only a primary's first DEPLOY and PROMOTE make the server writable, so a",
                "# primary that restarts (or a returning old primary) never takes writes on its own.",
                "read_only=ON",
                "# Semi-sync: the replica side follows the deployment's durability, so a replica acknowledges from its",
                "# first connection; the primary side is switched on by PROMOTE and the first DEPLOY only. Lossless when on:",
                "# AFTER_SYNC and no fallback to asynchronous (a year's timeout); wait_no_slave is set ON by the agent once",
                "# the deployment is known to have replicas (see SemiSync).",
                "rpl_semi_sync_slave_enabled=" + (semiSyncReplica ? "ON" : "OFF"),
                "rpl_semi_sync_master_enabled=OFF",
                "rpl_semi_sync_master_wait_point=" + SemiSync.WAIT_POINT,
                "rpl_semi_sync_master_wait_no_slave=OFF",
                "rpl_semi_sync_master_timeout=" + SemiSync.LOSSLESS_TIMEOUT_MS,
                "",
                "# Memory by size; small redo log and no performance schema keep many instances per host cheap.",
                "innodb_buffer_pool_size=" + bufferPoolSize(size),
                "innodb_log_file_size=8M",
                "performance_schema=OFF",
                "# Per-user statement counts (information_schema.USER_STATISTICS): clients' queries apart from the platform's.",
                "userstat=ON",
                "",
                "# TLS from the first start: ssl_* are read-only at run time and FLUSH SSL does not enable TLS on a",
                "# server started without them (MariaDB 10.11), so they always name the live set (a bootstrap",
                "# certificate until the platform's arrives; FLUSH SSL loads a new one without a restart).",
                "ssl_cert=" + files.serverCert(),
                "ssl_key=" + files.serverKey(),
                "ssl_ca=" + files.caBundle(),
                "require_secure_transport=" + (secureTransportOnly ? "ON" : "OFF"),
                "");
    }

    /** {@code binlog_expire_logs_seconds}: 0 (never) while the binary logs are archived, else 7 days. */
    public static long expirySeconds(boolean keepBinlogs) {
        return keepBinlogs ? 0 : BINLOG_EXPIRY_SECONDS;
    }
}
