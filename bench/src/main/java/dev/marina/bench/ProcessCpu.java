package dev.marina.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of a process from {@code /proc}: the whole process ({@code /proc/<pid>/stat}, user +
 * system, threads that ended included), and per group of its threads by their names
 * ({@code /proc/<pid>/task/<tid>/comm}, which a JVM sets to the Java thread name's first 15
 * characters), and per thread how long it ran and how long it waited for a CPU while runnable
 * ({@code /proc/<pid>/task/<tid>/schedstat}). Also its resident memory.
 */
final class ProcessCpu {

    /** Thread groups of a Quarkus service with Kafka Streams, in the order they are printed. */
    static final List<String> GROUPS = List.of("Kafka Streams threads", "dashboard feed", "Kafka client I/O",
            "RocksDB background", "GC and VM thread", "JIT compilers", "other");

    private static final double TICKS_PER_SECOND = ticksPerSecond();

    /** One thread's times from {@code schedstat}: on a CPU, and runnable but waiting for one (ns). */
    record ThreadTimes(String group, long cpuNanos, long waitNanos) {}

    /** How the busiest thread of a group spent a period, as fractions of the period. */
    record ThreadShare(double onCpu, double waitingForCpu) {
        double elsewhere() {
            return Math.max(0, 1 - onCpu - waitingForCpu);
        }
    }

    /** CPU seconds at one moment: the process' total, per thread group, and per thread (threads alive then). */
    record Snapshot(long nanos, double seconds, Map<String, Double> byGroup, Map<Long, ThreadTimes> threads) {
        /** CPU seconds used between {@code earlier} and this one. */
        double since(Snapshot earlier) {
            return seconds - earlier.seconds;
        }

        /** Per group, CPU seconds used between {@code earlier} and this one; "other" takes what ended threads used. */
        Map<String, Double> groupsSince(Snapshot earlier) {
            Map<String, Double> out = new LinkedHashMap<>();
            double named = 0;
            for (String g : GROUPS) {
                if (g.equals("other")) {
                    continue;
                }
                double used = Math.max(0, byGroup.getOrDefault(g, 0.0) - earlier.byGroup.getOrDefault(g, 0.0));
                out.put(g, used);
                named += used;
            }
            out.put("other", Math.max(0, since(earlier) - named));
            return out;
        }

        /** The thread of {@code group} that used the most CPU since {@code earlier}: how it spent the time. */
        ThreadShare busiest(String group, Snapshot earlier) {
            double wall = nanos - earlier.nanos;
            ThreadShare best = new ThreadShare(0, 0);
            for (Map.Entry<Long, ThreadTimes> e : threads.entrySet()) {
                ThreadTimes before = earlier.threads.get(e.getKey());
                if (!e.getValue().group().equals(group) || before == null) {
                    continue;
                }
                double cpu = (e.getValue().cpuNanos() - before.cpuNanos()) / wall;
                if (cpu > best.onCpu()) {
                    best = new ThreadShare(cpu, (e.getValue().waitNanos() - before.waitNanos()) / wall);
                }
            }
            return best;
        }

        /** Time all threads spent runnable but waiting for a CPU since {@code earlier}, in seconds (CPU contention). */
        double waitingForCpuSince(Snapshot earlier) {
            long waited = 0;
            for (Map.Entry<Long, ThreadTimes> e : threads.entrySet()) {
                ThreadTimes before = earlier.threads.get(e.getKey());
                waited += e.getValue().waitNanos() - (before == null ? 0 : before.waitNanos());
            }
            return waited / 1e9;
        }
    }

    private ProcessCpu() {}

    static Snapshot snapshot(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        double total = ticks(proc.resolve("stat")) / TICKS_PER_SECOND;
        Map<String, Double> groups = new HashMap<>();
        Map<Long, ThreadTimes> threads = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
            for (Path task : tasks) {
                try {
                    String group = group(Files.readString(task.resolve("comm")).strip());
                    groups.merge(group, ticks(task.resolve("stat")) / TICKS_PER_SECOND, Double::sum);
                    String[] sched = Files.readString(task.resolve("schedstat")).strip().split(" ");
                    threads.put(Long.parseLong(task.getFileName().toString()),
                            new ThreadTimes(group, Long.parseLong(sched[0]), Long.parseLong(sched[1])));
                } catch (IOException | IllegalStateException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the threads of process " + pid, e);
        }
        return new Snapshot(System.nanoTime(), total, groups, threads);
    }

    /** Only the process' total: cheaper, for processes whose threads do not matter here. */
    static Snapshot total(long pid) {
        return new Snapshot(System.nanoTime(), ticks(Path.of("/proc", Long.toString(pid), "stat")) / TICKS_PER_SECOND, Map.of(),
                Map.of());
    }

    static long rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    static String group(String comm) {
        // Kafka Streams names its threads after the client id, "<application id>-<uuid>-StreamThread-1" etc.
        if (comm.startsWith("health-monitor-")) {
            return "Kafka Streams threads";
        }
        if (comm.startsWith("dashboard-feed")) {
            return "dashboard feed";
        }
        if (comm.startsWith("kafka-")) {
            return "Kafka client I/O";
        }
        if (comm.startsWith("rocksdb")) {
            return "RocksDB background";
        }
        if (comm.equals("VM Thread") || comm.startsWith("GC ") || comm.startsWith("VM Periodic")) {
            return "GC and VM thread";
        }
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return "JIT compilers";
        }
        return "other";
    }

    /** utime + stime of a {@code stat} file, in clock ticks. The name in parentheses may hold spaces. */
    private static long ticks(Path stat) {
        String text;
        try {
            text = Files.readString(stat);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + stat, e);
        }
        String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
        // after the name: state(3) ppid(4) ... utime(14) stime(15), so indexes 11 and 12 here
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor();
            return Double.parseDouble(out);
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
