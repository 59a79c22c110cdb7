package dev.marina.healthmonitor;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.marina.testkit.LocalKafka;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Started before the broker, the service stays alive and says it is not ready, instead of failing
 * (which would make an orchestrator restart it in a loop).
 */
@QuarkusTest
@TestProfile(NoBrokerAtStartIT.NoBroker.class)
class NoBrokerAtStartIT {

    public static class NoBroker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // A port nothing listens on.
            return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + LocalKafka.freePort());
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Test
    void is_live_but_not_ready_while_no_broker_answers() throws InterruptedException {
        // Long enough for Streams to have tried and failed to reach the broker a few times.
        Thread.sleep(3_000);
        given().get("/q/health/live").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'kafka-streams' }.data.state", equalTo("CREATED"));
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'kafka' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'kafka-streams' }.status", equalTo("DOWN"));
    }
}
