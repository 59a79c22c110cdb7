package dev.marina.provisioner;

import dev.marina.schemas.access.KafkaAccess;
import dev.marina.testkit.SharedKafka;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.marina.testkit.LocalKafka;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A service started while its broker is down stays alive, reports not ready, and becomes ready
 * when the broker appears — and not ready again when the broker goes away.
 */
@QuarkusTest
@TestProfile(BrokerOutageIT.BrokerNotThereYet.class)
class BrokerOutageIT {

    /**
     * Points the service at a port where no broker listens (yet). The broker that appears there later
     * shares the shared broker's secrets, so the service logs in as the admin (SCRAM principals live in
     * a broker's own metadata, which a new broker starts without).
     */
    public static class BrokerNotThereYet implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new java.util.HashMap<>(KafkaAccess.asServiceConfig(SharedKafka.clientProperties()));
            config.put("kafka.bootstrap.servers", "127.0.0.1:" + LocalKafka.freePort());
            return config;
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void is_not_ready_without_a_broker_recovers_when_it_appears_and_notices_when_it_goes() throws Exception {
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'kafka' }.data.reason", containsString("did not answer"))
                .body("checks.find { it.name == 'kafka' }.data.bootstrap", equalTo(bootstrapServers));
        given().get("/q/health/live").then().statusCode(200);

        int port = Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
        try (LocalKafka kafka = LocalKafka.start(Files.createTempDirectory("outage-kafka-"), SharedKafka.secretsDir(), port,
                LocalKafka.freePort())) {
            awaitReadiness(200, "UP");

            kafka.stop();
            awaitReadiness(503, "DOWN");
            given().get("/q/health/live").then().statusCode(200);

            kafka.restart();
            awaitReadiness(200, "UP");
        }
    }

    private static void awaitReadiness(int status, String state) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(status).body("status", equalTo(state)));
    }
}
