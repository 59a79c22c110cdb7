package dev.marina.healthmonitor.metrics;

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
 * The binary form of this package's store values: a version byte, then the fields in order.
 * Internal to the service (stores and changelogs only), so not a contract in {@code schemas}; a change
 * of fields gets a new version and keeps reading the old one.
 */
abstract class StoreFormat<T> implements Serde<T> {

    private final byte version;
    private final byte oldest;
    private final String what;

    StoreFormat(int version, String what) {
        this(version, version, what);
    }

    /** A format written as {@code version} that still reads {@code oldest} … {@code version}. */
    StoreFormat(int version, int oldest, String what) {
        this.version = (byte) version;
        this.oldest = (byte) oldest;
        this.what = what;
    }

    abstract void write(DataOutputStream out, T value) throws IOException;

    abstract T read(DataInputStream in) throws IOException;

    /** Reads a value written as {@code found}; formats that read older versions override this. */
    T read(DataInputStream in, int found) throws IOException {
        return read(in);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : bytes(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : value(bytes);
    }

    byte[] bytes(T value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            write(out, value);
        } catch (IOException e) {
            throw new SerializationException("cannot write " + what, e);
        }
        return bytes.toByteArray();
    }

    T value(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte found = in.readByte();
            if (found < oldest || found > version) {
                throw new SerializationException(what + " format " + found + " is unknown to this build");
            }
            return read(in, found);
        } catch (IOException e) {
            throw new SerializationException("cannot read " + what, e);
        }
    }

    // Length-prefixed UTF-8: no 64 KiB limit as with writeUTF.
    static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    static String readString(DataInputStream in) throws IOException {
        byte[] utf8 = new byte[in.readInt()];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    static void writeInstant(DataOutputStream out, Instant instant) throws IOException {
        out.writeLong(instant.getEpochSecond());
        out.writeInt(instant.getNano());
    }

    static Instant readInstant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }
}
