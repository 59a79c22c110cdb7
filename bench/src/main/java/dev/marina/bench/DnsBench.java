package dev.marina.bench;

import dev.marina.e2e.Platform;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsRecordSet;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.NioClient;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * DNS through dns-service and a real BIND: how long one record change takes until the authoritative
 * server answers it (and until its APPLIED answer arrives), and how many record changes per second
 * go through for many deployments at once, with dns-service's batching and with one deployment per
 * UPDATE. Runs only dns-service (packaged), with a broker and BIND of its own, twice: once per
 * setting.
 *
 * <pre>./marina bench dns [changes=30] [deployments=1000]</pre>
 */
public final class DnsBench {

    private static final int WARMUP_CHANGES = 5;
    private static final int WARMUP_DEPLOYMENTS = 50;
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration POLL_PAUSE = Duration.ofMillis(2);
    /** Items of one deployment's change: per name, on create 2 conditions (name and owner name free) + 2 operations; on update 1 + 1. */
    private static final int CREATE_ITEMS = 3 * 4;
    private static final int UPDATE_ITEMS = 3 * 2;
    /** Below any one deployment's change: a change is never split, so each deployment gets an UPDATE of its own. */
    private static final String UNBATCHED_ITEMS = "1";
    /** The periodic drift check (one zone read and plan, and the batch after it reads again) stays out of the measured rounds. */
    private static final Map<String, String> COMMON = Map.of("MARINA_DNS_DRIFT_INTERVAL", "1h");
    private static final Pattern BATCH_LINE = Pattern.compile("dns batch commands=(\\d+) updates=(\\d+)");

    /** One burst of commands: from the first send until the last APPLIED answer arrived. */
    record Round(int deployments, int recordSets, long nanos, int plannings, int updates) {
        double seconds() {
            return nanos / 1e9;
        }

        double recordSetsPerSecond() {
            return recordSets / seconds();
        }
    }

    /** One sequential change: send → BIND answers the new address, send → APPLIED seen. */
    record Change(long dnsNanos, long appliedNanos) {}

    public static void main(String[] args) throws Exception {
        int changes = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int deployments = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        if (deployments < 1 || deployments > 60_000) {
            throw new IllegalArgumentException("deployments: 1 to 60000 (one address each below 10.x.y.z)");
        }
        System.out.printf("dns: %d sequential record changes, then %d deployments at once, batched and one per update%n",
                changes, deployments);
        System.out.printf("machine: %d cores, load average %s at start; figures from one run on a shared machine:"
                + " compare ratios rather than absolute values%n", Runtime.getRuntime().availableProcessors(), loadAverage());
        try {
            Map<String, Round> batched = new LinkedHashMap<>();
            Map<String, Round> single = new LinkedHashMap<>();
            List<Change> smallZone;
            List<Change> fullZone;
            try (Session s = new Session(Platform.start(List.of("dns-service"), COMMON))) {
                s.warmUp();
                smallZone = s.changes("probe", WARMUP_CHANGES + 1, changes);
                s.createWarmUpDeployments();
                batched.put("create", s.round("batched", deployments, 1));
                batched.put("update", s.round("batched", deployments, 2));
                fullZone = s.changes("probe", WARMUP_CHANGES + 1 + changes, changes);
                s.completed();
            }
            Map<String, String> unbatched = new HashMap<>(COMMON);
            unbatched.put("MARINA_DNS_MAX_UPDATE_ITEMS", UNBATCHED_ITEMS);
            try (Session s = new Session(Platform.start(List.of("dns-service"), unbatched))) {
                s.warmUp();
                s.changes("probe", WARMUP_CHANGES + 1, changes); // same history as the batched platform, not reported
                s.createWarmUpDeployments();
                single.put("create", s.round("single", deployments, 1));
                single.put("update", s.round("single", deployments, 2));
                s.completed();
            }
            reportChanges(changes, deployments, smallZone, fullZone);
            reportRounds(deployments, batched, single);
        } finally {
            NioClient.close();
        }
    }

