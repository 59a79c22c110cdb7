package dev.marina.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven through chromedriver, both from Debian ({@code chromium},
 * {@code chromium-driver}; {@code ./marina deps} installs them). Missing, they fail the test and
 * say what to install: a page test that skips proves nothing.
 */
final class Chromium implements AutoCloseable {
    static final Path BROWSER = Path.of(System.getenv().getOrDefault("MARINA_CHROMIUM", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getenv().getOrDefault("MARINA_CHROMEDRIVER", "/usr/bin/chromedriver"));

    final ChromeDriver driver;

    private Chromium(ChromeDriver driver) {
        this.driver = driver;
    }

    static Chromium start() {
        if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
            fail("headless Chromium is needed for the dashboard test, and " + (Files.isExecutable(BROWSER) ? DRIVER : BROWSER)
                    + " is missing: install the Debian packages chromium and chromium-driver "
                    + "(apt-get install chromium chromium-driver, or ./marina deps)");
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        // --no-sandbox: tests may run as root, where Chromium's sandbox refuses to start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1440,1600", "--hide-scrollbars", "--force-device-scale-factor=1");
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new Chromium(driver);
    }

    /** Saves what the browser shows now as a PNG; a failure to do so never hides the test's own failure. */
    void screenshot(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
            Files.move(shot, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            System.err.println("could not save a screenshot to " + file + ": " + e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
