package dev.marina.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Starts the agent with Quarkus and stops it at shutdown; idle when no instance is configured. */
@ApplicationScoped
public class AgentLifecycle {

    private static final Logger LOG = Logger.getLogger(AgentLifecycle.class);

    @Inject
    AgentConfig config;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "marina.home")
    Path marinaHome;

    @ConfigProperty(name = "marina.secrets.key-file")
    Path keyFile;

    private volatile Agent agent;

    void onStart(@Observes StartupEvent event) {
        Optional<AgentSettings> settings = AgentSettings.from(config, bootstrapServers, marinaHome, keyFile);
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
