package dev.marina.intent.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.marina.intent.Fixtures;
import dev.marina.intent.intake.IntakeDecider;
import dev.marina.intent.reconcile.PlanSettings;
import dev.marina.intent.reconcile.Planner;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.proof.ProofSerdes;
import dev.marina.schemas.serde.ProtoJsonSerializer;
import dev.marina.service.Proofs;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentEvent;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.AgentOutcome;
import dev.marina.schemas.v1.DeadLetter;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsOutcome;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.Intent;
import dev.marina.schemas.v1.IntentRejection;
import dev.marina.schemas.v1.Phase;
import dev.marina.schemas.v1.ProvisionCommand;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.ProvisionOp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topology's wiring, with the Streams test driver: topics in, topics out, wall-clock resync. */
class IntentTopologyTest {

    private static final String KEY = "acme/orders";
    private static final String INSTANCE = "acme-orders-1";

    /** A clock the test moves, together with the driver's wall-clock time. */
    private static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-11-21T10:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** The platform's proof key: commands out are proven with it, agents' events must prove their instance. */
    private static final PlatformProofKey PROOF = new PlatformProofKey(new byte[32]);

    private final TestClock clock = new TestClock();
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private TopologyTestDriver driver;

    @BeforeEach
    void start() throws Exception {
        start(PlanSettings.defaults());
    }

    private void start(PlanSettings settings) throws Exception {
        IntakeDecider intake = new IntakeDecider(Fixtures.VALIDATOR, Fixtures.countingPasswords(), Fixtures.countingBackupKeys());
        var deps = new IntentTopology.Deps(clock, intake, new Planner(settings), Duration.ofSeconds(1),
                new ReconcilerMeters(meters), PROOF, Proofs.counting(meters));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "intent-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("intent-topology-").toString());
        driver = new TopologyTestDriver(IntentTopology.build(deps), props, clock.now);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** Sends as the topic's writer would: an agent's events proven with its instance's key. */
    private void send(TopicSpec<?> topic, Message value) {
        if (MessageProof.TOPICS.contains(topic.name())) {
            sendProvenWith(PROOF.forInstance(KEY, MessageProof.instanceOf(value)), topic, value);
            return;
        }
        TestInputTopic<String, Message> in = driver.createInputTopic(topic.name(), new StringSerializer(), new ProtoJsonSerializer());
        in.pipeInput(KEY, value, clock.now);
    }

    private void sendProvenWith(ProofKeys keys, TopicSpec<?> topic, Message value) {
        TestInputTopic<String, Message> in = driver.createInputTopic(topic.name(), ProofSerdes.keys(), ProofSerdes.signing(keys));
        in.pipeInput(KEY, value, clock.now);
    }

    private void sendUnproven(TopicSpec<?> topic, Message value) {
        TestInputTopic<String, Message> in = driver.createInputTopic(topic.name(), new StringSerializer(), new ProtoJsonSerializer());
        in.pipeInput(KEY, value, clock.now);
    }

    private void sendRaw(TopicSpec<?> topic, String bytes) {
        TestInputTopic<String, byte[]> in = driver.createInputTopic(topic.name(), new StringSerializer(), new ByteArraySerializer());
        byte[] value = bytes.getBytes(StandardCharsets.UTF_8);
        org.apache.kafka.common.header.Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        dev.marina.schemas.serde.Decoded<?> decoded = dev.marina.schemas.serde.ProtoJsonSerde.fromJson(topic.prototype(), value);
        if (MessageProof.TOPICS.contains(topic.name()) && decoded.isOk()) {
            // bytes as an agent writes them, proven as its agent proves them
            MessageProof.sign(PROOF, topic.name(), headers, KEY.getBytes(StandardCharsets.UTF_8), value,
                    MessageProof.instanceOf((Message) decoded.value()));
        }
        in.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(KEY, value, headers, clock.now));
    }

    /** Every record written to a topic since the last read, decoded; tombstones as null values. */
    private <V extends Message> List<KeyValue<String, V>> read(TopicSpec<V> topic) {
        TestOutputTopic<String, byte[]> out = driver.createOutputTopic(topic.name(), new StringDeserializer(), new ByteArrayDeserializer());
        List<KeyValue<String, V>> records = new ArrayList<>();
        for (org.apache.kafka.streams.test.TestRecord<String, byte[]> record : out.readRecordsToList()) {
            V value = topic.valueSerde().deserializer().deserialize(topic.name(), record.value());
            if (MessageProof.TOPICS.contains(topic.name()) && value != null) {
                // every command to an agent proves it comes from the platform, for the instance it names
                MessageProof.Check check = MessageProof.verify(PROOF.forInstance(record.key(), MessageProof.instanceOf(value)),
                        topic.name(), record.headers(), record.key().getBytes(StandardCharsets.UTF_8), record.value(),
                        MessageProof.instanceOf(value));
                assertTrue(check.proven(), check.reason());
            }
            records.add(KeyValue.pair(record.key(), value));
        }
        return records;
    }

