package dev.marina.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's server-sent events as a browser with one deployment selected receives them
 * ({@code GET /dashboard/api/events?deployment=<tenant>/<name>}), read line by line; notes, per
 * {@code point} event of one instance, when this JVM read it ({@link System#nanoTime()}), by the
 * point's time (its sample's {@code sampled_at}, epoch ms).
 */
final class DashboardEvents implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String instanceId;
    private final Map<Long, Long> points = new ConcurrentHashMap<>();
    private final CountDownLatch hello = new CountDownLatch(1);
    private final InputStream body;
    private final Thread thread;
    private volatile long events;
    private volatile String ended;

    DashboardEvents(String baseUrl, String deployment, String instanceId) throws IOException, InterruptedException {
        this.instanceId = instanceId;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create(baseUrl + "/dashboard/api/events?deployment=" + URLEncoder.encode(deployment, StandardCharsets.UTF_8));
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IllegalStateException("GET " + uri + ": " + response.statusCode());
        }
        body = response.body();
        thread = new Thread(this::read, "dashboard-events");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for the stream's first event, {@code hello}: from then on, every new point is sent. */
    void awaitOpen(Duration timeout) throws InterruptedException {
        if (!hello.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("no hello event within " + timeout.toSeconds() + " s" + (ended == null ? "" : ": " + ended));
        }
    }

    /** When the point of the sample taken at {@code sampledAtMs} arrived (nanoTime), or -1 after the timeout. */
    long await(long sampledAtMs, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Long seen = points.get(sampledAtMs);
            if (seen != null) {
                return seen;
            }
            if (ended != null) {
                throw new IllegalStateException("the event stream ended: " + ended);
            }
            Thread.sleep(1);
        }
        return -1;
    }

    long events() {
        return events;
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                long now = System.nanoTime();
                if (!line.startsWith("data:")) {
                    continue;
                }
                events++;
                String data = line.substring(5).strip();
                if (data.contains("\"type\":\"hello\"")) {
                    hello.countDown();
                } else if (data.contains("\"type\":\"point\"")) {
                    JsonNode point = JSON.readTree(data).path("point");
                    if (instanceId.equals(point.path("instance").asText())) {
                        points.putIfAbsent(point.path("t").asLong(), now);
                    }
                }
            }
            ended = "closed by health-monitor";
        } catch (IOException e) {
            ended = String.valueOf(e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        thread.join(2_000);
    }
}