    /** One platform (broker, BIND, dns-service) with what the bench needs to talk to it. */
    private static final class Session implements AutoCloseable {
        private final Platform platform;
        private final KafkaProducer<String, String> producer;
        private final DnsAnswers answers;
        private final SimpleResolver resolver;
        private boolean completed;

        Session(Platform platform) throws IOException {
            this.platform = platform;
            try {
                Properties props = new Properties();
                props.putAll(platform.adminClient());
                props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
                producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
                answers = new DnsAnswers(platform.adminClient());
                resolver = new SimpleResolver(platform.bind.host());
                resolver.setPort(platform.bind.port());
                resolver.setTCP(false);
                resolver.setTimeout(Duration.ofMillis(500));
            } catch (RuntimeException | IOException e) {
                platform.close();
                throw e;
            }
        }

        /** The probe deployment's names created, then a few changes: JVMs, connections and BIND warmed, not counted. */
        void warmUp() throws Exception {
            changes("probe", 0, WARMUP_CHANGES + 1);
        }

        /** Some deployments at once, not counted: warms the batch path, and both platforms start the rounds with the same zone. */
        void createWarmUpDeployments() throws Exception {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < WARMUP_DEPLOYMENTS; i++) {
                ids.add(send(command("warm", "d" + i, 1, address(0, i))));
            }
            producer.flush();
            answers.awaitAll(ids, ANSWER_TIMEOUT);
        }

        /** {@code count} sequential changes of one deployment's addresses, numbered from {@code first}. */
        List<Change> changes(String name, int first, int count) throws Exception {
            List<Change> done = new ArrayList<>();
            String writer = writerName("bench", name);
            for (int seq = first; seq < first + count; seq++) {
                String address = address(200, seq);
                DnsCommand command = command("bench", name, seq + 1, address);
                long t0 = System.nanoTime();
                String id = send(command);
                producer.flush();
                long answered = awaitAddress(writer, address, t0 + Duration.ofSeconds(30).toNanos());
                long applied = answers.await(id, Duration.ofSeconds(30)).seenNanos();
                done.add(new Change(answered - t0, applied - t0));
            }
            return done;
        }

        /**
         * One command per deployment of {@code tenant}, all sent at once: generation 1 creates the
         * names, generation 2 gives every name a new address. Timed until the last APPLIED answer,
         * then checked with one zone transfer.
         */
        Round round(String tenant, int deployments, int generation) throws Exception {
            Path log = platform.home.resolve("logs").resolve("dns-service.log");
            long logFrom = Files.size(log);
            List<String> ids = new ArrayList<>(deployments);
            long t0 = System.nanoTime();
            for (int i = 0; i < deployments; i++) {
                ids.add(send(command(tenant, "d" + i, generation, address(generation, i))));
            }
            producer.flush();
            long last = answers.awaitAll(ids, ANSWER_TIMEOUT).stream()
                    .mapToLong(DnsAnswers.Answer::seenNanos).max().orElseThrow();
            int[] batches = batches(log, logFrom, deployments);
            verify(tenant, deployments, generation);
            // created: 3 A + 3 ownership TXT record sets per deployment; updated: the 3 A record sets
            int recordSets = deployments * (generation == 1 ? 6 : 3);
            return new Round(deployments, recordSets, last - t0, batches[0], batches[1]);
        }

