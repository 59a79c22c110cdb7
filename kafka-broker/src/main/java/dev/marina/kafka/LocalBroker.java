package dev.marina.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * Runs one Apache Kafka node in KRaft combined mode (broker + controller) on loopback, with its data
 * under one folder. Used by {@code ./marina up} and by the tests; no Docker involved.
 *
 * <pre>
 * java -cp $(cat kafka-broker/target/broker.classpath):kafka-broker/target/classes dev.marina.kafka.LocalBroker \
 *      --dir DIR --port 9092 --controller-port 9093 [--secrets DIR] [--parent-pid PID] [--set key=value]...
 * </pre>
 *
 * <p>Secured as a production broker is, always (there is no "security off" mode): both listeners
 * speak TLS and SASL, and {@code StandardAuthorizer} denies whatever no ACL allows. The secrets folder
 * ({@link BrokerSecrets}, default {@code DIR/secrets}) holds the broker's TLS material, the CA that
 * clients trust, and {@code admin.properties}, the client settings of the {@code admin} super user
 * that creates topics, principals and ACLs ({@code dev.marina.schemas.access}). Everyone else is a
 * SCRAM principal with exactly the ACLs the platform's catalogue gives it.
 *
 * <p>The folder is formatted on first use and reused after. Once clients can talk to the broker the
 * file {@code DIR/ready} holds its bootstrap address; it is removed at shutdown. With
 * {@code --parent-pid} the broker shuts itself down when that process ends, so a test JVM killed
 * by anything never leaves a broker behind.
 */
public final class LocalBroker {

    private LocalBroker() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || i + 1 >= args.length) {
                usage("unexpected argument " + arg);
            }
            String value = args[++i];
            if (arg.equals("--set")) {
                overrides.add(value);
            } else {
                options.put(arg.substring(2), value);
            }
        }
        Path dir = Path.of(required(options, "dir")).toAbsolutePath();
        int port = Integer.parseInt(required(options, "port"));
        int controllerPort = Integer.parseInt(required(options, "controller-port"));

        Files.createDirectories(dir);
        Path ready = dir.resolve("ready");
        Files.deleteIfExists(ready);
        BrokerSecrets secrets = BrokerSecrets.ensure(
                Path.of(options.getOrDefault("secrets", dir.resolve("secrets").toString())).toAbsolutePath());
        Path config = writeConfig(dir, port, controllerPort, secrets, overrides);
        formatIfNew(dir, config);

        if (options.containsKey("parent-pid")) {
            exitWithParent(Long.parseLong(options.get("parent-pid")));
        }
        String bootstrap = "127.0.0.1:" + port;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(ready);
            } catch (IOException ignored) {
                // best effort: a stale ready file is overwritten at the next start
            }
        }));
        announceWhenReady(bootstrap, secrets, ready);
        kafka.Kafka.main(new String[] {config.toString()});
    }

    private static Path writeConfig(Path dir, int port, int controllerPort, BrokerSecrets secrets, List<String> overrides)
            throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "CLIENTS://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "CLIENTS://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "CLIENTS");
        p.setProperty("listener.security.protocol.map", "CLIENTS:SASL_SSL,CONTROLLER:SASL_SSL");
        secrets.configure(p);
        p.setProperty("log.dirs", dir.resolve("data").toString());
        // One node: every internal topic has one replica.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "6");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "6");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // Topics come from the catalogue (and Streams' own internal topics), never by accident.
        p.setProperty("auto.create.topics.enable", "false");
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                usage("--set needs key=value, got " + override);
            }
            p.setProperty(override.substring(0, eq), override.substring(eq + 1));
        }
        // It holds passwords: readable by this user only, like the secrets folder.
        Path config = dir.resolve("server.properties");
        Files.deleteIfExists(config);
        BrokerSecrets.createPrivateFile(config);
        try (var out = Files.newOutputStream(config)) {
            p.store(out, "written by dev.marina.kafka.LocalBroker at every start");
        }
        return config;
    }

    private static void formatIfNew(Path dir, Path config) throws IOException {
        if (Files.exists(dir.resolve("data").resolve("meta.properties"))) {
            return;
        }
        String clusterId = Uuid.randomUuid().toString();
        int rc = kafka.tools.StorageTool.execute(
                new String[] {"format", "-t", clusterId, "-c", config.toString(), "--ignore-formatted"},
                new PrintStream(System.out, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("formatting " + dir + " failed with exit code " + rc);
        }
    }

    private static void exitWithParent(long parentPid) {
        Thread watcher = new Thread(() -> {
            while (ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false)) {
                sleep(Duration.ofMillis(500));
            }
            System.out.println("marina-kafka: parent process " + parentPid + " ended, shutting down");
            System.exit(0);
        }, "parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void announceWhenReady(String bootstrap, BrokerSecrets secrets, Path ready) {
        Thread announcer = new Thread(() -> {
            Properties props = secrets.adminClient(bootstrap);
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000);
            try (Admin admin = Admin.create(props)) {
                while (true) {
                    try {
                        admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                        Files.writeString(ready, bootstrap + "\n");
                        System.out.println("marina-kafka: READY at " + bootstrap);
                        return;
                    } catch (Exception notYet) {
                        sleep(Duration.ofMillis(100));
                    }
                }
            }
        }, "ready-announcer");
        announcer.setDaemon(true);
        announcer.start();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            usage("--" + name + " is required");
        }
        return value;
    }

    private static void usage(String problem) {
        System.err.println("LocalBroker: " + problem);
        System.err.println("usage: LocalBroker --dir DIR --port PORT --controller-port PORT [--secrets DIR] [--parent-pid PID] [--set key=value]...");
        System.exit(2);
    }
}
