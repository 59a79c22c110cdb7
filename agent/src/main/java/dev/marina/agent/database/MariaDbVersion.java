package dev.marina.agent.database;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The version of the installed server, from {@code mariadbd --version}. */
final class MariaDbVersion {
    private MariaDbVersion() {}

    private static final Pattern VERSION = Pattern.compile("Ver (\\d+\\.\\d+\\.\\d+)");

    static String of(Path mariadbd) {
        if (!Files.isExecutable(mariadbd)) {
            throw new IllegalStateException("no MariaDB server at " + mariadbd + " (apt-get install mariadb-server)");
        }
        try {
            Process process = new ProcessBuilder(mariadbd.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Matcher m = VERSION.matcher(output);
            if (!m.find()) {
                throw new IllegalStateException("cannot read the version from `" + mariadbd + " --version`: " + output.trim());
            }
            return m.group(1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + mariadbd + " --version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + mariadbd + " for its version", e);
        }
    }
}
