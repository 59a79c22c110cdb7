package dev.marina.healthmonitor.dashboard;

import dev.marina.testkit.SharedKafka;
import static dev.marina.healthmonitor.dashboard.Records.instanceOf;
import static dev.marina.healthmonitor.dashboard.Records.sample;
import static dev.marina.healthmonitor.dashboard.Records.status;
import static dev.marina.healthmonitor.dashboard.Records.transition;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.Phase;
import dev.marina.testkit.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The dashboard page in headless Chromium, on the real broker: records published to
 * {@code deployment-status}, {@code instance-health} and {@code metrics} as the services write them
 * show up live, without reloading — a tile appears, the selected deployment's chart grows as samples
 * arrive, an instance that goes down turns red, a deleted deployment goes.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class DashboardPageIT {

    private static final Path SCREENSHOTS = Path.of("target");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL root;

    @BeforeEach
    void awaitFeed() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/dashboard/api/fleet").then().statusCode(200).body("feed.caughtUp", equalTo(true)));
    }

    @Test
    void the_page_follows_the_fleet_live() throws Exception {
        String tenant = "dash-" + UUID.randomUUID().toString().substring(0, 8);
        String key = tenant + "/orders";
        String instance = instanceOf(key);
        String tile = ".tile[data-deployment='" + key + "']";
        AtomicReference<Double> qps = new AtomicReference<>(5.0);
        ScheduledExecutorService agent = Executors.newSingleThreadScheduledExecutor();

        try (KafkaProducer<String, byte[]> producer = producer(); Chromium chromium = Chromium.start()) {
            var driver = chromium.driver;
            try {
                driver.get(page());
                await().untilAsserted(() -> assertEquals("live", driver.findElement(By.id("live")).getAttribute("data-state")));

                // A deployment created after the page loaded appears by itself.
                Instant t0 = Instant.now();
                send(producer, Topics.DEPLOYMENT_STATUS.name(), key, status(key, Phase.PHASE_PROVISIONING, Health.HEALTH_UNSPECIFIED, t0));
                await().untilAsserted(() -> assertEquals("PHASE_PROVISIONING", attribute(driver, tile, "data-phase")));

                send(producer, Topics.INSTANCE_HEALTH.name(), key,
                        transition(key, instance, Health.HEALTH_UP, Health.HEALTH_UNSPECIFIED, Instant.now()));
                send(producer, Topics.DEPLOYMENT_STATUS.name(), key, status(key, Phase.PHASE_READY, Health.HEALTH_UP, Instant.now()));
                await().untilAsserted(() -> {
                    assertEquals("PHASE_READY", attribute(driver, tile, "data-phase"));
                    assertEquals("HEALTH_UP", attribute(driver, tile + " [data-instance='" + instance + "']", "data-health"));
                });

                // Samples every 300 ms, as an agent with a short interval sends them.
                agent.scheduleAtFixedRate(() -> send(producer, Topics.METRICS.name(), key,
                        sample(key, instance, Instant.now(), qps.updateAndGet(q -> q + 1), 4)), 0, 300, TimeUnit.MILLISECONDS);

                driver.findElement(By.cssSelector(tile)).click();
                await().untilAsserted(() -> {
                    assertEquals(key, attribute(driver, "#detail", "data-deployment"));
                    assertTrue(driver.findElement(By.id("detail")).isDisplayed(), "the detail panel is shown");
                    assertEquals("ROLE_PRIMARY", attribute(driver, "#detail-instances tr[data-instance='" + instance + "']", "data-role"));
                });
                String chart = "#charts [data-chart='queries_per_second']";
                await().untilAsserted(() -> assertTrue(points(driver, chart) >= 3, "points drawn: " + points(driver, chart)));
                int before = points(driver, chart);
                await().untilAsserted(() -> assertTrue(points(driver, chart) >= before + 5,
                        "the chart grows as samples arrive: " + before + " → " + points(driver, chart)));
                assertTrue(points(driver, "#charts [data-chart='memory_bytes']") > 0, "memory is charted too");
                await().untilAsserted(() -> assertTrue(
                        driver.findElement(By.cssSelector("#detail-instances tr[data-instance='" + instance + "']")).getText().contains("150 MiB"),
                        "the instance row shows the latest memory gauge"));

                // The instance goes down: red in the tile and in the detail, an alert, a transition with its reason.
                send(producer, Topics.INSTANCE_HEALTH.name(), key,
                        transition(key, instance, Health.HEALTH_DOWN, Health.HEALTH_UP, Instant.now()));
                await().untilAsserted(() -> {
                    assertEquals("HEALTH_DOWN", attribute(driver, tile + " [data-instance='" + instance + "']", "data-health"));
                    assertEquals("HEALTH_DOWN", attribute(driver, "#detail-instances tr[data-instance='" + instance + "']", "data-health"));
                    assertEquals("1", attribute(driver, tile, "data-alerts"));
                    assertEquals("InstanceDown", attribute(driver, "#detail-alerts li", "data-kind"));
                    assertTrue(driver.findElement(By.cssSelector("#detail-transitions li[data-health='HEALTH_DOWN']")).getText()
                            .contains("no heartbeat for 5.0 s"));
                });
                // The status follows (Degraded, Healthy false): the badge and the conditions change with it.
                send(producer, Topics.DEPLOYMENT_STATUS.name(), key, status(key, Phase.PHASE_DEGRADED, Health.HEALTH_DOWN, Instant.now())
                        .toBuilder().addConditions(Records.condition("Healthy", false, "Down", Instant.now())).build());
                await().untilAsserted(() -> {
                    assertEquals("PHASE_DEGRADED", attribute(driver, "#detail-phase", "data-phase"));
                    assertEquals("false", attribute(driver, "#detail-conditions tr[data-condition='Healthy']", "data-status"));
                    assertEquals("2", attribute(driver, tile, "data-alerts"), "instance down, deployment degraded");
                });
                int down = Integer.parseInt(driver.findElement(By.cssSelector(
                        "[data-summary='instances'] [data-health='HEALTH_DOWN'] .stat-n")).getText());
                assertTrue(down >= 1, "the summary counts the down instance");
                chromium.screenshot(SCREENSHOTS.resolve("dashboard-page.png"));

                // The same, read by a program.
                given().get("/dashboard/api/fleet").then().statusCode(200)
                        .body("deployments.key", hasItem(key))
                        .body("deployments.find { it.key == '" + key + "' }.instances[0].health", equalTo("HEALTH_DOWN"))
                        .body(not(containsString("password")));
                given().get("/dashboard/api/deployments/" + key).then().statusCode(200)
                        .body("series[0].instance", equalTo(instance))
                        .body("charted", equalTo(List.copyOf(FleetView.CHARTED)));
                given().get("/dashboard/api/deployments/" + tenant + "/nothing").then().statusCode(404);

                // Deleted: the tombstone takes the tile away.
                agent.shutdownNow();
                send(producer, Topics.DEPLOYMENT_STATUS.name(), key, null);
                await().untilAsserted(() -> assertTrue(driver.findElements(By.cssSelector(tile)).isEmpty(), "the tile is gone"));
            } catch (Throwable e) {
                chromium.screenshot(SCREENSHOTS.resolve("dashboard-page-failure.png"));
                throw e;
            }
        } finally {
            agent.shutdownNow();
        }
    }

    @Test
    void the_page_and_its_files_are_served() {
        given().get("/dashboard").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("<script src=\"/dashboard/dashboard.js\">"));
        given().get("/dashboard/dashboard.js").then().statusCode(200);
        given().get("/dashboard/chart.js").then().statusCode(200);
        given().get("/dashboard/dashboard.css").then().statusCode(200);
    }

    private String page() {
        // The service listens on 127.0.0.1 only; "localhost" may resolve to ::1 first in the browser.
        return "http://127.0.0.1:" + root.getPort() + "/dashboard";
    }

    private static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(150)).ignoreExceptions();
    }

    private static String attribute(WebDriver driver, String css, String name) {
        WebElement element = driver.findElement(By.cssSelector(css));
        return element.getAttribute(name);
    }

    private static int points(WebDriver driver, String css) {
        return Integer.parseInt(attribute(driver, css, "data-points"));
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.putAll(SharedKafka.clientProperties());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Publishes the proto3 JSON of {@code value} (null: a tombstone), keyed by deployment, as the services do. */
    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, Message value) {
        byte[] bytes = value == null ? null : ProtoJsonSerde.toJson(value).getBytes(StandardCharsets.UTF_8);
        try {
            producer.send(new ProducerRecord<>(topic, key, bytes)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not publish to " + topic, e);
        }
    }
}
