package dev.marina.intent.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import dev.marina.intent.config.ApiConfig;
import dev.marina.service.SecretBox;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The platform-admin token from configuration: set {@code marina.api.token}, or let the service
 * create {@code marina.api.token-file} (mode 0600) on first start; {@code ./marina} reads that file.
 * It is the token with which the admin makes the others ({@link TokenStore}); in lists and audit
 * records it is {@link Caller#FILE_ADMIN_ID}.
 */
@Startup // the token file must exist before the first call: clients read it to make that call
@ApplicationScoped
public class ApiToken {

    @Inject
    ApiConfig config;

    private byte[] token;

    @PostConstruct
    void load() {
        String value = config.token().filter(t -> !t.isBlank()).orElseGet(this::fromFile);
        token = value.trim().getBytes(StandardCharsets.UTF_8);
    }

    /** Whether an offered token is this one, compared in constant time. */
    public boolean matches(String offered) {
        return offered != null && MessageDigest.isEqual(token, offered.trim().getBytes(StandardCharsets.UTF_8));
    }

    private String fromFile() {
        Path file = Path.of(config.tokenFile());
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, SecretBox.randomPassword(24) + "\n");
                } catch (FileAlreadyExistsException someoneElseMadeIt) {
                    // read theirs
                }
            }
            String value = Files.readString(file).trim();
            if (value.isEmpty()) {
                throw new IllegalStateException("API token file " + file + " is empty");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API token file " + file, e);
        }
    }
}
