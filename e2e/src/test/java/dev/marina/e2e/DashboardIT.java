package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * The fleet dashboard as an operator watches it, in headless Chromium, with the platform running as
 * processes: a deployment applied through the API appears on the page by itself and turns Ready;
 * selected, its charts grow as its agent's samples arrive; its agent killed, its instance turns red.
 */
@org.junit.jupiter.api.Order(7) // see Platform.shared
class DashboardIT {

    private static final String SMALL = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\"}}";
    private static final Path SCREENSHOTS = Path.of("target");

    @Test
    void the_dashboard_follows_a_deployment_live_from_apply_to_its_agent_dying() throws Exception {
        // Samples every second so the charts move, a killed agent seen Down quickly and restarted slowly (Platform.FAST_DETECTION).
        try (Platform platform = Platform.shared(Platform.FAST_DETECTION); Chromium chromium = Chromium.start()) {
            WebDriver driver = chromium.driver;
            try {
                driver.get(dashboardUrl(platform));
                await(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertEquals("live", driver.findElement(By.id("live")).getAttribute("data-state"), "the page's event stream"));

                String name = "dash" + UUID.randomUUID().toString().substring(0, 6);
                String key = "e2e/" + name;
                String path = "/v1/deployments/" + key;
                String tile = ".tile[data-deployment='" + key + "']";
                Platform.Response applied = platform.call("PUT", path, SMALL);
                assertEquals(200, applied.status(), () -> "apply: " + applied.body());

                // The tile appears without a reload, and follows the deployment to Ready.
                await(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(1, driver.findElements(By.cssSelector(tile)).size(),
                        "a tile for " + key));
                await(Duration.ofSeconds(120)).untilAsserted(() ->
                        assertEquals("PHASE_READY", driver.findElement(By.cssSelector(tile)).getAttribute("data-phase")));
                JsonNode status = platform.call("GET", path, null).body().path("status");
                String instanceId = status.path("instances").get(0).path("instanceId").asText();
                String dot = tile + " [data-instance='" + instanceId + "']";
                String row = "#detail-instances tr[data-instance='" + instanceId + "']";
                await(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertEquals("HEALTH_UP", driver.findElement(By.cssSelector(dot)).getAttribute("data-health")));

                // Selected: the detail, and charts that grow as the agent's samples arrive.
                // the tile is drawn anew as statuses arrive: a click on one just replaced is tried again
                await(Duration.ofSeconds(10)).until(() -> {
                    driver.findElement(By.cssSelector(tile)).click();
                    return true;
                });
                await(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertEquals(key, driver.findElement(By.id("detail")).getAttribute("data-deployment"));
                    assertEquals("ROLE_PRIMARY", driver.findElement(By.cssSelector(row)).getAttribute("data-role"));
                });
                String chart = "#charts [data-chart='queries_per_second']";
                try {
                    await(Duration.ofSeconds(60)).until(() -> points(driver, chart) >= 2);
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("no metric points for " + instanceId + " on the dashboard within 60 s: agents send "
                            + "MetricSample records on `metrics` every MARINA_AGENT_METRICS_INTERVAL; does this build's agent send "
                            + "them? health-monitor log: " + platform.log("health-monitor"), e);
                }
                int before = points(driver, chart);
                await(Duration.ofSeconds(60)).untilAsserted(() -> assertTrue(points(driver, chart) >= before + 3,
                        "the chart grows as samples arrive: " + before + " → " + points(driver, chart)));
                assertTrue(points(driver, "#charts [data-chart='memory_bytes']") > 0, "memory is charted");
                assertTrue(points(driver, "#charts [data-chart='cpu_percent']") > 0, "CPU is charted");

                // The agent dies: the instance turns red in the tile and in the detail.
                recordHealthChanges(driver, instanceId);
                ProcessHandle agent = agentOf(platform, platform.instanceDir(instanceId));
                agent.destroyForcibly();
                await(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertTrue(healthSeen(driver, "tile").contains("HEALTH_DOWN"), "tile dot went red; saw " + healthSeen(driver, "tile"));
                    assertTrue(healthSeen(driver, "row").contains("HEALTH_DOWN"), "detail row went red; saw " + healthSeen(driver, "row"));
                });
                chromium.screenshot(SCREENSHOTS.resolve("dashboard.png"));

                // Restarted by the provisioner: green again, by itself.
                await(Duration.ofSeconds(90)).untilAsserted(() ->
                        assertEquals("HEALTH_UP", driver.findElement(By.cssSelector(dot)).getAttribute("data-health")));
            } catch (Throwable e) {
                chromium.screenshot(SCREENSHOTS.resolve("dashboard-failure.png"));
                throw e;
            }
        }
    }

    /** health-monitor's address, as it logged it: Platform picks a free port per service. */
    private static String dashboardUrl(Platform platform) throws IOException {
        String log = Files.readString(platform.home.resolve("logs").resolve("health-monitor.log"));
        Matcher listening = Pattern.compile("Listening on: (http://[0-9.]+:[0-9]+)").matcher(log);
        if (!listening.find()) {
            throw new AssertionError("health-monitor's log does not say where it listens: " + platform.log("health-monitor"));
        }
        return listening.group(1) + "/dashboard";
    }

    /**
     * Records every health the page gives the instance, in its tile and in the detail: a Down that
     * lasts less than a poll of this test is still seen.
     */
    private static void recordHealthChanges(WebDriver driver, String instanceId) {
        ((JavascriptExecutor) driver).executeScript("""
                const id = arguments[0];
                window.__seen = { tile: [], row: [] };
                const look = () => {
                  document.querySelectorAll('.tile [data-instance="' + id + '"]').forEach(n => window.__seen.tile.push(n.dataset.health));
                  document.querySelectorAll('#detail-instances tr[data-instance="' + id + '"]').forEach(n => window.__seen.row.push(n.dataset.health));
                };
                look();
                new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-health'] });
                """, instanceId);
    }

    @SuppressWarnings("unchecked")
    private static List<String> healthSeen(WebDriver driver, String where) {
        return (List<String>) ((JavascriptExecutor) driver).executeScript("return window.__seen[arguments[0]];", where);
    }

    private static int points(WebDriver driver, String css) {
        return Integer.parseInt(driver.findElement(By.cssSelector(css)).getAttribute("data-points"));
    }

    private static ConditionFactory await(Duration atMost) {
        return Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(150)).ignoreExceptions();
    }

    private static ProcessHandle agentOf(Platform platform, Path instanceDir) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> platform.processesOf(instanceDir).stream()
                .filter(p -> p.info().commandLine().orElse("").contains("quarkus-run.jar")).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
    }
}
