package dev.marina.testkit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What every marina service must offer, whatever it does: liveness and readiness at
 * {@code /q/health}, ready once the real broker answers and the topics exist, and Prometheus
 * metrics at {@code /q/metrics}. A service's test extends this with {@code @QuarkusTest} and
 * {@code @QuarkusTestResource(KafkaTestResource.class)}.
 */
public abstract class ServiceBasicsContract {

    @Test
    void is_live() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void becomes_ready_against_the_real_broker() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200)
                        .body("status", equalTo("UP"))
                        .body("checks.find { it.name == 'kafka' }.status", equalTo("UP")));
    }

    @Test
    void exposes_prometheus_metrics() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("# TYPE jvm_memory_used_bytes gauge"));
    }
}
