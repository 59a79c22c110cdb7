package dev.marina.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The bootstrap secret's format as the agent parses it: the shared test vector, and what must be refused. */
class BootstrapSecretTest {

    static String vector() {
        try (InputStream in = BootstrapSecretTest.class.getResourceAsStream("/ssm/bootstrap-secret-v1.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BootstrapSecret parse(String text) {
        return BootstrapSecret.parse(text, "acme-orders-0", "acme/orders");
    }

    @Test
    void parsesTheVectorTheProvisionerRenders() {
        BootstrapSecret secret = parse(vector());
        assertEquals("acme-orders-0", secret.instanceId());
        assertEquals("acme/orders", secret.deployment());
        assertEquals("agent-acme-orders-0", secret.kafkaPrincipal());
        assertEquals("Xq3v9Lk2Pz7Rt4Wm8Nb5Hc6Jd1Fg0SeA", secret.kafkaPassword());
        assertTrue(secret.kafkaCaPem().startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertEquals("0a1b2c3d", secret.proofKeyId());
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) {
            key[i] = (byte) i;
        }
        assertArrayEquals(key, secret.proofKey());
        assertFalse(secret.toString().contains(secret.kafkaPassword()));
    }

    @Test
    void refusesWhatCouldNotBeTheProvisionersAndNamesNoSecret() {
        record Case(String name, UnaryOperator<String> change, String says) {}
        String password = "Xq3v9Lk2Pz7Rt4Wm8Nb5Hc6Jd1Fg0SeA";
        List<Case> cases = List.of(
                new Case("empty", t -> "", "does not start with marina-bootstrap="),
                new Case("no version line", t -> t.substring(t.indexOf('\n') + 1), "does not start with marina-bootstrap="),
                new Case("version 2", t -> t.replace("marina-bootstrap=1", "marina-bootstrap=2"), "has version 2; this agent knows 1"),
                new Case("a hostile version", t -> t.replace("marina-bootstrap=1", "marina-bootstrap=1\u0007x"), "has version (unreadable)"),
                new Case("missing password", t -> t.replace("kafka.password=" + password + "\n", ""), "lacks kafka.password"),
                new Case("missing proof key", t -> t.replaceAll("proof\\.key=.*\n", ""), "lacks proof.key"),
                new Case("a key twice", t -> t + "instance=acme-orders-0\n", "has instance twice"),
                new Case("an unknown key", t -> t + "ssl.keystore.location=/etc/shadow\n", "no known key"),
                new Case("a properties continuation", t -> t.replace("kafka.password=" + password, "kafka.password=" + password
                        + "\\\n  \";evil"), "no known key"),
                new Case("another instance's secret", t -> t.replace("instance=acme-orders-0", "instance=acme-orders-1"),
                        "is for instance acme-orders-1 of acme/orders, not acme-orders-0 of acme/orders"),
                new Case("another principal", t -> t.replace("kafka.principal=agent-acme-orders-0", "kafka.principal=admin"),
                        "kafka.principal is not agent-acme-orders-0"),
                new Case("a quote in the password (JAAS injection)", t -> t.replace(password, "abcdefgh\" username=\"admin"),
                        "kafka.password is malformed"),
                new Case("a newline-free but spaced deployment", t -> t.replace("deployment=acme/orders", "deployment=acme/orders x"),
                        "deployment is malformed"),
                new Case("a CA that is not base64", t -> t.replaceAll("kafka\\.ca=.*", "kafka.ca=%%%"), "kafka.ca is malformed"),
                new Case("a CA that is no certificate", t -> t.replaceAll("kafka\\.ca=.*", "kafka.ca=aGVsbG8="),
                        "kafka.ca is not PEM certificates"),
                new Case("a short proof key", t -> t.replaceAll("proof\\.key=.*", "proof.key=AAEC"), "proof.key is not 32 bytes"),
                new Case("an upper-case key id", t -> t.replace("proof.key-id=0a1b2c3d", "proof.key-id=0A1B2C3D"),
                        "proof.key-id is malformed"));
        for (Case c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(c.change().apply(vector())),
                    c.name());
            assertTrue(e.getMessage().contains(c.says()), c.name() + ": " + e.getMessage());
            assertFalse(e.getMessage().contains(password), c.name() + " names the password");
        }
    }
}
