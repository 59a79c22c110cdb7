package dev.marina.intent.validation;

import dev.marina.intent.config.EnginesConfig;
import dev.marina.schemas.v1.Engine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The one validator the API and intake share, with the engines this platform offers. */
@ApplicationScoped
public class ValidatorProducer {

    @Produces
    @ApplicationScoped
    IntentValidator validator(EnginesConfig engines) {
        return new IntentValidator(EngineCatalog.of(Engine.ENGINE_MARIADB, engines.mariadb().versions()));
    }
}
