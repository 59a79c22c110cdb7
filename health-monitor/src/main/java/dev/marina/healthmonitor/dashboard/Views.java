package dev.marina.healthmonitor.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The dashboard API's JSON shapes. Times are epoch milliseconds (what a browser's {@code Date} takes);
 * enums keep their proto names ({@code PHASE_READY}, {@code HEALTH_DOWN}, {@code ROLE_PRIMARY}), as on
 * the topics. Nothing here is secret: the sources ({@code deployment-status}, {@code instance-health},
 * {@code metrics}) carry no credentials.
 */
public final class Views {
    private Views() {}

    /** {@code GET /dashboard/api/fleet}. */
    public record Fleet(long generatedAt, Feed feed, Summary summary, List<Deployment> deployments,
            List<Transition> transitions, long chartWindowMs, List<String> charted) {
        public Fleet withFeed(Feed f) {
            return new Fleet(generatedAt, f, summary, deployments, transitions, chartWindowMs, charted);
        }
    }

    /** How the dashboard's reading of the topics is going. */
    public record Feed(boolean caughtUp, String problem, long undecodable, long evicted) {}

    /** The fleet at a glance: deployments by phase, instances by health, alerts by severity. */
    public record Summary(int deployments, Map<String, Integer> phases, Counts instances, int critical, int warning) {}

    /** Instances by health; {@code unknown} is "no report yet"; {@code paused}: stopped on purpose, not a fault. */
    public record Counts(int up, int suspect, int down, int unknown, int paused) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Deployment(String key, String tenant, String name, String phase, long generation, Long updatedAt,
            String lastError, Counts health, List<Alert> alerts, List<Instance> instances, List<Endpoint> endpoints,
            List<Condition> conditions) {}

    /**
     * One instance as the dashboard knows it.
     *
     * @param health       the freshest of the status' health and the latest transition's
     * @param healthReason the latest transition's reason, when it is the freshest
     * @param healthSince  when the instance entered its health, when known
     * @param lagMs        replication lag: the latest sample's, else the status' for a replica
     * @param latest       every gauge of the latest sample
     * @param sampledAt    when that sample was taken
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Instance(String id, String role, String address, String health, String healthReason, Long healthSince,
            Long lagMs, Map<String, Double> latest, Long sampledAt) {}

    public record Endpoint(String kind, String host, int port, String address) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Condition(String type, boolean status, String reason, String message, Long since) {}

    public record Transition(String deployment, String instance, String health, String previous, String role,
            String reason, long detectedAt) {}

    /** One instance's recent points: times, and per charted gauge the values (null where a sample lacked it). */
    public record Series(String instance, long[] t, Map<String, Double[]> values) {}

    /** {@code GET /dashboard/api/deployments/{tenant}/{name}}: the deployment, its recent transitions and chart points. */
    public record Detail(Deployment deployment, List<Transition> transitions, List<Series> series, long chartWindowMs,
            List<String> charted) {}

    /** A new sample of an instance: its charted values and every gauge it had. */
    public record Point(String instance, long t, Map<String, Double> values, Map<String, Double> latest) {}

    /**
     * One server-sent event. {@code type}: {@code hello} (the stream is open: load the snapshot now),
     * {@code deployment} (its summary changed), {@code removed} (it is gone), {@code transition} (an
     * instance's health changed), {@code point} (a new sample; only for the deployment asked for),
     * {@code ping} (keeps the connection alive).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Event(String type, String key, Deployment deployment, Transition transition, Point point) {
        public static final String HELLO = "hello";
        public static final String DEPLOYMENT = "deployment";
        public static final String REMOVED = "removed";
        public static final String TRANSITION = "transition";
        public static final String POINT = "point";
        public static final String PING = "ping";

        static Event deployment(Deployment d) {
            return new Event(DEPLOYMENT, d.key(), d, null, null);
        }

        static Event removed(String key) {
            return new Event(REMOVED, key, null, null, null);
        }

        static Event transition(String key, Transition t) {
            return new Event(TRANSITION, key, null, t, null);
        }

        static Event point(String key, Point p) {
            return new Event(POINT, key, null, null, p);
        }

        public static Event hello() {
            return new Event(HELLO, null, null, null, null);
        }

        public static Event ping() {
            return new Event(PING, null, null, null, null);
        }
    }
}
