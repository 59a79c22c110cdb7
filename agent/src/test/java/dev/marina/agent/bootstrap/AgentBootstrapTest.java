package dev.marina.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.access.KafkaAccess;
import dev.marina.schemas.proof.InstanceKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The agent's bootstrap mode on the real SDK against recorded SSM exchanges ({@code ssm/}, {@link FakeSsm}). */
class AgentBootstrapTest {

    private static final String PARAMETER = "/marina/bootstrap/acme-orders-0";

    @TempDir
    Path instanceDir;

    private final FakeSsm fake = new FakeSsm();

    @AfterEach
    void everyExchangePlayedAndMatched() {
        fake.close();
        assertEquals(List.of(), fake.problems(), "requests that differ from the recorded exchanges");
        assertEquals(List.of(), fake.unplayed(), "recorded exchanges the agent never asked for");
    }

    private SdkSsmParameters ssm() {
        return new SdkSsmParameters(Optional.of("eu-west-1"), Optional.of(fake.endpoint()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeSsm.ACCESS_KEY, FakeSsm.SECRET_KEY)));
    }

    private AgentBootstrap bootstrap() {
        return new AgentBootstrap(PARAMETER, AgentBootstrap.CredentialFiles.in(instanceDir, Optional.empty()));
    }

    private void run() {
        try (SdkSsmParameters ssm = ssm()) {
            bootstrap().ensure(ssm, "acme-orders-0", "acme/orders");
        }
    }

    @Test
    void readsWritesPrivateFilesAndDeletesTheParameter() throws IOException {
        fake.play("get-delete");
        run();
        assertEquals(List.of("GetParameter", "DeleteParameter"), fake.received().stream().map(FakeSsm.Received::action).toList());
        Path kafka = instanceDir.resolve("kafka.properties");
        Path ca = instanceDir.resolve("kafka-ca.pem");
        Path key = instanceDir.resolve("instance.key");
        for (Path file : List.of(kafka, ca, key)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
        }
        // Read back the way the agent reads them on every start.
        Properties settings = KafkaAccess.load(kafka);
        assertEquals("SASL_SSL", settings.getProperty("security.protocol"));
        assertEquals("SCRAM-SHA-512", settings.getProperty("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"agent-acme-orders-0\""
                + " password=\"Xq3v9Lk2Pz7Rt4Wm8Nb5Hc6Jd1Fg0SeA\";", settings.getProperty("sasl.jaas.config"));
        assertEquals("PEM", settings.getProperty("ssl.truststore.type"));
        assertEquals(ca.toAbsolutePath().toString(), settings.getProperty("ssl.truststore.location"));
        assertTrue(Files.readString(ca).startsWith("-----BEGIN CERTIFICATE-----"));
        InstanceKey proof = InstanceKey.read(key);
        assertEquals("acme-orders-0", proof.instanceId());
        assertEquals("acme/orders", proof.deploymentKey());
        assertEquals("0a1b2c3d", proof.keyId());
    }

    @Test
    void aRestartWithTheFilesPresentAsksNothing() {
        fake.play("get-delete");
        run();
        int before = fake.received().size();
        assertTrue(bootstrap().present());
        run();
        assertEquals(before, fake.received().size(), "no SSM call on a restart");
    }

    @Test
    void aMissingParameterFailsSayingItIsOneTime() {
        fake.play("get-missing");
        IllegalStateException e = assertThrows(IllegalStateException.class, this::run);
        assertEquals("bootstrap secret " + PARAMETER + " not found: it is one-time; ask the platform to replace the"
                + " instance", e.getMessage());
        assertFalse(Files.exists(instanceDir.resolve("kafka.properties")));
    }

    @Test
    void accessDeniedFailsNamingThePermission() {
        fake.play("get-denied");
        IllegalStateException e = assertThrows(IllegalStateException.class, this::run);
        assertTrue(e.getMessage().startsWith("cannot read the bootstrap secret " + PARAMETER
                + ": GetParameter failed: AccessDeniedException: User: "), e.getMessage());
        assertTrue(e.getMessage().contains("needs ssm:GetParameter"), e.getMessage());
        assertFalse(Files.exists(instanceDir.resolve("instance.key")));
    }

    @Test
    void aSecretForAnotherInstanceIsRefusedAndNothingIsWrittenOrDeleted() {
        fake.expect("get-delete/01-get.exchange");
        try (SdkSsmParameters ssm = ssm()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new AgentBootstrap(PARAMETER, AgentBootstrap.CredentialFiles.in(instanceDir, Optional.empty()))
                            .ensure(ssm, "acme-orders-1", "acme/orders"));
            assertTrue(e.getMessage().startsWith("bootstrap secret " + PARAMETER + " is unusable: "), e.getMessage());
            assertFalse(e.getMessage().contains("Xq3v9Lk2"), e.getMessage());
        }
        assertFalse(Files.exists(instanceDir.resolve("kafka.properties")));
    }
}
