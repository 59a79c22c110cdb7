package dev.marina.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Makes the platform's {@link SecretBox} injectable; the key file comes from {@code marina.secrets.key-file}. */
@ApplicationScoped
public class Secrets {

    @ConfigProperty(name = "marina.secrets.key-file")
    String keyFile;

    @Produces
    @ApplicationScoped
    SecretBox secretBox() {
        return SecretBox.fromKeyFile(Path.of(keyFile));
    }
}
