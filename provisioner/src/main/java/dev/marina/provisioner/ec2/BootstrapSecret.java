package dev.marina.provisioner.ec2;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One instance's bootstrap secret: what its agent needs to write its own credentials files (its Kafka principal's
 * password and the broker's CA, its proof key), as one text the ec2 driver stores as a SecureString SSM parameter.
 * The agent reads it once, writes its files, and deletes the parameter.
 *
 * <p>Format (version 1): UTF-8 lines {@code key=value}, in this order, no comments, no blank lines:
 * <pre>
 * marina-bootstrap=1
 * instance=acme-orders-0
 * deployment=acme/orders
 * kafka.principal=agent-acme-orders-0
 * kafka.password=&lt;base64url&gt;
 * kafka.ca=&lt;base64 of the broker CA's PEM&gt;
 * proof.key-id=&lt;hex&gt;
 * proof.key=&lt;base64 of 32 bytes&gt;
 * </pre>
 * Every value is in a narrow alphabet (checked here when written, and again by the agent when read), so the text is
 * the same for the same instance on every retry: nothing in it depends on the time. The agent's parser lives in the
 * agent ({@code dev.marina.agent.bootstrap.BootstrapSecret}); both test the same vector.
 */
public record BootstrapSecret(String instanceId, String deployment, String kafkaPrincipal, String kafkaPassword,
        String kafkaCaPem, String proofKeyId, byte[] proofKey) {

    public static final String VERSION_KEY = "marina-bootstrap";
    public static final String VERSION = "1";

    /** A Standard-tier SSM parameter holds at most 4 KB. */
    public static final int MAX_BYTES = 4096;

    private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,99}");
    private static final Pattern DEPLOYMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern PASSWORD = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{8,64}");

    public BootstrapSecret {
        Objects.requireNonNull(kafkaCaPem, "kafkaCaPem");
        check(instanceId, INSTANCE, "instance");
        check(deployment, DEPLOYMENT, "deployment");
        if (!("agent-" + instanceId).equals(kafkaPrincipal)) {
            throw new IllegalArgumentException("the Kafka principal of instance " + instanceId + " is agent-" + instanceId);
        }
        check(kafkaPassword, PASSWORD, "kafka.password");
        if (!kafkaCaPem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException("the broker's CA is not a PEM certificate");
        }
        check(proofKeyId, KEY_ID, "proof.key-id");
        if (proofKey == null || proofKey.length != 32) {
            throw new IllegalArgumentException("a proof key is 32 bytes");
        }
        proofKey = proofKey.clone();
    }

    @Override
    public byte[] proofKey() {
        return proofKey.clone();
    }

    /** The parameter's value; fails when it would not fit a Standard parameter. */
    public String render() {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put(VERSION_KEY, VERSION);
        lines.put("instance", instanceId);
        lines.put("deployment", deployment);
        lines.put("kafka.principal", kafkaPrincipal);
        lines.put("kafka.password", kafkaPassword);
        lines.put("kafka.ca", Base64.getEncoder().encodeToString(kafkaCaPem.getBytes(StandardCharsets.UTF_8)));
        lines.put("proof.key-id", proofKeyId);
        lines.put("proof.key", Base64.getEncoder().encodeToString(proofKey));
        StringBuilder out = new StringBuilder();
        lines.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        int size = out.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_BYTES) {
            throw new IllegalArgumentException("the bootstrap secret of " + instanceId + " is " + size
                    + " bytes, more than an SSM parameter holds (" + MAX_BYTES + "): is the broker's CA file a long chain?");
        }
        return out.toString();
    }

    private static void check(String value, Pattern pattern, String what) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException("bootstrap secret: " + what + " is malformed");
        }
    }

    /** Never the secret: records print their fields, and logs must not carry secrets. */
    @Override
    public String toString() {
        return "BootstrapSecret[instance=" + instanceId + ", deployment=" + deployment + "]";
    }
}
