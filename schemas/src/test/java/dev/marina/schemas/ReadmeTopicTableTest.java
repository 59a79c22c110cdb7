package dev.marina.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's topic table is the catalogue, rendered; this keeps the two from drifting. */
class ReadmeTopicTableTest {

    static final String BEGIN = "<!-- topic-table:begin (generated from Topics.ALL; ReadmeTopicTableTest checks it) -->";
    static final String END = "<!-- topic-table:end -->";

    @Test
    void the_readme_topic_table_matches_the_catalogue() throws IOException {
        Path readme = Path.of(System.getProperty("marina.root", "..")).resolve("README.md");
        String text = Files.readString(readme);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md needs the markers " + BEGIN + " … " + END);
        String actual = text.substring(begin + BEGIN.length(), end).strip();
        assertEquals(render(), actual, "README.md's topic table differs from the catalogue; paste the expected table");
    }

    static String render() {
        StringBuilder table = new StringBuilder();
        table.append("| topic | key | value (`marina.v1`) | partitions | cleanup | retention | max record | writer | what |\n");
        table.append("|---|---|---|---|---|---|---|---|---|\n");
        for (TopicSpec<?> t : Topics.ALL) {
            table.append("| `").append(t.name()).append("` | ")
                    .append(t.key().shape()).append(" | ")
                    .append(t.prototype().getDescriptorForType().getName()).append(" | ")
                    .append(t.partitions()).append(" | ")
                    .append(t.cleanup().kafkaValue()).append(" | ")
                    .append(t.retention().map(ReadmeTopicTableTest::human).orElse("forever")).append(" | ")
                    .append(t.maxMessageBytes() / 1024).append(" KiB | ")
                    .append(t.writer()).append(" | ")
                    .append(t.description()).append(" |\n");
        }
        return table.toString().strip();
    }

    private static String human(Duration d) {
        if (d.toDays() > 0 && d.toHours() % 24 == 0) {
            return d.toDays() + (d.toDays() == 1 ? " day" : " days");
        }
        return d.toHours() + (d.toHours() == 1 ? " hour" : " hours");
    }
}
