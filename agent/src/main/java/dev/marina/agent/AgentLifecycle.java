package dev.marina.agent;

import dev.marina.service.KafkaClients;
import io.micrometer.core.instrument.MeterRegistry;
import dev.marina.service.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import dev.marina.service.KafkaClients;
import io.quarkus.runtime.StartupEvent;
import dev.marina.service.KafkaClients;
import jakarta.enterprise.context.ApplicationScoped;
import dev.marina.service.KafkaClients;
import jakarta.enterprise.event.Observes;
import dev.marina.service.KafkaClients;
import jakarta.inject.Inject;
import dev.marina.service.KafkaClients;
import java.nio.file.Path;
import dev.marina.service.KafkaClients;
import java.util.Optional;
import dev.marina.service.KafkaClients;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import dev.marina.service.KafkaClients;
import org.jboss.logging.Logger;
import dev.marina.agent.bootstrap.AgentBootstrap;
import dev.marina.agent.bootstrap.SdkSsmParameters;
import dev.marina.agent.bootstrap.SsmParameters;
import dev.marina.schemas.access.KafkaAccess;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/** Starts the agent with Quarkus and stops it at shutdown; idle when no instance is configured. */
@ApplicationScoped
public class AgentLifecycle {

    private static final Logger LOG = Logger.getLogger(AgentLifecycle.class);

    @Inject
    AgentConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    KafkaClients kafka;

    @ConfigProperty(name = "marina.home")
    Path marinaHome;

    @ConfigProperty(name = "marina.secrets.key-file")
    Path keyFile;

    private volatile Agent agent;

    void onStart(@Observes StartupEvent event) {
        Optional<AgentSettings> settings = config.bootstrap().parameter().filter(p -> !p.isBlank()).isPresent()
                ? bootstrapped()
                : AgentSettings.from(config, kafka.base(), marinaHome, keyFile);
        if (settings.isEmpty()) {
            LOG.info("agent has no instance, idle (set MARINA_INSTANCE_ID, MARINA_DEPLOYMENT, MARINA_INSTANCE_ADDRESS, MARINA_INSTANCE_DIR)");
            return;
        }
        agent = Agent.start(settings.get(), registry);
    }

    /**
     * On EC2 ({@code MARINA_BOOTSTRAP_PARAMETER} set): the credentials files come from the one-time bootstrap secret
     * when they are absent, before any Kafka client is made; then they are read as on a local host.
     */
    private Optional<AgentSettings> bootstrapped() {
        String parameter = config.bootstrap().parameter().get();
        if (config.instanceId().isEmpty() || config.deployment().isEmpty() || config.instanceDir().isEmpty()) {
            throw new IllegalStateException("MARINA_BOOTSTRAP_PARAMETER is set, but not MARINA_INSTANCE_ID,"
                    + " MARINA_DEPLOYMENT and MARINA_INSTANCE_DIR: the agent cannot tell whose secret it reads");
        }
        AgentBootstrap.CredentialFiles files = AgentBootstrap.CredentialFiles.in(config.instanceDir().get(),
                config.instanceKeyFile());
        AgentBootstrap bootstrap = new AgentBootstrap(parameter, files);
        if (!bootstrap.present()) {
            try (SsmParameters ssm = new SdkSsmParameters(config.bootstrap().region().filter(r -> !r.isBlank()),
                    config.bootstrap().endpoint(), DefaultCredentialsProvider.builder().build())) {
                bootstrap.ensure(ssm, config.instanceId().get(), config.deployment().get());
            }
        }
        return AgentSettings.from(config, KafkaAccess.client(files.kafkaSettings(), kafka.bootstrapServers()), marinaHome,
                keyFile, Optional.of(files.instanceKey()));
    }

    void onStop(@Observes ShutdownEvent event) {
        Agent running = agent;
        if (running != null) {
            running.close();
        }
    }

    /** True when this process runs an instance. */
    public boolean hasInstance() {
        return agent != null;
    }
}
