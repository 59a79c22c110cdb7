package dev.marina.agent.archive;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.marina.agent.InstanceFiles;
import dev.marina.schemas.v1.BinlogArchiveSettings;
import dev.marina.schemas.v1.SealedSecret;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;

/**
 * What this instance was told about archiving its binary logs (ARCHIVE_BINLOGS, or {@code archive} on DEPLOY and
 * PROMOTE), kept owner-only in {@code binlog-archive.properties} in the instance folder so a restarted agent resumes
 * archiving. The deployment's backup key is kept as received: sealed for this agent, opened only when used. Beside
 * it, where this instance stood when it last became primary ({@code promotedEpoch}, {@code promotedAt}): every index
 * entry it writes at that epoch carries that position.
 */
public record ArchiveSettings(boolean enabled, String keepAfterGtid, String keyId, SealedSecret sealedKey, long promotedEpoch,
        String promotedAt) {

    public static final String FILE = "binlog-archive.properties";
    public static final ArchiveSettings NONE = new ArchiveSettings(false, "", "", SealedSecret.getDefaultInstance(), 0, "");

    public static Path file(InstanceFiles files) {
        return files.dir().resolve(FILE);
    }

    /** The settings a command carries; the key only when it carries one (a disabling command needs none). */
    public ArchiveSettings told(BinlogArchiveSettings settings, SealedSecret key, String id) {
        boolean hasKey = key != null && !key.getCiphertext().isEmpty();
        return new ArchiveSettings(settings.getEnabled(), settings.getKeepAfterGtid(), hasKey ? id : keyId,
                hasKey ? key : sealedKey, promotedEpoch, promotedAt);
    }

    /** Became primary at {@code epoch} holding {@code position}; a repeat at the same epoch keeps the first position. */
    public ArchiveSettings promoted(long epoch, String position) {
        if (epoch == promotedEpoch && promotedEpoch != 0) {
            return this;
        }
        return new ArchiveSettings(enabled, keepAfterGtid, keyId, sealedKey, epoch, position == null ? "" : position);
    }

    public static ArchiveSettings load(Path file) {
        if (!Files.exists(file)) {
            return NONE;
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        SealedSecret key;
        try {
            key = SealedSecret.parseFrom(Base64.getDecoder().decode(p.getProperty("sealed-key", "")));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new IllegalStateException(file + " holds no readable sealed key: " + e.getMessage(), e);
        }
        return new ArchiveSettings(Boolean.parseBoolean(p.getProperty("enabled", "false")), p.getProperty("keep-after-gtid", ""),
                p.getProperty("key-id", ""), key, Long.parseLong(p.getProperty("promoted-epoch", "0")), p.getProperty("promoted-at", ""));
    }

    /** Atomically, mode 0600. */
    public void save(Path file) {
        Properties p = new Properties();
        p.setProperty("enabled", Boolean.toString(enabled));
        p.setProperty("keep-after-gtid", keepAfterGtid);
        p.setProperty("key-id", keyId);
        p.setProperty("sealed-key", Base64.getEncoder().encodeToString(sealedKey.toByteArray()));
        p.setProperty("promoted-epoch", Long.toString(promotedEpoch));
        p.setProperty("promoted-at", promotedAt);
        StringWriter text = new StringWriter();
        try {
            p.store(text, "binary-log archive settings (the key sealed for this agent); written by the agent");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        InstanceFiles.writePrivately(file, text.toString());
    }

    @Override
    public String toString() {
        return "ArchiveSettings[enabled=" + enabled + ", keepAfterGtid=" + keepAfterGtid + ", keyId=" + keyId + ", promotedEpoch="
                + promotedEpoch + ", promotedAt=" + promotedAt + "]";
    }
}
