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
 * The bearer token every API call must carry. Set {@code marina.api.token}, or let the service
 * create {@code marina.api.token-file} (mode 0600) on first start; {@code ./marina} reads that file.
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

    /** Constant-time comparison of an {@code Authorization} header value; the scheme's case does not matter (RFC 7235). */
    public boolean accepts(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
            return false;
        }
        byte[] offered = authorizationHeader.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, offered);
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
