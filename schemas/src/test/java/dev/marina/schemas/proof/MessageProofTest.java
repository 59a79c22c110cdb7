package dev.marina.schemas.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Heartbeat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessageProofTest {

    static final PlatformProofKey PLATFORM = new PlatformProofKey(bytes(1));
    static final PlatformProofKey OTHER_PLATFORM = new PlatformProofKey(bytes(2));
    static final String TOPIC = "heartbeats";
    static final String DEPLOYMENT = "acme/orders";
    static final String INSTANCE = "acme-orders-1";
    static final byte[] KEY = DEPLOYMENT.getBytes(StandardCharsets.UTF_8);
    static final byte[] VALUE = "{\"instanceId\":\"acme-orders-1\"}".getBytes(StandardCharsets.UTF_8);

    /** One received record as a reader sees it: topic, header, key, value, and the instance it names. */
    record Received(String topic, byte[] header, byte[] key, byte[] value, String instance) {
        Received with(UnaryOperator<Received> change) {
            return change.apply(this);
        }
    }

    /** A record proven by the instance's agent, before anything is done to it. */
    static Received proven() {
        InstanceKey agent = PLATFORM.forInstance(DEPLOYMENT, INSTANCE);
        byte[] header = MessageProof.sign(agent, TOPIC, KEY, VALUE, INSTANCE).orElseThrow();
        return new Received(TOPIC, header, KEY, VALUE, INSTANCE);
    }

    static byte[] signedBy(ProofKeys keys, String deployment, String instance) {
        return MessageProof.sign(keys, TOPIC, deployment.getBytes(StandardCharsets.UTF_8), VALUE, instance).orElseThrow();
    }

    record Case(String name, Received record, MessageProof.Outcome outcome, String reasonContains) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("valid: the agent's proof", proven(), MessageProof.Outcome.PROVEN, ""),
                new Case("valid: the platform's proof for the instance",
                        proven().with(r -> new Received(r.topic(), signedBy(PLATFORM, DEPLOYMENT, INSTANCE), r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.PROVEN, ""),
                new Case("missing: no header", proven().with(r -> new Received(r.topic(), null, r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.MISSING, "proof missing"),
                new Case("wrong key: another platform's",
                        proven().with(r -> new Received(r.topic(), signedBy(OTHER_PLATFORM, DEPLOYMENT, INSTANCE), r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "platform proof key"),
                new Case("wrong key: the right id, another key",
                        proven().with(r -> new Received(r.topic(), withMac(r.header(), new byte[32]), r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("other instance's key: instance 2 speaking as instance 1",
                        proven().with(r -> new Received(r.topic(), signedBy(PLATFORM.forInstance(DEPLOYMENT, "acme-orders-2"), DEPLOYMENT, "acme-orders-2"),
                                r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("other deployment's instance key (same instance id)",
                        proven().with(r -> new Received(r.topic(), signedBy(PLATFORM.forInstance("acme/other", INSTANCE), "acme/other", INSTANCE),
                                r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("tampered value", proven().with(r -> new Received(r.topic(), r.header(), r.key(),
                        "{\"instanceId\":\"acme-orders-1\",\"role\":\"ROLE_PRIMARY\"}".getBytes(StandardCharsets.UTF_8), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("tampered value: one bit", proven().with(r -> new Received(r.topic(), r.header(), r.key(), flip(r.value()), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("tampered key: replayed under another deployment", proven().with(r -> new Received(r.topic(), r.header(),
                        "acme/billing".getBytes(StandardCharsets.UTF_8), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("tampered key: none", proven().with(r -> new Received(r.topic(), r.header(), null, r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("tampered topic: a heartbeat's proof on metrics", proven().with(r -> new Received("metrics", r.header(), r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("claims another instance than it proves", proven().with(r -> new Received(r.topic(), r.header(), r.key(), r.value(), "acme-orders-2")),
                        MessageProof.Outcome.INVALID, "does not match"),
                new Case("names no instance", proven().with(r -> new Received(r.topic(), r.header(), r.key(), r.value(), "")),
                        MessageProof.Outcome.INVALID, "names no instance"),
                new Case("unknown version", proven().with(r -> new Received(r.topic(), withVersion(r.header(), "2"), r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "unknown version \"2\""),
                new Case("malformed header", proven().with(r -> new Received(r.topic(), "garbage".getBytes(StandardCharsets.US_ASCII), r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "is not"),
                new Case("MAC not base64", proven().with(r -> new Received(r.topic(), ("1." + PLATFORM.keyId() + ".%%%").getBytes(StandardCharsets.US_ASCII),
                        r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "base64"),
                new Case("empty MAC", proven().with(r -> new Received(r.topic(), ("1." + PLATFORM.keyId() + ".").getBytes(StandardCharsets.US_ASCII),
                        r.key(), r.value(), r.instance())),
                        MessageProof.Outcome.INVALID, "does not match"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void the_platform_checks(Case c) {
        MessageProof.Check check = MessageProof.verify(PLATFORM, c.record().topic(), c.record().header(), c.record().key(),
                c.record().value(), c.record().instance());
        assertEquals(c.outcome(), check.outcome(), check.reason());
        assertTrue(check.reason().contains(c.reasonContains()), check.reason());
        if (c.outcome() != MessageProof.Outcome.PROVEN) {
            assertTrue(check.reason().startsWith(c.outcome() == MessageProof.Outcome.MISSING ? "proof missing: " : "proof invalid: "),
                    check.reason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void the_instance_checks_alike(Case c) {
        // An agent checks with its own key only; for its own records it agrees with the platform.
        InstanceKey agent = PLATFORM.forInstance(DEPLOYMENT, INSTANCE);
        MessageProof.Check check = MessageProof.verify(agent, c.record().topic(), c.record().header(), c.record().key(),
                c.record().value(), c.record().instance());
        assertEquals(c.outcome(), check.outcome(), check.reason());
    }

    @Test
    void an_instance_can_neither_prove_nor_check_another_instance() {
        InstanceKey agent = PLATFORM.forInstance(DEPLOYMENT, INSTANCE);
        assertTrue(MessageProof.sign(agent, TOPIC, KEY, VALUE, "acme-orders-2").isEmpty());
        assertTrue(MessageProof.sign(agent, TOPIC, "acme/billing".getBytes(StandardCharsets.UTF_8), VALUE, INSTANCE).isEmpty());
        byte[] platformProof = MessageProof.sign(PLATFORM, TOPIC, KEY, VALUE, "acme-orders-2").orElseThrow();
        MessageProof.Check check = MessageProof.verify(agent, TOPIC, platformProof, KEY, VALUE, "acme-orders-2");
        assertEquals(MessageProof.Outcome.INVALID, check.outcome());
        assertTrue(check.reason().contains("no key here"), check.reason());
    }

    @Test
    void instance_keys_differ_by_instance_and_deployment_and_platform() {
        byte[] one = PLATFORM.forInstance(DEPLOYMENT, INSTANCE).key();
        assertFalse(Arrays.equals(one, PLATFORM.forInstance(DEPLOYMENT, "acme-orders-2").key()));
        assertFalse(Arrays.equals(one, PLATFORM.forInstance("acme/other", INSTANCE).key()));
        assertFalse(Arrays.equals(one, OTHER_PLATFORM.forInstance(DEPLOYMENT, INSTANCE).key()));
        assertTrue(Arrays.equals(one, new PlatformProofKey(bytes(1)).forInstance(DEPLOYMENT, INSTANCE).key()), "derivation is stable");
        assertNotEquals(PLATFORM.keyId(), OTHER_PLATFORM.keyId());
    }

    @Test
    void the_key_file_is_private_and_round_trips(@TempDir Path dir) throws Exception {
        InstanceKey key = PLATFORM.forInstance(DEPLOYMENT, INSTANCE);
        Path file = dir.resolve("instance.key");
        assertTrue(key.write(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(key, InstanceKey.read(file));
        assertFalse(key.write(file), "the same key again changes nothing");
        assertTrue(PLATFORM.forInstance(DEPLOYMENT, "acme-orders-2").write(file), "another key replaces it");
        assertFalse(key.toString().contains(java.util.Base64.getEncoder().encodeToString(key.key())), "never printed");
        Files.writeString(file, "version=2\n");
        assertThrows(IllegalArgumentException.class, () -> InstanceKey.read(file));
    }

    @Test
    void serdes_sign_and_check_through_headers_with_the_record_key() {
        Heartbeat beat = Heartbeat.newBuilder().setDeployment(DeploymentRef.newBuilder().setTenant("acme").setName("orders"))
                .setInstanceId(INSTANCE).build();
        Serializer<String> keys = ProofSerdes.keys();
        Serializer<Heartbeat> values = ProofSerdes.signing(PLATFORM.forInstance(DEPLOYMENT, INSTANCE));
        Headers headers = new RecordHeaders();
        byte[] key = keys.serialize(TOPIC, headers, DEPLOYMENT);
        byte[] value = values.serialize(TOPIC, headers, beat);
        assertEquals(beat, ProtoJsonSerde.fromJson(Heartbeat.getDefaultInstance(), value).value());

        java.util.List<MessageProof.Outcome> refused = new java.util.ArrayList<>();
        Deserializer<String> keyReader = ProofSerdes.keyReader();
        Deserializer<Decoded<Heartbeat>> checking = ProofSerdes.checking(Heartbeat.getDefaultInstance(), PLATFORM,
                (topic, outcome) -> refused.add(outcome));
        assertEquals(DEPLOYMENT, keyReader.deserialize(TOPIC, headers, key));
        assertEquals(beat, checking.deserialize(TOPIC, headers, value).value());

        // the same value and header under another record key
        Headers copied = new RecordHeaders(headers.toArray());
        keyReader.deserialize(TOPIC, copied, "acme/billing".getBytes(StandardCharsets.UTF_8));
        Decoded<Heartbeat> moved = checking.deserialize(TOPIC, copied, value);
        assertTrue(moved instanceof Decoded.Failed<Heartbeat> f && f.reason().startsWith("proof invalid"), moved.toString());

        // no header at all
        Headers none = new RecordHeaders();
        keyReader.deserialize(TOPIC, none, key);
        Decoded<Heartbeat> unproven = checking.deserialize(TOPIC, none, value);
        assertTrue(unproven instanceof Decoded.Failed<Heartbeat> f && f.reason().startsWith("proof missing"), unproven.toString());

        // a value half used without its key half fails closed
        Decoded<Heartbeat> unpaired = checking.deserialize(TOPIC, new RecordHeaders(headers.toArray()), value);
        assertFalse(unpaired.isOk());
        assertEquals(List.of(MessageProof.Outcome.INVALID, MessageProof.Outcome.MISSING, MessageProof.Outcome.INVALID), refused);

        // an agent's keys cannot sign a command for another instance
        AgentCommand command = AgentCommand.newBuilder().setInstanceId("acme-orders-2").setOp(AgentOp.AGENT_OP_FENCE).build();
        Headers h = new RecordHeaders();
        keys.serialize("agent-commands", h, DEPLOYMENT);
        assertThrows(org.apache.kafka.common.errors.SerializationException.class,
                () -> ProofSerdes.<AgentCommand>signing(PLATFORM.forInstance(DEPLOYMENT, INSTANCE)).serialize("agent-commands", h, command));
    }

    private static byte[] withMac(byte[] header, byte[] mac) {
        String[] parts = new String(header, StandardCharsets.US_ASCII).split("\\.");
        return (parts[0] + "." + parts[1] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(mac))
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] withVersion(byte[] header, String version) {
        String text = new String(header, StandardCharsets.US_ASCII);
        return (version + text.substring(text.indexOf('.'))).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] flip(byte[] value) {
        byte[] copy = value.clone();
        copy[copy.length / 2] ^= 1;
        return copy;
    }

    private static byte[] bytes(int seed) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) seed);
        return b;
    }
}
