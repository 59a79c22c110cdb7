package dev.marina.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * health-monitor's own meters, from its Prometheus page ({@code /q/metrics}): what it says it
 * aggregated, dropped as late and dead-lettered, and how its Kafka Streams thread commits and waits.
 */
final class MonitorMeters {
    static final String SAMPLES = "marina_health_metrics_samples_total";
    static final String LATE = "marina_health_metrics_late_samples_total";
    static final String DEAD_LETTERS = "marina_health_metrics_dead_letters_total";
    // Kafka Streams' own, bound by Quarkus' Micrometer extension; one stream thread, so the sum is its value
    static final String COMMITS = "kafka_stream_thread_commit_total";
    static final String COMMIT_LATENCY_AVG = "kafka_stream_thread_commit_latency_avg";
    static final String BLOCKED_NS = "kafka_stream_thread_blocked_time_ns_total";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;

    MonitorMeters(String baseUrl) {
        this.uri = URI.create(baseUrl + "/q/metrics");
    }

    /** Per meter, the sum of its series (all label values); 0 for a meter without series yet. One scrape. */
    Map<String, Double> sums(String... meters) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + ": " + r.statusCode());
        }
        Map<String, Double> sums = new HashMap<>();
        for (String meter : meters) {
            sums.put(meter, 0.0);
        }
        for (String line : r.body().split("\n")) {
            int end = line.indexOf('{') > 0 ? line.indexOf('{') : line.indexOf(' ');
            if (end > 0 && sums.containsKey(line.substring(0, end))) {
                sums.merge(line.substring(0, end), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            }
        }
        return sums;
    }

    double sum(String meter) throws IOException, InterruptedException {
        return sums(meter).get(meter);
    }
}
