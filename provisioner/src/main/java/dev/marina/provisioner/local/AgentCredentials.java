package dev.marina.provisioner.local;

import dev.marina.schemas.access.KafkaUsers;
import dev.marina.schemas.access.Principals;
import dev.marina.schemas.access.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

/**
 * Each agent's own Kafka principal ({@code agent-<instance>}, {@link Role#AGENT}: reads its commands,
 * writes its reports): made with its ACLs when the instance is launched, its settings written to
 * {@code <folder>/kafka.properties} (0600) and passed by path ({@code MARINA_KAFKA_CREDENTIALS}); removed,
 * credential and ACLs, when the instance is destroyed. The provisioner may alter the cluster's
 * principals for exactly this ({@code Principals}).
 */
public final class AgentCredentials implements AutoCloseable {

    static final String FILE = "kafka.properties";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final Properties client;
    private final Path caFile;
    private Admin admin;

    /** @param client the provisioner's own Kafka client settings (its principal may alter principals) */
    public AgentCredentials(Properties client) {
        this.client = client;
        String ca = client.getProperty("ssl.truststore.location");
        if (ca == null) {
            throw new IllegalStateException("the provisioner's Kafka settings name no CA (ssl.truststore.location):"
                    + " agents could not trust the broker");
        }
        this.caFile = Path.of(ca);
    }

    static Path file(InstanceRecord record) {
        return record.folderPath().resolve(FILE);
    }

    /** Makes (or keeps) the agent's principal; true when its settings file was missing (an agent launched before it). */
    synchronized boolean ensure(InstanceRecord record) {
        boolean existed = Files.exists(file(record));
        users().ensure(Principals.agent(record.instanceId()), Role.AGENT, file(record));
        return !existed;
    }

    synchronized void remove(InstanceRecord record) {
        remove(record.instanceId(), file(record));
    }

    /**
     * The same for an instance whose settings file is kept elsewhere (the ec2 driver keeps it with the provisioner and
     * hands its content over through the bootstrap secret): makes (or keeps, password and all) the principal.
     */
    public synchronized void ensure(String instanceId, Path settingsFile) {
        users().ensure(Principals.agent(instanceId), Role.AGENT, settingsFile);
    }

    /** Removes the principal, its ACLs and its settings file. Idempotent. */
    public synchronized void remove(String instanceId, Path settingsFile) {
        users().remove(Principals.agent(instanceId), settingsFile);
    }

    /** The broker's CA certificate the provisioner trusts, which agents trust too. */
    public Path caFile() {
        return caFile;
    }

    private KafkaUsers users() {
        if (admin == null) {
            Properties props = new Properties();
            props.putAll(client);
            props.put("client.id", "provisioner-agent-principals");
            props.put("default.api.timeout.ms", (int) TIMEOUT.toMillis());
            props.put("request.timeout.ms", (int) TIMEOUT.toMillis());
            admin = Admin.create(props);
        }
        return new KafkaUsers(admin, caFile, TIMEOUT);
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
    }
}
