package dev.marina.agent.database;

import dev.marina.agent.InstanceFiles;
import dev.marina.schemas.engine.ServerParameters;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The instance's {@code engine.properties}: which build, size and parameters its server runs, so an agent restart
 * and an adoption start (or find) the same build, and my.cnf is rendered with the same parameters. Written before
 * the start it describes (DEPLOY, UPDATE, and back again when an UPDATE fails), always through a rename. An instance
 * from before builds had a choice has no file: it runs the system build, without parameters.
 */
public final class ServerConfigFile {
    private ServerConfigFile() {}

    private static final String PARAMETER = "parameter.";

    /** The recorded config; empty when the file does not exist. Parameters as written (normalized). */
    public static Optional<ServerConfig> read(InstanceFiles files) {
        Path file = files.engineFile();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        ServerConfig.Builder config = ServerConfig.newBuilder().setVersion(props.getProperty("version", ""));
        String size = props.getProperty("size", "");
        if (!size.isEmpty()) {
            config.setSize(Size.valueOf(size));
        }
        Map<String, String> parameters = new TreeMap<>();
        props.stringPropertyNames().stream().filter(n -> n.startsWith(PARAMETER))
                .forEach(n -> parameters.put(n.substring(PARAMETER.length()), props.getProperty(n)));
        return Optional.of(config.putAllParameters(parameters).build());
    }

    /** Records {@code config}; its parameters must be valid (they are normalized here). */
    public static void write(InstanceFiles files, ServerConfig config) {
        var problems = ServerParameters.problems(config.getParametersMap());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid server parameters: " + String.join("; ", problems));
        }
        Properties props = new Properties();
        props.setProperty("version", config.getVersion());
        if (config.getSize() != Size.SIZE_UNSPECIFIED) {
            props.setProperty("size", config.getSize().name());
        }
        ServerParameters.normalized(config.getParametersMap()).forEach((n, v) -> props.setProperty(PARAMETER + n, v));
        StringWriter text = new StringWriter();
        try {
            props.store(text, "The build, size and parameters of this instance's server; written by the marina agent");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        InstanceFiles.writePrivately(files.engineFile(), text.toString());
    }
}
