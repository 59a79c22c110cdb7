package dev.marina.cert;

import dev.marina.testkit.SharedKafka;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.serde.ProtoJsonSerializer;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.DnsWishKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.DnsRecordSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * TEST ONLY: stands in for dns-service in these tests. It reads {@code dns-challenges} wishes with the
 * purpose {@code acme-challenge}, writes their TXT records into the test's BIND with dynamic updates,
 * and answers APPLIED on {@code dns-events} (keyed by deployment, purpose and command id echoed), as
 * the real dns-service does per its contract; the real one is exercised end to end elsewhere. For
 * failure tests it can answer CLASH, or write a wrong TXT value, for chosen deployments.
 */
final class StandInDnsService implements AutoCloseable {

    enum Misbehaviour { CLASH, WRONG_TXT }

    private final String zone;
    private final SimpleResolver resolver;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<String, com.google.protobuf.Message> producer;
    private final Map<String, Misbehaviour> misbehaviour = new ConcurrentHashMap<>();
    /** The TXT names each wish put into the zone, so a new wish or remove_all takes away the old ones. */
    private final Map<String, Set<String>> owned = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    StandInDnsService(String bootstrapServers, String zone, int bindPort, String keyName, String keySecret) throws Exception {
        this.zone = zone;
        resolver = new SimpleResolver("127.0.0.1");
        resolver.setPort(bindPort);
        resolver.setTimeout(Duration.ofSeconds(2));
        resolver.setTSIGKey(new TSIG(TSIG.HMAC_SHA256, keyName + ".", keySecret));
        Properties c = new Properties();
        c.putAll(SharedKafka.clientProperties());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(c);
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < Topics.DNS_CHALLENGES.partitions(); p++) {
            partitions.add(new TopicPartition(Topics.DNS_CHALLENGES.name(), p));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        Properties p = new Properties();
        p.putAll(SharedKafka.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ProtoJsonSerializer.class.getName());
        producer = new KafkaProducer<>(p);
        thread = new Thread(this::run, "stand-in-dns-service");
        thread.setDaemon(true);
        thread.start();
    }

    void misbehaveFor(String deploymentKey, Misbehaviour how) {
        misbehaviour.put(deploymentKey, how);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                    if (record.value() == null) {
                        continue;
                    }
                    var decoded = ProtoJsonSerde.fromJson(DnsCommand.getDefaultInstance(), record.value());
                    if (decoded.isOk() && DnsWishKey.ACME_CHALLENGE.equals(decoded.value().getPurpose())) {
                        answer(decoded.value());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        }
    }

    private void answer(DnsCommand command) {
        String deployment = DeploymentKey.of(command.getDeployment());
        String wish = DnsWishKey.of(command);
        Misbehaviour how = command.getRemoveAll() ? null : misbehaviour.get(deployment);
        DnsEvent.Builder event = DnsEvent.newBuilder().setCommandId(command.getCommandId())
                .setDeployment(command.getDeployment()).setPurpose(command.getPurpose());
        try {
            if (how == Misbehaviour.CLASH) {
                event.setOutcome(DnsOutcome.DNS_OUTCOME_CLASH).setReason("a name is held by a record the platform does not own");
            } else {
                Update update = new Update(Name.fromString(zone + "."));
                Set<String> names = new HashSet<>();
                for (String old : owned.getOrDefault(wish, Set.of())) {
                    update.delete(Name.fromString(old), Type.TXT);
                }
                if (!command.getRemoveAll()) {
                    for (DnsRecordSet set : command.getRecordsList()) {
                        Name name = Name.fromString(set.getName());
                        update.delete(name, Type.TXT);
                        for (String value : set.getValuesList()) {
                            String written = how == Misbehaviour.WRONG_TXT ? "not-the-digest-" + value.length() : value;
                            update.add(new TXTRecord(name, DClass.IN, set.getTtlSeconds(), written));
                        }
                        names.add(set.getName());
                        event.addRecords(set);
                    }
                }
                Message response = resolver.send(update);
                if (response.getRcode() != Rcode.NOERROR) {
                    event.setOutcome(DnsOutcome.DNS_OUTCOME_FAILED).setReason("BIND answered " + Rcode.string(response.getRcode()));
                } else {
                    owned.put(wish, names);
                    event.setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED);
                }
            }
        } catch (Exception e) {
            event.setOutcome(DnsOutcome.DNS_OUTCOME_FAILED).setReason(String.valueOf(e.getMessage()));
        }
        producer.send(new ProducerRecord<>(Topics.DNS_EVENTS.name(), deployment, event.build()));
        producer.flush();
    }

    /** The TXT values at a name, straight from BIND. */
    List<String> txt(String name) throws Exception {
        Message query = Message.newQuery(org.xbill.DNS.Record.newRecord(Name.fromString(name), Type.TXT, DClass.IN));
        Message response = resolver.send(query);
        List<String> values = new ArrayList<>();
        for (org.xbill.DNS.Record r : response.getSection(org.xbill.DNS.Section.ANSWER)) {
            if (r instanceof TXTRecord txt) {
                values.addAll(txt.getStrings());
            }
        }
        return values;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
        producer.close();
    }
}
