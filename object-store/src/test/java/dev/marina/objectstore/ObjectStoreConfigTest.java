package dev.marina.objectstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ObjectStoreConfigTest {

    private static Properties valid() {
        Properties p = new Properties();
        p.setProperty("marina.object-store.endpoint", "http://127.0.0.1:9000");
        p.setProperty("marina.object-store.region", "us-east-1");
        p.setProperty("marina.object-store.bucket", "marina");
        p.setProperty("marina.object-store.prefix", "backups");
        p.setProperty("marina.object-store.access-key", "marina-abc");
        p.setProperty("marina.object-store.secret-key", "s3cr3t-VALUE");
        return p;
    }

    private static Properties with(String key, String value) {
        Properties p = valid();
        if (value == null) {
            p.remove("marina.object-store." + key);
        } else {
            p.setProperty("marina.object-store." + key, value);
        }
        return p;
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("refuses a missing bucket", with("bucket", null), "marina.object-store.bucket is missing"),
                Arguments.of("refuses an upper-case bucket", with("bucket", "Marina"), "is not a bucket name"),
                Arguments.of("refuses a two-letter bucket", with("bucket", "ab"), "is not a bucket name"),
                Arguments.of("refuses an endpoint that is not a URI", with("endpoint", "http://a b"), "is not a URI"),
                Arguments.of("refuses an endpoint of another scheme", with("endpoint", "ftp://127.0.0.1:9000"), "must be an http:// or https:// URL"),
                Arguments.of("refuses an endpoint without a host", with("endpoint", "http:///x"), "names no host"),
                Arguments.of("refuses an endpoint with a path", with("endpoint", "http://127.0.0.1:9000/marina"), "has a path"),
                Arguments.of("refuses a prefix beginning with a slash", with("prefix", "/backups"), "must not begin or end with /"),
                Arguments.of("refuses a prefix ending with a slash", with("prefix", "backups/"), "must not begin or end with /"),
                Arguments.of("refuses a prefix with an empty segment", with("prefix", "a//b"), "empty segment"),
                Arguments.of("refuses a region that is no region name", with("region", "US East"), "is not a region name"),
                Arguments.of("refuses path-style that is not a boolean", with("path-style", "yes"), "is neither true nor false"),
                Arguments.of("refuses a secret key without an access key", with("access-key", null), "marina.object-store.access-key is missing"),
                Arguments.of("refuses an access key without a secret key", with("secret-key", ""), "marina.object-store.secret-key is missing"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesInvalidSettingsWithAMessageNamingTheKey(String behaviour, Properties p, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ObjectStoreConfig.fromProperties(p));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t-VALUE"), "the secret is in the message: " + e.getMessage());
    }

    @Test
    void namesEveryProblemAtOnce() {
        Properties p = new Properties();
        p.setProperty("marina.object-store.prefix", "/x");
        p.setProperty("marina.object-store.secret-key", "s");
        String message = assertThrows(IllegalArgumentException.class, () -> ObjectStoreConfig.fromProperties(p)).getMessage();
        assertTrue(message.contains("bucket is missing") && message.contains("prefix=/x") && message.contains("access-key is missing"), message);
    }

    @Test
    void readsEveryKey() {
        ObjectStoreConfig c = ObjectStoreConfig.fromProperties(valid());
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9000")), c.endpoint());
        assertEquals("us-east-1", c.region());
        assertEquals("marina", c.bucket());
        assertEquals("backups", c.prefix());
        assertTrue(c.pathStyle(), "path-style is the default with an endpoint");
        assertEquals("marina-abc", c.accessKey());
        assertEquals("s3cr3t-VALUE", c.secretKey());
    }

    @Test
    void defaultsToAmazonS3WithVirtualHostsAndTheDefaultRegion() {
        Properties p = new Properties();
        p.setProperty("marina.object-store.bucket", "marina-backups");
        ObjectStoreConfig c = ObjectStoreConfig.fromProperties(p);
        assertEquals(Optional.empty(), c.endpoint());
        assertFalse(c.pathStyle());
        assertEquals("us-east-1", c.region());
        assertEquals("", c.prefix());
        assertFalse(c.hasStaticCredentials());
        assertEquals("https://s3.us-east-1.amazonaws.com", c.endpointDescription());
    }

    @Test
    void pathStyleCanBeTurnedOffExplicitly() {
        assertFalse(ObjectStoreConfig.fromProperties(with("path-style", "false")).pathStyle());
    }

    @Test
    void neverShowsTheSecretKeyInToString() {
        ObjectStoreConfig c = ObjectStoreConfig.fromProperties(valid());
        assertFalse(c.toString().contains("s3cr3t-VALUE"), c.toString());
        assertTrue(c.toString().contains("marina-abc") && c.toString().contains("http://127.0.0.1:9000"), c.toString());
    }

    @Test
    void loadsWhatToPropertiesWrote(@TempDir Path dir) throws IOException {
        ObjectStoreConfig c = ObjectStoreConfig.fromProperties(valid());
        Path file = dir.resolve("object-store.properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            c.toProperties().store(out, null);
        }
        assertEquals(c, ObjectStoreConfig.load(file));
    }

    @Test
    void loadNamesTheFileWhenItIsMissingOrInvalid(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.properties");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ObjectStoreConfig.load(missing)).getMessage().contains(missing.toString()));
        Path invalid = dir.resolve("invalid.properties");
        Files.writeString(invalid, "marina.object-store.region=us-east-1\n");
        String message = assertThrows(IllegalArgumentException.class, () -> ObjectStoreConfig.load(invalid)).getMessage();
        assertTrue(message.contains(invalid.toString()) && message.contains("bucket is missing"), message);
    }
}
