package dev.marina.healthmonitor;

import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Role;
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
 * The state store's value format: a version byte, then the fields of {@link InstanceState} in order.
 * Internal to this service (store and changelog only), so it is not a contract in {@code schemas}.
 * A change of fields gets a new version and keeps reading the old one.
 */
public final class InstanceStateSerde implements Serde<InstanceState> {

    private static final byte VERSION = 1;

    @Override
    public Serializer<InstanceState> serializer() {
        return (topic, state) -> state == null ? null : write(state);
    }

    @Override
    public Deserializer<InstanceState> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    static byte[] write(InstanceState state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writeString(out, state.deploymentKey());
            writeString(out, state.instanceId());
            out.writeInt(state.role().getNumber());
            writeString(out, state.gtidPosition());
            out.writeBoolean(state.databaseReachable());
            writeString(out, state.databaseError());
            writeInstant(out, state.lastHeardAt());
            writeInstant(out, state.lastSentAt());
            out.writeInt(state.health().getNumber());
            writeString(out, state.reason());
            writeInstant(out, state.lastTransitionAt());
        } catch (IOException e) {
            throw new SerializationException("cannot write the state of " + state.storeKey(), e);
        }
        return bytes.toByteArray();
    }

    static InstanceState read(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new SerializationException("instance state format " + version + " is unknown to this build");
            }
            return new InstanceState(
                    readString(in),
                    readString(in),
                    role(in.readInt()),
                    readString(in),
                    in.readBoolean(),
                    readString(in),
                    readInstant(in),
                    readInstant(in),
                    health(in.readInt()),
                    readString(in),
                    readInstant(in));
        } catch (IOException e) {
            throw new SerializationException("cannot read an instance state", e);
        }
    }

    // Length-prefixed UTF-8: DataOutput.writeUTF stops at 64 KiB, and database errors can be long.
    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] utf8 = new byte[in.readInt()];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static void writeInstant(DataOutputStream out, Instant instant) throws IOException {
        out.writeLong(instant.getEpochSecond());
        out.writeInt(instant.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }

    private static Role role(int number) {
        Role role = Role.forNumber(number);
        return role == null ? Role.ROLE_UNSPECIFIED : role;
    }

    private static Health health(int number) {
        Health health = Health.forNumber(number);
        return health == null ? Health.HEALTH_UNSPECIFIED : health;
    }
}
