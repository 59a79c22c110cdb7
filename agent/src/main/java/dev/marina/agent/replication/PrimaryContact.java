package dev.marina.agent.replication;

import java.util.Objects;

/**
 * When did a replica last hear from its primary? MariaDB 10.11 shows no time of the last event or
 * heartbeat, only counters ({@code Slave_received_heartbeats}) and positions ({@code Gtid_IO_Pos},
 * {@code Read_Master_Log_Pos}) that move whenever something arrives. This notes the (monotonic) time at
 * which a probe saw them move; with a master heartbeat period of 0.5 s an idle live link moves them at
 * least that often. Pure apart from the times it is given; used by one thread.
 */
public final class PrimaryContact {

    /** What moves whenever the IO thread receives something; {@code source} is the primary it reads. */
    public record Progress(String source, long receivedHeartbeats, String ioPosition, String logFile, long logPosition) {}

    private Progress last;
    private long lastChangeNanos;
    private boolean seen;

    /**
     * @return milliseconds since the primary was last heard of, or -1 when unknown (first look, another
     *         primary, or no replication)
     */
    public long observe(Progress now, long nowNanos) {
        if (now == null) {
            last = null;
            seen = false;
            return -1;
        }
        if (last == null || !Objects.equals(last.source(), now.source())) {
            last = now;
            seen = false;
            return -1;
        }
        if (!last.equals(now)) {
            last = now;
            lastChangeNanos = nowNanos;
            seen = true;
        }
        return seen ? Math.max(0, (nowNanos - lastChangeNanos) / 1_000_000) : -1;
    }
}
