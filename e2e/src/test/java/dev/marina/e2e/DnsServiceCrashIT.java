package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * dns-service killed with SIGKILL in the middle of a batch: some deployments' names are in the zone,
 * others not yet, none answered. After a restart every name is right, with no duplicate records and
 * no orphans, and every command is answered.
 */
@org.junit.jupiter.api.Order(10) // see Platform.shared
class DnsServiceCrashIT {

    private static final int DEPLOYMENTS = 400;

    @Test
    void killed_mid_batch_it_finishes_the_batch_after_a_restart_with_no_duplicates_and_no_orphans() throws Exception {
        // One deployment per update, so a batch takes long enough to be killed in the middle of it.
        try (Platform platform = Platform.start(List.of("dns-service"), Map.of("MARINA_DNS_MAX_UPDATE_ITEMS", "8"));
             KafkaProducer<String, String> producer = producer(platform.adminClient());
             KafkaConsumer<String, String> answers = tail(platform.adminClient())) {
            Map<String, DnsCommand> commands = new TreeMap<>();
            for (int i = 0; i < DEPLOYMENTS; i++) {
                DeploymentRef ref = DeploymentRef.newBuilder().setTenant("crash").setName("d" + i).build();
                String writer = "d" + i + ".crash." + Platform.ZONE + ".";
                String address = "127.10." + (i / 250) + "." + (i % 250 + 1);
                DnsCommand command = DnsCommand.newBuilder()
                        .setCommandId(DeploymentKey.of(ref) + "/1/dns/x")
                        .setDeployment(ref)
                        .setZone(Platform.ZONE)
                        .addRecords(a(writer, address))
                        .addRecords(a("ro." + writer, address))
                        .build();
                commands.put(DeploymentKey.of(ref), command);
                producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(), DeploymentKey.of(ref), ProtoJsonSerde.toJson(command)));
            }
            producer.flush();

            int ownedAtKill = awaitSomeButNotAllApplied(platform);
            platform.kill("dns-service");
            int ownedAfterKill = ownedDeployments(platform).size();
            assertTrue(ownedAfterKill > 0 && ownedAfterKill < DEPLOYMENTS,
                    "killed in the middle: " + ownedAfterKill + " of " + DEPLOYMENTS + " deployments applied (" + ownedAtKill + " seen before)");

            platform.restart("dns-service");

            Set<String> answered = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (answered.size() < DEPLOYMENTS && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : answers.poll(Duration.ofMillis(200))) {
                    DnsEvent event = ProtoJsonSerde.of(DnsEvent.getDefaultInstance()).deserializer()
                            .deserialize(r.topic(), r.value().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    assertEquals(DnsOutcome.DNS_OUTCOME_APPLIED, event.getOutcome(), event.getReason());
                    answered.add(event.getCommandId());
                }
            }
            assertEquals(DEPLOYMENTS, answered.size(), "every command answered after the restart");

            List<String> zone = platform.zoneTransfer();
            Map<String, List<String>> aRecords = new HashMap<>();
            for (String line : zone) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 5 && f[3].equals("A")) {
                    aRecords.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[4]);
                }
            }
            for (DnsCommand command : commands.values()) {
                for (DnsRecordSet set : command.getRecordsList()) {
                    assertEquals(set.getValuesList(), aRecords.get(set.getName()), "exactly one right record at " + set.getName());
                }
            }
            assertEquals(commands.keySet(), ownedDeployments(platform), "every deployment owns its names, no orphans");
            long names = aRecords.keySet().stream().filter(n -> n.endsWith(".crash." + Platform.ZONE + ".")).count();
            assertEquals(2L * DEPLOYMENTS, names, "no name beyond the wanted ones");
        }
    }

    /** Waits until the zone holds some deployments' names but not all; returns how many. */
    private static int awaitSomeButNotAllApplied(Platform platform) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            int owned = ownedDeployments(platform).size();
            if (owned >= 1 && owned < DEPLOYMENTS * 9 / 10) {
                return owned;
            }
            if (owned >= DEPLOYMENTS * 9 / 10) {
                throw new AssertionError("the batch went too fast to be interrupted: " + owned + " applied already");
            }
            Platform.sleep(Duration.ofMillis(20));
        }
        throw new AssertionError("dns-service applied nothing within 60 s; log: " + platform.log("dns-service"));
    }

    /** The deployments the zone's ownership records name. */
    private static Set<String> ownedDeployments(Platform platform) {
        Set<String> owners = new TreeSet<>();
        for (String line : platform.zoneTransfer()) {
            int at = line.indexOf("\"heritage=marina,deployment=");
            if (line.startsWith("_marina-owner.") && at >= 0) {
                owners.add(line.substring(at + "\"heritage=marina,deployment=".length(), line.lastIndexOf('"')));
            }
        }
        return owners;
    }

    private static DnsRecordSet a(String name, String address) {
        return DnsRecordSet.newBuilder().setName(name).setType("A").addValues(address).setTtlSeconds(5).build();
    }

    private static KafkaProducer<String, String> producer(Properties bootstrap) {
        Properties props = new Properties();
        props.putAll(bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private static KafkaConsumer<String, String> tail(Properties bootstrap) {
        Properties props = new Properties();
        props.putAll(bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dns-crash-test-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(Topics.DNS_EVENTS.name()));
        return consumer;
    }
}
