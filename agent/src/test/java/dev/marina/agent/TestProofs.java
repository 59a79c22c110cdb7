package dev.marina.agent;

import com.google.protobuf.Message;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.proof.ProofKeys;
import dev.marina.schemas.serde.ProtoJsonSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The platform's proof key of these tests, and records proven with it as intent-service would prove them. */
final class TestProofs {
    private TestProofs() {}

    static final PlatformProofKey PLATFORM = new PlatformProofKey(random());

    /** The instance's key file in its folder, as the provisioner writes it before a launch. */
    static Path keyFile(InstanceFiles files, String deploymentKey, String instanceId) {
        Path file = files.dir().resolve("instance.key");
        PLATFORM.forInstance(deploymentKey, instanceId).write(file);
        return file;
    }

    /** A record proven by the platform for the instance its value names. */
    static ProducerRecord<byte[], byte[]> proven(String topic, String key, Message value) {
        return provenWith(PLATFORM, topic, key, value);
    }

    /** A record proven with the given keys (another platform's, another instance's: a forger's). */
    static ProducerRecord<byte[], byte[]> provenWith(ProofKeys keys, String topic, String key, Message value) {
        ProducerRecord<byte[], byte[]> record = unproven(topic, key, value);
        MessageProof.sign(keys, topic, record.headers(), record.key(), record.value(), MessageProof.instanceOf(value));
        return record;
    }

    /** An agent's key used for anything it likes: a forger holding one instance's key, speaking for another. */
    static ProofKeys speakingForAnyone(dev.marina.schemas.proof.InstanceKey own) {
        return new ProofKeys() {
            @Override
            public String keyId() {
                return own.keyId();
            }

            @Override
            public java.util.Optional<javax.crypto.SecretKey> instanceKey(String deploymentKey, String instanceId) {
                return java.util.Optional.of(new javax.crypto.spec.SecretKeySpec(own.key(), "HmacSHA256"));
            }
        };
    }

    static ProducerRecord<byte[], byte[]> unproven(String topic, String key, Message value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                ProtoJsonSerde.toJson(value).getBytes(StandardCharsets.UTF_8));
    }

    static byte[] random() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