        private String send(DnsCommand command) {
            String key = DeploymentKey.of(command.getDeployment());
            producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(), key, ProtoJsonSerde.toJson(command)));
            return command.getCommandId();
        }

        /** Asks BIND (UDP, directly) until it answers {@code name} with {@code address}; returns when. */
        private long awaitAddress(String name, String address, long deadline) throws Exception {
            Message query = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
            while (System.nanoTime() < deadline) {
                Message response = resolver.send(query);
                for (Record r : response.getSection(Section.ANSWER)) {
                    if (r instanceof ARecord a && a.getAddress().getHostAddress().equals(address)) {
                        return System.nanoTime();
                    }
                }
                Thread.sleep(POLL_PAUSE.toMillis());
            }
            throw new IllegalStateException(name + " does not answer " + address + "; dns-service log: " + platform.log("dns-service"));
        }

        /** One zone transfer: every name of the tenant holds its address, with its ownership record, and nothing more. */
        private void verify(String tenant, int deployments, int generation) {
            Map<String, List<String>> aRecords = new HashMap<>();
            int owners = 0;
            String suffix = "." + tenant + "." + Platform.ZONE + ".";
            for (String line : platform.zoneTransfer()) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 5 || !f[0].endsWith(suffix)) {
                    continue;
                }
                if (f[3].equals("A")) {
                    aRecords.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[4]);
                } else if (f[3].equals("TXT") && f[0].startsWith("_marina-owner.")) {
                    owners++;
                }
            }
            for (int i = 0; i < deployments; i++) {
                for (String name : names(tenant, "d" + i)) {
                    List<String> found = aRecords.get(name);
                    if (!List.of(address(generation, i)).equals(found)) {
                        throw new IllegalStateException("zone transfer: " + name + " holds " + found + ", wanted "
                                + address(generation, i));
                    }
                }
            }
            if (aRecords.size() != 3 * deployments || owners != 3 * deployments) {
                throw new IllegalStateException("zone transfer: " + aRecords.size() + " A names and " + owners
                        + " ownership records of " + tenant + ", wanted " + 3 * deployments + " of each");
            }
        }

        /** Marks the session's work done: its folder (broker data, service logs) goes on close. */
        void completed() {
            completed = true;
        }

        @Override
        public void close() throws Exception {
            try {
                answers.close();
                producer.close(Duration.ofSeconds(5));
            } finally {
                platform.close();
            }
            if (completed) {
                try (Stream<Path> files = Files.walk(platform.home)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            } else {
                System.err.println("dns bench: the platform's logs are kept in " + platform.home.resolve("logs"));
            }
        }
    }

    /**
     * Batches (plannings) and UPDATE messages dns-service used for {@code commands} commands, from its log
     * ("dns batch commands=… updates=…", written once per planning of more than one command; one for a
     * single command is not logged and counted as one batch and one update). A batch reads the zone only
     * when it must (dns-service/DESIGN.md); the others plan on the zone as the batch before left it.
     */
    private static int[] batches(Path log, long from, int commands) throws IOException {
        int reads = 0;
        int updates = 0;
        int seen = 0;
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            byte[] bytes = new byte[(int) (file.length() - from)];
            file.seek(from);
            file.readFully(bytes);
            Matcher m = BATCH_LINE.matcher(new String(bytes, StandardCharsets.UTF_8));
            while (m.find()) {
                reads++;
                seen += Integer.parseInt(m.group(1));
                updates += Integer.parseInt(m.group(2));
            }
        }
        int alone = Math.max(0, commands - seen);
        return new int[] {reads + alone, updates + alone};
    }

    private static DnsCommand command(String tenant, String name, int generation, String address) {
        DeploymentRef ref = DeploymentRef.newBuilder().setTenant(tenant).setName(name).build();
        DnsCommand.Builder command = DnsCommand.newBuilder()
                .setCommandId(DeploymentKey.of(ref) + "/" + generation + "/dns/bench")
                .setDeployment(ref)
                .setZone(Platform.ZONE);
        for (String recordName : names(tenant, name)) {
            command.addRecords(DnsRecordSet.newBuilder().setName(recordName).setType("A").addValues(address).setTtlSeconds(5));
        }
        return command.build();
    }

    /** As the reconciler names them: writer, reader {@code ro.}, one instance {@code i1.}. */
    private static List<String> names(String tenant, String name) {
        String writer = writerName(tenant, name);
        return List.of(writer, "ro." + writer, "i1." + writer);
    }

    private static String writerName(String tenant, String name) {
        return name + "." + tenant + "." + Platform.ZONE + ".";
    }

    private static String address(int generation, int i) {
        return "10." + generation + "." + (i / 250) + "." + (i % 250 + 1);
    }

    private static void reportChanges(int changes, int deployments, List<Change> smallZone, List<Change> fullZone) {
        System.out.printf("%nrecord change → answered (%d sequential changes of one writer A record, after %d warm-up; batching on)%n",
                changes, WARMUP_CHANGES);
        System.out.printf("  %-36s %8s %8s %8s %8s%n", "", "p50 ms", "p95 ms", "min ms", "max ms");
        System.out.println("  zone of 1 deployment");
        row("  send → BIND answers new address", smallZone.stream().map(Change::dnsNanos).toList());
        row("  send → APPLIED on dns-events", smallZone.stream().map(Change::appliedNanos).toList());
        System.out.printf("  zone of %d deployments%n", 1 + WARMUP_DEPLOYMENTS + deployments);
        row("  send → BIND answers new address", fullZone.stream().map(Change::dnsNanos).toList());
        row("  send → APPLIED on dns-events", fullZone.stream().map(Change::appliedNanos).toList());
        System.out.printf("  (BIND asked over UDP every %d ms; each change is one batch and one UPDATE; the zone is read once, not per batch)%n",
                POLL_PAUSE.toMillis());
    }

    private static void reportRounds(int deployments, Map<String, Round> batched, Map<String, Round> single) {
        System.out.printf("%n%d deployments at once (3 names each: writer, reader, one instance), until every command is APPLIED%n",
                deployments);
        System.out.printf("  batched: max-update-items 300 (default); one per update: max-update-items %s (a deployment's"
                + " change is never split)%n", UNBATCHED_ITEMS);
        System.out.printf("  %-36s %14s %14s%n", "", "batched", "one per update");
        System.out.printf("  create: %d record sets written (3 A + 3 ownership TXT per deployment; %d update items)%n",
                6 * deployments, CREATE_ITEMS);
        roundRows(batched.get("create"), single.get("create"));
        System.out.printf("  update: %d A record sets replaced (3 per deployment, ownership checked; %d update items)%n",
                3 * deployments, UPDATE_ITEMS);
        roundRows(batched.get("update"), single.get("update"));
        System.out.printf("  batching pays: %.1f times on create, %.1f times on update (record sets/s, batched ÷ one per update)%n",
                batched.get("create").recordSetsPerSecond() / single.get("create").recordSetsPerSecond(),
                batched.get("update").recordSetsPerSecond() / single.get("update").recordSetsPerSecond());
        System.out.printf("  verified after each round by one zone transfer: %d names with the new address, %d ownership records%n",
                3 * deployments, 3 * deployments);
    }

    private static void roundRows(Round b, Round s) {
        System.out.printf("  %-36s %14d %14d%n", "  send → all APPLIED, ms", b.nanos() / 1_000_000, s.nanos() / 1_000_000);
        System.out.printf("  %-36s %14.0f %14.0f%n", "  record sets/s", b.recordSetsPerSecond(), s.recordSetsPerSecond());
        System.out.printf("  %-36s %14.0f %14.0f%n", "  deployments/s", b.deployments() / b.seconds(), s.deployments() / s.seconds());
        System.out.printf("  %-36s %14s %14s%n", "  batches / UPDATE messages", b.plannings() + " / " + b.updates(),
                s.plannings() + " / " + s.updates());
    }

    private static void row(String label, List<Long> nanos) {
        List<Long> sorted = nanos.stream().sorted().toList();
        System.out.printf("  %-36s %8.1f %8.1f %8.1f %8.1f%n", label, ms(percentile(sorted, 50)), ms(percentile(sorted, 95)),
                ms(sorted.get(0)), ms(sorted.get(sorted.size() - 1)));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
