package dev.marina.agent.backup;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.BackupManifest;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Engine;
import dev.marina.schemas.v1.Role;
import dev.marina.schemas.v1.StoredObject;
import dev.marina.service.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** The manifest a backup ends with: built from what the run observed, stored as proto JSON. */
public final class Manifests {
    private Manifests() {}

    /** What a finished run knows; every field is checked before a manifest is made of it. */
    public record Facts(String backupId, DeploymentRef deployment, String instanceId, Role role, Instant startedAt,
            Instant finishedAt, String gtidPosition, long streamBytes, List<StoredObject> objects, String serverVersion,
            String keyId) {}

    public static BackupManifest build(Facts f) {
        if (f.objects().isEmpty()) {
            throw new IllegalArgumentException("a manifest names at least one object");
        }
        if (f.finishedAt().isBefore(f.startedAt())) {
            throw new IllegalArgumentException("finished before it started");
        }
        long stored = 0;
        for (StoredObject o : f.objects()) {
            if (o.getSha256().length() != 64 || o.getStoredBytes() <= 0) {
                throw new IllegalArgumentException("object " + o.getKey() + " lacks its size or sha256");
            }
            stored += o.getStoredBytes();
        }
        return BackupManifest.newBuilder()
                .setBackupId(f.backupId())
                .setDeployment(f.deployment())
                .setInstanceId(f.instanceId())
                .setSourceRole(f.role())
                .setStartedAt(Timestamps.of(f.startedAt()))
                .setFinishedAt(Timestamps.of(f.finishedAt()))
                .setGtidPosition(f.gtidPosition())
                .setSizeBytes(f.streamBytes())
                .setStoredBytes(stored)
                .addAllObjects(f.objects())
                .setEngine(Engine.ENGINE_MARIADB)
                .setServerVersion(f.serverVersion())
                .setFormat(ObjectLayout.FORMAT)
                .setKeyId(f.keyId())
                .build();
    }

    public static byte[] toJson(BackupManifest manifest) {
        return ProtoJsonSerde.toJson(manifest).getBytes(StandardCharsets.UTF_8);
    }

    /** Throws {@link IllegalArgumentException} with the reason when the bytes are no manifest. */
    public static BackupManifest fromJson(byte[] json) {
        Decoded<BackupManifest> decoded = ProtoJsonSerde.fromJson(BackupManifest.getDefaultInstance(), json);
        if (decoded instanceof Decoded.Failed<BackupManifest> failed) {
            throw new IllegalArgumentException("not a backup manifest: " + failed.reason());
        }
        return decoded.value();
    }
}
