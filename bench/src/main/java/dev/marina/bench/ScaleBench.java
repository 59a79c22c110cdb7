package dev.marina.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marina.e2e.Platform;
import dev.marina.schemas.access.KafkaAccess;
import dev.marina.schemas.access.KafkaUsers;
import dev.marina.schemas.access.Principals;
import dev.marina.schemas.access.Role;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.AgentCommand;
import dev.marina.schemas.v1.AgentOp;
import dev.marina.schemas.v1.DeploymentStatus;
import dev.marina.schemas.v1.Health;
import dev.marina.schemas.v1.InstanceHealth;
import dev.marina.schemas.v1.Phase;
import dev.marina.simulated.PlaneApi;
import dev.marina.simulated.SimulatedPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The control plane at scale, on the simulated data plane: N deployments of 3 instances (a primary, 2 replicas, self-signed
 * TLS, automatic failover), everything above the agents the platform's real services, packaged, with the real broker,
 * BIND and cert-service. Prints:
 * <ul>
 *   <li>apply of all at once → all Ready: total, throughput, apply → Ready p50/p95;</li>
 *   <li>steady state: each service's CPU (cores) and RSS, messages/s per topic, heartbeats/s per health-monitor CPU-second;</li>
 *   <li>API: GET and list latency p50/p99;</li>
 *   <li>false verdicts (Suspect/Down of instances that never stopped) in the steady window, then with the CPU saturated
 *       by a bounded busy loop;</li>
 *   <li>kill 1% of primaries at once: detection (kill → Down) and failover decision (kill → PROMOTE) p50/p99.</li>
 * </ul>
 *
 * <pre>./marina bench scale [deployments=1000] [steady seconds=60] [heartbeat ms=200] [copies=1]</pre>
 *
 * With 2 or more copies of each service (docs/copies.md) the bench also kills one copy of each mid-run (the elected
 * leader of provisioner, dns-service and cert-service; copy 2 of intent-service and health-monitor, whose partitions move)
 * and prints what the fleet saw while the survivors took over: deployments still Ready, false verdicts, the commands the
 * survivors answered.
 *
 * A heartbeat interval other than the agents' 200 ms scales the timings that hang on it, keeping the platform's ratios:
 * suspect after 3 intervals, down after 7.5, the primary's lease 5, the reconciler's failover-min-silence 6 (the trade-off
 * the README's scale section describes).
 */
public final class ScaleBench {

    private static final String TENANT = "scale";
    private static final String SPEC = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\","
            + "\"replicas\":2,\"failover\":{\"automatic\":true},\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"}}}";
    private static final List<String> WATCHED = List.of(Topics.INTENT_EVENTS.name(), Topics.PROVISION_COMMANDS.name(),
            Topics.AGENT_COMMANDS.name(), Topics.AGENT_EVENTS.name(), Topics.HEARTBEATS.name(), Topics.INSTANCE_HEALTH.name(),
            Topics.METRICS.name(), Topics.DEPLOYMENT_STATUS.name(), Topics.DNS_COMMANDS.name(), Topics.CERT_COMMANDS.name());

    /** Held: the agents' per-command INFO lines, times thousands of instances, would drown the figures. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("dev.marina");

    public static void main(String[] args) throws Exception {
        QUIET.setLevel(java.util.logging.Level.WARNING);
        int deployments = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int steadySeconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Duration heartbeat = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 200);
        int copies = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        if (deployments < 1 || steadySeconds < 1 || heartbeat.toMillis() < 50 || copies < 1 || copies > 4) {
            throw new IllegalArgumentException("usage: scale [deployments ≥ 1] [steady seconds ≥ 1] [heartbeat ms ≥ 50] [copies 1..4]");
        }
        System.out.printf("scale: %d deployments x 3 simulated instances, heartbeat every %d ms, metric samples every %d s, %d cop%s"
                        + " of each service (%d cores, %d MiB max heap here)%n", deployments, heartbeat.toMillis(),
                metricsInterval(heartbeat).toSeconds(), copies, copies == 1 ? "y" : "ies",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        Path work = Files.createTempDirectory("marina-scale-");
        Path tokenFile = work.resolve("plane.token");
        Files.writeString(tokenFile, UUID.randomUUID().toString(), java.nio.charset.StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        // The plane's API listens before the provisioner starts: its port is the provisioner's setting.
        PlaneApi api = new PlaneApi(Files.readString(tokenFile).trim(), 0);
        int planePort = api.port();
        Map<String, String> settings = new HashMap<>();
        settings.put("MARINA_PROVISIONER_DRIVER", "simulated");
        settings.put("MARINA_PROVISIONER_SIMULATED_URL", "http://127.0.0.1:" + planePort);
        settings.put("MARINA_PROVISIONER_SIMULATED_TOKEN_FILE", tokenFile.toString());
        if (!heartbeat.equals(Duration.ofMillis(200))) {
            settings.put("MARINA_HEALTH_SUSPECT_AFTER", heartbeat.multipliedBy(3).toMillis() + "ms");
            settings.put("MARINA_HEALTH_DOWN_AFTER", heartbeat.multipliedBy(15).dividedBy(2).toMillis() + "ms");
            settings.put("MARINA_PLATFORM_PRIMARY_LEASE", heartbeat.multipliedBy(5).toMillis() + "ms");
            settings.put("MARINA_RECONCILER_FAILOVER_MIN_SILENCE", heartbeat.multipliedBy(6).toMillis() + "ms");
        }
        Duration lease = heartbeat.equals(Duration.ofMillis(200)) ? Duration.ofSeconds(1) : heartbeat.multipliedBy(5);
        long started = System.nanoTime();
        try (Platform platform = Platform.start(Platform.SERVICES, settings, copies)) {
            System.out.printf("platform up in %.1f s%n", (System.nanoTime() - started) / 1e9);
            Properties planeKafka = planePrincipal(platform, work);
            SimulatedPlane.Settings planeSettings = new SimulatedPlane.Settings(planeKafka, work.resolve("instances"),
                    platform.home.resolve("secrets/platform.key"), heartbeat, metricsInterval(heartbeat), lease, 8,
                    List.of("10.11.18", "10.11.19"));
            try (SimulatedPlane plane = new SimulatedPlane(planeSettings, Clock.systemUTC());
                 Watch watch = new Watch(platform.adminClient());
                 Milestones milestones = new Milestones(platform.adminClient())) {
                api.attach(plane);
                run(platform, plane, watch, milestones, deployments, steadySeconds, copies, heartbeat);
            }
        } finally {
            api.close();
        }
    }

    /**
     * The simulated agents' metric samples: every 5 s as the real agent's default, or as seldom as the
     * heartbeats when those are slower, so a fleet sized for a long heartbeat is not swamped by samples
     * (health-monitor aggregates both; the samples cost it about as much as the heartbeats).
     */
    static Duration metricsInterval(Duration heartbeat) {
        Duration agentDefault = Duration.ofSeconds(5);
        return heartbeat.compareTo(agentDefault) > 0 ? heartbeat : agentDefault;
    }

    private static final String[][] STEPS = {
            {"intake (apply → accepted)", "t0", Milestones.ACCEPTED},
            {"planning (→ CREATE)", Milestones.ACCEPTED, Milestones.CREATE},
            {"provisioning (→ RUNNING)", Milestones.CREATE, Milestones.RUNNING},
            {"deploy (RUNNING → DATABASE_READY)", Milestones.RUNNING, Milestones.DATABASE_READY},
            {"first heartbeat judged UP", Milestones.DATABASE_READY, Milestones.HEALTH_UP},
            {"CSR → issued", Milestones.CSR_ANSWERED, Milestones.CERT_ISSUED},
            {"issued → installed", Milestones.CERT_ISSUED, Milestones.CERT_INSTALLED},
            {"DNS command → applied", Milestones.DNS_COMMAND, Milestones.DNS_APPLIED},
            {"→ status Ready", Milestones.HEALTH_UP, Milestones.STATUS_READY},
    };

    private static void run(Platform platform, SimulatedPlane plane, Watch watch, Milestones milestones, int deployments,
            int steadySeconds, int copies, Duration heartbeat) throws Exception {
        // --- apply all at once ---
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Map<String, Long> appliedAt = new ConcurrentHashMap<>();
        long t0 = System.currentTimeMillis();
        AtomicInteger refused = new AtomicInteger();
        for (int i = 0; i < deployments; i++) {
            String name = String.format("d%05d", i);
            pool.submit(() -> {
                try {
                    long before = System.currentTimeMillis();
                    Platform.Response r = platform.call("PUT", "/v1/deployments/" + TENANT + "/" + name, SPEC);
                    if (r.status() != 200 && r.status() != 202) { // 202: accepted, intake not decided within the call
                        refused.incrementAndGet();
                        System.out.println("apply refused: " + r.status() + " " + r.body());
                    }
                    appliedAt.put(TENANT + "/" + name, before);
                } catch (Exception e) {
                    refused.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.MINUTES);
        long applied = System.currentTimeMillis();
        System.out.printf("%napplied %d in %.1f s (%.0f/s), %d refused%n", deployments, (applied - t0) / 1000.0,
                deployments * 1000.0 / Math.max(1, applied - t0), refused.get());
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(Math.max(10, deployments / 50)).toMillis();
        int lastReady = -1;
        while (watch.readyCount() < deployments && System.currentTimeMillis() < deadline) {
            Thread.sleep(5000);
            int ready = watch.readyCount();
            if (ready != lastReady) {
                System.out.printf("  %5.0f s: %d Ready, plane %s%n", (System.currentTimeMillis() - t0) / 1000.0, ready, plane.stats());
                lastReady = ready;
            }
        }
        long allReady = watch.lastReadyAt();
        List<Long> toReady = new ArrayList<>();
        watch.firstReady.forEach((key, at) -> {
            Long from = appliedAt.get(key);
            if (from != null) {
                toReady.add(at - from);
            }
        });
        System.out.printf("%napply → Ready: %d of %d Ready; all Ready after %.1f s (%.1f deployments/s)%n", watch.readyCount(), deployments,
                (allReady - t0) / 1000.0, watch.readyCount() * 1000.0 / Math.max(1, allReady - t0));
        System.out.printf("  PROMOTEs sent meanwhile: %d, of which failovers (a new epoch): %d%n", watch.promoteCount(),
                watch.failovers.get());
        System.out.printf("  CREATE commands: %d for %d instances (the rest are resends of CREATEs not answered in time)%n",
                milestones.creates(), milestones.createdInstances());
        printPercentiles("  apply → Ready per deployment", toReady);
        System.out.println("  by step (first occurrence per deployment, from the records' timestamps):");
        for (String[] step : STEPS) {
            List<Long> values = new ArrayList<>();
            appliedAt.forEach((key, at) -> {
                Map<String, Long> seen = new HashMap<>(milestones.of(key));
                seen.put("t0", at);
                Long from = seen.get(step[1]);
                Long to = seen.get(step[2]);
                if (from != null && to != null && to >= from) {
                    values.add(to - from);
                }
            });
            printPercentiles("    " + step[0], values);
        }

        // --- steady state ---
        System.out.printf("%nsteady state, %d s:%n", steadySeconds);
        List<String> processes = new ArrayList<>();
        for (String service : Platform.SERVICES) {
            for (int k = 1; k <= copies; k++) {
                processes.add(Platform.copyName(service, k));
            }
        }
        Map<String, ProcessCpu.Snapshot> cpuBefore = new HashMap<>();
        for (String process : processes) {
            cpuBefore.put(process, ProcessCpu.total(platform.processOf(process).pid()));
        }
        Map<String, Long> offsetsBefore = offsets(platform);
        long falseBefore = watch.badVerdicts.get();
        long notReadyBeforeSteady = watch.notReadyCount();
        long steadyStart = System.nanoTime();
        Thread.sleep(steadySeconds * 1000L);
        double seconds = (System.nanoTime() - steadyStart) / 1e9;
        Map<String, Long> offsetsAfter = offsets(platform);
        double healthCpu = 0;
        System.out.printf("  %-18s %8s %8s%n", "service", "cores", "RSS MiB");
        for (String process : processes) {
            long pid = platform.processOf(process).pid();
            double cpu = ProcessCpu.total(pid).since(cpuBefore.get(process));
            if (process.startsWith("health-monitor")) {
                healthCpu += cpu;
            }
            System.out.printf("  %-18s %8.2f %8d%n", process, cpu / seconds, ProcessCpu.rssMb(pid));
        }
        System.out.printf("  %-18s %8s %8d%n", "simulated plane", "-", (Runtime.getRuntime().totalMemory() >> 20));
        System.out.println("  messages/s per topic:");
        for (String topic : WATCHED) {
            System.out.printf("    %-20s %10.0f%n", topic, (offsetsAfter.getOrDefault(topic, 0L) - offsetsBefore.getOrDefault(topic, 0L)) / seconds);
        }
        double heartbeats = (offsetsAfter.get(Topics.HEARTBEATS.name()) - offsetsBefore.get(Topics.HEARTBEATS.name())) / seconds;
        System.out.printf("  heartbeat ingest: %.0f heartbeats/s, %.0f per health-monitor CPU-second%n", heartbeats,
                heartbeats * seconds / Math.max(0.001, healthCpu));
        System.out.printf("  false verdicts (Suspect/Down of live instances): %d%n", watch.badVerdicts.get() - falseBefore);
        System.out.printf("  Ready at the end: %d of %d; status changes to not Ready meanwhile: %d%n", watch.readyNow(), deployments,
                watch.notReadyCount() - notReadyBeforeSteady);
        StoreSizes.print(platform.adminClient());

        // --- API ---
        List<Long> gets = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String name = String.format("d%05d", (i * 7919) % deployments);
            long s = System.nanoTime();
            platform.call("GET", "/v1/deployments/" + TENANT + "/" + name, null);
            gets.add((System.nanoTime() - s) / 1_000_000);
        }
        List<Long> lists = new ArrayList<>();
        int listed = 0;
        for (int i = 0; i < 10; i++) {
            long s = System.nanoTime();
            Platform.Response r = platform.call("GET", "/v1/deployments?tenant=" + TENANT, null);
            lists.add((System.nanoTime() - s) / 1_000_000);
            listed = r.body().path("deployments").size();
        }
        System.out.printf("%nAPI:%n");
        printPercentiles("  GET one deployment", gets);
        printPercentiles("  list (" + listed + " deployments)", lists);

        if (copies > 1) {
            killOneCopyOfEach(platform, plane, watch, deployments, steadySeconds);
        }

        // --- saturated CPU ---
        int busyThreads = Runtime.getRuntime().availableProcessors() * 2;
        System.out.printf("%nsaturated CPU: %d busy threads for %d s%n", busyThreads, steadySeconds);
        long falseBeforeBusy = watch.badVerdicts.get();
        int promotesBeforeBusy = watch.promoteCount();
        long failoversBeforeBusy = watch.failovers.get();
        long notReadyBeforeBusy = watch.notReadyCount();
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < busyThreads; i++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (busy.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            });
            t.setDaemon(true);
            t.start();
            spinners.add(t);
        }
        Thread.sleep(steadySeconds * 1000L);
        busy.set(false);
        for (Thread t : spinners) {
            t.join();
        }
        Thread.sleep(3000);
        System.out.printf("  false verdicts (Suspect/Down of live instances): %d; PROMOTEs sent: %d, of which failovers"
                        + " (a new epoch): %d%n", watch.badVerdicts.get() - falseBeforeBusy,
                watch.promoteCount() - promotesBeforeBusy, watch.failovers.get() - failoversBeforeBusy);
        System.out.printf("  Ready at the end: %d of %d; status changes to not Ready meanwhile: %d%n", watch.readyNow(), deployments,
                watch.notReadyCount() - notReadyBeforeBusy);

        // --- kill 1% of primaries ---
        int kills = Math.max(1, deployments / 100);
        Map<String, Long> killedAt = new HashMap<>();
        for (int i = 0; i < kills; i++) {
            String key = TENANT + "/" + String.format("d%05d", (i * 97) % deployments);
            String primary = watch.primaryOf(key);
            if (primary != null) {
                watch.killed.add(primary);
                killedAt.put(primary, System.currentTimeMillis());
                plane.kill(primary);
            }
        }
        System.out.printf("%nkilled %d primaries at once%n", killedAt.size());
        long killDeadline = System.currentTimeMillis() + Math.max(120_000, 20 * heartbeat.toMillis());
        while (System.currentTimeMillis() < killDeadline && !watch.promotedAll(killedAt)) {
            Thread.sleep(500);
        }
        List<Long> detection = new ArrayList<>();
        List<Long> decision = new ArrayList<>();
        killedAt.forEach((instance, at) -> {
            Long down = watch.downAt.get(instance);
            if (down != null) {
                detection.add(down - at);
            }
            Long promote = watch.promoteAfterKill(instance, at);
            if (promote != null) {
                decision.add(promote - at);
            }
        });
        printPercentiles("  kill → Down readable (detection)", detection);
        printPercentiles("  kill → PROMOTE (failover decision)", decision);
        System.out.printf("  plane: %s%n", plane.stats());
    }

    /**
     * One copy of each service killed at once (SIGKILL): the elected leader of the single-actor services, copy 2 of the
     * partitioned ones (copy 1 of intent-service serves the bench's API calls). Then a steady window: the fleet must stay
     * Ready, with no verdict against a live instance, while the survivors take over the work.
     */
    private static void killOneCopyOfEach(Platform platform, SimulatedPlane plane, Watch watch, int deployments, int seconds)
            throws Exception {
        List<String> victims = new ArrayList<>();
        for (String service : List.of("provisioner", "dns-service", "cert-service")) {
            victims.add(platform.leaderCopy(service));
        }
        victims.add(Platform.copyName("intent-service", 2));
        victims.add(Platform.copyName("health-monitor", 2));
        long falseBefore = watch.badVerdicts.get();
        int readyBefore = watch.readyNow();
        int promotesBefore = watch.promoteCount();
        long failoversBefore = watch.failovers.get();
        long notReadyBefore = watch.notReadyCount();
        SimulatedPlane.Stats planeBefore = plane.stats();
        long killedAt = System.nanoTime();
        for (String victim : victims) {
            platform.kill(victim);
        }
        System.out.printf("%nkilled one copy of each service at once: %s%n", victims);
        Thread.sleep(seconds * 1000L);
        System.out.printf("  after %.0f s: %d of %d deployments Ready (before: %d), %d status changes to not Ready;"
                        + " false verdicts: %d; PROMOTEs sent: %d, of which failovers (a new epoch): %d%n",
                (System.nanoTime() - killedAt) / 1e9, watch.readyNow(), deployments,
                readyBefore, watch.notReadyCount() - notReadyBefore, watch.badVerdicts.get() - falseBefore,
                watch.promoteCount() - promotesBefore, watch.failovers.get() - failoversBefore);
        for (String service : List.of("provisioner", "dns-service", "cert-service")) {
            System.out.printf("  %s now led by %s%n", service, platform.leaderCopy(service));
        }
        System.out.printf("  plane before: %s%n  plane after:  %s%n", planeBefore, plane.stats());
    }

    /** The plane's Kafka principal: one AGENT principal for all its instances (each still proves its records with its own key). */
    private static Properties planePrincipal(Platform platform, Path work) {
        Path file = work.resolve("plane-kafka.properties");
        try (Admin admin = Admin.create(platform.adminClient())) {
            new KafkaUsers(admin, KafkaAccess.caFile(platform.kafkaSecrets()), Duration.ofSeconds(30))
                    .ensure(Principals.agent("simulated-plane"), Role.AGENT, file);
        }
        return KafkaAccess.client(file, platform.bootstrap);
    }

    private static Map<String, Long> offsets(Platform platform) throws Exception {
        Map<String, Long> sums = new HashMap<>();
        try (Admin admin = Admin.create(platform.adminClient())) {
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            for (String topic : WATCHED) {
                admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                        .forEach(p -> ask.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            }
            admin.listOffsets(ask).all().get().forEach((tp, info) -> sums.merge(tp.topic(), info.offset(), Long::sum));
        }
        return sums;
    }

    private static void printPercentiles(String label, List<Long> values) {
        if (values.isEmpty()) {
            System.out.printf("%-40s (none)%n", label);
            return;
        }
        List<Long> sorted = values.stream().sorted().toList();
        System.out.printf("%-40s p50 %6d ms  p95 %6d ms  p99 %6d ms  (n=%d)%n", label, pct(sorted, 50), pct(sorted, 95), pct(sorted, 99),
                sorted.size());
    }

    private static long pct(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Reads statuses, health and commands as they come: Ready times, verdicts, primaries, PROMOTEs. */
    static final class Watch implements AutoCloseable {
        final Map<String, Long> firstReady = new ConcurrentHashMap<>();
        final Map<String, String> primaries = new ConcurrentHashMap<>();
        final Map<String, Long> downAt = new ConcurrentHashMap<>();
        final Map<String, List<Long>> promotes = new ConcurrentHashMap<>();
        /**
         * Distinct PROMOTEs (deployment, instance, epoch: a command sent again counts once), and those to a new epoch
         * (epoch above 1): a failover. A primary that fenced itself (its heartbeats not acknowledged within its lease)
         * is promoted again at its own epoch: not a failover.
         */
        private final Set<String> distinctPromotes = ConcurrentHashMap.newKeySet();
        final java.util.concurrent.atomic.AtomicLong failovers = new java.util.concurrent.atomic.AtomicLong();
        final Set<String> killed = ConcurrentHashMap.newKeySet();
        final java.util.concurrent.atomic.AtomicLong badVerdicts = new java.util.concurrent.atomic.AtomicLong();
        /** Each deployment's latest phase, and how often one left Ready. */
        private final Map<String, Phase> phases = new ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicLong leftReady = new java.util.concurrent.atomic.AtomicLong();
        private volatile long lastReadyAt;
        private volatile boolean running = true;
        private final Thread thread;

        Watch(Properties admin) {
            Properties p = new Properties();
            p.putAll(admin);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "scale-bench-" + UUID.randomUUID());
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p);
            consumer.subscribe(List.of(Topics.DEPLOYMENT_STATUS.name(), Topics.INSTANCE_HEALTH.name(), Topics.AGENT_COMMANDS.name()));
            // join before anything is applied, so nothing is missed
            long until = System.currentTimeMillis() + 30_000;
            while (consumer.assignment().isEmpty() && System.currentTimeMillis() < until) {
                consumer.poll(Duration.ofMillis(200));
            }
            thread = new Thread(() -> {
                try (consumer) {
                    while (running) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            take(r);
                        }
                    }
                }
            }, "scale-watch");
            thread.setDaemon(true);
            thread.start();
        }

        private void take(ConsumerRecord<byte[], byte[]> r) {
            if (r.value() == null) {
                return;
            }
            if (r.topic().equals(Topics.DEPLOYMENT_STATUS.name())) {
                Decoded<DeploymentStatus> d = ProtoJsonSerde.fromJson(DeploymentStatus.getDefaultInstance(), r.value());
                if (d instanceof Decoded.Ok<DeploymentStatus> ok) {
                    DeploymentStatus s = ok.value();
                    String key = s.getDeployment().getTenant() + "/" + s.getDeployment().getName();
                    Phase before = phases.put(key, s.getPhase());
                    if (before == Phase.PHASE_READY && s.getPhase() != Phase.PHASE_READY) {
                        leftReady.incrementAndGet();
                    }
                    if (s.getPhase() == Phase.PHASE_READY && firstReady.putIfAbsent(key, r.timestamp()) == null) {
                        lastReadyAt = Math.max(lastReadyAt, r.timestamp());
                    }
                    s.getInstancesList().stream().filter(i -> i.getRole() == dev.marina.schemas.v1.Role.ROLE_PRIMARY)
                            .findFirst().ifPresent(i -> primaries.put(key, i.getInstanceId()));
                }
            } else if (r.topic().equals(Topics.INSTANCE_HEALTH.name())) {
                Decoded<InstanceHealth> d = ProtoJsonSerde.fromJson(InstanceHealth.getDefaultInstance(), r.value());
                if (d instanceof Decoded.Ok<InstanceHealth> ok) {
                    InstanceHealth h = ok.value();
                    boolean bad = h.getHealth() == Health.HEALTH_SUSPECT || h.getHealth() == Health.HEALTH_DOWN;
                    if (bad && h.getPrevious() != h.getHealth()) {
                        if (killed.contains(h.getInstanceId())) {
                            if (h.getHealth() == Health.HEALTH_DOWN) {
                                // when it was readable, not the record's timestamp: health-monitor stamps a verdict
                                // with the time it is judged as of, which trails the wall clock while it is behind
                                downAt.putIfAbsent(h.getInstanceId(), System.currentTimeMillis());
                            }
                        } else {
                            badVerdicts.incrementAndGet();
                        }
                    }
                }
            } else {
                Decoded<AgentCommand> d = ProtoJsonSerde.fromJson(AgentCommand.getDefaultInstance(), r.value());
                if (d instanceof Decoded.Ok<AgentCommand> ok && ok.value().getOp() == AgentOp.AGENT_OP_PROMOTE) {
                    String key = ok.value().getDeployment().getTenant() + "/" + ok.value().getDeployment().getName();
                    promotes.computeIfAbsent(key, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(r.timestamp());
                    if (distinctPromotes.add(key + "/" + ok.value().getInstanceId() + "/" + ok.value().getEpoch())
                            && ok.value().getEpoch() > 1) {
                        failovers.incrementAndGet();
                    }
                }
            }
        }

        int readyCount() {
            return firstReady.size();
        }

        /** Deployments whose latest status is Ready. */
        int readyNow() {
            return (int) phases.values().stream().filter(p -> p == Phase.PHASE_READY).count();
        }

        /** Times a deployment's status left Ready. */
        long notReadyCount() {
            return leftReady.get();
        }

        long lastReadyAt() {
            return lastReadyAt;
        }

        String primaryOf(String key) {
            return primaries.get(key);
        }

        private String deploymentOf(String instance) {
            // instance ids are "<tenant>-<name>-<n>"
            int dash = instance.lastIndexOf('-');
            String rest = instance.substring(0, dash);
            int first = rest.indexOf('-');
            return rest.substring(0, first) + "/" + rest.substring(first + 1);
        }

        boolean promotedAll(Map<String, Long> killedAt) {
            for (Map.Entry<String, Long> e : killedAt.entrySet()) {
                if (promoteAfterKill(e.getKey(), e.getValue()) == null) {
                    return false;
                }
            }
            return true;
        }

        /** PROMOTE records read so far, sent again ones included. */
        int promoteCount() {
            return promotes.values().stream().mapToInt(List::size).sum();
        }

        /** The first PROMOTE of the instance's deployment written at or after {@code at}. */
        Long promoteAfterKill(String instance, long at) {
            List<Long> times = promotes.get(deploymentOf(instance));
            if (times == null) {
                return null;
            }
            synchronized (times) {
                return times.stream().filter(t -> t >= at).min(Long::compare).orElse(null);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5000);
        }
    }

    private ScaleBench() {}
}
