package dev.marina.agent.bootstrap;

import dev.marina.schemas.proof.InstanceKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The agent's bootstrap mode on EC2: when its credentials files are absent, it reads its one-time bootstrap secret
 * from SSM (the parameter named in user data, with the instance profile), checks it ({@link BootstrapSecret}), writes
 * its files (0600) where it reads them on every start, and deletes the parameter. A restart finds the files and never
 * asks again. The secret is never logged: only the parameter's name and the files' paths are.
 *
 * @param parameter the SSM parameter's name
 * @param files     where the credentials go
 */
public record AgentBootstrap(String parameter, CredentialFiles files) {

    private static final Logger LOG = Logger.getLogger(AgentBootstrap.class);

    /**
     * Where the agent keeps its credentials: its Kafka settings (the file {@code MARINA_KAFKA_CREDENTIALS} names on a
     * local host), the broker's CA they point at, and its proof key ({@code MARINA_INSTANCE_KEY_FILE}).
     */
    public record CredentialFiles(Path kafkaSettings, Path kafkaCa, Path instanceKey) {
        /** The defaults in the instance folder, as the local driver lays them out. */
        public static CredentialFiles in(Path instanceDir, Optional<Path> instanceKey) {
            return new CredentialFiles(instanceDir.resolve("kafka.properties"), instanceDir.resolve("kafka-ca.pem"),
                    instanceKey.orElse(instanceDir.resolve("instance.key")));
        }

        boolean present() {
            return Files.isRegularFile(kafkaSettings) && Files.isRegularFile(kafkaCa) && Files.isRegularFile(instanceKey);
        }
    }

    /** Whether the credentials files are all there (a restart: no SSM call). */
    public boolean present() {
        return files.present();
    }

    /**
     * Makes sure the files are there; true when they were written now. Throws {@link IllegalStateException} with a
     * message for the operator when the secret cannot be had.
     */
    public boolean ensure(SsmParameters ssm, String instanceId, String deployment) {
        if (files.present()) {
            LOG.infof("credentials present, no bootstrap needed instance=%s", instanceId);
            return false;
        }
        Optional<String> value;
        try {
            value = ssm.getDecrypted(parameter);
        } catch (SsmParameters.CallFailed e) {
            throw new IllegalStateException("cannot read the bootstrap secret " + parameter + ": " + e.getMessage()
                    + " (the instance profile needs ssm:GetParameter on it, and kms:Decrypt on its key)", e);
        }
        if (value.isEmpty()) {
            throw new IllegalStateException("bootstrap secret " + parameter + " not found: it is one-time; ask the"
                    + " platform to replace the instance");
        }
        BootstrapSecret secret;
        try {
            secret = BootstrapSecret.parse(value.get(), instanceId, deployment);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("bootstrap secret " + parameter + " is unusable: " + e.getMessage(), e);
        }
        write(secret);
        LOG.infof("credentials written from the bootstrap secret instance=%s parameter=%s kafka=%s key=%s", instanceId,
                parameter, files.kafkaSettings(), files.instanceKey());
        try {
            ssm.delete(parameter);
            LOG.infof("bootstrap secret deleted instance=%s parameter=%s", instanceId, parameter);
        } catch (SsmParameters.CallFailed e) {
            // The files are written; the provisioner deletes what is left after bootstrap-ttl.
            LOG.warnf("bootstrap secret not deleted, the platform will instance=%s parameter=%s reason=\"%s\"", instanceId,
                    parameter, e.getMessage());
        }
        return true;
    }

    private void write(BootstrapSecret secret) {
        writePrivate(files.kafkaCa(), secret.kafkaCaPem());
        writePrivate(files.kafkaSettings(), "# Kafka client settings of principal " + secret.kafkaPrincipal()
                + ", from the bootstrap secret: never share, never log\n"
                + "security.protocol=SASL_SSL\n"
                + "sasl.mechanism=SCRAM-SHA-512\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username\\=\""
                + secret.kafkaPrincipal() + "\" password\\=\"" + secret.kafkaPassword() + "\";\n"
                + "ssl.truststore.type=PEM\n"
                + "ssl.truststore.location=" + files.kafkaCa().toAbsolutePath().toString().replace("\\", "\\\\") + "\n");
        new InstanceKey(secret.proofKeyId(), secret.deployment(), secret.instanceId(), secret.proofKey())
                .write(files.instanceKey());
    }

    /** Atomically, mode 0600 from the start: a reader never sees half a file, nobody else ever sees it. */
    static void writePrivate(Path file, String content) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(temp, content);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
