package dev.marina.schemas.topics;

import java.time.Duration;

/**
 * Command line: creates or verifies every catalogue topic.
 *
 * <pre>java -cp … dev.marina.schemas.topics.TopicBootstrapMain [bootstrap-servers] [replication-factor] [timeout-seconds]</pre>
 *
 * Existing topics get the catalogue's record limit (the one setting changed in place). Exits 0 when
 * every topic exists as the catalogue says, 1 otherwise, with the reason on stderr.
 */
public final class TopicBootstrapMain {
    private TopicBootstrapMain() {}

    public static void main(String[] args) {
        String servers = args.length > 0 ? args[0] : System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        short replication = args.length > 1 ? Short.parseShort(args[1]) : 1;
        Duration timeout = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 30);
        try {
            TopicBootstrap.Result result = new TopicBootstrap(servers, replication, timeout).ensure(Topics.ALL);
            System.out.printf("topics on %s: %d created, %d already as the catalogue says%n",
                    servers, result.created().size(), result.verified().size());
            result.created().forEach(name -> System.out.println("  created " + name));
            result.altered().forEach(change -> System.out.println("  altered " + change));
        } catch (TopicBootstrap.TopicBootstrapException e) {
            System.err.println("topic bootstrap failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
