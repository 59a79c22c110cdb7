package dev.marina.schemas.topics;

import dev.marina.schemas.access.KafkaAccess;
import dev.marina.schemas.access.KafkaUsers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

/**
 * Command line, as the broker's admin: creates or verifies every catalogue topic, then makes (or keeps)
 * the principals of the platform's services with their ACLs and settings files.
 *
 * <pre>java -cp … dev.marina.schemas.topics.TopicBootstrapMain BOOTSTRAP SECRETS_DIR [replication-factor] [timeout-seconds]</pre>
 *
 * Existing topics get the catalogue's record limit (the one setting changed in place). Exits 0 when
 * every topic exists as the catalogue says and every principal is in place, 1 otherwise, with the
 * reason on stderr.
 */
public final class TopicBootstrapMain {
    private TopicBootstrapMain() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: TopicBootstrapMain BOOTSTRAP SECRETS_DIR [replication-factor] [timeout-seconds]");
            System.exit(2);
        }
        String servers = args[0];
        Path secrets = Path.of(args[1]);
        short replication = args.length > 2 ? Short.parseShort(args[2]) : 1;
        Duration timeout = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 30);
        try {
            Properties admin = KafkaAccess.client(KafkaAccess.adminFile(secrets), servers);
            TopicBootstrap.Result result = new TopicBootstrap(admin, replication, timeout).ensure(Topics.ALL);
            System.out.printf("topics on %s: %d created, %d already as the catalogue says%n",
                    servers, result.created().size(), result.verified().size());
            result.created().forEach(name -> System.out.println("  created " + name));
            result.altered().forEach(change -> System.out.println("  altered " + change));
            try (Admin client = Admin.create(admin)) {
                new KafkaUsers(client, KafkaAccess.caFile(secrets), timeout).ensureServices(secrets);
            }
            System.out.println("principals of the services with their ACLs: in place (" + secrets.resolve("users") + ")");
        } catch (RuntimeException e) {
            System.err.println("platform bootstrap failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
