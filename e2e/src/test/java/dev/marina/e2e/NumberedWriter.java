package dev.marina.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;

/**
 * Inserts rows with increasing ids through the writer name, one transaction each, and remembers the
 * ids the server acknowledged. On any error it reconnects, resolving the name again.
 */
final class NumberedWriter implements AutoCloseable {
    private final String host;
    private final Properties props;
    private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastAckAt = new AtomicLong();
    private final AtomicLong lastErrorAt = new AtomicLong();
    /** The longest time between two acknowledged writes: what a client saw of a failover, switchover or roll. */
    private final AtomicLong longestPauseMs = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    NumberedWriter(String host, Properties props) throws SQLException {
        this.host = host;
        this.props = props;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS ha");
            s.execute("CREATE TABLE IF NOT EXISTS ha.t (id BIGINT PRIMARY KEY, at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3))");
        }
        thread = new Thread(this::run, "writer");
        thread.start();
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + host + ":3306/", props);
    }

    private void run() {
        long next = 1;
        while (running.get()) {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                while (running.get()) {
                    s.executeUpdate("INSERT INTO ha.t (id) VALUES (" + next + ")");
                    acknowledged.add(next);
                    long now = System.currentTimeMillis();
                    long previous = lastAckAt.getAndSet(now);
                    if (previous > 0) {
                        longestPauseMs.accumulateAndGet(now - previous, Math::max);
                    }
                    next++;
                    Thread.sleep(5);
                }
            } catch (SQLException e) {
                lastErrorAt.set(System.currentTimeMillis());
                next++; // the outcome of the failed insert is unknown: never reuse its id
                Platform.sleep(Duration.ofMillis(20));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    long longestPauseMs() {
        return longestPauseMs.get();
    }

    int acked() {
        return acknowledged.size();
    }

    void awaitRows(int n) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> acknowledged.size() >= n);
    }

    /** Waits until a write failed after {@code instant} and a later one succeeded; returns when it did. */
    long awaitRecoveryAfter(long instant, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(5)).until(() ->
                lastErrorAt.get() > instant && lastAckAt.get() > lastErrorAt.get());
        return lastAckAt.get();
    }

    long awaitWriteAfter(long instant, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(5)).until(() -> lastAckAt.get() > instant + 1);
        return lastAckAt.get();
    }

    void stop() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }

    Set<Long> missingOn(String address) throws SQLException {
        Properties direct = new Properties();
        direct.putAll(props);
        direct.remove("socketFactory");
        Set<Long> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", direct);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM ha.t")) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        }
        Set<Long> missing = new HashSet<>(acknowledged);
        missing.removeAll(present);
        return missing;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
