package dev.marina.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Commits one row per transaction, continuously, through the writer name, and keeps a log of every
 * attempt: acknowledged (with its latency and the address it went to), failed (refused by the server
 * or never sent: the row is certainly not there) or unknown (the connection broke after the statement
 * was sent: it may or may not have committed). On any error it reconnects at once, resolving the name
 * again at the platform's BIND; while connecting keeps failing it retries every {@link #RETRY_PAUSE_MS}.
 * Ids only grow: an id whose outcome is unknown is never used again.
 */
final class FailoverWriter implements AutoCloseable {

    /** Between commits: keeps the writer from taking a whole shared core; a commit takes about 1–3 ms. */
    static final long WRITE_PAUSE_MS = 2;
    /** Between failed connection attempts (resolve + TCP + TLS), so a dead address is not hammered. */
    static final long RETRY_PAUSE_MS = 5;

    enum Outcome { ACKNOWLEDGED, FAILED, UNKNOWN }

    /** One attempt: id, when it ended (wall clock ms), its statement latency (ns, acknowledged only), the address. */
    record Attempt(long id, Outcome outcome, long endedAtMillis, long latencyNanos, long connectNanos, String address, String error) {}

    private final String url;
    private final Properties props;
    private final List<Attempt> log = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    FailoverWriter(String writerName, Properties props) throws SQLException {
        this.url = "jdbc:mysql://" + writerName + ":3306/";
        this.props = props;
        try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS bench");
            s.execute("CREATE TABLE IF NOT EXISTS bench.t (id BIGINT PRIMARY KEY, at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3))");
        }
        thread = new Thread(this::run, "failover-writer");
        thread.start();
    }

    private void run() {
        long next = 1;
        while (running.get()) {
            long connectStart = System.nanoTime();
            Connection c;
            try {
                c = DriverManager.getConnection(url, props);
            } catch (SQLException e) {
                record(new Attempt(next, Outcome.FAILED, System.currentTimeMillis(), 0, 0, BindSocketFactory.lastAddress(), brief(e)));
                next++;
                pause(RETRY_PAUSE_MS);
                continue;
            }
            long connectNanos = System.nanoTime() - connectStart;
            String address = BindSocketFactory.lastAddress();
            try (c; PreparedStatement insert = c.prepareStatement("INSERT INTO bench.t (id) VALUES (?)")) {
                while (running.get()) {
                    long id = next++;
                    insert.setLong(1, id);
                    long t0 = System.nanoTime();
                    try {
                        insert.executeUpdate();
                    } catch (SQLException e) {
                        // An error the server sent (read-only, …) is a refusal; a broken connection leaves the outcome unknown.
                        Outcome outcome = e.getErrorCode() != 0 ? Outcome.FAILED : Outcome.UNKNOWN;
                        record(new Attempt(id, outcome, System.currentTimeMillis(), 0, 0, address, brief(e)));
                        break;
                    }
                    record(new Attempt(id, Outcome.ACKNOWLEDGED, System.currentTimeMillis(), System.nanoTime() - t0, connectNanos,
                            address, null));
                    connectNanos = 0;
                    pause(WRITE_PAUSE_MS);
                }
            } catch (SQLException closing) {
                // the connection is gone anyway
            }
        }
    }

    private synchronized void record(Attempt a) {
        log.add(a);
    }

    /** A copy of the log so far. */
    synchronized List<Attempt> attempts() {
        return new ArrayList<>(log);
    }

    /** Waits until a write was acknowledged by a server other than {@code notAddress} after {@code afterMillis}. */
    Attempt awaitAckAfter(long afterMillis, String notAddress, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        int from = 0;
        while (System.currentTimeMillis() < deadline) {
            synchronized (this) {
                for (int i = from; i < log.size(); i++) {
                    Attempt a = log.get(i);
                    if (a.outcome() == Outcome.ACKNOWLEDGED && a.endedAtMillis() > afterMillis && !a.address().equals(notAddress)) {
                        return a;
                    }
                }
                from = log.size();
            }
            Thread.sleep(2);
        }
        return null;
    }

    private static String brief(SQLException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return (e.getErrorCode() != 0 ? e.getErrorCode() + " " : "") + (nl > 0 ? m.substring(0, nl) : m);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }
}
