package dev.marina.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Samples every instance's read_only every 100 ms and counts the moments when two were writable. */
final class WritableWatch implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger samples = new AtomicInteger();
    private final List<String> overlaps = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;

    WritableWatch(Platform platform, String path, Properties jdbc) {
        Properties props = new Properties();
        props.putAll(jdbc);
        props.remove("socketFactory");
        props.put("connectTimeout", "300");
        props.put("socketTimeout", "500");
        thread = new Thread(() -> {
            while (running.get()) {
                try {
                    List<String> writable = new ArrayList<>();
                    for (JsonNode i : platform.call("GET", path, null).body().path("status").path("instances")) {
                        String address = i.path("address").asText();
                        try (Connection c = DriverManager.getConnection("jdbc:mysql://" + address + ":3306/", props);
                             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@read_only")) {
                            rs.next();
                            if (rs.getInt(1) == 0) {
                                writable.add(i.path("instanceId").asText());
                            }
                        } catch (SQLException down) {
                            // not answering: not writable
                        }
                    }
                    samples.incrementAndGet();
                    if (writable.size() > 1) {
                        overlaps.add(System.currentTimeMillis() + " " + writable);
                    }
                    Thread.sleep(100);
                } catch (Exception e) {
                    Platform.sleep(Duration.ofMillis(100));
                }
            }
        }, "writable-watch");
        thread.start();
    }

    int overlaps() {
        return overlaps.size();
    }

    List<String> overlapSamples() {
        return List.copyOf(overlaps);
    }

    int samples() {
        return samples.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(5_000);
    }
}
