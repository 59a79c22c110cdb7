package dev.marina.bench;

import dev.marina.e2e.Platform;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * health-monitor's metric aggregation under a fleet's load, and how soon an agent's sample shows on
 * the dashboard. Runs only health-monitor (packaged) on a broker of its own, with simulated senders:
 * 30,000 instances (10,000 deployments of 3) reporting every 10 s, i.e. 3,000 samples/s.
 *
 * <ol>
 *   <li>Ingestion at the target rate: samples at 3,000/s for a warm-up (not measured, then read to
 *   the end), then for the measured period, starting with no lag. health-monitor's progress is its
 *   Streams group's committed offsets on {@code metrics}; its CPU time is read from {@code /proc}, so
 *   samples per CPU-second is per core of the consumer, whatever the senders (this JVM) and the
 *   broker use of the same cores.</li>
 *   <li>Flat out: a backlog produced as fast as this JVM can, then drained by health-monitor; the
 *   drain, with this JVM idle, gives the most samples per second it sustains.</li>
 *   <li>Latency: single samples of a probe deployment, from the send until its {@code point} event
 *   arrives on the dashboard's event stream (and until its first aggregate on
 *   {@code deployment-metrics}), during the load and with the platform idle.</li>
 * </ol>
 *
 * <pre>./marina bench metrics [seconds=60] [backlog=200000] [probes=50] [ENV=VALUE ...]</pre>
 *
 * {@code ENV=VALUE} arguments go into health-monitor's environment, to compare settings (e.g.
 * {@code KAFKA_STREAMS_COMMIT_INTERVAL_MS=100}).
 */
public final class MetricsBench {

