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
        Optional<AgentSettings> settings = AgentSettings.from(config, kafka.base(), marinaHome, keyFile);
        if (settings.isEmpty()) {
            LOG.info("agent has no instance, idle (set MARINA_INSTANCE_ID, MARINA_DEPLOYMENT, MARINA_INSTANCE_ADDRESS, MARINA_INSTANCE_DIR)");
            return;
        }
        agent = Agent.start(settings.get(), registry);
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
