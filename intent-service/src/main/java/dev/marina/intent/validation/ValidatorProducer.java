package dev.marina.intent.validation;

import dev.marina.schemas.v1.Engine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The one validator the API and intake share, with the engines this platform offers. */
@ApplicationScoped
public class ValidatorProducer {

    @ConfigProperty(name = "marina.engines.mariadb.versions", defaultValue = "10.11")
    List<String> mariadbVersions;

    @Produces
    @ApplicationScoped
    IntentValidator validator() {
        return new IntentValidator(EngineCatalog.of(Engine.ENGINE_MARIADB, mariadbVersions));
    }
}
