package dev.marina.bench;

import dev.marina.service.DueSchedule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * health-monitor's wall-clock check, alone: a task's deployments heartbeat (each heartbeat pushes the
 * deployment's next check to suspect-after later) and every 100 ms the check takes what is due. Before:
 * a map walked whole at every check; now: {@link DueSchedule}. Both run the same simulated minute of
 * the same fleet, in one JVM, alternately; the bench prints the CPU of each per simulated second and
 * the ratio.
 *
 * <p>{@code ./marina bench schedule [deployments per task=1700] [heartbeat ms=60000]} (1,700: 10,000
 * deployments over health-monitor's 6 heartbeat partitions).
 */
public final class DueScheduleBench {

    private static final long CHECK_MS = 100;

    public static void main(String[] args) {
        int deployments = args.length > 0 ? Integer.parseInt(args[0]) : 1700;
        long heartbeatMs = args.length > 1 ? Long.parseLong(args[1]) : 60_000;
        long suspectMs = heartbeatMs * 3;
        long simulatedMs = Math.max(60_000, heartbeatMs * 4);
        System.out.printf("schedule: %d deployments x 3 instances per task, heartbeat every %d ms, check every %d ms,"
                + " %d simulated s per round%n", deployments, heartbeatMs, CHECK_MS, simulatedMs / 1000);
        long[] walk = new long[2];
        long[] queue = new long[2];
        for (int round = 0; round < 6; round++) {
            boolean measured = round >= 2; // the first rounds warm the JIT
            long w = run(deployments, heartbeatMs, suspectMs, simulatedMs, false);
            long q = run(deployments, heartbeatMs, suspectMs, simulatedMs, true);
            if (measured) {
                walk[0] += w;
                queue[0] += q;
                walk[1]++;
                queue[1]++;
            }
        }
        double walkPerSecond = walk[0] / (double) walk[1] / (simulatedMs / 1000.0) / 1e3;
        double queuePerSecond = queue[0] / (double) queue[1] / (simulatedMs / 1000.0) / 1e3;
        System.out.printf("  map walked at every check: %8.1f µs of CPU per simulated second%n", walkPerSecond);
        System.out.printf("  due schedule (queue):      %8.1f µs of CPU per simulated second%n", queuePerSecond);
        System.out.printf("  ratio walk / queue: %.1f%n", walkPerSecond / queuePerSecond);
    }

    /** Nanoseconds spent on scheduling and checks over {@code simulatedMs} of the fleet's life. */
    private static long run(int deployments, long heartbeatMs, long suspectMs, long simulatedMs, boolean useQueue) {
        // The fleet's heartbeats in time order, made before the clock starts: (time, deployment index).
        Random random = new Random(42);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < deployments; i++) {
            keys.add(String.format("scale/d%05d", i));
        }
        List<long[]> beats = new ArrayList<>();
        for (int instance = 0; instance < deployments * 3; instance++) {
            for (long at = random.nextInt((int) heartbeatMs); at < simulatedMs; at += heartbeatMs) {
                beats.add(new long[] {at, instance / 3});
            }
        }
        beats.sort((a, b) -> Long.compare(a[0], b[0]));
        Map<String, Long> walked = new HashMap<>();
        DueSchedule schedule = new DueSchedule();
        int next = 0;
        int dueSeen = 0;
        long started = System.nanoTime();
        for (long now = 0; now < simulatedMs; now += CHECK_MS) {
            // the heartbeats of this slice: each pushes its deployment's next check to suspect-after later
            while (next < beats.size() && beats.get(next)[0] <= now) {
                String key = keys.get((int) beats.get(next)[1]);
                if (useQueue) {
                    schedule.set(key, now + suspectMs);
                } else {
                    walked.put(key, now + suspectMs);
                }
                next++;
            }
            // the check
            if (useQueue) {
                dueSeen += schedule.takeDue(now).size();
            } else {
                List<String> due = new ArrayList<>();
                for (Map.Entry<String, Long> e : walked.entrySet()) {
                    if (e.getValue() <= now) {
                        due.add(e.getKey());
                    }
                }
                due.forEach(walked::remove);
                dueSeen += due.size();
            }
        }
        long spent = System.nanoTime() - started;
        if (dueSeen != 0) { // every deployment heartbeats within suspect-after: nothing is ever due
            throw new IllegalStateException(dueSeen + " deployments due in a fleet that never stopped");
        }
        return spent;
    }
}