    private <V extends Message> List<V> values(TopicSpec<V> topic) {
        return read(topic).stream().map(kv -> kv.value).toList();
    }

    private void advance(Duration d) {
        clock.now = clock.now.plus(d);
        driver.advanceWallClockTime(d);
    }

    /** Applies the deployment and lets intake's output reach the reconciler, as Kafka would. */
    private Intent applyOrders() {
        send(Topics.INTENT_EVENTS, Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-1"));
        List<Intent> intents = values(Topics.INTENTS);
        assertEquals(1, intents.size());
        return intents.get(0);
    }

    private DeploymentStatus lastStatus() {
        List<DeploymentStatus> statuses = values(Topics.DEPLOYMENT_STATUS);
        assertFalse(statuses.isEmpty(), "no status published");
        return statuses.get(statuses.size() - 1);
    }

    @Test
    void an_apply_becomes_generation_one_and_a_create_command_and_a_pending_status() {
        Intent intent = applyOrders();
        assertEquals(1, intent.getGeneration());
        List<ProvisionCommand> creates = values(Topics.PROVISION_COMMANDS);
        assertEquals(1, creates.size());
        assertEquals(ProvisionOp.PROVISION_OP_CREATE, creates.get(0).getOp());
        assertEquals(INSTANCE, creates.get(0).getInstanceId());
        assertEquals(Phase.PHASE_PENDING, lastStatus().getPhase());
    }

    @Test
    void a_point_in_time_restore_is_checked_against_the_catalogue_and_the_archive_and_deploys_with_the_time() {
        dev.marina.schemas.v1.BackupRecord b1 = dev.marina.schemas.v1.BackupRecord.newBuilder().setDeployment(Fixtures.ref("acme", "old"))
                .setBackupId("b1").setState(dev.marina.schemas.v1.BackupState.BACKUP_STATE_COMPLETE)
                .setManifest(dev.marina.schemas.v1.BackupManifest.newBuilder().setGtidPosition("0-1-40")
                        .setFinishedAt(dev.marina.service.Timestamps.of(clock.now.minusSeconds(3600)))).build();
        driver.createInputTopic(Topics.BACKUPS.name(), new StringSerializer(), new ProtoJsonSerializer()).pipeInput("acme/old#b1", b1);
        Instant time = clock.now.minusSeconds(600);
        dev.marina.schemas.v1.IntentEvent restore = Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder()
                .setRestore(dev.marina.schemas.v1.RestoreSpec.newBuilder().setSource("acme/old")
                        .setPointInTime(dev.marina.service.Timestamps.of(time))).build(), "r-pitr");

        send(Topics.INTENT_EVENTS, restore);
        IntentRejection refused = values(Topics.INTENT_REJECTIONS).get(0);
        assertEquals("spec.restore.pointInTime", refused.getField());
        assertTrue(refused.getReason().contains("restore one of its backups by backupId"), refused.getReason());

        driver.createInputTopic(Topics.BINLOG_ARCHIVE.name(), new StringSerializer(), new ProtoJsonSerializer()).pipeInput("acme/old",
                dev.marina.schemas.v1.ArchiveCoverage.newBuilder().setDeployment(Fixtures.ref("acme", "old"))
                        .addRuns(dev.marina.schemas.v1.ArchiveRun.newBuilder().setFirstSeq(1).setLastSeq(80)
                                .setCoveredUntil(dev.marina.service.Timestamps.of(clock.now.minusSeconds(5)))).build());
        send(Topics.INTENT_EVENTS, restore.toBuilder().setRequestId("r-pitr-2").build());
        Intent accepted = values(Topics.INTENTS).get(0);
        assertEquals("b1", accepted.getRestoreFrom().getBackupId());
        AgentCommand deploy = values(Topics.PROVISION_COMMANDS).get(0).getFirstCommand();
        assertEquals("b1", deploy.getRestore().getBackupId());
        assertEquals(time, dev.marina.service.Timestamps.toInstant(deploy.getRestore().getPointInTime()));
    }

