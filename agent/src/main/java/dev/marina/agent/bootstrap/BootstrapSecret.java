package dev.marina.agent.bootstrap;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one-time bootstrap secret as the agent reads it: what it needs to write its credentials files. The provisioner's
 * {@code dev.marina.provisioner.ec2.BootstrapSecret} writes it; format version 1, UTF-8 lines {@code key=value} in
 * this order, nothing else:
 * <pre>
 * marina-bootstrap=1
 * instance=…  deployment=…  kafka.principal=agent-&lt;instance&gt;  kafka.password=&lt;base64url&gt;
 * kafka.ca=&lt;base64 of PEM&gt;  proof.key-id=&lt;hex&gt;  proof.key=&lt;base64 of 32 bytes&gt;
 * </pre>
 * Parsed strictly, line by line (no properties escapes or continuations): every key exactly once, every value in its
 * own narrow alphabet, so nothing can slip into the files written from it. Failures name the key, never a value.
 */
public record BootstrapSecret(String instanceId, String deployment, String kafkaPrincipal, String kafkaPassword,
        String kafkaCaPem, String proofKeyId, byte[] proofKey) {

    static final String VERSION_KEY = "marina-bootstrap";
    static final List<String> KEYS = List.of("instance", "deployment", "kafka.principal", "kafka.password", "kafka.ca",
            "proof.key-id", "proof.key");

    private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,99}");
    private static final Pattern DEPLOYMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern PASSWORD = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{8,64}");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]+={0,2}");
    private static final Pattern PEM = Pattern.compile(
            "(-----BEGIN CERTIFICATE-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END CERTIFICATE-----\\r?\\n?)+");

    public BootstrapSecret {
        proofKey = proofKey.clone();
    }

    @Override
    public byte[] proofKey() {
        return proofKey.clone();
    }

    /**
     * Parses a parameter's value for this instance; throws {@link IllegalArgumentException} naming what is wrong.
     *
     * @param instanceId the instance this agent runs: a secret for another is refused
     * @param deployment its deployment
     */
    public static BootstrapSecret parse(String text, String instanceId, String deployment) {
        List<String> lines = text.lines().toList();
        if (lines.isEmpty() || !lines.get(0).startsWith(VERSION_KEY + "=")) {
            throw new IllegalArgumentException("the bootstrap secret does not start with " + VERSION_KEY + "=");
        }
        String version = lines.get(0).substring(VERSION_KEY.length() + 1);
        if (!"1".equals(version)) {
            throw new IllegalArgumentException("the bootstrap secret has version " + (version.matches("[0-9]{1,4}")
                    ? version : "(unreadable)") + "; this agent knows 1");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            int eq = line.indexOf('=');
            String key = eq < 0 ? "" : line.substring(0, eq);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("the bootstrap secret has a line that is no known key"
                        + (key.matches("[a-z.-]{1,32}") ? " (" + key + ")" : ""));
            }
            if (values.putIfAbsent(key, line.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("the bootstrap secret has " + key + " twice");
            }
        }
        for (String key : KEYS) {
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("the bootstrap secret lacks " + key);
            }
        }
        String instance = check(values, "instance", INSTANCE);
        String deploymentKey = check(values, "deployment", DEPLOYMENT);
        if (!instance.equals(instanceId) || !deploymentKey.equals(deployment)) {
            throw new IllegalArgumentException("the bootstrap secret is for instance " + instance + " of " + deploymentKey
                    + ", not " + instanceId + " of " + deployment);
        }
        if (!("agent-" + instanceId).equals(values.get("kafka.principal"))) {
            throw new IllegalArgumentException("the bootstrap secret's kafka.principal is not agent-" + instanceId);
        }
        String password = check(values, "kafka.password", PASSWORD);
        String ca = new String(base64(values, "kafka.ca"), StandardCharsets.UTF_8);
        byte[] key = base64(values, "proof.key");
        if (!PEM.matcher(ca).matches()) {
            throw new IllegalArgumentException("the bootstrap secret's kafka.ca is not PEM certificates");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("the bootstrap secret's proof.key is not 32 bytes");
        }
        return new BootstrapSecret(instance, deploymentKey, "agent-" + instance, password, ca,
                check(values, "proof.key-id", KEY_ID), key);
    }

    private static byte[] base64(Map<String, String> values, String key) {
        String text = check(values, key, BASE64);
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the bootstrap secret's " + key + " is malformed");
        }
    }

    private static String check(Map<String, String> values, String key, Pattern pattern) {
        String value = values.get(key);
        if (!pattern.matcher(value).matches()) {
            throw new IllegalArgumentException("the bootstrap secret's " + key + " is malformed");
        }
        return value;
    }

    /** Never the secret: records print their fields, and logs must not carry secrets. */
    @Override
    public String toString() {
        return "BootstrapSecret[instance=" + instanceId + ", deployment=" + deployment + "]";
    }
}
