package dev.marina.schemas.proof;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.marina.schemas.topics.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The proof a record carries of the instance it comes from or goes to: an HMAC-SHA256, made with the
 * instance's key, over the topic, the record key and the value exactly as they travel. The header
 * {@value #HEADER} holds {@code 1.<platform key id>.<MAC in base64url>}; a reader finds the instance in
 * the value's {@code instance_id} and the deployment in the record key.
 *
 * <p>Pure: no I/O, no clock. Replays are not detected here (a record copied whole proves the same
 * instance again); the contents guard against that where it matters (epochs on commands, {@code sent_at}
 * on heartbeats).
 */
public final class MessageProof {
    private MessageProof() {}

    /** The record header that carries the proof. */
    public static final String HEADER = "marina-proof";
    /** The one version there is; a header of another version is refused ("unknown version"). */
    public static final String VERSION = "1";
    /** Reasons start with one of these, so a dead letter says at once what was wrong. */
    public static final String MISSING = "proof missing";
    public static final String INVALID = "proof invalid";

    /** The topics whose records must prove their instance: commands to an agent, and every agent's reports. */
    public static final Set<String> TOPICS = Set.of(Topics.AGENT_COMMANDS.name(), Topics.AGENT_EVENTS.name(),
            Topics.HEARTBEATS.name(), Topics.METRICS.name());

    private static final byte[] DOMAIN = "marina proof v1".getBytes(StandardCharsets.UTF_8);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_IN = Base64.getUrlDecoder();
    private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(MessageProof::newMac);

    /** What a check found. */
    public enum Outcome {
        PROVEN, MISSING, INVALID;

        /** A bounded metric label: proven, missing, invalid. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The result of a check, with the reason when it failed (starting with "proof missing" or "proof invalid"). */
    public record Check(Outcome outcome, String reason) {
        static final Check PROVEN = new Check(Outcome.PROVEN, "");

        public boolean proven() {
            return outcome == Outcome.PROVEN;
        }
    }

    /** The instance a contract message speaks for or to: its {@code instance_id}, empty when it has none. */
    public static String instanceOf(Message message) {
        FieldDescriptor field = message.getDescriptorForType().findFieldByName("instance_id");
        return field == null || field.getType() != FieldDescriptor.Type.STRING ? "" : (String) message.getField(field);
    }

    /** The MAC of one record with an instance's key. */
    public static byte[] mac(SecretKey instanceKey, String topic, byte[] recordKey, byte[] value) {
        Mac mac = MACS.get();
        try {
            mac.init(instanceKey);
        } catch (java.security.InvalidKeyException e) {
            throw new IllegalArgumentException("not an HMAC key", e);
        }
        mac.update(DOMAIN);
        lengthPrefixed(mac, topic.getBytes(StandardCharsets.UTF_8));
        lengthPrefixed(mac, recordKey == null ? new byte[0] : recordKey);
        mac.update(value == null ? new byte[0] : value);
        return mac.doFinal();
    }

    /**
     * The header value proving a record, or empty when {@code keys} cannot speak for the instance (an
     * agent asked to sign for another).
     */
    public static Optional<byte[]> sign(ProofKeys keys, String topic, byte[] recordKey, byte[] value, String instanceId) {
        String deploymentKey = recordKey == null ? "" : new String(recordKey, StandardCharsets.UTF_8);
        return keys.instanceKey(deploymentKey, instanceId).map(key -> (VERSION + "." + keys.keyId() + "."
                + B64.encodeToString(mac(key, topic, recordKey, value))).getBytes(StandardCharsets.US_ASCII));
    }

    /** Adds (or replaces) the proof header of a record about to be sent; throws when the keys cannot speak for the instance. */
    public static void sign(ProofKeys keys, String topic, Headers headers, byte[] recordKey, byte[] value, String instanceId) {
        byte[] proof = sign(keys, topic, recordKey, value, instanceId).orElseThrow(() -> new IllegalStateException(
                "no proof key for instance \"" + instanceId + "\" of " + describeKey(recordKey) + " here"));
        headers.remove(HEADER);
        headers.add(HEADER, proof);
    }

    /** Checks a received record that claims to concern {@code instanceId}; the deployment is its record key. */
    public static Check verify(ProofKeys keys, String topic, Headers headers, byte[] recordKey, byte[] value,
            String instanceId) {
        Header header = headers == null ? null : headers.lastHeader(HEADER);
        return verify(keys, topic, header == null ? null : header.value(), recordKey, value, instanceId);
    }

    /** As {@link #verify(ProofKeys, String, Headers, byte[], byte[], String)}, with the header's value (null: none). */
    public static Check verify(ProofKeys keys, String topic, byte[] header, byte[] recordKey, byte[] value,
            String instanceId) {
        if (header == null) {
            return new Check(Outcome.MISSING, MISSING + ": no " + HEADER + " header on a record of " + topic
                    + " (only the platform and the instance's agent can prove it)");
        }
        String text = new String(header, StandardCharsets.US_ASCII);
        String[] parts = text.split("\\.", -1);
        if (parts.length != 3) {
            return invalid("the " + HEADER + " header is not \"<version>.<key id>.<mac>\"");
        }
        if (!VERSION.equals(parts[0])) {
            return invalid("unknown version \"" + cut(parts[0]) + "\" (this reader knows " + VERSION + ")");
        }
        if (!keys.keyId().equals(parts[1])) {
            return invalid("made with platform proof key " + cut(parts[1]) + ", this platform's is " + keys.keyId());
        }
        if (instanceId == null || instanceId.isEmpty()) {
            return invalid("the record names no instance (instance_id), so nothing can prove it");
        }
        byte[] claimed;
        try {
            claimed = B64_IN.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            return invalid("the MAC is not base64url");
        }
        String deploymentKey = recordKey == null ? "" : new String(recordKey, StandardCharsets.UTF_8);
        Optional<SecretKey> key = keys.instanceKey(deploymentKey, instanceId);
        if (key.isEmpty()) {
            return invalid("no key here for instance \"" + cut(instanceId) + "\" of " + describeKey(recordKey));
        }
        if (!MessageDigest.isEqual(claimed, mac(key.get(), topic, recordKey, value))) {
            return invalid("the MAC does not match the record: altered, or not made with the key of instance \""
                    + cut(instanceId) + "\" of " + describeKey(recordKey));
        }
        return Check.PROVEN;
    }

    private static Check invalid(String why) {
        return new Check(Outcome.INVALID, INVALID + ": " + why);
    }

    private static void lengthPrefixed(Mac mac, byte[] bytes) {
        mac.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        mac.update(bytes);
    }

    private static String describeKey(byte[] recordKey) {
        return recordKey == null ? "a record without a key" : "\"" + cut(new String(recordKey, StandardCharsets.UTF_8)) + "\"";
    }

    /** Values from a record are shown by a short prefix: a reason never carries a large value. */
    private static String cut(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    private static Mac newMac() {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
