package dev.marina.schemas.access;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;

/**
 * Command line, as the broker's admin: makes or removes the principal of another system
 * ({@link Role#INTEGRATION}: may write {@code intent-events}, read statuses, rejections, health,
 * metrics and role changes, with consumer groups named after it).
 *
 * <pre>java -cp … dev.marina.schemas.access.KafkaPrincipalsMain create|remove NAME BOOTSTRAP SECRETS_DIR</pre>
 *
 * {@code create} prints the path of the principal's settings file (0600, a Kafka client properties file);
 * running it again keeps the password. Exits 1 with the reason on stderr when the name or Kafka refuses.
 */
public final class KafkaPrincipalsMain {
    private KafkaPrincipalsMain() {}

    public static void main(String[] args) {
        if (args.length != 4 || !(args[0].equals("create") || args[0].equals("remove"))) {
            System.err.println("usage: KafkaPrincipalsMain create|remove NAME BOOTSTRAP SECRETS_DIR");
            System.exit(2);
        }
        try {
            String name = Principals.integration(args[1]);
            Path secrets = Path.of(args[3]);
            Path file = KafkaAccess.userFile(secrets, name);
            try (Admin admin = Admin.create(KafkaAccess.client(KafkaAccess.adminFile(secrets), args[2]))) {
                KafkaUsers users = new KafkaUsers(admin, KafkaAccess.caFile(secrets), Duration.ofSeconds(30));
                if (args[0].equals("create")) {
                    users.ensure(name, Role.INTEGRATION, file);
                    System.out.println(file.toAbsolutePath());
                } else {
                    users.remove(name, file);
                    System.out.println("removed principal " + name + " (its credential, ACLs and settings file)");
                }
            }
        } catch (RuntimeException e) {
            System.err.println("kafka-credentials: " + e.getMessage());
            System.exit(1);
        }
    }
}