    private static final int INSTANCES = 30_000;
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);
    private static final int RATE = (int) (INSTANCES / REPORT_EVERY.toSeconds());
    private static final Duration WARMUP = Duration.ofSeconds(20);
    /** Each accepted sample emits four aggregates: the instance's and the deployment's, for 10 s and 1 min. */
    private static final int OUTPUT_PER_SAMPLE = 4;
    private static final String PROBE_NAME = "probe";
    private static final String PROBE_KEY = DeploymentKey.of(SimulatedFleet.TENANT, PROBE_NAME);
    private static final String PROBE_INSTANCE = SimulatedFleet.instanceId(SimulatedFleet.TENANT, PROBE_NAME, 1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration IDLE_PROBE_PAUSE = Duration.ofMillis(100);
    private static final long DRAIN_TIMEOUT_MS = 300_000;
    private static final String STREAMS_THREADS = "Kafka Streams threads";
    private static final Pattern LISTENING = Pattern.compile("Listening on: (http://[0-9.]+:[0-9]+)");

    /** One probe: from the send until the point event, and until the first aggregate; -1 when not seen in time. */
    record Probe(long pointNanos, long aggregateNanos) {}

    /** A probe on its way: its sample's time (epoch ms, how its point and aggregates are found) and when it was sent. */
    record ProbeSent(long sampledAtMs, long sentNanos) {}

    /** What health-monitor did over one period: samples committed, CPU used, wall time. */
    record Period(long sent, long processed, double wallSeconds, Map<String, Double> cpuByGroup, double cpuSeconds,
            ProcessCpu.ThreadShare streamThread, double waitingForCpuSeconds, double commits, double blockedOnKafkaSeconds,
            double commitLatencyMs, double senderCpuSeconds, double brokerCpuSeconds) {
        double processedPerSecond() {
            return processed / wallSeconds;
        }

        double cores() {
            return cpuSeconds / wallSeconds;
        }

        double perCpuSecond() {
            return processed / cpuSeconds;
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> numbers = new ArrayList<>();
        Map<String, String> settings = new TreeMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq > 0) {
                settings.put(arg.substring(0, eq), arg.substring(eq + 1));
            } else {
                numbers.add(arg);
            }
        }
        int seconds = numbers.size() > 0 ? Integer.parseInt(numbers.get(0)) : 60;
        int backlog = numbers.size() > 1 ? Integer.parseInt(numbers.get(1)) : 200_000;
        int probes = numbers.size() > 2 ? Integer.parseInt(numbers.get(2)) : 50;
        if (seconds < 5 || backlog < 1 || probes < 1) {
            throw new IllegalArgumentException(
                    "usage: metrics [seconds ≥ 5] [backlog ≥ 1] [probes ≥ 1] [ENV=VALUE for health-monitor ...]");
        }
        System.out.printf("metrics: health-monitor's aggregation of %,d instances reporting every %d s (%,d samples/s) for %d s,"
                + " a backlog of %,d samples, and %d latency probes idle and under load%n",
                INSTANCES, REPORT_EVERY.toSeconds(), RATE, seconds, backlog, probes);
        System.out.printf("machine: %d cores (%s), load average %s at start; figures from one run on a shared machine:"
                + " compare ratios rather than absolute values%n", Runtime.getRuntime().availableProcessors(), cpuModel(),
                loadAverage());
        if (!settings.isEmpty()) {
            System.out.println("health-monitor's environment, beside Platform's: " + settings);
        }
        try (Session s = new Session(Platform.start(List.of("health-monitor"), settings))) {
            s.run(seconds, backlog, probes);
            s.completed();
        }
    }

    /** One platform (broker, health-monitor) with the senders, the readers and the results. */
    private static final class Session implements AutoCloseable {
        private final Platform platform;
        private final long monitorPid;
        private final long brokerPid;
        private final String baseUrl;
        private final SimulatedFleet fleet;
        private final KafkaProducer<String, String> loadProducer;
        private final KafkaProducer<String, String> backlogProducer;
        private final KafkaProducer<String, String> probeProducer;
        private final GroupProgress progress;
        /** The platform's proof key: samples are proven as each agent proves its own, with its instance's key. */
        private final dev.marina.schemas.proof.PlatformProofKey proof;
        private final MonitorMeters meters;
        private final List<Load> loads = new ArrayList<>();
        private DashboardEvents events;
        private AggregateWatch aggregates;
        private long lastProbeMs;
        private boolean completed;

        Session(Platform platform) throws IOException {
            this.platform = platform;
            try {
                monitorPid = platform.processOf("health-monitor").pid();
                brokerPid = brokerPid(platform);
                baseUrl = listeningOn(platform);
                fleet = new SimulatedFleet(INSTANCES / SimulatedFleet.INSTANCES_PER_DEPLOYMENT, Instant.now().minusSeconds(3600));
                // The simulated senders batch a little; real agents send one record per request (linger 0).
                loadProducer = producer(platform.adminClient(), "5", 64 * 1024, 32L << 20);
                backlogProducer = producer(platform.adminClient(), "20", 512 * 1024, 64L << 20);
                // The probe is sent as an agent sends: one record, no waiting for others.
                probeProducer = producer(platform.adminClient(), "0", 16 * 1024, 1L << 20);
                progress = new GroupProgress(platform.adminClient(), "health-monitor");
                proof = PlatformProof.of(platform.home);
                meters = new MonitorMeters(baseUrl);
            } catch (RuntimeException | IOException e) {
                platform.close();
                throw e;
            }
        }

        void run(int seconds, int backlog, int probes) throws Exception {
            long rssStart = ProcessCpu.rssMb(monitorPid);
            long t0 = System.nanoTime();
            publishStatuses();
            progress.awaitCaughtUp(Topics.DEPLOYMENT_STATUS, 120_000);
            System.out.printf("%nfleet: %,d deployments × %d instances (a primary and 2 replicas), statuses written to"
                    + " deployment-status as intent-service would, read by health-monitor in %.1f s%n",
                    fleet.deployments(), SimulatedFleet.INSTANCES_PER_DEPLOYMENT, (System.nanoTime() - t0) / 1e9);
            System.out.printf("  senders: simulated by this JVM (one producer, acks=all, linger 5 ms; not %,d agent"
                    + " processes). Each sample: all 10 gauges (replication lag from replicas only) and all 4 counters,"
                    + " counters increasing; %d bytes of JSON%n", INSTANCES, fleet.sampleJson(1, Instant.now()).length());
            events = new DashboardEvents(baseUrl, PROBE_KEY, PROBE_INSTANCE);
            events.awaitOpen(Duration.ofSeconds(30));
            aggregates = new AggregateWatch(platform.adminClient(), PROBE_KEY);

            // 1. the target rate: a warm-up, not measured, and drained, so the measured part starts with no lag
            Load warmUp = startLoad();
            for (int i = 0; i < 5; i++) {
                sendProbe(); // warms the dashboard's path; not counted
                Thread.sleep(IDLE_PROBE_PAUSE.toMillis());
            }
            Thread.sleep(Math.max(0, WARMUP.toMillis() - (System.nanoTime() - warmUp.startNanos) / 1_000_000));
            long warmUpLag = progress.read(Topics.METRICS).lag();
            warmUp.stop();
            loadProducer.flush();
            long warmUpStopped = System.nanoTime();
            progress.awaitCaughtUp(Topics.METRICS, DRAIN_TIMEOUT_MS);
            double warmUpDrained = (System.nanoTime() - warmUpStopped) / 1e9;

            long probeEveryMs = Math.max(IDLE_PROBE_PAUSE.toMillis(), (seconds * 1000L - 2000) / Math.max(1, probes));
            List<Probe> underLoad = new ArrayList<>();
            Thread prober = new Thread(() -> {
                try {
                    underLoad.addAll(probeRun(probes, probeEveryMs));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "prober");
            prober.setDaemon(true);
            Load load = startLoad();
            Measure start = measure(load.sent());
            prober.start();
            long maxLag = start.progress.lag();
            List<Long> lagEvery10s = new ArrayList<>();
            long deadline = start.progress.nanos() + seconds * 1_000_000_000L;
            long nextTrace = start.progress.nanos() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                Thread.sleep(Math.min(1000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                GroupProgress.Reading r = progress.read(Topics.METRICS);
                maxLag = Math.max(maxLag, r.lag());
                if (r.nanos() >= nextTrace) {
                    lagEvery10s.add(r.lag());
                    nextTrace += 10_000_000_000L;
                }
            }
            Measure end = measure(load.sent());
            long stopped = System.nanoTime();
            load.stop();
            loadProducer.flush();
            progress.awaitCaughtUp(Topics.METRICS, DRAIN_TIMEOUT_MS);
            double tailSeconds = (System.nanoTime() - stopped) / 1e9;
            prober.join();
            Period target = end.since(start);

            // 2. idle
            Thread.sleep(3_000);
            List<Probe> idle = probeRun(probes, IDLE_PROBE_PAUSE.toMillis());

            // 3. flat out
            Measure before = measure(0);
            long produced = produceBacklog(backlog);
            Measure backlogIn = measure(produced);
            GroupProgress.Reading drained = progress.awaitCaughtUp(Topics.METRICS, DRAIN_TIMEOUT_MS);
            Measure after = measure(produced);
            Period producing = backlogIn.since(before);
            Period draining = after.since(backlogIn);
            long rssEnd = ProcessCpu.rssMb(monitorPid);

            double aggregated = meters.sum(MonitorMeters.SAMPLES);
            double late = meters.sum(MonitorMeters.LATE);
            double deadLetters = meters.sum(MonitorMeters.DEAD_LETTERS);
            long sentTotal = drained.end();

            reportTarget(seconds, warmUpLag, warmUpDrained, target, start.progress.lag(), maxLag, end.progress.lag(), lagEvery10s,
                    tailSeconds);
            reportFlatOut(backlog, producing, draining, backlogIn.progress.lag());
            System.out.printf("%nhealth-monitor at the end%n");
            System.out.printf("  %-44s %,d MB (%,d MB after start). Its heap is capped at 256 MB (Platform runs it with"
                    + " -Xmx256m -XX:+UseSerialGC); the rest is native: RocksDB stores, JIT code, metaspace, threads%n",
                    "resident memory (RSS)", rssEnd, rssStart);
            System.out.printf("  %-44s %,.0f of %,d sent (late, dropped from a window: %,.0f)%n", "samples aggregated",
                    aggregated, sentTotal, late);
            System.out.printf("  %-44s %,.0f%s%n", "dead letters from the metrics side", deadLetters,
                    deadLetters == 0 ? "" : "  ← expected 0: see health-monitor's log");
            reportLatency(probes, underLoad, idle);
        }

        private Load startLoad() {
            Load load = Load.start(fleet, loadProducer, RATE, this);
            loads.add(load);
            return load;
        }

        /** Each deployment's status, and the probe's (one instance). */
        private void publishStatuses() {
            Instant now = Instant.now();
            for (int d = 0; d < fleet.deployments(); d++) {
                String key = DeploymentKey.of(SimulatedFleet.TENANT, SimulatedFleet.name(d));
                backlogProducer.send(new ProducerRecord<>(Topics.DEPLOYMENT_STATUS.name(), key,
                        ProtoJsonSerde.toJson(fleet.status(d, now))));
            }
            backlogProducer.send(new ProducerRecord<>(Topics.DEPLOYMENT_STATUS.name(), PROBE_KEY,
                    ProtoJsonSerde.toJson(SimulatedFleet.status(SimulatedFleet.TENANT, PROBE_NAME, 1, now))));
            backlogProducer.flush();
        }

        /**
         * {@code count} probes, one every {@code everyMs} whether or not the one before has arrived (a slow
         * dashboard must not slow the schedule); then waits for the stragglers.
         */
        private List<Probe> probeRun(int count, long everyMs) throws InterruptedException {
            long[] times = new long[count];
            long[] sent = new long[count];
            long next = System.nanoTime();
            for (int i = 0; i < count; i++) {
                Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
                next += everyMs * 1_000_000;
                ProbeSent probe = sendProbe();
                times[i] = probe.sampledAtMs();
                sent[i] = probe.sentNanos();
            }
            List<Probe> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Duration wait = Duration.ofNanos(Math.max(1_000_000, sent[i] + PROBE_TIMEOUT.toNanos() - System.nanoTime()));
                long point = events.await(times[i], wait);
                long aggregate = aggregates.await(times[i], Duration.ofNanos(Math.max(1_000_000,
                        sent[i] + PROBE_TIMEOUT.toNanos() - System.nanoTime())));
                done.add(new Probe(point < 0 ? -1 : point - sent[i], aggregate < 0 ? -1 : aggregate - sent[i]));
            }
            return done;
        }

        /** A sample as its agent sends it: with the proof made with its instance's key. */
        ProducerRecord<String, String> proven(String key, String json, String instanceId) {
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.METRICS.name(), key, json);
            dev.marina.schemas.proof.MessageProof.sign(proof, record.topic(), record.headers(),
                    key.getBytes(java.nio.charset.StandardCharsets.UTF_8), json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    instanceId);
            return record;
        }

        /** One sample of the probe instance stamped now (a millisecond of its own). */
        private ProbeSent sendProbe() {
            long ms = Math.max(System.currentTimeMillis(), lastProbeMs + 1);
            lastProbeMs = ms;
            String json = ProtoJsonSerde.toJson(fleet.sample(0, SimulatedFleet.TENANT, PROBE_NAME, PROBE_INSTANCE, false,
                    Instant.ofEpochMilli(ms)));
            long sent = System.nanoTime();
            probeProducer.send(proven(PROBE_KEY, json, PROBE_INSTANCE));
            return new ProbeSent(ms, sent);
        }

        /** Sends {@code count} samples as fast as this JVM can, each stamped when it is built; returns how many. */
        private long produceBacklog(int count) {
            int instances = fleet.instances();
            for (int i = 0; i < count; i++) {
                int instance = i % instances;
                backlogProducer.send(proven(fleet.key(instance), fleet.sampleJson(instance, Instant.now()), fleet.instanceId(instance)));
            }
            backlogProducer.flush();
            return count;
        }

        private Measure measure(long sent) throws IOException, InterruptedException {
            return new Measure(progress.read(Topics.METRICS), ProcessCpu.snapshot(monitorPid),
                    meters.sums(MonitorMeters.COMMITS, MonitorMeters.BLOCKED_NS, MonitorMeters.COMMIT_LATENCY_AVG),
                    ProcessCpu.total(ProcessHandle.current().pid()),
                    brokerPid < 0 ? null : ProcessCpu.total(brokerPid), sent);
        }

        void completed() {
            completed = true;
        }

        @Override
        public void close() throws Exception {
            try {
                for (Load load : loads) {
                    load.stop();
                }
                if (events != null) {
                    events.close();
                }
                if (aggregates != null) {
                    aggregates.close();
                }
                loadProducer.close(Duration.ofSeconds(5));
                backlogProducer.close(Duration.ofSeconds(5));
                probeProducer.close(Duration.ofSeconds(5));
                progress.close();
            } finally {
                platform.close();
            }
            if (completed) {
                try (Stream<Path> files = Files.walk(platform.home)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            } else {
                System.err.println("metrics bench: the platform's logs are kept in " + platform.home.resolve("logs"));
            }
        }
    }

    /** Progress, CPU and samples sent at one moment. */
    private record Measure(GroupProgress.Reading progress, ProcessCpu.Snapshot monitor, Map<String, Double> meters,
            ProcessCpu.Snapshot sender, ProcessCpu.Snapshot broker, long sent) {
        Period since(Measure earlier) {
            return new Period(sent - earlier.sent, progress.committed() - earlier.progress.committed(),
                    (progress.nanos() - earlier.progress.nanos()) / 1e9, monitor.groupsSince(earlier.monitor),
                    monitor.since(earlier.monitor), monitor.busiest(STREAMS_THREADS, earlier.monitor),
                    monitor.waitingForCpuSince(earlier.monitor),
                    meters.get(MonitorMeters.COMMITS) - earlier.meters.get(MonitorMeters.COMMITS),
                    (meters.get(MonitorMeters.BLOCKED_NS) - earlier.meters.get(MonitorMeters.BLOCKED_NS)) / 1e9,
                    meters.get(MonitorMeters.COMMIT_LATENCY_AVG), sender.since(earlier.sender),
                    broker == null ? Double.NaN : broker.since(earlier.broker));
        }
    }

    /**
     * The simulated senders at a steady rate: instance after instance, round after round, so each
     * instance reports every {@code instances / rate} seconds; each sample stamped when it is built.
     */
    private static final class Load implements Runnable {
        private final SimulatedFleet fleet;
        private final KafkaProducer<String, String> producer;
        private final int rate;
        private final Session session;
        private final long startNanos = System.nanoTime();
        private final Thread thread = new Thread(this, "load");
        private volatile boolean running = true;
        private volatile long sent;

        private Load(SimulatedFleet fleet, KafkaProducer<String, String> producer, int rate, Session session) {
            this.fleet = fleet;
            this.producer = producer;
            this.rate = rate;
            this.session = session;
        }

        static Load start(SimulatedFleet fleet, KafkaProducer<String, String> producer, int rate, Session session) {
            Load load = new Load(fleet, producer, rate, session);
            load.thread.setDaemon(true);
            load.thread.start();
            return load;
        }

        long sent() {
            return sent;
        }

        /** Stops sending; returns once the last sample is handed to the producer. */
        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        @Override
        public void run() {
            int instances = fleet.instances();
            long count = 0;
            try {
                while (running) {
                    long due = (System.nanoTime() - startNanos) * rate / 1_000_000_000L;
                    while (count < due && running) {
                        int instance = (int) (count % instances);
                        producer.send(session.proven(fleet.key(instance), fleet.sampleJson(instance, Instant.now()),
                                fleet.instanceId(instance)));
                        count++;
                        sent = count;
                    }
                    Thread.sleep(2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void reportTarget(int seconds, long warmUpLag, double warmUpDrained, Period p, long startLag, long maxLag,
            long endLag, List<Long> lagEvery10s, double tailSeconds) {
        boolean rateKept = p.processed() >= 0.98 * p.sent() && endLag <= startLag + RATE;
        String verdict = !rateKept ? "NO: the lag grew"
                : endLag <= RATE ? "yes: the lag stayed under 1 s of input"
                : String.format("the rate, not the pace: the lag did not grow, but the %.1f s of input it had at the start"
                        + " stayed", startLag / (double) RATE);
        System.out.printf("%ningestion at the target rate: %,d samples/s for %d s%n", RATE, seconds);
        System.out.printf("  %-44s %d s at the same rate, not measured; %,d samples behind at its end (%.1f s of input),"
                + " all read %.1f s after it stopped, so the measured part starts with no lag%n", "warm-up first",
                WARMUP.toSeconds(), warmUpLag, warmUpLag / (double) RATE, warmUpDrained);
        System.out.printf("  %-44s %,.0f / %,.0f samples/s%n", "sent / committed by health-monitor", p.sent() / p.wallSeconds(),
                p.processedPerSecond());
        System.out.printf("  %-44s %s%n", "target rate kept", verdict);
        System.out.printf("  %-44s %,d at the start, at most %,d, %,d at the end (%.1f / %.1f / %.1f s of input);"
                + " all read %.1f s after the senders stopped%n", "consumer lag (samples, sampled every second)", startLag,
                maxLag, endLag, startLag / (double) RATE, maxLag / (double) RATE, endLag / (double) RATE, tailSeconds);
        System.out.printf("  %-44s %s%n", "  every 10 s",
                String.join(" → ", lagEvery10s.stream().map(l -> String.format("%,d", l)).toList()));
        System.out.printf("  %-44s %.2f cores (%.1f CPU-s in %.1f s)%n", "health-monitor CPU", p.cores(), p.cpuSeconds(),
                p.wallSeconds());
        printGroups(p);
        System.out.printf("  %-44s %,.0f samples per CPU-second%n", "per core of health-monitor", p.perCpuSecond());
        System.out.printf("  %-44s %,.0f records/s (%d per sample)%n", "output on deployment-metrics",
                p.processedPerSecond() * OUTPUT_PER_SAMPLE, OUTPUT_PER_SAMPLE);
        printOthers(p);
    }

    private static void reportFlatOut(int backlog, Period producing, Period draining, long leftWhenProduced) {
        Period whole = new Period(producing.sent(), producing.processed() + draining.processed(),
                producing.wallSeconds() + draining.wallSeconds(), Map.of(), producing.cpuSeconds() + draining.cpuSeconds(),
                null, 0, 0, 0, 0, 0, 0);
        System.out.printf("%nflat out: a backlog of %,d samples (%.1f reports of each instance, stamped when built)%n", backlog,
                backlog / (double) INSTANCES);
        System.out.printf("  %-44s %.1f s (%,.0f samples/s); health-monitor committed %,d meanwhile%n",
                "produced by this JVM in", producing.wallSeconds(), producing.sent() / producing.wallSeconds(),
                producing.processed());
        if (draining.processed() < 0.2 * backlog) {
            System.out.printf("  health-monitor kept up with the producer: only %,d samples were left when it finished,"
                    + " so the figures below are a lower bound set by the producer%n", leftWhenProduced);
        }
        System.out.printf("  %-44s %,d samples in %.1f s, with this JVM idle%n", "then drained", draining.processed(),
                draining.wallSeconds());
        System.out.printf("  %-44s %,.0f samples/s%n", "max sustained (drain rate)", draining.processedPerSecond());
        System.out.printf("  %-44s %.2f cores (%.1f CPU-s)%n", "health-monitor CPU while draining", draining.cores(),
                draining.cpuSeconds());
        printGroups(draining);
        System.out.printf("  %-44s %,.0f samples per CPU-second%n", "per core of health-monitor", draining.perCpuSecond());
        System.out.printf("  %-44s %,.0f records/s%n", "output on deployment-metrics", draining.processedPerSecond() * OUTPUT_PER_SAMPLE);
        System.out.printf("  %-44s %,.0f samples/s, %,.0f per CPU-second of health-monitor%n",
                "whole backlog, from the first send", whole.processedPerSecond(), whole.perCpuSecond());
        printOthers(draining);
    }

    private static void printGroups(Period p) {
        StringBuilder line = new StringBuilder();
        p.cpuByGroup().forEach((group, cpu) -> {
            if (cpu / p.wallSeconds() >= 0.005) {
                line.append(line.isEmpty() ? "" : ", ").append(group).append(String.format(" %.2f", cpu / p.wallSeconds()));
            }
        });
        System.out.printf("  %-44s %s%n", "  by its threads (cores)", line);
        ProcessCpu.ThreadShare t = p.streamThread();
        System.out.printf("  %-44s on a CPU %.0f%%, runnable but waiting for a CPU %.0f%%, neither %.0f%% (blocked on the"
                + " broker or disk, or idle)%n", "  its stream thread (busiest Streams thread)", 100 * t.onCpu(),
                100 * t.waitingForCpu(), 100 * t.elsewhere());
        System.out.printf("  %-44s blocked on Kafka %.0f%% of the time (polls, sends, commits); %.0f commits/s, %.1f ms each"
                + " on average (exactly-once)%n", "  its stream thread, by Kafka Streams' meters",
                100 * p.blockedOnKafkaSeconds() / p.wallSeconds(), p.commits() / p.wallSeconds(), p.commitLatencyMs());
        System.out.printf("  %-44s %.2f cores' worth, all its threads together%n", "  waiting for a CPU while runnable",
                p.waitingForCpuSeconds() / p.wallSeconds());
    }

    private static void printOthers(Period p) {
        System.out.printf("  %-44s broker %.2f cores, this JVM (senders, readers) %.2f cores%n", "the others on the same cores",
                p.brokerCpuSeconds() / p.wallSeconds(), p.senderCpuSeconds() / p.wallSeconds());
    }

    private static void reportLatency(int probes, List<Probe> underLoad, List<Probe> idle) {
        System.out.printf("%nsample → dashboard: %d single samples of one instance (sampled_at = now), sent as an agent sends"
                + " (linger 0); until this JVM read%n", probes);
        System.out.println("  the point event on GET /dashboard/api/events?deployment=" + PROBE_KEY
                + " (dashboard feed: its own consumer of metrics), and the first aggregate on deployment-metrics"
                + " (read_committed)");
        System.out.printf("  %-44s %8s %8s %8s %8s%n", "", "p50 ms", "p95 ms", "max ms", "missed");
        latencyRow("idle: point event", idle.stream().map(Probe::pointNanos).toList());
        latencyRow("idle: first aggregate", idle.stream().map(Probe::aggregateNanos).toList());
        latencyRow("under " + String.format("%,d", RATE) + " samples/s: point event", underLoad.stream().map(Probe::pointNanos).toList());
        latencyRow("under " + String.format("%,d", RATE) + " samples/s: first aggregate",
                underLoad.stream().map(Probe::aggregateNanos).toList());
    }

    private static void latencyRow(String label, List<Long> nanos) {
        List<Long> seen = nanos.stream().filter(n -> n >= 0).sorted().toList();
        long missed = nanos.size() - seen.size();
        if (seen.isEmpty()) {
            System.out.printf("  %-44s %8s %8s %8s %8d%n", label, "-", "-", "-", missed);
            return;
        }
        System.out.printf("  %-44s %8.1f %8.1f %8.1f %8d%n", label, percentile(seen, 50) / 1e6, percentile(seen, 95) / 1e6,
                seen.get(seen.size() - 1) / 1e6, missed);
    }

    private static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static KafkaProducer<String, String> producer(Properties client, String lingerMs, int batchBytes, long bufferBytes) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(batchBytes));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(bufferBytes));
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /** health-monitor's address, as it logged it: Platform picks a free port per service. */
    private static String listeningOn(Platform platform) throws IOException {
        String log = Files.readString(platform.home.resolve("logs").resolve("health-monitor.log"));
        Matcher listening = LISTENING.matcher(log);
        if (!listening.find()) {
            throw new IllegalStateException("health-monitor's log does not say where it listens: " + platform.log("health-monitor"));
        }
        return listening.group(1);
    }

    /** The platform's broker: a process this JVM started (LocalKafka), with the platform's folder. */
    private static long brokerPid(Platform platform) {
        String dir = platform.home.resolve("kafka").toString();
        return ProcessHandle.current().children()
                .filter(p -> {
                    String cmdline = cmdline(p.pid());
                    return cmdline.contains("dev.marina.kafka.LocalBroker") && cmdline.contains(dir);
                })
                .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    private static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown model");
        } catch (IOException e) {
            return "unknown model";
        }
    }
}
