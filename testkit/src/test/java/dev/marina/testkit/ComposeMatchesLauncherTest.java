package dev.marina.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml describes what {@code ./marina up} runs. Nobody can start it here (no Docker
 * engine), so this keeps it honest instead: the launcher prints how it launches each component
 * ({@code ./marina env}: command, environment, ports; the one definition {@code up} itself starts from),
 * and every compose service must match it — the same components, the same command and arguments, the
 * same environment, the same ports. Nothing is started.
 *
 * <p>Compose sees the repository at {@value #COMPOSE_ROOT} and the launcher's state folder
 * (MARINA_HOME) at {@value #COMPOSE_HOME}; the launcher is asked with MARINA_HOME set to that folder, and
 * the repository's path in its answer is read as {@value #COMPOSE_ROOT}. A compose command run through
 * {@code sh -c} is compared from its last {@code &&} on (what comes before installs the image's packages),
 * with leading {@code NAME=value} assignments counted as environment.
 */
class ComposeMatchesLauncherTest {

    static final String COMPOSE_ROOT = "/marina";
    static final String COMPOSE_HOME = "/var/lib/marina";

    private static Path root;
    private static Map<String, Launch> launcher;
    private static Map<String, Launch> compose;
    private static String composeText;

    /** One component as launched: its command and arguments, its environment, its ports. */
    record Launch(List<String> command, Map<String, String> env, List<String> ports) {
        static Launch empty() {
            return new Launch(new ArrayList<>(), new LinkedHashMap<>(), new ArrayList<>());
        }
    }


    @BeforeAll
    static void read() throws Exception {
        root = Path.of(System.getProperty("marina.root", "..")).toAbsolutePath().normalize();
        launcher = launcherComponents(root);
        composeText = Files.readString(root.resolve("docker-compose.yml"));
        compose = composeServices(composeText);
    }

    @Test
    void compose_has_exactly_the_launchers_components() {
        Set<String> missing = new TreeSet<>(launcher.keySet());
        missing.removeAll(compose.keySet());
        Set<String> extra = new TreeSet<>(compose.keySet());
        extra.removeAll(launcher.keySet());
        List<String> problems = new ArrayList<>();
        missing.forEach(s -> problems.add("service " + s + ": `./marina up` runs it (./marina env " + s
                + "), docker-compose.yml has no such service"));
        extra.forEach(s -> problems.add("service " + s + ": in docker-compose.yml, but `./marina up` runs no such component"
                + " (components: " + launcher.keySet() + ")"));
        report(problems);
    }

    @Test
    void each_service_runs_the_launchers_command() {
        List<String> problems = new ArrayList<>();
        for (String name : common()) {
            List<String> expected = launcher.get(name).command();
            List<String> actual = compose.get(name).command();
            if (expected.equals(actual)) {
                continue;
            }
            int i = 0;
            while (i < expected.size() && i < actual.size() && expected.get(i).equals(actual.get(i))) {
                i++;
            }
            problems.add("service " + name + ": command argument " + i + " is "
                    + (i < actual.size() ? "`" + actual.get(i) + "`" : "missing") + " in docker-compose.yml, `./marina up` gives "
                    + (i < expected.size() ? "`" + expected.get(i) + "`" : "nothing more")
                    + "\n    compose:  " + actual + "\n    launcher: " + expected);
        }
        report(problems);
    }

    @Test
    void each_service_has_the_launchers_environment() {
        List<String> problems = new ArrayList<>();
        for (String name : common()) {
            Map<String, String> expected = launcher.get(name).env();
            Map<String, String> actual = compose.get(name).env();
            for (Map.Entry<String, String> e : expected.entrySet()) {
                String value = actual.get(e.getKey());
                if (value == null) {
                    problems.add("service " + name + ": environment " + e.getKey() + " is missing in docker-compose.yml;"
                            + " `./marina up` gives " + e.getKey() + "=" + e.getValue());
                } else if (!value.equals(e.getValue())) {
                    problems.add("service " + name + ": environment " + e.getKey() + " is `" + value
                            + "` in docker-compose.yml, `./marina up` gives `" + e.getValue() + "`");
                }
            }
            for (String key : actual.keySet()) {
                if (!expected.containsKey(key)) {
                    problems.add("service " + name + ": environment " + key + " is set in docker-compose.yml,"
                            + " `./marina up` does not give it");
                }
            }
        }
        report(problems);
    }

    @Test
    void each_service_listens_on_the_launchers_ports() throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, Object> services = services(composeText);
        for (String name : common()) {
            Launch c = compose.get(name);
            List<String> words = new ArrayList<>(c.command());
            c.env().forEach((k, v) -> words.add(v));
            // A port the launcher sets in a file (BIND's named.conf, pebble.json) shows in the health check.
            Object healthcheck = ((Map<?, ?>) services.get(name)).get("healthcheck");
            if (healthcheck instanceof Map<?, ?> h && h.get("test") instanceof List<?> test) {
                test.forEach(w -> words.add(String.valueOf(w)));
            }
            for (String port : launcher.get(name).ports()) {
                Pattern p = Pattern.compile("(^|[^0-9])" + Pattern.quote(port) + "([^0-9]|$)");
                if (words.stream().noneMatch(w -> p.matcher(w).find())) {
                    problems.add("service " + name + ": port " + port + " (where `./marina up` has it listen) appears"
                            + " nowhere in its command, environment or health check in docker-compose.yml");
                }
            }
        }
        report(problems);
    }

    @Test
    void every_service_uses_the_host_network_as_the_loopback_instances_need() throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, Object> services = services(composeText);
        for (Map.Entry<String, Object> e : services.entrySet()) {
            Object mode = ((Map<?, ?>) e.getValue()).get("network_mode");
            if (!"host".equals(mode)) {
                problems.add("service " + e.getKey() + ": network_mode is " + mode + " in docker-compose.yml; it must be host"
                        + " (instances listen on 127.x.y.z loopback addresses and every component on 127.0.0.1)");
            }
        }
        report(problems);
    }

    @Test
    void compose_names_the_kafka_the_broker_module_runs_and_says_it_is_not_run_here() throws IOException {
        String pom = Files.readString(root.resolve("kafka-broker/pom.xml"));
        Matcher m = Pattern.compile("<kafka.version>([^<]+)</kafka.version>").matcher(pom);
        assertTrue(m.find(), "kafka-broker/pom.xml declares no kafka.version");
        assertTrue(composeText.contains("Kafka " + m.group(1) + " "),
                "docker-compose.yml's header must name the Kafka the broker module runs: Kafka " + m.group(1));
        assertTrue(composeText.startsWith("# NOT RUN HERE."),
                "docker-compose.yml must start by saying plainly it is not run here (`./marina up` is the tested way)");
        assertTrue(composeText.lines().limit(12).anyMatch(l -> l.contains("`./marina up` is the tested way")),
                "docker-compose.yml's header must say `./marina up` is the tested way");
    }

    @Test
    void a_difference_is_reported_with_the_service_and_the_key() throws Exception {
        Map<String, Launch> drifted = composeServices(composeText.replace("MARINA_DNS_SERVER_PORT: \"5354\"",
                "MARINA_DNS_SERVER_PORT: \"5353\""));
        assertEquals("5353", drifted.get("dns-service").env().get("MARINA_DNS_SERVER_PORT"));
        Map<String, Launch> saved = compose;
        compose = drifted;
        try {
            each_service_has_the_launchers_environment();
            fail("a changed setting went unnoticed");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage().contains("service dns-service: environment MARINA_DNS_SERVER_PORT is `5353`"),
                    expected.getMessage());
        } finally {
            compose = saved;
        }
    }

    private static List<String> common() {
        List<String> names = new ArrayList<>(launcher.keySet());
        names.retainAll(compose.keySet());
        return names;
    }

    private static void report(List<String> problems) {
        if (!problems.isEmpty()) {
            fail("docker-compose.yml differs from what `./marina up` launches (./marina env shows it; change compose,"
                    + " or the launcher first if the launch itself should change):\n  " + String.join("\n  ", problems));
        }
    }

    // ------------------------------------------------------------------ the launcher's side

    /** Runs {@code ./marina env} with MARINA_HOME at compose's folder and nothing else of this machine's settings. */
    static Map<String, Launch> launcherComponents(Path root) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("marina").toString(), "env").redirectErrorStream(false);
        Map<String, String> env = builder.environment();
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.clear();
        env.put("PATH", path);
        env.put("HOME", System.getProperty("user.home"));
        env.put("MARINA_HOME", COMPOSE_HOME);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "./marina env did not end");
        assertEquals(0, process.exitValue(), "./marina env failed: " + err);

        // The launcher names the repository as its script's folder; compose sees it at COMPOSE_ROOT.
        List<String> roots = new ArrayList<>(List.of(root.toString(), root.toRealPath().toString()));
        roots.sort(Comparator.comparingInt(String::length).reversed());
        Map<String, Launch> components = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", 3);
            assertEquals(3, f.length, "./marina env printed a line that is not NAME<TAB>KIND<TAB>VALUE: " + line);
            String value = f[2];
            for (String r : roots) {
                value = value.replace(r, COMPOSE_ROOT);
            }
            Launch launch = components.computeIfAbsent(f[0], n -> Launch.empty());
            switch (f[1]) {
                case "command" -> launch.command().add(value);
                case "env" -> {
                    int eq = value.indexOf('=');
                    launch.env().put(value.substring(0, eq), value.substring(eq + 1));
                }
                case "port" -> launch.ports().add(value);
                default -> fail("./marina env printed an unknown kind " + f[1] + ": " + line);
            }
        }
        assertTrue(components.containsKey("kafka"), "./marina env printed no kafka: " + out);
        return components;
    }

    // ------------------------------------------------------------------ compose's side

    @SuppressWarnings("unchecked")
    static Map<String, Object> services(String composeText) throws IOException {
        try (Reader reader = new java.io.StringReader(composeText)) {
            Map<String, Object> doc = new Yaml().load(reader);
            Object services = doc.get("services");
            assertTrue(services instanceof Map, "docker-compose.yml has no services");
            return (Map<String, Object>) services;
        }
    }

    static Map<String, Launch> composeServices(String composeText) throws IOException {
        Map<String, Launch> result = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : services(composeText).entrySet()) {
            Map<?, ?> service = (Map<?, ?>) e.getValue();
            Launch launch = Launch.empty();
            Object environment = service.get("environment");
            if (environment instanceof Map<?, ?> map) {
                map.forEach((k, v) -> launch.env().put(String.valueOf(k), v == null ? "" : interpolate(String.valueOf(v))));
            } else if (environment instanceof List<?> list) {
                for (Object item : list) {
                    String s = String.valueOf(item);
                    int eq = s.indexOf('=');
                    launch.env().put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : interpolate(s.substring(eq + 1)));
                }
            }
            Object command = service.get("command");
            List<String> words = new ArrayList<>();
            if (command instanceof List<?> list) {
                list.forEach(w -> words.add(interpolate(String.valueOf(w))));
            } else if (command != null) {
                words.addAll(shellWords(interpolate(String.valueOf(command))));
            }
            if (words.size() == 3 && words.get(0).equals("sh") && words.get(1).equals("-c")) {
                String script = words.get(2);
                int and = script.lastIndexOf("&&");
                List<String> launched = shellWords(and < 0 ? script : script.substring(and + 2));
                while (!launched.isEmpty() && launched.get(0).matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
                    String assignment = launched.remove(0);
                    int eq = assignment.indexOf('=');
                    launch.env().put(assignment.substring(0, eq), assignment.substring(eq + 1));
                }
                if (!launched.isEmpty() && launched.get(0).equals("exec")) {
                    launched.remove(0);
                }
                launch.command().addAll(launched);
            } else {
                launch.command().addAll(words);
            }
            result.put(e.getKey(), launch);
        }
        return result;
    }

    /** Compose's own interpolation of a value: {@code $$} is a literal {@code $} (this file uses no variables there). */
    static String interpolate(String value) {
        return value.replace("$$", "$");
    }

    /** Splits a command as sh would into words: blanks separate, quotes group, backslash escapes (no expansion). */
    static List<String> shellWords(String script) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < script.length() && "\"\\$`".indexOf(script.charAt(i + 1)) >= 0) {
                    word.append(script.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                inWord = true;
                if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '\\' && i + 1 < script.length()) {
                    word.append(script.charAt(++i));
                } else {
                    word.append(c);
                }
            }
        }
        assertEquals(0, quote, "an unclosed quote in a compose command: " + script);
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
