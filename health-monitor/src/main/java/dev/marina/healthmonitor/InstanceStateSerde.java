package dev.marina.healthmonitor;

import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.service.Timestamps;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The state store's value format: a version byte, then the fields of {@link InstanceState} in order, the
 * newest heartbeat as its protobuf bytes. Internal to this service (store and changelog only), so it is
 * not a contract in {@code schemas}. A change of fields gets a new version and keeps reading the old ones.
 *
 * <ul>
 *   <li>1: deployment key, instance id, role, GTID position, database reachable and error, last heard,
 *       last sent, health, reason, last transition.</li>
 *   <li>2: deployment key, instance id, newest heartbeat, last heard, health, reason, last transition,
 *       held by replicas.</li>
 * </ul>
 */
public final class InstanceStateSerde implements Serde<InstanceState> {

    private static final byte VERSION = 2;
    private static final byte VERSION_1 = 1;

    @Override
    public Serializer<InstanceState> serializer() {
        return (topic, state) -> state == null ? null : write(state);
    }

    @Override
    public Deserializer<InstanceState> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    static byte[] write(InstanceState state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writeString(out, state.deploymentKey());
            writeString(out, state.instanceId());
            writeBytes(out, state.latest().toByteArray());
            writeInstant(out, state.lastHeardAt());
            out.writeInt(state.health().getNumber());
            writeString(out, state.reason());
            writeInstant(out, state.lastTransitionAt());
            out.writeBoolean(state.heldByReplicas());
        } catch (IOException e) {
            throw new SerializationException("cannot write the state of " + state.storeKey(), e);
        }
        return bytes.toByteArray();
    }

    static InstanceState read(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version == VERSION_1) {
                return readVersion1(in);
            }
            if (version != VERSION) {
                throw new SerializationException("instance state format " + version + " is unknown to this build");
            }
            return new InstanceState(
                    readString(in),
                    readString(in),
                    Heartbeat.parseFrom(readBytes(in)),
                    readInstant(in),
                    health(in.readInt()),
                    readString(in),
                    readInstant(in),
                    in.readBoolean());
        } catch (IOException e) {
            throw new SerializationException("cannot read an instance state", e);
        }
    }

    /** A state written before heartbeats carried replication: its heartbeat is rebuilt from what was kept. */
    private static InstanceState readVersion1(DataInputStream in) throws IOException {
        String deploymentKey = readString(in);
        String instanceId = readString(in);
        int role = in.readInt();
        String gtid = readString(in);
        boolean reachable = in.readBoolean();
        String error = readString(in);
        Instant lastHeardAt = readInstant(in);
        Instant lastSentAt = readInstant(in);
        Health health = health(in.readInt());
        String reason = readString(in);
        Instant lastTransitionAt = readInstant(in);
        Heartbeat latest = Heartbeat.newBuilder()
                .setDeployment(DeploymentKey.parse(deploymentKey))
                .setInstanceId(instanceId)
                .setRoleValue(role)
                .setGtidPosition(gtid)
                .setDatabaseReachable(reachable)
                .setDatabaseError(error)
                .setSentAt(Timestamps.of(lastSentAt))
                .setPrimaryLastSeenMs(-1)
                .build();
        return new InstanceState(deploymentKey, instanceId, latest, lastHeardAt, health, reason, lastTransitionAt,
                false);
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        return value;
    }

    // Length-prefixed UTF-8: DataOutput.writeUTF stops at 64 KiB, and database errors can be long.
    private static void writeString(DataOutputStream out, String value) throws IOException {
        writeBytes(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static void writeInstant(DataOutputStream out, Instant instant) throws IOException {
        out.writeLong(instant.getEpochSecond());
        out.writeInt(instant.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }

    private static Health health(int number) {
        Health health = Health.forNumber(number);
        return health == null ? Health.HEALTH_UNSPECIFIED : health;
    }
}
