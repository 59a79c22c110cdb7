package dev.marina.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code mariadb} command-line client, as a user runs it: over TLS with the deployment's CA bundle, the
 * password in {@code MYSQL_PWD} (never on the command line), batch output. Connecting by address: the client's own
 * resolver does not ask the platform's BIND, so the name is resolved with it first and the certificate's name is not
 * checked here (TlsIT checks names); the session's {@code Ssl_cipher} shows TLS was used.
 */
public final class MariadbCli {

    /** What the client printed, how it ended, and how long it ran (start of the process to its exit). */
    public record Result(int exit, String out, long millis, long startedAtMillis) {
        public boolean ok() {
            return exit == 0;
        }

        public List<String> lines() {
            return out.lines().toList();
        }
    }

    private final String user;
    private final String password;
    private final Path ca;

    public MariadbCli(String user, String password, Path ca) {
        this.user = user;
        this.password = password;
        this.ca = ca;
    }

    /** Starts the client on {@code sql}; {@link Running#await} collects it. */
    public Running start(String address, String sql, Duration connectTimeout) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("mariadb", "--host=" + address, "--port=3306", "--user=" + user,
                "--ssl", "--ssl-ca=" + ca, "--connect-timeout=" + Math.max(1, connectTimeout.toSeconds()),
                "--batch", "--skip-column-names", "--execute=" + sql).redirectErrorStream(true);
        Path output = Files.createTempFile("marina-cli-", ".out");
        builder.redirectOutput(output.toFile());
        builder.environment().put("MYSQL_PWD", password);
        long started = System.currentTimeMillis();
        long startedNanos = System.nanoTime();
        return new Running(builder.start(), output, started, startedNanos);
    }

    public Result run(String address, String sql, Duration timeout) throws IOException, InterruptedException {
        return start(address, sql, timeout).await(timeout.plusSeconds(5));
    }

    /** A client that was started. */
    public static final class Running {
        private final Process process;
        private final Path output;
        private final long startedAt;
        private final long startedNanos;

        Running(Process process, Path output, long startedAt, long startedNanos) {
            this.process = process;
            this.output = output;
            this.startedAt = startedAt;
            this.startedNanos = startedNanos;
        }

        public Result await(Duration atMost) throws IOException, InterruptedException {
            boolean ended = process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS);
            long millis = (System.nanoTime() - startedNanos) / 1_000_000;
            if (!ended) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            String out = Files.readString(output, StandardCharsets.UTF_8);
            Files.deleteIfExists(output);
            return ended ? new Result(process.exitValue(), out, millis, startedAt)
                    : new Result(-1, out + "\n(timed out after " + atMost + ")", millis, startedAt);
        }
    }
}
