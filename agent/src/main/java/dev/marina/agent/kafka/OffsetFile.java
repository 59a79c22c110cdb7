package dev.marina.agent.kafka;

import dev.marina.agent.InstanceFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The agent's position in its partition of {@code agent-commands}: the next offset to read. */
public record OffsetFile(Path file) {

    public OptionalLong read() {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file).trim()));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (NumberFormatException e) {
            // A torn or hand-edited file: starting by time again is safe, commands are idempotent.
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public void write(long nextOffset) {
        InstanceFiles.writePrivately(file, nextOffset + "\n");
    }
}
