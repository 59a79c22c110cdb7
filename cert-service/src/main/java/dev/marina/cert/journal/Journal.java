package dev.marina.cert.journal;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What cert-service has done, on disk, so that a repeated or replayed command never makes a second
 * certificate. One file per command id under {@code journal/} (named by the id's SHA-256), replaced
 * atomically at each step:
 * <ul>
 *   <li>{@code ORDERED}: an ACME order was placed (its URL); a replay resumes it.</li>
 *   <li>{@code ISSUED} / {@code REVOKED}: the answer event (proto3 JSON) as it was published; a replay
 *       republishes it unchanged.</li>
 * </ul>
 * Beside it, by serial: {@code certs/<serial>.pem} (every chain issued, with its mode, for revocation)
 * and {@code revoked/<serial>} (every serial revoked).
 */
public final class Journal {

    public enum Stage { ORDERED, ISSUED, REVOKED }

    /**
     * One command's record.
     *
     * @param orders how many ACME orders this command has placed (a fresh one only replaces an invalid one, once)
     * @param event the published answer (proto3 JSON), for ISSUED and REVOKED
     */
    public record Entry(String commandId, Stage stage, Optional<String> orderUrl, int orders, Optional<String> event) {}

    /**
     * A certificate issued here: its mode ({@code self-signed} or {@code acme}), the deployment it was
     * issued to ({@code tenant/name}; empty for certificates journaled before that was recorded) and
     * its chain (PEM, leaf first).
     */
    public record Issued(String serial, String mode, String deployment, String chainPem) {}

    private static final Pattern SERIAL = Pattern.compile("[0-9a-f]{1,64}");

    private final Path entries;
    private final Path certs;
    private final Path revoked;

    public Journal(Path stateDir) {
        this.entries = stateDir.resolve("journal");
        this.certs = stateDir.resolve("certs");
        this.revoked = stateDir.resolve("revoked");
        try {
            Files.createDirectories(entries);
            Files.createDirectories(certs);
            Files.createDirectories(revoked);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the journal in " + stateDir, e);
        }
    }

    public Optional<Entry> entry(String commandId) {
        Path file = fileOf(commandId);
        Properties p = new Properties();
        try {
            p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the journal entry " + file, e);
        }
        if (!commandId.equals(p.getProperty("command-id"))) {
            throw new IllegalStateException("journal entry " + file + " belongs to another command: " + p.getProperty("command-id"));
        }
        return Optional.of(new Entry(commandId, Stage.valueOf(p.getProperty("stage")),
                Optional.ofNullable(p.getProperty("order-url")),
                Integer.parseInt(p.getProperty("orders", "0")),
                Optional.ofNullable(p.getProperty("event"))));
    }

    /** Records that {@code commandId} placed its {@code orders}-th ACME order, at {@code orderUrl}. */
    public void ordered(String commandId, String orderUrl, int orders) {
        write(new Entry(commandId, Stage.ORDERED, Optional.of(orderUrl), orders, Optional.empty()));
    }

    /** Records a certificate issued for {@code commandId}, with the event that announces it; before it is published. */
    public void issued(String commandId, Issued certificate, String eventJson) {
        Optional<Entry> before = entry(commandId);
        writeFile(certs.resolve(certificate.serial() + ".pem"),
                ("# mode=" + certificate.mode() + "\n# deployment=" + certificate.deployment() + "\n" + certificate.chainPem())
                        .getBytes(StandardCharsets.US_ASCII));
        write(new Entry(commandId, Stage.ISSUED, before.flatMap(Entry::orderUrl), before.map(Entry::orders).orElse(0),
                Optional.of(eventJson)));
    }

    /** Records that {@code commandId} revoked a serial, with its answer event. */
    public void revoked(String commandId, String serial, String eventJson) {
        markRevoked(serial);
        write(new Entry(commandId, Stage.REVOKED, Optional.empty(), 0, Optional.of(eventJson)));
    }

    /** A certificate issued here, by serial (lowercase hex). */
    public Optional<Issued> certificate(String serial) {
        if (!SERIAL.matcher(serial).matches()) {
            return Optional.empty();
        }
        try {
            String text = Files.readString(certs.resolve(serial + ".pem"), StandardCharsets.US_ASCII);
            // "# key=value" header lines, then the chain; older files have only "# mode="
            Properties header = new Properties();
            int at = 0;
            while (text.startsWith("# ", at)) {
                int end = text.indexOf('\n', at);
                header.load(new StringReader(text.substring(at + 2, end)));
                at = end + 1;
            }
            return Optional.of(new Issued(serial, header.getProperty("mode", ""), header.getProperty("deployment", ""),
                    text.substring(at)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the certificate " + serial, e);
        }
    }

    public void markRevoked(String serial) {
        requireSerial(serial);
        writeFile(revoked.resolve(serial), new byte[0]);
    }

    public boolean isRevoked(String serial) {
        return SERIAL.matcher(serial).matches() && Files.exists(revoked.resolve(serial));
    }

    /** Every serial revoked here, sorted. */
    public List<String> revokedSerials() {
        try (Stream<Path> files = Files.list(revoked)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> SERIAL.matcher(n).matches()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file of a command's entry: the SHA-256 of its id, so any id makes a safe file name. */
    Path fileOf(String commandId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(commandId.getBytes(StandardCharsets.UTF_8));
            return entries.resolve(HexFormat.of().formatHex(digest) + ".properties");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void write(Entry entry) {
        Properties p = new Properties();
        p.setProperty("command-id", entry.commandId());
        p.setProperty("stage", entry.stage().name());
        entry.orderUrl().ifPresent(u -> p.setProperty("order-url", u));
        p.setProperty("orders", Integer.toString(entry.orders()));
        entry.event().ifPresent(e -> p.setProperty("event", e));
        StringWriter out = new StringWriter();
        try {
            p.store(out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeFile(fileOf(entry.commandId()), out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void writeFile(Path file, byte[] content) {
        try {
            Files2.writeAtomically(file, content, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void requireSerial(String serial) {
        if (!SERIAL.matcher(serial).matches()) {
            throw new IllegalArgumentException("not a lowercase hex serial: " + serial);
        }
    }
}
