package dev.marina.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Watches the platform's topics and notes, per deployment, when each step of its way to Ready
 * happened, by the records' own timestamps (all producers run on this machine, one clock).
 */
final class Milestones implements AutoCloseable {
    static final String ACCEPTED = "accepted";
    static final String CREATE = "create-command";
    static final String RUNNING = "instance-running";
    static final String DEPLOY = "deploy-command";
    static final String DATABASE_READY = "database-ready";
    static final String HEALTH_UP = "health-up";
    static final String STATUS_READY = "status-ready";
    static final String DNS_COMMAND = "dns-command";
    static final String DNS_APPLIED = "dns-applied";
    // An instance's first certificate: MAKE_CSR → CSR → ISSUE → ISSUED → INSTALL_CERT → installed.
    static final String CSR_COMMAND = "csr-command";
    static final String CSR_ANSWERED = "csr-answered";
    static final String CERT_ISSUE = "cert-issue";
    static final String CERT_ISSUED = "cert-issued";
    static final String INSTALL_COMMAND = "install-command";
    static final String CERT_INSTALLED = "cert-installed";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TOPICS = List.of("intents", "provision-commands", "provision-events", "agent-commands",
            "agent-events", "instance-health", "deployment-status", "dns-commands", "dns-events", "cert-commands", "cert-events");

    private final Map<String, Map<String, Long>> seen = new ConcurrentHashMap<>();
    /** Every CREATE read, and the instances they named: more CREATEs than instances are resends of unanswered ones. */
    private final java.util.concurrent.atomic.AtomicLong creates = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Set<String> createdInstances = ConcurrentHashMap.newKeySet();
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    Milestones(Properties client) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : TOPICS) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        thread = new Thread(this::run, "milestones");
        thread.setDaemon(true);
        thread.start();
    }

    Map<String, Long> of(String deploymentKey) {
        return seen.computeIfAbsent(deploymentKey, k -> new ConcurrentHashMap<>());
    }

    /** CREATE commands read so far. */
    long creates() {
        return creates.get();
    }

    /** Instances the CREATEs read so far named. */
    int createdInstances() {
        return createdInstances.size();
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
                if (r.key() == null || r.value() == null) {
                    continue;
                }
                try {
                    JsonNode value = JSON.readTree(r.value());
                    String milestone = milestone(r.topic(), value);
                    if (CREATE.equals(milestone)) {
                        creates.incrementAndGet();
                        createdInstances.add(value.path("instanceId").asText());
                    }
                    if (milestone != null) {
                        of(r.key()).putIfAbsent(milestone, r.timestamp());
                    }
                } catch (Exception ignored) {
                    // not ours to judge
                }
            }
        }
        consumer.close();
    }

    private static String milestone(String topic, JsonNode v) {
        return switch (topic) {
            case "intents" -> v.path("deleted").asBoolean() ? null : ACCEPTED;
            case "provision-commands" -> "PROVISION_OP_CREATE".equals(v.path("op").asText()) ? CREATE : null;
            case "provision-events" -> "INSTANCE_STATE_RUNNING".equals(v.path("state").asText()) ? RUNNING : null;
            case "agent-commands" -> switch (v.path("op").asText()) {
                case "AGENT_OP_DEPLOY" -> DEPLOY;
                case "AGENT_OP_MAKE_CSR" -> CSR_COMMAND;
                case "AGENT_OP_INSTALL_CERT" -> INSTALL_COMMAND;
                default -> null;
            };
            case "agent-events" -> switch (v.path("outcome").asText()) {
                case "AGENT_OUTCOME_DATABASE_READY" -> DATABASE_READY;
                // DONE answers MAKE_CSR with the CSR, INSTALL_CERT with the serial now presented
                case "AGENT_OUTCOME_DONE" -> !v.path("csrPem").asText().isEmpty() ? CSR_ANSWERED
                        : !v.path("certSerial").asText().isEmpty() ? CERT_INSTALLED : null;
                default -> null;
            };
            case "instance-health" -> "HEALTH_UP".equals(v.path("health").asText()) ? HEALTH_UP : null;
            case "deployment-status" -> "PHASE_READY".equals(v.path("phase").asText()) ? STATUS_READY : null;
            case "dns-commands" -> v.path("removeAll").asBoolean() ? null : DNS_COMMAND;
            case "dns-events" -> "DNS_OUTCOME_APPLIED".equals(v.path("outcome").asText()) ? DNS_APPLIED : null;
            case "cert-commands" -> "CERT_OP_ISSUE".equals(v.path("op").asText()) ? CERT_ISSUE : null;
            case "cert-events" -> "CERT_OUTCOME_ISSUED".equals(v.path("outcome").asText()) ? CERT_ISSUED : null;
            default -> null;
        };
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
