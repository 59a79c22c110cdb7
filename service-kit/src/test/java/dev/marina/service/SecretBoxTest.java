package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.v1.SealedSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {

    @TempDir
    Path dir;

    @Test
    void seals_and_opens_and_the_plaintext_is_not_in_the_sealed_record() {
        SecretBox box = SecretBox.fromKeyFile(dir.resolve("platform.key"));
        SealedSecret sealed = box.seal("hunter2-very-secret");
        assertFalse(ProtoJsonSerde.toJson(sealed).contains("hunter2"));
        assertEquals("hunter2-very-secret", box.open(sealed));
    }

    @Test
    void creates_the_key_file_readable_only_by_its_owner_and_reuses_it() throws Exception {
        Path file = dir.resolve("secrets/platform.key");
        SecretBox first = SecretBox.fromKeyFile(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        SecretBox second = SecretBox.fromKeyFile(file);
        assertEquals("x", second.open(first.seal("x")));
    }

    @Test
    void refuses_a_secret_of_another_key_or_an_altered_one() {
        SecretBox ours = SecretBox.fromKeyFile(dir.resolve("a.key"));
        SecretBox theirs = SecretBox.fromKeyFile(dir.resolve("b.key"));
        assertThrows(IllegalArgumentException.class, () -> ours.open(theirs.seal("x")));
        SealedSecret sealed = ours.seal("x");
        byte[] altered = sealed.getCiphertext().toByteArray();
        altered[0] ^= 1;
        assertThrows(IllegalArgumentException.class,
                () -> ours.open(sealed.toBuilder().setCiphertext(ByteString.copyFrom(altered)).build()));
    }
}
