package dev.marina.agent.database;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The last lines of a server or tool log, for failure reasons. */
final class LogTail {
    private LogTail() {}

    static String of(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> last = lines.subList(Math.max(0, lines.size() - 3), lines.size());
            return String.join(" | ", last);
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
