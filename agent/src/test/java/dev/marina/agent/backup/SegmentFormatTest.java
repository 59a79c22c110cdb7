package dev.marina.agent.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SegmentFormatTest {

    private static final int SEGMENT = 64;
    private static final BackupKey KEY = new BackupKey("k1", bytes(32, 1));
    /** Header: magic 4, version 1, size 4, prefix 7, id length 1, "k1" 2. */
    private static final int HEADER = 19;
    private static final int SEALED = SEGMENT + 16;

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] seal(byte[] plain, BackupKey key) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SealingOutputStream s = new SealingOutputStream(out, key, SEGMENT)) {
            // in uneven pieces, as a pipe delivers them
            int off = 0;
            int step = 1;
            while (off < plain.length) {
                int n = Math.min(step, plain.length - off);
                s.write(plain, off, n);
                off += n;
                step = step * 3 % 97 + 1;
            }
        }
        return out.toByteArray();
    }

    static byte[] open(byte[] sealed, BackupKey key) throws IOException {
        try (OpeningInputStream in = new OpeningInputStream(new ByteArrayInputStream(sealed), key)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest(name = "round trip of {0} bytes")
    @ValueSource(ints = {0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 3 * SEGMENT + 5})
    void round_trips_any_length(int length) throws IOException {
        byte[] plain = bytes(length, length);
        byte[] sealed = seal(plain, KEY);
        int segments = Math.max(1, (length + SEGMENT - 1) / SEGMENT);
        assertEquals(HEADER + length + segments * 16L, sealed.length, "one tag per segment; a full last segment stays the last");
        assertArrayEquals(plain, open(sealed, KEY));
    }

    @Test
    void the_default_segment_size_round_trips_a_few_mebibytes() throws IOException {
        byte[] plain = bytes(3 * (1 << 20) + 17, 7);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SealingOutputStream s = new SealingOutputStream(out, KEY)) {
            s.write(plain);
        }
        assertArrayEquals(plain, open(out.toByteArray(), KEY));
    }

    @Test
    void two_streams_of_the_same_plaintext_differ() throws IOException {
        byte[] plain = bytes(100, 3);
        assertFalse(Arrays.equals(seal(plain, KEY), seal(plain, KEY)), "a fresh random nonce prefix per stream");
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                refused("cut at a segment boundary (the last segment dropped)",
                        s -> Arrays.copyOf(s, HEADER + 2 * SEALED), "does not authenticate"),
                refused("cut inside a segment", s -> Arrays.copyOf(s, HEADER + SEALED + 40), "segment 1 does not authenticate"),
                refused("cut inside the tag of the first segment", s -> Arrays.copyOf(s, HEADER + 5), "incomplete"),
                refused("cut right after the header", s -> Arrays.copyOf(s, HEADER), "incomplete"),
                refused("cut inside the header", s -> Arrays.copyOf(s, 10), "header is incomplete"),
                refused("empty", s -> new byte[0], "header is incomplete"),
                refused("a ciphertext byte flipped", s -> flip(s, HEADER + SEALED + 3), "segment 1 does not authenticate"),
                refused("a tag byte flipped", s -> flip(s, HEADER + SEALED - 1), "segment 0 does not authenticate"),
                refused("the nonce prefix in the header changed", s -> flip(s, 10), "segment 0 does not authenticate"),
                refused("segments swapped", SegmentFormatTest::swapFirstTwo, "segment 0 does not authenticate"),
                refused("a segment repeated", s -> concat(Arrays.copyOf(s, HEADER + SEALED),
                        Arrays.copyOfRange(s, HEADER, s.length)), "segment 1 does not authenticate"),
                refused("bytes appended", s -> concat(s, new byte[] {1, 2, 3}), "does not authenticate"),
                refused("not a backup stream", s -> "hello, this is not encrypted".getBytes(), "no MRNB header"),
                refused("another version", s -> { byte[] c = s.clone(); c[4] = 9; return c; }, "version 9"));
    }

    private static Arguments refused(String name, UnaryOperator<byte[]> change, String reason) {
        return Arguments.of(name, change, reason);
    }

    @ParameterizedTest(name = "refuses a stream {0}")
    @MethodSource("refusals")
    void refuses_a_changed_stream(String name, UnaryOperator<byte[]> change, String reason) throws IOException {
        byte[] sealed = seal(bytes(3 * SEGMENT + 5, 11), KEY);
        IOException e = assertThrows(IOException.class, () -> open(change.apply(sealed), KEY));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void refuses_a_wrong_key_with_the_same_id() throws IOException {
        byte[] sealed = seal(bytes(10, 1), KEY);
        IOException e = assertThrows(IOException.class, () -> open(sealed, new BackupKey("k1", bytes(32, 2))));
        assertTrue(e.getMessage().contains("wrong key"), e.getMessage());
    }

    @Test
    void refuses_a_key_of_another_id_before_decrypting() throws IOException {
        byte[] sealed = seal(bytes(10, 1), KEY);
        IOException e = assertThrows(IOException.class, () -> open(sealed, new BackupKey("k2", bytes(32, 1))));
        assertEquals("the backup is encrypted with key \"k1\", not \"k2\"", e.getMessage());
    }

    @Test
    void keys_are_32_bytes_of_base64_and_never_printed() {
        BackupKey key = BackupKey.fromBase64("k7", java.util.Base64.getEncoder().encodeToString(bytes(32, 5)));
        assertEquals("BackupKey[k7]", key.toString());
        assertThrows(IllegalArgumentException.class, () -> BackupKey.fromBase64("k7", "c2hvcnQ="));
        assertThrows(IllegalArgumentException.class, () -> BackupKey.fromBase64("k7", "not base64!"));
        assertThrows(IllegalArgumentException.class, () -> BackupKey.fromBase64("", java.util.Base64.getEncoder().encodeToString(bytes(32, 5))));
    }

    private static byte[] flip(byte[] s, int at) {
        byte[] c = s.clone();
        c[at] ^= 0x40;
        return c;
    }

    private static byte[] swapFirstTwo(byte[] s) {
        byte[] c = s.clone();
        System.arraycopy(s, HEADER + SEALED, c, HEADER, SEALED);
        System.arraycopy(s, HEADER, c, HEADER + SEALED, SEALED);
        return c;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
