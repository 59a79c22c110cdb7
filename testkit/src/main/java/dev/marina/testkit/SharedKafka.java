package dev.marina.testkit;

import dev.marina.schemas.access.KafkaAccess;
import dev.marina.schemas.access.KafkaUsers;
import dev.marina.schemas.access.Principals;
import dev.marina.schemas.access.Role;
import dev.marina.schemas.topics.TopicBootstrap;
import dev.marina.schemas.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

/**
 * The broker every test in this JVM shares: secured as in production (TLS, SASL, ACLs). When
 * {@code KAFKA_BOOTSTRAP_SERVERS} and {@code MARINA_TEST_KAFKA_SECRETS} are set (as
 * {@code ./marina test} does, starting one broker for the whole run) that broker is used; otherwise
 * one is started on first use and lives as long as the JVM. Either way, on first use in a JVM the
 * catalogue's topics and the services' principals are made, as {@code ./marina up} makes them.
 */
public final class SharedKafka {
    private SharedKafka() {}

    /**
     * Where the broker this JVM uses is recorded: system properties, because Quarkus loads this class
     * again for every test profile, and a static field would start a broker per class loader.
     */
    private static final String STARTED = "marina.test.kafka.bootstrap";
    private static final String SECRETS = "marina.test.kafka.secrets";

    /**
     * What a test's own Kafka client (producer, consumer, admin) needs to reach the shared broker as
     * the platform's admin: the bootstrap address and the admin's credentials. Tests start from this,
     * never from the address alone (the broker refuses that).
     */
    public static Properties clientProperties() {
        return KafkaAccess.client(KafkaAccess.adminFile(secretsDir()), bootstrapServers());
    }

    /** The client settings of one of the platform's services' principals (their ACLs, not the admin's). */
    public static Properties clientProperties(Role service) {
        return KafkaAccess.client(credentialsFile(service), bootstrapServers());
    }

    /**
     * The client settings of one instance's agent principal (made, with its ACLs, on first use), as the
     * provisioner gives a launched agent: it may read its commands and write its reports, nothing else.
     */
    public static Properties agentClientProperties(String instanceId) {
        String principal = Principals.agent(instanceId);
        Path file = KafkaAccess.userFile(secretsDir(), principal);
        try (Admin admin = Admin.create(clientProperties())) {
            new KafkaUsers(admin, KafkaAccess.caFile(secretsDir()), Duration.ofSeconds(30)).ensure(principal, Role.AGENT, file);
        }
        return KafkaAccess.client(file, bootstrapServers());
    }

    /** The settings file of a service's principal. */
    public static Path credentialsFile(Role service) {
        bootstrapServers();
        return KafkaAccess.userFile(secretsDir(), service.serviceName());
    }

    /** kcat's settings for the admin: {@code kcat -F FILE …} (Debian's kcat cannot log in with SCRAM; see README). */
    public static Path kcatConfig() {
        return KafkaAccess.adminKcatFile(secretsDir());
    }

    /** The broker's secrets folder (CA, admin, principals). */
    public static Path secretsDir() {
        bootstrapServers();
        return Path.of(System.getProperty(SECRETS));
    }

    public static String bootstrapServers() {
        synchronized (System.class) {
            String started = System.getProperty(STARTED);
            if (started != null) {
                return started;
            }
            String fromEnv = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
            String secrets;
            if (fromEnv != null && !fromEnv.isBlank()) {
                secrets = System.getenv("MARINA_TEST_KAFKA_SECRETS");
                if (secrets == null || secrets.isBlank()) {
                    throw new IllegalStateException("KAFKA_BOOTSTRAP_SERVERS is set but MARINA_TEST_KAFKA_SECRETS is not:"
                            + " the test broker is secured; set it to the broker's secrets folder (./marina test does)");
                }
                started = fromEnv;
            } else {
                LocalKafka kafka = LocalKafka.startFresh();
                Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "stop-shared-kafka"));
                started = kafka.bootstrapServers();
                secrets = kafka.secretsDir().toString();
            }
            preparePlatform(started, Path.of(secrets));
            System.setProperty(SECRETS, secrets);
            System.setProperty(STARTED, started);
            return started;
        }
    }

    /** Topics and the services' principals, made by the admin as ./marina up makes them (idempotent). */
    public static void preparePlatform(String bootstrap, Path secrets) {
        Properties admin = KafkaAccess.client(KafkaAccess.adminFile(secrets), bootstrap);
        new TopicBootstrap(admin, (short) 1, Duration.ofSeconds(60)).ensure(Topics.ALL);
        try (Admin client = Admin.create(admin)) {
            new KafkaUsers(client, KafkaAccess.caFile(secrets), Duration.ofSeconds(30)).ensureServices(secrets);
        }
        // A SCRAM credential just made may be refused for a moment (the broker applies it from its metadata log): a
        // test's first login as a service must not meet that, so wait until every service's principal is accepted.
        for (Role role : Role.services()) {
            awaitLogin(KafkaAccess.client(KafkaAccess.userFile(secrets, role.serviceName()), bootstrap), role.serviceName());
        }
    }

    private static void awaitLogin(Properties settings, String principal) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Admin admin = Admin.create(settings)) {
                admin.describeCluster().clusterId().get(5, java.util.concurrent.TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the test broker does not accept the principal " + principal, e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the principal " + principal, e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the principal " + principal, e);
            }
        }
    }

    /** The principal the tests of a service run it as: the service's own, from its application.properties. */
    static Properties servicePrincipal(String principal) {
        for (Role role : Role.services()) {
            if (role.serviceName().equals(principal)) {
                return clientProperties(role);
            }
        }
        throw new IllegalArgumentException("marina.kafka.principal=" + principal + " is none of the platform's services");
    }
}
