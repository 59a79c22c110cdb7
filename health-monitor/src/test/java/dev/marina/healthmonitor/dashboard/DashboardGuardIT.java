package dev.marina.healthmonitor.dashboard;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** On loopback (the default): the Host header is checked, no token is asked for. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class DashboardGuardIT {

    @Test
    void a_rebound_name_is_refused_and_an_address_or_localhost_is_served() {
        given().header("Host", "evil.example:8085").get("/dashboard").then().statusCode(403)
                .body("error", containsString("DNS rebinding"));
        given().header("Host", "evil.example").get("/dashboard/api/fleet").then().statusCode(403);
        given().header("Host", "evil.example").get("/dashboard/dashboard.js").then().statusCode(403);
        given().header("Host", "evil.example").get("/q/metrics").then().statusCode(403);

        given().header("Host", "127.0.0.1:8085").get("/dashboard").then().statusCode(200);
        given().header("Host", "localhost").get("/dashboard/api/fleet").then().statusCode(200);
        given().get("/dashboard/dashboard.js").then().statusCode(200);
    }
}
