package dev.marina.service.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import dev.marina.testkit.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a user sees with {@code kcat -L}: every catalogue topic, with its partitions. */
class KcatSeesTheTopicsIT {

    @Test
    void kcat_lists_every_catalogue_topic_with_its_partitions() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is missing: apt-get install kcat (or ./marina deps)");
        String servers = SharedKafka.bootstrapServers();
        new TopicBootstrap(SharedKafka.clientProperties(), (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);

        Process kcat = new ProcessBuilder("kcat", "-F", SharedKafka.kcatConfig().toString(), "-L", "-b", servers, "-m", "10").redirectErrorStream(true).start();
        String listing = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(kcat.waitFor(20, TimeUnit.SECONDS), "kcat did not finish");
        // kcat -L exits 0 even when the broker is unreachable: judge its output, not its status.
        assertTrue(listing.contains("1 brokers:"), listing);
        for (TopicSpec<?> t : Topics.ALL) {
            assertTrue(listing.contains("topic \"" + t.name() + "\" with " + t.partitions() + " partitions:"),
                    t.name() + " missing from:\n" + listing);
        }
        assertEquals(0, kcat.exitValue());
    }

    /** The broker is secured: kcat with no credentials (plaintext, or TLS without a login) sees and writes nothing. */
    @Test
    void kcat_without_credentials_is_refused() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is missing: apt-get install kcat (or ./marina deps)");
        String servers = SharedKafka.bootstrapServers();
        String plaintext = run("kcat", "-L", "-b", servers, "-m", "5");
        assertTrue(!plaintext.contains("brokers:"), plaintext);
        String tlsOnly = run("kcat", "-X", "security.protocol=SSL", "-X", "ssl.ca.location=" + SharedKafka.secretsDir().resolve("ca.pem"),
                "-L", "-b", servers, "-m", "5");
        assertTrue(!tlsOnly.contains("brokers:"), tlsOnly);
        Process produce = new ProcessBuilder("kcat", "-P", "-b", servers, "-t", Topics.AGENT_COMMANDS.name(), "-m", "5",
                "-X", "message.timeout.ms=5000").redirectErrorStream(true).start();
        produce.getOutputStream().write("forged\n".getBytes(StandardCharsets.UTF_8));
        produce.getOutputStream().close();
        String out = new String(produce.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(produce.waitFor(30, TimeUnit.SECONDS), "kcat did not finish");
        assertTrue(produce.exitValue() != 0 || out.contains("ERROR") || out.contains("failed"), out);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "kcat did not finish");
        return out;
    }
}
