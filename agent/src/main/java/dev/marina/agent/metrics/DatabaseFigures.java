package dev.marina.agent.metrics;

import java.util.OptionalLong;

/**
 * Where a sample's database figures come from; one implementation per engine
 * ({@code database.MariaDbFigures}), fakes in tests. Called from the sampling thread only.
 */
public interface DatabaseFigures extends AutoCloseable {

    /** The server's status counters and replication state now; a broken connection is replaced on the next call. */
    DatabaseReading read() throws Unavailable;

    /** The database server's process, when one of this instance runs. */
    OptionalLong serverPid();

    /** Releases the connection; leaves the server running. */
    @Override
    void close();

    /** The database cannot be read now, and why; the tick is skipped. */
    final class Unavailable extends Exception {
        private final SkipReason reason;

        public Unavailable(SkipReason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public SkipReason reason() {
            return reason;
        }
    }
}
