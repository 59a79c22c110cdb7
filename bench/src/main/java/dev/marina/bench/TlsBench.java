package dev.marina.bench;

import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.v1.DnsCommand;
import dev.marina.schemas.v1.DnsEvent;
import dev.marina.schemas.v1.DnsRecordSet;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import dev.marina.e2e.Platform;
import dev.marina.schemas.serde.ProtoJsonSerde;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.CertCommand;
import dev.marina.schemas.v1.CertOp;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.TlsMode;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * TLS, in two parts.
 *
 * <p><b>Apply → Ready with a certificate.</b> On one platform (the packaged services with
 * cert-service, a broker, BIND and Pebble), deployments applied one after another (each deleted
 * before the next), the modes taken in turn — TLS off, self-signed, ACME — so the cost of TLS shows as
 * a difference within one run. The time is split by the records' own timestamps: database ready → CSR
 * answered (the agent makes the key and CSR) → ISSUED (cert-service) → certificate installed (the
 * agent's DONE after FLUSH SSL) → status Ready.
 *
 * <p><b>Certificates renewed per minute.</b> A thousand MariaDB instances do not fit on this machine,
 * so cert-service is driven directly: this JVM makes the CSRs (EC P-256, three names each as the agent
 * would) and sends RENEW commands on {@code cert-commands}, all at once, then waits for every ISSUED
 * answer on {@code cert-events}; self-signed, then ACME (Pebble, DNS-01 through dns-service and BIND).
 * Only dns-service and cert-service run. <b>The agents' side is not part of this figure:</b> each
 * instance makes its own CSR and installs its own certificate, on its own machine, in parallel with
 * all the others; what is measured is what the platform does centrally for each certificate.
 *
 * <pre>./marina bench tls [deployments=10] [renewals=1000] [acme-renewals=1000]</pre>
 */
public final class TlsBench {

    private static final String SPEC = "{\"spec\":{\"engine\":\"ENGINE_MARIADB\",\"version\":\"10.11\",\"size\":\"SIZE_SMALL\"%s}}";
    private static final List<String> MODES = List.of("off", "self-signed", "acme");
    private static final int SEQUENTIAL_RENEWALS = 20;
    private static final int WARMUP_RENEWALS = 20;
    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(10);
    private static final String T0 = "t0";
    private static final String[][] STEPS = {
            {"apply → database ready", T0, Milestones.DATABASE_READY},
            {"database ready → CSR answered (agent)", Milestones.DATABASE_READY, Milestones.CSR_ANSWERED},
            {"  of which MAKE_CSR → CSR (agent)", Milestones.CSR_COMMAND, Milestones.CSR_ANSWERED},
            {"CSR answered → ISSUED", Milestones.CSR_ANSWERED, Milestones.CERT_ISSUED},
            {"  of which ISSUE → ISSUED (cert-service)", Milestones.CERT_ISSUE, Milestones.CERT_ISSUED},
            {"ISSUED → installed (agent DONE)", Milestones.CERT_ISSUED, Milestones.CERT_INSTALLED},
            {"  of which INSTALL_CERT → DONE (agent)", Milestones.INSTALL_COMMAND, Milestones.CERT_INSTALLED},
            {"installed → status Ready", Milestones.CERT_INSTALLED, Milestones.STATUS_READY},
            {"database ready → status Ready", Milestones.DATABASE_READY, Milestones.STATUS_READY},
    };

    record Run(long t0, long ready, Map<String, Long> milestones) {}

    /** One burst of RENEW commands: from the first send until the last ISSUED answer arrived. */
    record Round(String mode, int count, long nanos, List<Long> latencies, List<Long> sequential, double cpuCertService,
            double cpuDnsService, double cpuPebble) {
        double perMinute() {
            return count * 60e9 / nanos;
        }
    }

    /** A CSR as the agent makes it: EC P-256 key, CN = the first name, the names as subjectAltNames. */
    record Csr(String deployment, List<String> names, String pem) {}

    public static void main(String[] args) throws Exception {
        int perMode = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int renewals = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int acmeRenewals = args.length > 2 ? Integer.parseInt(args[2]) : renewals;
        System.out.printf("tls: %d deployments per mode (%s) applied one at a time; then %d self-signed and %d ACME"
                + " renewals through cert-service alone%n", perMode, String.join(", ", MODES), renewals, acmeRenewals);
        System.out.printf("machine: %d cores, load average %s at start; figures from one run on a shared machine%n",
                Runtime.getRuntime().availableProcessors(), loadAverage());

        // 0 skips a part
        Map<String, List<Run>> runs = perMode > 0 ? applyToReady(perMode) : Map.of();
        List<Round> rounds = renewals > 0 || acmeRenewals > 0 ? renewals(renewals, acmeRenewals) : List.of();
        if (!runs.isEmpty()) {
            reportApply(perMode, runs);
        }
        if (!rounds.isEmpty()) {
            reportRenewals(rounds);
        }
    }

    // ---------------------------------------------------------------- part 1: apply → Ready

    private static Map<String, List<Run>> applyToReady(int perMode) throws Exception {
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        MODES.forEach(m -> runs.put(m, new ArrayList<>()));
        // Instances listen on port 3306 of their own loopback address; another platform on this machine
        // (a test run, another bench) starts at 127.10.0.1 too, so this one takes a range of its own.
        String range = "127." + ThreadLocalRandom.current().nextInt(100, 200) + ".0.0/16";
        System.out.printf("instances at %s%n", range);
        try (Platform platform = Platform.start(Map.of("MARINA_PROVISIONER_ADDRESS_RANGE", range));
             Milestones milestones = new Milestones(platform.adminClient())) {
            // One of each first, not measured: builds the MariaDB template, warms the JVMs, the ACME account.
            for (String mode : MODES) {
                Run warmup = apply(platform, milestones, "warm-" + mode, mode);
                System.out.printf("warm-up %-12s ready %d ms%n", mode, warmup.ready() - warmup.t0());
                delete(platform, "bench/warm-" + mode);
            }
            for (int i = 1; i <= perMode; i++) {
                for (String mode : MODES) {
                    String name = mode.replace("-", "") + i;
                    runs.get(mode).add(apply(platform, milestones, name, mode));
                    delete(platform, "bench/" + name);
                }
            }
        }
        return runs;
    }

    private static Run apply(Platform platform, Milestones milestones, String name, String mode) throws Exception {
        String path = "/v1/deployments/bench/" + name;
        String tls = switch (mode) {
            case "self-signed" -> ",\"tls\":{\"mode\":\"TLS_MODE_SELF_SIGNED\"}";
            case "acme" -> ",\"tls\":{\"mode\":\"TLS_MODE_ACME\"}";
            default -> "";
        };
        long t0 = System.currentTimeMillis();
        Platform.Response applied = platform.call("PUT", path, String.format(SPEC, tls));
        if (applied.status() != 200) {
            throw new IllegalStateException("apply " + name + ": " + applied.status() + " " + applied.body());
        }
        long deadline = t0 + 120_000;
        long ready = 0;
        while (ready == 0) {
            Platform.Response r = platform.call("GET", path, null);
            if (r.status() == 200 && "PHASE_READY".equals(r.body().path("status").path("phase").asText())) {
                ready = System.currentTimeMillis();
                if (!mode.equals("off") && r.body().path("status").path("instances").path(0).path("certSerial").asText().isEmpty()) {
                    throw new IllegalStateException(name + " is Ready without a certificate: " + r.body());
                }
            } else if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(name + " not Ready within 120 s: " + r.body() + "\ncert-service log: "
                        + platform.log("cert-service"));
            } else {
                Thread.sleep(20);
            }
        }
        Map<String, Long> seen = milestones.of("bench/" + name);
        long wait = System.currentTimeMillis() + 5_000;
        while (!seen.containsKey(Milestones.STATUS_READY) && System.currentTimeMillis() < wait) {
            Thread.sleep(20);
        }
        Map<String, Long> copy = new LinkedHashMap<>(seen);
        copy.put(T0, t0);
        return new Run(t0, ready, copy);
    }

    private static void delete(Platform platform, String key) throws Exception {
        String path = "/v1/deployments/" + key;
        platform.call("DELETE", path, null);
        long deadline = System.currentTimeMillis() + 120_000;
        while (platform.call("GET", path, null).status() != 404) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(key + " not gone within 120 s");
            }
            Thread.sleep(100);
        }
    }

    private static void reportApply(int perMode, Map<String, List<Run>> runs) {
        System.out.printf("%napply → Ready by TLS mode (%d deployments each, one at a time, the modes in turn; p50 / p95 ms)%n", perMode);
        System.out.printf("  %-42s", "");
        MODES.forEach(m -> System.out.printf(" %15s", m));
        System.out.println();
        Map<String, Long> readyP50 = new LinkedHashMap<>();
        System.out.printf("  %-42s", "apply → Ready (API)");
        for (String mode : MODES) {
            List<Long> sorted = runs.get(mode).stream().map(r -> r.ready() - r.t0()).sorted().toList();
            readyP50.put(mode, percentile(sorted, 50));
            System.out.printf(" %15s", percentile(sorted, 50) + " / " + percentile(sorted, 95));
        }
        System.out.println();
        System.out.println("  split by step (from the records' timestamps):");
        for (String[] step : STEPS) {
            System.out.printf("  %-42s", "  " + step[0]);
            for (String mode : MODES) {
                List<Long> values = new ArrayList<>();
                for (Run r : runs.get(mode)) {
                    Long from = r.milestones().get(step[1]);
                    Long to = r.milestones().get(step[2]);
                    if (from != null && to != null) {
                        values.add(to - from);
                    }
                }
                List<Long> sorted = values.stream().sorted().toList();
                System.out.printf(" %15s", sorted.isEmpty() ? "-" : percentile(sorted, 50) + " / " + percentile(sorted, 95));
            }
            System.out.println();
        }
        Map<String, Long> afterDatabase = new LinkedHashMap<>();
        for (String mode : MODES) {
            List<Long> sorted = runs.get(mode).stream()
                    .filter(r -> r.milestones().containsKey(Milestones.DATABASE_READY) && r.milestones().containsKey(Milestones.STATUS_READY))
                    .map(r -> r.milestones().get(Milestones.STATUS_READY) - r.milestones().get(Milestones.DATABASE_READY))
                    .sorted().toList();
            afterDatabase.put(mode, sorted.isEmpty() ? 0 : percentile(sorted, 50));
        }
        System.out.printf("  TLS adds, p50 against off: apply → Ready self-signed %+d ms, ACME %+d ms;"
                + " database ready → Ready (without the database start's spread) self-signed %+d ms, ACME %+d ms%n",
                readyP50.get("self-signed") - readyP50.get("off"), readyP50.get("acme") - readyP50.get("off"),
                afterDatabase.get("self-signed") - afterDatabase.get("off"), afterDatabase.get("acme") - afterDatabase.get("off"));
    }

    // ---------------------------------------------------------------- part 2: renewals through cert-service

    private static List<Round> renewals(int renewals, int acmeRenewals) throws Exception {
        int most = Math.max(renewals, acmeRenewals);
        long t = System.nanoTime();
        List<Csr> csrs = new ArrayList<>();
        for (int i = 0; i < most; i++) {
            csrs.add(csr("d" + i));
        }
        List<Csr> warm = new ArrayList<>();
        for (int i = 0; i < Math.max(WARMUP_RENEWALS, SEQUENTIAL_RENEWALS); i++) {
            warm.add(csr("warm" + i));
        }
        System.out.printf("%n%d CSRs made in this JVM in %d ms (EC P-256, 3 names each; the agents' work, not measured below)%n",
                csrs.size() + warm.size(), (System.nanoTime() - t) / 1_000_000);
        List<Round> rounds = new ArrayList<>();
        try (Platform platform = Platform.start(List.of("dns-service", "cert-service"), Map.of());
             CertAnswers answers = new CertAnswers(platform.adminClient());
             KafkaProducer<String, String> producer = producer(platform.adminClient())) {
            List<Csr> all = new ArrayList<>(csrs);
            all.addAll(warm);
            declareNames(producer, platform.adminClient(), all);
            for (TlsMode mode : List.of(TlsMode.TLS_MODE_SELF_SIGNED, TlsMode.TLS_MODE_ACME)) {
                int count = mode == TlsMode.TLS_MODE_ACME ? acmeRenewals : renewals;
                if (count == 0) {
                    continue;
                }
                String run = mode == TlsMode.TLS_MODE_ACME ? "acme" : "self-signed";
                // not counted: connections, JIT, the ACME account
                burst(producer, answers, warm.subList(0, WARMUP_RENEWALS), mode, run + "-warm");
                List<Long> sequential = new ArrayList<>();
                for (int i = 0; i < SEQUENTIAL_RENEWALS; i++) {
                    sequential.add(burst(producer, answers, warm.subList(i, i + 1), mode, run + "-seq" + i).latencies().get(0));
                }
                double[] cpu0 = cpu(platform);
                Round burst = burst(producer, answers, csrs.subList(0, count), mode, run);
                double[] cpu1 = cpu(platform);
                rounds.add(new Round(run, count, burst.nanos(), burst.latencies(), sequential, cpu1[0] - cpu0[0],
                        cpu1[1] - cpu0[1], cpu1[2] - cpu0[2]));
                System.out.printf("  %s: %d renewals in %.1f s%n", run, count, burst.nanos() / 1e9);
            }
        }
        return rounds;
    }

    /**
     * Declares each deployment's names on {@code dns-commands}, as the reconciler does before it asks
     * for certificates (cert-service signs only names the zone gives the deployment), and waits until
     * dns-service has applied them all, so that neither is busy with them during the figures.
     */
    private static void declareNames(KafkaProducer<String, String> producer, Properties client, List<Csr> csrs) throws Exception {
        long t = System.nanoTime();
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(Topics.DNS_EVENTS.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            Set<String> waiting = new HashSet<>();
            for (Csr csr : csrs) {
                DeploymentRef ref = DeploymentRef.newBuilder().setTenant("bench").setName(csr.deployment()).build();
                DnsCommand.Builder declaration = DnsCommand.newBuilder().setCommandId("names/" + UUID.randomUUID())
                        .setDeployment(ref).setZone(Platform.ZONE);
                csr.names().forEach(n -> declaration.addRecords(DnsRecordSet.newBuilder().setName(n + ".").setType("A")
                        .addValues("127.0.0.1").setTtlSeconds(5)));
                waiting.add(declaration.getCommandId());
                producer.send(new ProducerRecord<>(Topics.DNS_COMMANDS.name(), DeploymentKey.of(ref), ProtoJsonSerde.toJson(declaration.build())));
            }
            producer.flush();
            long deadline = System.nanoTime() + ROUND_TIMEOUT.toNanos();
            while (!waiting.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(waiting.size() + " name declarations not applied by dns-service within " + ROUND_TIMEOUT);
                }
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    Decoded<DnsEvent> event = ProtoJsonSerde.fromJson(DnsEvent.getDefaultInstance(), record.value());
                    if (event.isOk()) {
                        waiting.remove(event.value().getCommandId());
                    }
                }
            }
        }
        System.out.printf("%d deployments' names declared and applied in %d ms (not measured below)%n", csrs.size(),
                (System.nanoTime() - t) / 1_000_000);
    }

    /** Sends one RENEW per CSR at once and waits for every ISSUED answer; latencies are send → answer seen. */
    private static Round burst(KafkaProducer<String, String> producer, CertAnswers answers, List<Csr> csrs, TlsMode mode, String run)
            throws Exception {
        List<String> ids = new ArrayList<>(csrs.size());
        long[] sent = new long[csrs.size()];
        long t0 = System.nanoTime();
        for (int i = 0; i < csrs.size(); i++) {
            Csr csr = csrs.get(i);
            DeploymentRef ref = DeploymentRef.newBuilder().setTenant("bench").setName(csr.deployment()).build();
            String id = DeploymentKey.of(ref) + "/renew/" + run + "/" + UUID.randomUUID();
            CertCommand command = CertCommand.newBuilder()
                    .setCommandId(id)
                    .setDeployment(ref)
                    .setInstanceId(csr.deployment() + "-i1")
                    .setOp(CertOp.CERT_OP_RENEW)
                    .setMode(mode)
                    .setCsrPem(csr.pem())
                    .addAllDnsNames(csr.names())
                    .build();
            ids.add(id);
            sent[i] = System.nanoTime();
            producer.send(new ProducerRecord<>(Topics.CERT_COMMANDS.name(), DeploymentKey.of(ref), ProtoJsonSerde.toJson(command)));
        }
        producer.flush();
        List<CertAnswers.Answer> got = answers.awaitAll(ids, ROUND_TIMEOUT);
        List<Long> latencies = new ArrayList<>(got.size());
        long last = t0;
        HashSet<String> serials = new HashSet<>();
        for (int i = 0; i < got.size(); i++) {
            latencies.add(got.get(i).seenNanos() - sent[i]);
            last = Math.max(last, got.get(i).seenNanos());
            serials.add(got.get(i).serial());
        }
        if (serials.size() != got.size()) {
            throw new IllegalStateException(run + ": " + serials.size() + " serials for " + got.size() + " renewals");
        }
        return new Round(run, csrs.size(), last - t0, latencies, List.of(), 0, 0, 0);
    }

    private static KafkaProducer<String, String> producer(Properties client) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static Csr csr(String deployment) throws Exception {
        String writer = deployment + ".bench." + Platform.ZONE;
        List<String> names = List.of(writer, "ro." + writer, "i1." + writer);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = generator.generateKeyPair();
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        GeneralName[] sans = names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new);
        extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        var request = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + writer), key.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer2 = new JcaPEMWriter(pem)) {
            writer2.writeObject(request);
        }
        return new Csr(deployment, names, pem.toString());
    }

    /** CPU seconds so far of cert-service, dns-service and Pebble. */
    private static double[] cpu(Platform platform) throws IOException {
        long pebble = Long.parseLong(Files.readString(platform.pebble.dir().resolve("pebble.pid")).trim());
        return new double[] {ProcessCpu.total(platform.processOf("cert-service").pid()).seconds(),
                ProcessCpu.total(platform.processOf("dns-service").pid()).seconds(), ProcessCpu.total(pebble).seconds()};
    }

    private static void reportRenewals(List<Round> rounds) {
        System.out.printf("%ncertificates renewed through cert-service alone (RENEW commands sent at once, until every ISSUED answer)%n");
        System.out.printf("  NOT included: the agents' side — each instance makes its key and CSR and installs its certificate"
                + " itself,%n  on its own machine, in parallel with all the others (per instance: MAKE_CSR → CSR and INSTALL_CERT → DONE"
                + " in the table above)%n");
        System.out.printf("  %-44s", "");
        rounds.forEach(r -> System.out.printf(" %15s", r.mode()));
        System.out.println();
        line("deployments (3 names each)", rounds, r -> String.valueOf(r.count()));
        line("send → all ISSUED, s", rounds, r -> String.format("%.1f", r.nanos() / 1e9));
        line("certificates per minute", rounds, r -> String.format("%.0f", r.perMinute()));
        line("send → ISSUED seen, p50 / p95 ms (queued)", rounds, r -> {
            List<Long> sorted = r.latencies().stream().sorted().toList();
            return ms(percentile(sorted, 50)) + " / " + ms(percentile(sorted, 95));
        });
        line("one at a time (" + SEQUENTIAL_RENEWALS + "), p50 / p95 ms", rounds, r -> {
            List<Long> sorted = r.sequential().stream().sorted().toList();
            return ms(percentile(sorted, 50)) + " / " + ms(percentile(sorted, 95));
        });
        line("CPU ms per certificate: cert-service", rounds, r -> String.format("%.1f", r.cpuCertService() * 1000 / r.count()));
        line("                        dns-service", rounds, r -> String.format("%.1f", r.cpuDnsService() * 1000 / r.count()));
        line("                        Pebble", rounds, r -> r.mode().equals("acme")
                ? String.format("%.1f", r.cpuPebble() * 1000 / r.count()) : "-");
    }

    private static void line(String label, List<Round> rounds, java.util.function.Function<Round, String> cell) {
        System.out.printf("  %-44s", label);
        rounds.forEach(r -> System.out.printf(" %15s", cell.apply(r)));
        System.out.println();
    }

    private static long ms(long nanos) {
        return Math.round(nanos / 1e6);
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
