package dev.marina.schemas;

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
        new TopicBootstrap(servers, (short) 1, Duration.ofSeconds(30)).ensure(Topics.ALL);

        Process kcat = new ProcessBuilder("kcat", "-L", "-b", servers, "-m", "10").redirectErrorStream(true).start();
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
}
