package dev.marina.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.marina.schemas.topics.TopicSpec;
import dev.marina.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The catalogue's {@code writer()} of each topic against the code: every service module's main
 * sources are scanned for the statements that send records, and the topics those statements name.
 * A topic written by a service the catalogue does not name (or not written by the one it names)
 * fails here.
 *
 * <p>A sending statement is one with a producing idiom in it: a {@code ProducerRecord}, a Streams
 * {@code addSink}/{@code sinkName}/{@code sink(topology}, a {@code .publish(}/{@code send(} call, a
 * {@code Publisher(} construction, a Reactive Messaging {@code @Channel} emitter, or an
 * {@code mp.messaging.outgoing.<channel>} setting (channels are named after their topics). The topics
 * named are catalogue constants ({@code Topics.DNS_EVENTS}), string constants defined from them
 * ({@code static final String EVENTS = Topics.DNS_EVENTS.name()}), or topic names in quotes; and the
 * topic a service-kit {@code CommandWorker.Answer(Topics.X, …)} names first.
 * The catalogue's own writer must be found too, so an idiom this scan does not know shows up as a
 * failure rather than as silence.
 */
class TopicWritersTest {

    /** Modules that run as services, by the name the catalogue uses for them. */
    static final List<String> SERVICES = List.of(
            "intent-service", "provisioner", "dns-service", "cert-service", "health-monitor", "agent");

    /** Writers that are not one service: open intake and dead letters. */
    static final Set<String> SHARED = Set.of("any", "any consumer");
    /** A topic no one writes (the election topic: group membership only). */
    static final String NO_WRITER = "none";

    private static final Pattern SENDING = Pattern.compile(
            "ProducerRecord|addSink\\(|sinkName\\(|sink\\(topology|\\.publish\\(|\\bsend\\(|Publisher\\(|@Channel\\(");
    private static final Pattern CONSTANT = Pattern.compile("\\bTopics\\.([A-Z_]+)\\b");
    /** An answer of service-kit's CommandWorker names its topic first (a builder chain also names the topic it reads). */
    private static final Pattern ANSWER = Pattern.compile("\\bAnswer\\(\\s*Topics\\.([A-Z_]+)\\b");
    private static final Pattern ALIAS = Pattern.compile(
            "static\\s+final\\s+String\\s+([A-Z_]+)\\s*=\\s*Topics\\.([A-Z_]+)\\.name\\(\\)");
    private static final Pattern QUOTED = Pattern.compile("\"([a-z][a-z-]*)\"");
    private static final Pattern OUTGOING = Pattern.compile("^mp\\.messaging\\.outgoing\\.([a-z-]+)\\.(connector|topic)=(.*)$");

    @Test
    void each_topic_is_written_by_the_service_the_catalogue_names_and_by_no_other() {
        Map<String, Set<String>> writers = writersFound();
        Map<String, String> problems = new TreeMap<>();
        for (TopicSpec<?> topic : Topics.ALL) {
            Set<String> found = writers.getOrDefault(topic.name(), Set.of());
            if (SHARED.contains(topic.writer())) {
                continue;
            }
            if (topic.writer().equals(NO_WRITER)) {
                if (!found.isEmpty()) {
                    problems.put(topic.name(), "catalogue says nobody writes it, the code's producers are " + found);
                }
                continue;
            }
            if (!found.equals(Set.of(topic.writer()))) {
                problems.put(topic.name(), "catalogue says " + topic.writer() + ", the code's producers are " + found);
            }
        }
        assertEquals(Map.of(), problems, "topics whose writers differ from the catalogue");
    }

    @Test
    void the_scan_sees_the_producers_it_is_meant_to_see() {
        Map<String, Set<String>> writers = writersFound();
        // one of each idiom: a plain producer, a Streams sink, a Reactive Messaging channel, a publish helper
        assertTrue(writers.getOrDefault(Topics.DNS_EVENTS.name(), Set.of()).contains("dns-service"), writers.toString());
        assertTrue(writers.getOrDefault(Topics.INSTANCE_HEALTH.name(), Set.of()).contains("health-monitor"), writers.toString());
        assertTrue(writers.getOrDefault(Topics.PROVISION_EVENTS.name(), Set.of()).contains("provisioner"), writers.toString());
        assertTrue(writers.getOrDefault(Topics.CERT_EVENTS.name(), Set.of()).contains("cert-service"), writers.toString());
    }

    /** Topic name → the services whose main sources send to it. */
    static Map<String, Set<String>> writersFound() {
        Map<String, String> constants = catalogueConstants();
        Map<String, Set<String>> writers = new TreeMap<>();
        Path root = Path.of(System.getProperty("marina.root", ".."));
        for (String service : SERVICES) {
            Path main = root.resolve(service).resolve("src/main");
            assertTrue(Files.isDirectory(main), "no sources at " + main);
            for (String topic : topicsSentTo(main, constants)) {
                writers.computeIfAbsent(topic, t -> new TreeSet<>()).add(service);
            }
        }
        return writers;
    }

    private static Set<String> topicsSentTo(Path main, Map<String, String> constants) {
        Set<String> names = new TreeSet<>();
        constants.values().forEach(names::add);
        Set<String> sent = new TreeSet<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(".java")) {
                    sent.addAll(javaSends(Files.readString(file), constants, names));
                } else if (name.equals("application.properties")) {
                    sent.addAll(outgoingChannels(Files.readString(file), names));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sent;
    }

    private static Set<String> javaSends(String source, Map<String, String> constants, Set<String> names) {
        String code = source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
        Map<String, String> aliases = new HashMap<>();
        Matcher alias = ALIAS.matcher(code);
        while (alias.find()) {
            String topic = constants.get(alias.group(2));
            if (topic != null) {
                aliases.put(alias.group(1), topic);
            }
        }
        Set<String> sent = new TreeSet<>();
        Matcher answer = ANSWER.matcher(code);
        while (answer.find()) {
            if (constants.containsKey(answer.group(1))) {
                sent.add(constants.get(answer.group(1)));
            }
        }
        for (String statement : code.split("[;{}]")) {
            if (!SENDING.matcher(statement).find()) {
                continue;
            }
            Matcher constant = CONSTANT.matcher(statement);
            while (constant.find()) {
                if (constants.containsKey(constant.group(1))) {
                    sent.add(constants.get(constant.group(1)));
                }
            }
            aliases.forEach((alias2, topic) -> {
                if (Pattern.compile("[(,]\\s*" + alias2 + "\\s*[,)]").matcher(statement).find()) {
                    sent.add(topic);
                }
            });
            Matcher quoted = QUOTED.matcher(statement);
            while (quoted.find()) {
                if (names.contains(quoted.group(1)) && statement.contains("@Channel")) {
                    sent.add(quoted.group(1));
                }
            }
        }
        return sent;
    }

    private static Set<String> outgoingChannels(String properties, Set<String> names) {
        Map<String, String> topicOfChannel = new HashMap<>();
        for (String line : properties.split("\n")) {
            Matcher m = OUTGOING.matcher(line.strip());
            if (m.matches()) {
                String channel = m.group(1);
                if (m.group(2).equals("topic")) {
                    topicOfChannel.put(channel, m.group(3).strip());
                } else {
                    topicOfChannel.putIfAbsent(channel, channel);
                }
            }
        }
        Set<String> sent = new TreeSet<>(topicOfChannel.values());
        sent.retainAll(names);
        return sent;
    }

    /** {@code DNS_EVENTS} → {@code dns-events}, for every topic constant of the catalogue. */
    private static Map<String, String> catalogueConstants() {
        Map<String, String> constants = new HashMap<>();
        for (Field field : Topics.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == TopicSpec.class) {
                try {
                    constants.put(field.getName(), ((TopicSpec<? extends Message>) field.get(null)).name());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return constants;
    }
}
