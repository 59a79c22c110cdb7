package dev.marina.dns.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a TSIG secret from a file: tsig-keygen's {@code key "…" { … secret "…"; };} or a bare secret. */
public final class TsigSecrets {
    private TsigSecrets() {}

    private static final Pattern SECRET = Pattern.compile("secret\\s+\"([^\"]+)\"");

    public static String fromFile(Path file) {
        try {
            String text = Files.readString(file);
            Matcher secret = SECRET.matcher(text);
            return secret.find() ? secret.group(1) : text.trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the TSIG key file " + file, e);
        }
    }
}