    @Test
    void an_archiving_primarys_coverage_reaches_binlog_archive_under_the_deployment_key() {
        send(Topics.INTENT_EVENTS, Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder()
                .setBackups(dev.marina.schemas.v1.BackupSpec.newBuilder().setSchedule("nightly")).build(), "r-1"));
        send(Topics.PROVISION_EVENTS, ProvisionEvent.newBuilder().setInstanceId(INSTANCE)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.1").build());
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE).setCommandId("acme/orders/1/deploy/" + INSTANCE)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.1:3306").build());
        AgentCommand archive = values(Topics.AGENT_COMMANDS).stream().filter(c -> c.getOp() == AgentOp.AGENT_OP_ARCHIVE_BINLOGS)
                .findFirst().orElseThrow();
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE).setCommandId(archive.getCommandId())
                .setAction(archive.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DONE).setEpoch(1)
                .setArchive(dev.marina.schemas.v1.ArchiveCoverage.newBuilder().setEpoch(1).setArchiving(true)
                        .addRuns(dev.marina.schemas.v1.ArchiveRun.newBuilder().setFirstSeq(1).setLastSeq(3))).build());
        List<KeyValue<String, dev.marina.schemas.v1.ArchiveCoverage>> published = read(Topics.BINLOG_ARCHIVE);
        assertEquals(1, published.size(), published.toString());
        assertEquals(KEY, published.get(0).key);
        assertEquals(INSTANCE, published.get(0).value.getInstanceId());
        assertEquals(3, published.get(0).value.getRuns(0).getLastSeq());
    }

    @Test
    void an_invalid_intent_is_rejected_with_the_request_id_field_and_reason() {
        send(Topics.INTENT_EVENTS, Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(12).build(), "r-bad"));
        List<IntentRejection> rejections = values(Topics.INTENT_REJECTIONS);
        assertEquals(1, rejections.size());
        assertEquals("r-bad", rejections.get(0).getRequestId());
        assertEquals("spec.replicas", rejections.get(0).getField());
        assertEquals(List.of(), values(Topics.INTENTS));
    }

    @Test
    void an_unknown_field_on_intent_events_is_rejected_by_name_not_ignored() {
        String json = ProtoJsonSerde.toJson(Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1).build(), "r-typo"))
                .replace("\"replicas\":", "\"replicaz\":");
        assertTrue(json.contains("replicaz"), json);

        sendRaw(Topics.INTENT_EVENTS, json);

        List<IntentRejection> rejections = values(Topics.INTENT_REJECTIONS);
        assertEquals(1, rejections.size());
        assertEquals("r-typo", rejections.get(0).getRequestId(), "the sender finds its answer by request id");
        assertEquals("spec.replicaz", rejections.get(0).getField());
        assertTrue(rejections.get(0).getReason().contains("did you mean replicas"), rejections.get(0).getReason());
        assertEquals(List.of(), values(Topics.INTENTS));
    }

    @Test
    void an_undecodable_record_goes_to_dead_letters_and_the_next_one_is_processed() {
        sendRaw(Topics.INTENT_EVENTS, "{this is not json");
        sendRaw(Topics.PROVISION_EVENTS, "[]");
        List<KeyValue<String, DeadLetter>> dead = read(Topics.DEAD_LETTERS);
        assertEquals(2, dead.size());
        assertEquals(KEY, dead.get(0).key);
        assertEquals("intent-events", dead.get(0).value.getSourceTopic());
        assertEquals("{this is not json", dead.get(0).value.getValue().toStringUtf8());
        assertTrue(dead.get(0).value.getReason().contains("marina.v1.IntentEvent"), dead.get(0).value.getReason());
        assertEquals("provision-events", dead.get(1).value.getSourceTopic());
        assertEquals(1, applyOrders().getGeneration());
    }

    @Test
    void an_agent_event_that_does_not_prove_its_instance_is_dead_lettered_counted_and_ignored() {
        applyOrders();
        values(Topics.PROVISION_COMMANDS);
        send(Topics.PROVISION_EVENTS, ProvisionEvent.newBuilder().setInstanceId(INSTANCE)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.7").build());
        assertEquals(AgentOp.AGENT_OP_DEPLOY, values(Topics.AGENT_COMMANDS).get(0).getOp());
        values(Topics.DEPLOYMENT_STATUS);

        // Forged: a DATABASE_READY (or a DESTROYED-looking stop) without a proof, with another instance's key (its agent
        // speaking for this one), with another platform's key.
        AgentEvent ready = AgentEvent.newBuilder().setInstanceId(INSTANCE)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.66.6.6:3306").build();
        sendUnproven(Topics.AGENT_EVENTS, ready);
        javax.crypto.SecretKey sibling = PROOF.instanceKey(KEY, "acme-orders-2").orElseThrow();
        sendProvenWith(new ProofKeys() { // the agent of acme-orders-2, proving with its own key a record about acme-orders-1
            @Override
            public String keyId() {
                return PROOF.keyId();
            }

            @Override
            public java.util.Optional<javax.crypto.SecretKey> instanceKey(String deploymentKey, String instanceId) {
                return java.util.Optional.of(sibling);
            }
        }, Topics.AGENT_EVENTS, ready);
        sendProvenWith(new PlatformProofKey(new byte[] {
                1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
                .forInstance(KEY, INSTANCE), Topics.AGENT_EVENTS, ready);
        sendUnproven(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED).build());

        List<KeyValue<String, DeadLetter>> dead = read(Topics.DEAD_LETTERS);
        assertEquals(List.of("proof missing", "proof invalid", "proof invalid", "proof missing"),
                dead.stream().map(kv -> kv.value.getReason().substring(0, 13)).toList());
        assertTrue(dead.stream().allMatch(kv -> kv.value.getSourceTopic().equals("agent-events") && kv.key.equals(KEY)));
        assertEquals(2.0, meters.counter("marina.proof.refused", "topic", "agent-events", "outcome", "missing").count());
        assertEquals(2.0, meters.counter("marina.proof.refused", "topic", "agent-events", "outcome", "invalid").count());
        assertEquals(List.of(), values(Topics.DEPLOYMENT_STATUS), "nothing was folded in: no new status");
        assertEquals(List.of(), values(Topics.PROVISION_COMMANDS));

        // The agent's own answer still counts.
        send(Topics.AGENT_EVENTS, ready.toBuilder().setEndpoint("127.10.0.7:3306").build());
        send(Topics.INSTANCE_HEALTH, InstanceHealth.newBuilder().setInstanceId(INSTANCE).setHealth(Health.HEALTH_UP).build());
        DeploymentStatus status = lastStatus();
        assertEquals(Phase.PHASE_READY, status.getPhase());
        assertEquals("127.10.0.7", status.getEndpoints(0).getHost());
    }

    @Test
    void a_burst_of_events_does_not_duplicate_the_command_in_flight() {
        applyOrders();
        send(Topics.INTENT_EVENTS, Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-2"));
        send(Topics.INTENT_EVENTS, Fixtures.apply("acme", "orders", Fixtures.mariadb(), "r-3"));
        send(Topics.INSTANCE_HEALTH, InstanceHealth.newBuilder().setInstanceId(INSTANCE).setHealth(Health.HEALTH_SUSPECT).build());
        advance(Duration.ofSeconds(5));
        assertEquals(1, values(Topics.PROVISION_COMMANDS).size());
        assertEquals(List.of(1L, 1L), values(Topics.INTENTS).stream().map(Intent::getGeneration).toList(),
                "re-applying the same spec answers with the same generation");
    }

    @Test
    void the_wall_clock_resync_resends_a_command_whose_effect_never_came() {
        applyOrders();
        String commandId = values(Topics.PROVISION_COMMANDS).get(0).getCommandId();
        advance(Duration.ofSeconds(29));
        assertEquals(List.of(), values(Topics.PROVISION_COMMANDS));
        advance(Duration.ofSeconds(2));
        List<ProvisionCommand> again = values(Topics.PROVISION_COMMANDS);
        assertEquals(1, again.size());
        assertEquals(commandId, again.get(0).getCommandId());

        assertEquals(1.0, meters.counter("marina.reconciler.retries", "action", "create").count(), "the retry is counted");
        assertEquals(2.0, meters.counter("marina.reconciler.commands", "topic", "provision-commands").count());
        assertEquals(1.0, meters.counter("marina.intake.decisions", "outcome", "accepted").count());
        assertTrue(meters.timer("marina.reconciler.latency").count() >= 1, "event → plan latency recorded");
    }

    /**
     * The resync pass visits the deployments it has scheduled as due, and reads every state only every 5 minutes
     * (ReconcilerProcessor): a retry further off than the schedule's horizon (30 s) is still sent when it is due,
     * not at the next full scan. Stepping a second at a time: the first resend ~30 s after the CREATE, the next
     * one a doubled timeout later (~60 s), both between the full scans at 1 s and 301 s.
     */
    @Test
    void a_retry_beyond_the_schedule_horizon_is_sent_when_due() {
        applyOrders();
        values(Topics.PROVISION_COMMANDS);
        Instant start = clock.now;
        List<Long> resentAfter = new java.util.ArrayList<>();
        for (int second = 1; second <= 150; second++) {
            advance(Duration.ofSeconds(1));
            if (!values(Topics.PROVISION_COMMANDS).isEmpty()) {
                resentAfter.add(Duration.between(start, clock.now).toSeconds());
            }
        }
        assertTrue(resentAfter.size() >= 2, "resent twice: " + resentAfter);
        long first = resentAfter.get(0);
        long second = resentAfter.get(1);
        assertTrue(first >= 30 && first <= 32, "the first resend at the 30 s timeout: " + resentAfter);
        assertTrue(second - first >= 59 && second - first <= 62, "the next a doubled timeout later: " + resentAfter);
    }

    @Test
    void a_deployment_lives_and_dies_through_the_workers_events() {
        applyOrders();
        values(Topics.PROVISION_COMMANDS);
        send(Topics.PROVISION_EVENTS, ProvisionEvent.newBuilder().setInstanceId(INSTANCE)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.7").build());
        List<AgentCommand> deploys = values(Topics.AGENT_COMMANDS);
        assertEquals(1, deploys.size());
        assertEquals(AgentOp.AGENT_OP_DEPLOY, deploys.get(0).getOp());
        assertEquals("sealed-1", deploys.get(0).getAdminPassword().getCiphertext().toStringUtf8());

        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.7:3306").build());
        send(Topics.INSTANCE_HEALTH, InstanceHealth.newBuilder().setInstanceId(INSTANCE).setHealth(Health.HEALTH_UP).build());
        DeploymentStatus ready = lastStatus();
        assertEquals(Phase.PHASE_READY, ready.getPhase());
        assertEquals("127.10.0.7", ready.getEndpoints(0).getHost());

        send(Topics.INTENT_EVENTS, Fixtures.delete("acme", "orders", "r-del"));
        assertEquals(2, values(Topics.INTENTS).get(0).getGeneration());
        assertEquals(AgentOp.AGENT_OP_DESTROY, values(Topics.AGENT_COMMANDS).get(0).getOp());
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED).build());
        assertEquals(ProvisionOp.PROVISION_OP_DESTROY, values(Topics.PROVISION_COMMANDS).get(0).getOp());
        values(Topics.DEPLOYMENT_STATUS);
        send(Topics.PROVISION_EVENTS, ProvisionEvent.newBuilder().setInstanceId(INSTANCE)
                .setState(InstanceState.INSTANCE_STATE_DESTROYED).build());

        List<KeyValue<String, DeploymentStatus>> statuses = read(Topics.DEPLOYMENT_STATUS);
        assertEquals(2, statuses.size());
        assertEquals(Phase.PHASE_DELETED, statuses.get(0).value.getPhase());
        assertNull(statuses.get(1).value, "the status is tombstoned after Deleted");
        List<KeyValue<String, Intent>> intents = read(Topics.INTENTS);
        assertEquals(1, intents.size());
        assertNull(intents.get(0).value, "the intent is tombstoned");
        assertNull(driver.getKeyValueStore(IntentTopology.RECONCILER_STORE).get(KEY));

        advance(Duration.ofMinutes(10));
        assertEquals(List.of(), values(Topics.PROVISION_COMMANDS), "nothing left to resync");
    }

    @Test
    void with_a_zone_names_are_asked_for_ready_waits_for_them_and_the_purge_tombstones_the_wish() throws Exception {
        driver.close();
        start(PlanSettings.defaults().withDns(new PlanSettings.DnsSettings("marina.test", Duration.ofSeconds(5),
                Duration.ofSeconds(10))));
        applyOrders();
        send(Topics.PROVISION_EVENTS, ProvisionEvent.newBuilder().setInstanceId(INSTANCE)
                .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0.7").build());
        List<DnsCommand> wishes = values(Topics.DNS_COMMANDS);
        assertEquals(1, wishes.size());
        assertEquals("orders.acme.marina.test.", wishes.get(0).getRecords(0).getName());
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.7:3306").build());
        send(Topics.INSTANCE_HEALTH, InstanceHealth.newBuilder().setInstanceId(INSTANCE).setHealth(Health.HEALTH_UP).build());
        assertEquals(Phase.PHASE_PROVISIONING, lastStatus().getPhase(), "names not answering yet");

        send(Topics.DNS_EVENTS, DnsEvent.newBuilder().setCommandId(wishes.get(0).getCommandId())
                .setDeployment(wishes.get(0).getDeployment()).setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED)
                .addAllRecords(wishes.get(0).getRecordsList()).build());
        DeploymentStatus ready = lastStatus();
        assertEquals(Phase.PHASE_READY, ready.getPhase());
        assertEquals("orders.acme.marina.test", ready.getEndpoints(0).getHost());

        send(Topics.INTENT_EVENTS, Fixtures.delete("acme", "orders", "r-del"));
        DnsCommand remove = values(Topics.DNS_COMMANDS).get(0);
        assertTrue(remove.getRemoveAll());
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_STOPPED).build());
        send(Topics.PROVISION_EVENTS, ProvisionEvent.newBuilder().setInstanceId(INSTANCE)
                .setState(InstanceState.INSTANCE_STATE_DESTROYED).build());
        assertNotNull(driver.getKeyValueStore(IntentTopology.RECONCILER_STORE).get(KEY), "not purged while names remain");

        send(Topics.DNS_EVENTS, DnsEvent.newBuilder().setCommandId(remove.getCommandId())
                .setDeployment(remove.getDeployment()).setOutcome(DnsOutcome.DNS_OUTCOME_APPLIED).build());
        assertNull(driver.getKeyValueStore(IntentTopology.RECONCILER_STORE).get(KEY));
        List<KeyValue<String, DnsCommand>> tombstone = read(Topics.DNS_COMMANDS);
        assertEquals(1, tombstone.size());
        assertNull(tombstone.get(0).value, "the deployment's wish leaves the compacted dns-commands");
    }

    /** A deployment with one replica whose REPLICATE has just been sent; returns that command. */
    private AgentCommand replicatedOrders() {
        send(Topics.INTENT_EVENTS, Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1).build(), "r-1"));
        values(Topics.INTENTS);
        values(Topics.PROVISION_COMMANDS);
        for (String id : List.of(INSTANCE, "acme-orders-2")) {
            send(Topics.PROVISION_EVENTS, ProvisionEvent.newBuilder().setInstanceId(id)
                    .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0." + id.charAt(id.length() - 1)).build());
        }
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE).setReadOnly(false)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.1:3306").build());
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId("acme-orders-2").setReadOnly(true)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.2:3306").build());
        List<AgentCommand> replicate = values(Topics.AGENT_COMMANDS).stream()
                .filter(c -> c.getOp() == AgentOp.AGENT_OP_REPLICATE).toList();
        assertEquals(1, replicate.size(), replicate::toString);
        return replicate.get(0);
    }

    @Test
    void sustained_reader_load_on_deployment_metrics_adds_a_reader_and_records_the_decision() {
        send(Topics.INTENT_EVENTS, Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1)
                .setAutoscaling(dev.marina.schemas.v1.AutoscalingSpec.newBuilder().setMinReplicas(1).setMaxReplicas(3)
                        .setTarget(dev.marina.schemas.v1.AutoscaleTarget.newBuilder()
                                .setMetric(dev.marina.schemas.v1.AutoscaleMetric.AUTOSCALE_METRIC_CPU_PERCENT).setValue(60))).build(), "r-1"));
        values(Topics.INTENTS);
        values(Topics.PROVISION_COMMANDS);
        for (String id : List.of(INSTANCE, "acme-orders-2")) {
            send(Topics.PROVISION_EVENTS, ProvisionEvent.newBuilder().setInstanceId(id)
                    .setState(InstanceState.INSTANCE_STATE_RUNNING).setAddress("127.10.0." + id.charAt(id.length() - 1)).build());
        }
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(INSTANCE).setReadOnly(false)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.1:3306").build());
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId("acme-orders-2").setReadOnly(true)
                .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0.2:3306").build());
        AgentCommand replicate = values(Topics.AGENT_COMMANDS).stream().filter(c -> c.getOp() == AgentOp.AGENT_OP_REPLICATE)
                .findFirst().orElseThrow();
        send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId("acme-orders-2").setCommandId(replicate.getCommandId())
                .setAction(replicate.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DONE).build());
        values(Topics.PROVISION_COMMANDS);

        for (int window = 0; window <= 6; window++) {
            send(Topics.DEPLOYMENT_METRICS, dev.marina.schemas.v1.DeploymentMetrics.newBuilder()
                    .setDeployment(Fixtures.ref("acme", "orders")).setInstanceId("acme-orders-2").setWindowSeconds(10)
                    .setWindowStart(dev.marina.service.Timestamps.of(clock.now.minusSeconds(10)))
                    .setWindowEnd(dev.marina.service.Timestamps.of(clock.now))
                    .putGaugesAvg(dev.marina.schemas.metrics.MetricNames.CPU_PERCENT, 85)
                    .putGaugesMax(dev.marina.schemas.metrics.MetricNames.CPU_PERCENT, 97).build());
            if (window < 6) {
                assertTrue(values(Topics.AUTOSCALE_DECISIONS).isEmpty(), "not sustained yet at " + window * 10 + " s");
                advance(Duration.ofSeconds(10));
            }
        }
        List<dev.marina.schemas.v1.AutoscaleDecision> decisions = values(Topics.AUTOSCALE_DECISIONS);
        assertEquals(1, decisions.size(), decisions::toString);
        dev.marina.schemas.v1.AutoscaleDecision d = decisions.get(0);
        assertEquals(dev.marina.schemas.v1.AutoscaleAction.AUTOSCALE_ACTION_SCALE_OUT, d.getAction());
        assertEquals(List.of("acme-orders-3"), d.getInstancesList());
        assertEquals(1, d.getReplicasBefore());
        assertEquals(2, d.getReplicasAfter());
        assertEquals(85, d.getObserved());
        assertTrue(d.getReason().startsWith("cpu_percent 85.0 above target 60.0 for 60 s"), d.getReason());
        List<ProvisionCommand> creates = values(Topics.PROVISION_COMMANDS);
        assertEquals(List.of("acme-orders-3"), creates.stream().filter(c -> c.getOp() == ProvisionOp.PROVISION_OP_CREATE)
                .map(ProvisionCommand::getInstanceId).toList());
        DeploymentStatus status = lastStatus();
        assertEquals(2, status.getAutoscaling().getReplicas());
        assertEquals(1, status.getAutoscaling().getAdded());
        assertEquals(d, status.getAutoscaling().getLastDecision());
    }

    @Test
    void a_dynamic_parameter_applied_on_intent_events_reaches_every_agent_as_update_and_the_status_shows_what_runs() {
        replicatedOrders();
        dev.marina.schemas.v1.ServerConfig on19 = dev.marina.schemas.v1.ServerConfig.newBuilder().setVersion("10.11.19-MariaDB-log")
                .setSize(dev.marina.schemas.v1.Size.SIZE_SMALL).putParameters("max_connections", "151").build();
        for (String id : List.of(INSTANCE, "acme-orders-2")) {
            // a restart's DATABASE_READY (no command): what each server runs
            send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(id).setReadOnly(!id.equals(INSTANCE))
                    .setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY).setEndpoint("127.10.0." + id.charAt(id.length() - 1) + ":3306")
                    .setRunning(on19).build());
        }
        values(Topics.AGENT_COMMANDS);
        send(Topics.INTENT_EVENTS, Fixtures.apply("acme", "orders", Fixtures.mariadb().toBuilder().setReplicas(1)
                .putParameters("max_connections", "300").build(), "r-2"));
        assertEquals("300", values(Topics.INTENTS).get(0).getSpec().getParametersMap().get("max_connections"));
        List<AgentCommand> updates = values(Topics.AGENT_COMMANDS).stream().filter(c -> c.getOp() == AgentOp.AGENT_OP_UPDATE).toList();
        assertEquals(List.of(INSTANCE, "acme-orders-2"), updates.stream().map(AgentCommand::getInstanceId).sorted().toList(),
                "live on every instance, no roll");
        assertEquals("10.11.19", updates.get(0).getConfig().getVersion(), "the series resolved to the build it means");
        assertEquals(Phase.PHASE_UPDATING, lastStatus().getPhase());
        for (AgentCommand u : updates) {
            send(Topics.AGENT_EVENTS, AgentEvent.newBuilder().setInstanceId(u.getInstanceId()).setCommandId(u.getCommandId())
                    .setAction(u.getAction()).setOutcome(AgentOutcome.AGENT_OUTCOME_DATABASE_READY)
                    .setRunning(on19.toBuilder().putParameters("max_connections", "300")).build());
        }
        DeploymentStatus status = lastStatus();
        assertFalse(status.hasRoll(), status::toString);
        assertTrue(status.getInstancesList().stream().allMatch(i -> i.getRunning().getParametersMap().get("max_connections")
                .equals("300")), status::toString);
    }

    @Test
    void a_replica_whose_agent_answers_it_cannot_catch_up_is_replaced() {
        AgentCommand replicate = replicatedOrders();
        values(Topics.PROVISION_COMMANDS);
        // the answer exactly as the agent writes it (proto3 JSON) when the primary purged the binlogs it needs
        sendRaw(Topics.AGENT_EVENTS, """
                {"commandId": "%s", "deployment": {"tenant": "acme", "name": "orders"}, "instanceId": "acme-orders-2",
                 "outcome": "AGENT_OUTCOME_FAILED",
                 "reason": "cannot catch up: Got fatal error 1236 from master when reading data from binary log",
                 "epoch": "1", "action": {"kind": "ACTION_KIND_REPLICATE", "instanceId": "acme-orders-2", "epoch": "1"},
                 "reasonCode": "AGENT_REASON_CANNOT_CATCH_UP", "replicationFault": "REPLICATION_FAULT_CANNOT_CATCH_UP"}
                """.formatted(replicate.getCommandId()));
        List<ProvisionCommand> creates = values(Topics.PROVISION_COMMANDS).stream()
                .filter(c -> c.getOp() == ProvisionOp.PROVISION_OP_CREATE).toList();
        assertEquals(List.of("acme-orders-3"), creates.stream().map(ProvisionCommand::getInstanceId).toList(),
                "a new replica replaces the one that cannot catch up");
        List<AgentCommand> next = values(Topics.AGENT_COMMANDS);
        assertTrue(next.stream().anyMatch(c -> c.getOp() == AgentOp.AGENT_OP_DESTROY && c.getInstanceId().equals("acme-orders-2")),
                () -> "the broken replica is retired: " + next);
        advance(Duration.ofSeconds(30));
        assertTrue(values(Topics.AGENT_COMMANDS).stream().noneMatch(c -> c.getOp() == AgentOp.AGENT_OP_REPLICATE
                && c.getInstanceId().equals("acme-orders-2")), "never asked to replicate again");
    }

    @Test
    void an_in_flight_action_stored_before_the_typed_ledger_is_sent_again_after_an_upgrade() {
        applyOrders();
        ProvisionCommand create = values(Topics.PROVISION_COMMANDS).get(0);
        var store = driver.<String, dev.marina.schemas.v1.ReconcilerState>getKeyValueStore(IntentTopology.RECONCILER_STORE);
        var stored = store.get(KEY);
        // as an older version stored it: the path key and command id, no typed action
        var old = stored.toBuilder().putInFlight("create/" + INSTANCE, stored.getInFlightOrThrow("create/" + INSTANCE)
                .toBuilder().clearAction().build()).build();
        store.put(KEY, old);
        send(Topics.INSTANCE_HEALTH, InstanceHealth.newBuilder().setInstanceId(INSTANCE).setHealth(Health.HEALTH_SUSPECT).build());
        List<ProvisionCommand> again = values(Topics.PROVISION_COMMANDS);
        assertEquals(1, again.size(), "the untyped entry is forgotten and the command sent again");
        assertEquals(create.getCommandId(), again.get(0).getCommandId(), "with the same id: the provisioner sees a repeat");
        assertEquals(create.getAction(), store.get(KEY).getInFlightOrThrow("create/" + INSTANCE).getAction());
    }

    @Test
    void a_record_near_the_broker_limit_is_dead_lettered_in_a_letter_that_fits_and_the_next_one_is_processed() {
        String garbage = "{" + "\"x\": \"" + "z".repeat(900 * 1024) + "\"";
        sendRaw(Topics.INTENT_EVENTS, garbage);
        TestOutputTopic<String, byte[]> out = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
                new ByteArrayDeserializer());
        List<KeyValue<String, byte[]>> letters = out.readKeyValuesToList();
        assertEquals(1, letters.size());
        assertTrue(letters.get(0).value.length < 64 * 1024, "the letter is " + letters.get(0).value.length + " bytes");
        DeadLetter letter = Topics.DEAD_LETTERS.valueSerde().deserializer().deserialize("dead-letters", letters.get(0).value);
        assertEquals(garbage.length(), letter.getValueSize());
        assertTrue(letter.getValueTruncated());
        assertEquals(1, applyOrders().getGeneration(), "the next record is handled");
    }

    @Test
    void a_tombstone_on_intent_events_is_dead_lettered_with_a_reason() {
        TestInputTopic<String, byte[]> in = driver.createInputTopic(Topics.INTENT_EVENTS.name(), new StringSerializer(),
                new ByteArraySerializer());
        in.pipeInput(KEY, null, clock.now);
        List<DeadLetter> letters = values(Topics.DEAD_LETTERS);
        assertEquals(1, letters.size());
        assertTrue(letters.get(0).getReason().contains("tombstone"), letters.get(0).getReason());
        assertEquals("intent-events", letters.get(0).getSourceTopic());
        assertEquals(List.of(), values(Topics.INTENTS));
    }
}
