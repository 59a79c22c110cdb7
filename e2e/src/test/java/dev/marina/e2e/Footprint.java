package dev.marina.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a deployment's processes hold in memory: the resident set (VmRSS of /proc/PID/status) of every process
 * whose working directory is in one of its instance folders (its agents and their MariaDB servers).
 */
public final class Footprint {

    /** One process: its pid, what it is (agent, mariadbd or the command's name) and its resident set in KiB. */
    public record Proc(long pid, String kind, long rssKb) {}

    /** The resident set of every agent and server of these instance folders. */
    public record Sample(List<Proc> processes) {
        public long totalKb() {
            return processes.stream().mapToLong(Proc::rssKb).sum();
        }

        public long kb(String kind) {
            return processes.stream().filter(p -> p.kind().equals(kind)).mapToLong(Proc::rssKb).sum();
        }

        public long count(String kind) {
            return processes.stream().filter(p -> p.kind().equals(kind)).count();
        }

        /** "3 processes, 412.5 MiB: 2 agent 301.0 MiB, 1 mariadbd 111.5 MiB". */
        public String describe() {
            StringBuilder text = new StringBuilder(String.format("%d processes, %.1f MiB", processes.size(), totalKb() / 1024.0));
            String sep = ": ";
            for (String kind : processes.stream().map(Proc::kind).distinct().sorted().toList()) {
                text.append(sep).append(String.format("%d %s %.1f MiB", count(kind), kind, kb(kind) / 1024.0));
                sep = ", ";
            }
            return text.toString();
        }
    }

    private Footprint() {}

    public static Sample of(Platform platform, List<String> instanceIds) {
        List<Proc> found = new ArrayList<>();
        for (String id : instanceIds) {
            for (ProcessHandle p : platform.processesOf(platform.instanceDir(id))) {
                long rss = vmRssKb(p.pid());
                if (rss >= 0) {
                    found.add(new Proc(p.pid(), kind(p), rss));
                }
            }
        }
        return new Sample(found);
    }

    /** The server processes among them (mariadbd), by pid. */
    public static List<Long> servers(Platform platform, List<String> instanceIds) {
        return of(platform, instanceIds).processes().stream().filter(p -> p.kind().equals("mariadbd")).map(Proc::pid).toList();
    }

    /**
     * By the executable, not the whole command line: a paused primary's listener ({@code systemd-socket-activate}) names
     * mariadbd among its arguments, and is not a server until a client connects.
     */
    static String kind(ProcessHandle p) {
        String command = p.info().command().orElse("?");
        String executable = command.substring(command.lastIndexOf('/') + 1);
        if (p.info().commandLine().orElse("").contains("quarkus-run.jar")) {
            return "agent";
        }
        return executable.equals("mariadbd") || executable.equals("mysqld") ? "mariadbd" : executable;
    }

    /** VmRSS of /proc/PID/status in KiB, or -1 when the process is gone. */
    public static long vmRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return 0;
        } catch (IOException | NumberFormatException gone) {
            return -1;
        }
    }
}
