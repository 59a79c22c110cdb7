package dev.marina.intent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.marina.service.PlatformConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's table of intent-service's settings is the mapping interfaces, rendered: key from the
 * method (or {@code @WithName}), default from {@code @WithDefault}, meaning from the method's javadoc in
 * the source. This keeps the two from drifting.
 */
class ReadmeConfigTableTest {

    static final String BEGIN = "<!-- config-table:begin (generated from intent-service's @ConfigMapping interfaces; ReadmeConfigTableTest checks it) -->";
    static final String END = "<!-- config-table:end -->";

    /** The mappings intent-service reads, in the table's order; the platform's lease is the one its rules check against. */
    static final List<Class<?>> MAPPINGS = List.of(ApiConfig.class, EnginesConfig.class, ReconcilerConfig.class,
            AutoscalingConfig.class, DnsNamesConfig.class, RetentionConfig.class, PlatformConfig.class);

    /** Where the mappings' sources are, below the repository's root. */
    static final List<String> SOURCE_ROOTS = List.of("intent-service/src/main/java", "service-kit/src/main/java");

    /** Platform-wide values are set in service-kit's shared defaults rather than by {@code @WithDefault}. */
    static final String SHARED_DEFAULTS = "service-kit/src/main/resources/META-INF/microprofile-config.properties";

    private static final Pattern DOC_THEN_METHOD = Pattern.compile(
            "/\\*\\*((?:(?!\\*/).)*)\\*/\\s*(?:@[\\w.]+(?:\\([^)]*\\))?\\s*)*[\\w.<>, ?]+\\s+(\\w+)\\(\\)\\s*;", Pattern.DOTALL);

    @Test
    void the_readme_config_table_matches_the_mappings() throws IOException {
        String text = Files.readString(root().resolve("README.md"));
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md needs the markers " + BEGIN + " … " + END);
        String actual = text.substring(begin + BEGIN.length(), end).strip();
        String expected = render();
        if (!expected.equals(actual)) {
            System.out.println("README.md's configuration table, as the mappings declare it; paste it between the markers:\n"
                    + expected);
        }
        assertEquals(expected, actual, "README.md's configuration table differs from the mappings; paste the expected table");
    }

    @Test
    void every_key_has_a_description() throws IOException {
        for (Class<?> mapping : MAPPINGS) {
            Map<String, String> docs = docs(mapping);
            for (Method m : properties(mapping)) {
                if (!docs.containsKey(m.getName())) {
                    fail(mapping.getSimpleName() + "." + m.getName() + "() has no javadoc");
                }
            }
        }
    }

    static String render() throws IOException {
        StringBuilder table = new StringBuilder();
        table.append("| key | default | what it does |\n");
        table.append("|---|---|---|\n");
        Properties shared = new Properties();
        try (Reader in = Files.newBufferedReader(root().resolve(SHARED_DEFAULTS))) {
            shared.load(in);
        }
        for (Class<?> mapping : MAPPINGS) {
            rows(table, mapping.getAnnotation(ConfigMapping.class).prefix(), mapping, docs(mapping), shared);
        }
        return table.toString().strip();
    }

    private static void rows(StringBuilder table, String prefix, Class<?> type, Map<String, String> docs, Properties shared) {
        for (Method m : properties(type)) {
            WithName named = m.getAnnotation(WithName.class);
            String key = prefix + "." + (named != null ? named.value() : kebab(m.getName()));
            if (isGroup(m)) {
                rows(table, key, m.getReturnType(), docs, shared);
                continue;
            }
            WithDefault def = m.getAnnotation(WithDefault.class);
            String value = def != null ? def.value() : shared.getProperty(key);
            table.append("| `").append(key).append("` | ")
                    .append(value == null ? "—" : value.isEmpty() ? "(empty)" : "`" + value + "`").append(" | ")
                    .append(docs.getOrDefault(m.getName(), "")).append(" |\n");
        }
    }

    /** The abstract methods of a mapping (or group), in their order in the source. */
    private static List<Method> properties(Class<?> type) {
        String source = sourceOf(type);
        int body = source.indexOf("interface " + type.getSimpleName());
        return Arrays.stream(type.getDeclaredMethods())
                .filter(m -> !m.isDefault() && !java.lang.reflect.Modifier.isStatic(m.getModifiers()))
                .sorted(Comparator.comparingInt(m -> source.indexOf(" " + m.getName() + "();", body)))
                .toList();
    }

    private static boolean isGroup(Method m) {
        Class<?> t = m.getReturnType();
        return t.isInterface() && t.getName().startsWith("dev.marina.");
    }

    /** Method name → its javadoc, on one line, in Markdown. */
    private static Map<String, String> docs(Class<?> mapping) {
        Map<String, String> docs = new TreeMap<>();
        Matcher m = DOC_THEN_METHOD.matcher(sourceOf(mapping));
        while (m.find()) {
            docs.put(m.group(2), markdown(m.group(1)));
        }
        return docs;
    }

    private static String markdown(String javadoc) {
        String text = javadoc.replaceAll("(?m)^\\s*\\*\\s?", " ").replaceAll("\\s+", " ").strip();
        text = text.replaceAll("\\{@code ([^}]*)}", "`$1`");
        text = text.replaceAll("\\{@link #(\\w+)\\(\\)}", "$1");
        text = text.replaceAll("\\{@link ([^}]*)}", "`$1`");
        return text.replace("|", "\\|");
    }

    private static String sourceOf(Class<?> type) {
        Class<?> top = type;
        while (top.getEnclosingClass() != null) {
            top = top.getEnclosingClass();
        }
        String relative = top.getName().replace('.', '/') + ".java";
        for (String dir : SOURCE_ROOTS) {
            Path file = root().resolve(dir).resolve(relative);
            if (Files.exists(file)) {
                try {
                    return Files.readString(file);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        throw new IllegalStateException("no source for " + top.getName() + " under " + SOURCE_ROOTS);
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Path root() {
        return Path.of(System.getProperty("marina.root", ".."));
    }
}
