package dev.marina.bench;

import dev.marina.schemas.proof.InstanceKey;
import dev.marina.schemas.proof.MessageProof;
import dev.marina.schemas.proof.PlatformProofKey;
import dev.marina.schemas.proof.ProofSerdes;
import dev.marina.schemas.serde.Decoded;
import dev.marina.schemas.topics.Topics;
import dev.marina.schemas.v1.DeploymentRef;
import dev.marina.schemas.v1.Heartbeat;
import dev.marina.schemas.v1.ReplicationFault;
import dev.marina.schemas.v1.Role;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.LongSupplier;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What proving a heartbeat costs in CPU, without JMH: one JVM, the same realistic heartbeat, each step
 * run in rounds after a warm-up, the median round printed in ns per heartbeat. "Without" is what the
 * agent and health-monitor do per heartbeat anyway (proto3 JSON out, proto3 JSON in); "with" adds the
 * agent's MAC and health-monitor's check, through the same serdes the services use.
 *
 * <pre>./marina bench proof [rounds] [heartbeats per round]</pre>
 */
public final class ProofBench {

    private static volatile Object sink;

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        byte[] master = new byte[32];
        new SecureRandom().nextBytes(master);
        PlatformProofKey platform = new PlatformProofKey(master);
        String deploymentKey = "acme/orders";
        String instanceId = "acme-orders-2";
        InstanceKey agent = platform.forInstance(deploymentKey, instanceId);
        String topic = Topics.HEARTBEATS.name();
        byte[] key = deploymentKey.getBytes(StandardCharsets.UTF_8);
        Heartbeat beat = heartbeat(instanceId);

        Serializer<Heartbeat> plainOut = Topics.HEARTBEATS.valueSerde().serializer();
        Deserializer<Decoded<Heartbeat>> plainIn = Topics.HEARTBEATS.decodingSerde().deserializer();
        Serializer<String> keysOut = ProofSerdes.keys();
        Serializer<Heartbeat> provenOut = ProofSerdes.signing(agent);
        Deserializer<String> keysIn = ProofSerdes.keyReader();
        Deserializer<Decoded<Heartbeat>> provenIn = ProofSerdes.checking(Heartbeat.getDefaultInstance(), platform,
                ProofSerdes.Listener.NONE);

        byte[] value = plainOut.serialize(topic, beat);
        byte[] header = MessageProof.sign(agent, topic, key, value, instanceId).orElseThrow();
        System.out.printf("proof bench: heartbeat of %d bytes (proto3 JSON), header %d bytes (%s); %d rounds of %d%n",
                value.length, header.length, MessageProof.HEADER, rounds, perRound);

        // each step once, to be sure what is measured works
        Headers h = new RecordHeaders();
        keysOut.serialize(topic, h, deploymentKey);
        byte[] signed = provenOut.serialize(topic, h, beat);
        keysIn.deserialize(topic, h, key);
        if (!provenIn.deserialize(topic, h, signed).isOk()) {
            throw new IllegalStateException("a proven heartbeat did not check");
        }

        row("sign (agent: HMAC-SHA256 over topic, key, value)", rounds, perRound,
                () -> MessageProof.sign(agent, topic, key, value, instanceId).orElseThrow().length);
        row("verify (monitor: key derived, cached; HMAC; compare)", rounds, perRound,
                () -> MessageProof.verify(platform, topic, header, key, value, instanceId).proven() ? 1 : 0);
        row("derive an instance key (a monitor's cache miss)", rounds, perRound / 4,
                () -> platform.forInstance(deploymentKey, instanceId).keyId().length());
        long without = row("WITHOUT: encode + decode (what is done anyway)", rounds, perRound, () -> {
            byte[] out = plainOut.serialize(topic, beat);
            return plainIn.deserialize(topic, out).isOk() ? out.length : 0;
        });
        long with = row("WITH: encode + sign + decode + verify (service serdes)", rounds, perRound, () -> {
            Headers headers = new RecordHeaders();
            keysOut.serialize(topic, headers, deploymentKey);
            byte[] out = provenOut.serialize(topic, headers, beat);
            keysIn.deserialize(topic, headers, key);
            return provenIn.deserialize(topic, headers, out).isOk() ? out.length : 0;
        });
        System.out.printf("proof bench: the proof adds %d ns per heartbeat (%.0f%% of its encode + decode); at 5 heartbeats/s "
                + "per instance that is %.1f µs of CPU per instance-second%n", with - without, 100.0 * (with - without) / without,
                5 * (with - without) / 1000.0);
    }

    private static long row(String what, int rounds, int perRound, LongSupplier op) {
        long[] ns = new long[rounds];
        for (int warm = 0; warm < 3; warm++) {
            run(perRound, op);
        }
        for (int r = 0; r < rounds; r++) {
            ns[r] = run(perRound, op) / perRound;
        }
        Arrays.sort(ns);
        long median = ns[rounds / 2];
        System.out.printf("  %-58s %7d ns/op (min %d, max %d)%n", what, median, ns[0], ns[rounds - 1]);
        return median;
    }

    private static long run(int n, LongSupplier op) {
        long acc = 0;
        long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
            acc += op.getAsLong();
        }
        long took = System.nanoTime() - started;
        sink = acc;
        return took;
    }

    private static Heartbeat heartbeat(String instanceId) {
        Instant now = Instant.now();
        return Heartbeat.newBuilder()
                .setDeployment(DeploymentRef.newBuilder().setTenant("acme").setName("orders"))
                .setInstanceId(instanceId)
                .setRole(Role.ROLE_REPLICA)
                .setDatabaseReachable(true)
                .setGtidPosition("0-1-123456")
                .setReadOnly(true)
                .setEpoch(3)
                .setReplicationConnected(true)
                .setReplicationLagMs(12)
                .setSentAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setSequence(4242)
                .setEndpoint("127.10.0.2:3306")
                .setReplicationSource("acme-orders-1")
                .setPrimaryLastSeenMs(180)
                .setReplicationFault(ReplicationFault.REPLICATION_FAULT_UNSPECIFIED)
                .build();
    }
}
