package dev.marina.healthmonitor.dashboard;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Listening beyond loopback: the dashboard needs its token; health does not. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(DashboardTokenIT.AllInterfaces.class)
class DashboardTokenIT {

    static final String TOKEN = "dashboard-it-token-5e1b";

    public static class AllInterfaces implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.host", "0.0.0.0", "quarkus.http.test-port", "0",
                    "marina.dashboard.token", TOKEN, "marina.dashboard.hosts", "ops.example.org");
        }
    }

    @Test
    void the_dashboard_needs_the_token_once_then_a_cookie_carries_it() {
        given().get("/dashboard").then().statusCode(401).body("error", containsString("token"));
        given().get("/dashboard/api/fleet").then().statusCode(401);
        given().get("/dashboard/dashboard.js").then().statusCode(401);
        given().get("/dashboard?token=wrong").then().statusCode(401);
        given().header("Authorization", "Bearer wrong").get("/dashboard/api/fleet").then().statusCode(401);
        given().cookie(DashboardGuard.COOKIE, "wrong").get("/dashboard/api/fleet").then().statusCode(401);

        Response opened = given().redirects().follow(false).get("/dashboard?token=" + TOKEN);
        assertEquals(303, opened.statusCode());
        assertEquals("/dashboard", opened.header("Location"), "the token leaves the address");
        String cookie = opened.header("Set-Cookie");
        assertTrue(cookie.toLowerCase().contains("httponly") && cookie.contains("SameSite=Strict"), cookie);

        given().cookie(DashboardGuard.COOKIE, opened.cookie(DashboardGuard.COOKIE)).get("/dashboard").then().statusCode(200);
        given().cookie(DashboardGuard.COOKIE, TOKEN).get("/dashboard/dashboard.js").then().statusCode(200);
        given().header("Authorization", "Bearer " + TOKEN).get("/dashboard/api/fleet").then().statusCode(200);
        given().header("Host", "ops.example.org").header("Authorization", "Bearer " + TOKEN).get("/dashboard/api/fleet")
                .then().statusCode(200);
        given().header("Host", "evil.example").header("Authorization", "Bearer " + TOKEN).get("/dashboard/api/fleet")
                .then().statusCode(403);
    }

    @Test
    void health_is_served_without_a_token() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
