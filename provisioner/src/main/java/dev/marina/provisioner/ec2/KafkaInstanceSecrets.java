package dev.marina.provisioner.ec2;

import dev.marina.provisioner.local.AgentCredentials;
import dev.marina.schemas.access.KafkaAccess;
import dev.marina.schemas.proof.InstanceKey;
import dev.marina.schemas.proof.PlatformProofKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link InstanceSecrets} with the local driver's own code: {@link AgentCredentials} makes the agent's principal
 * ({@code agent-<instance>}, its ACLs) and keeps its settings file with the provisioner,
 * {@code <marina home>/provisioner/ec2-principals/<instance>.properties} (0600), which is where a retried create finds
 * the same password again; the proof key is derived from the platform's ({@link PlatformProofKey}), so it is the same
 * on every derivation.
 */
public final class KafkaInstanceSecrets implements InstanceSecrets {

    private static final Pattern PASSWORD = Pattern.compile("password=\"([^\"]*)\"");

    private final AgentCredentials credentials;
    private final PlatformProofKey platform;
    private final Path folder;

    public KafkaInstanceSecrets(AgentCredentials credentials, PlatformProofKey platform, Path marinaHome) {
        this.credentials = credentials;
        this.platform = platform;
        this.folder = marinaHome.resolve("provisioner").resolve("ec2-principals");
    }

    @Override
    public BootstrapSecret issue(String deployment, String instanceId) {
        Path file = file(instanceId);
        credentials.ensure(instanceId, file);
        Matcher password = PASSWORD.matcher(KafkaAccess.load(file).getProperty("sasl.jaas.config", ""));
        if (!password.find()) {
            throw new IllegalStateException("the Kafka settings of agent-" + instanceId + " hold no password");
        }
        String ca;
        try {
            ca = Files.readString(credentials.caFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broker's CA " + credentials.caFile(), e);
        }
        InstanceKey key = platform.forInstance(deployment, instanceId);
        return new BootstrapSecret(instanceId, deployment, "agent-" + instanceId, password.group(1), ca, key.keyId(),
                key.key());
    }

    @Override
    public void revoke(String instanceId) {
        credentials.remove(instanceId, file(instanceId));
    }

    private Path file(String instanceId) {
        return folder.resolve(instanceId + ".properties");
    }
}
