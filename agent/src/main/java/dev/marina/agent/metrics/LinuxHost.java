package dev.marina.agent.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Host figures from Linux's {@code /proc}: {@code /proc/<pid>/stat} (utime + stime, in clock ticks)
 * and {@code /proc/<pid>/status} (VmRSS); the folder's size by walking it.
 */
public final class LinuxHost implements HostFigures {

    /** {@code AT_CLKTCK} in the auxiliary vector: the unit of the times in {@code /proc/<pid>/stat}. */
    private static final long AT_CLKTCK = 17;
    /** What nearly every Linux uses; taken when {@code /proc/self/auxv} cannot be read. */
    static final long DEFAULT_TICKS_PER_SECOND = 100;

    private final Path proc;
    private final Path folder;
    private final long ticksPerSecond;

    public LinuxHost(Path folder) {
        this(Path.of("/proc"), folder, ticksPerSecond(Path.of("/proc/self/auxv")));
    }

    LinuxHost(Path proc, Path folder, long ticksPerSecond) {
        this.proc = proc;
        this.folder = folder;
        this.ticksPerSecond = ticksPerSecond;
    }

    @Override
    public ProcessFigures process(long pid) throws IOException {
        Path dir = proc.resolve(Long.toString(pid));
        long ticks = cpuTicks(Files.readString(dir.resolve("stat")));
        long rss = rssBytes(Files.readString(dir.resolve("status")));
        return new ProcessFigures(pid, ticks * 1_000_000_000L / ticksPerSecond, rss);
    }

    @Override
    public long folderBytes() {
        return folderBytes(folder);
    }

    /**
     * utime + stime (fields 14 and 15) of a {@code /proc/<pid>/stat} line. The command name (field 2)
     * is in parentheses and may itself hold spaces and parentheses, so fields are counted after the
     * last ')'.
     */
    static long cpuTicks(String stat) {
        int end = stat.lastIndexOf(')');
        if (end < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + abbreviate(stat));
        }
        String[] fields = stat.substring(end + 1).trim().split("\\s+");
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        if (fields.length < 13) {
            throw new IllegalArgumentException("too few fields in /proc/<pid>/stat: " + abbreviate(stat));
        }
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** VmRSS of a {@code /proc/<pid>/status} file, in bytes. */
    static long rssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                long value = Long.parseLong(parts[0]);
                if (parts.length < 2 || !parts[1].equalsIgnoreCase("kB")) {
                    throw new IllegalArgumentException("unexpected unit in " + line);
                }
                return value * 1024;
            }
        }
        // Kernel threads and zombies have no VmRSS; a database server or the agent always has one.
        throw new IllegalArgumentException("no VmRSS in /proc/<pid>/status");
    }

    /** The clock ticks per second from an auxiliary vector (pairs of native words: type, value). */
    static long ticksPerSecond(byte[] auxv, ByteOrder order) {
        ByteBuffer words = ByteBuffer.wrap(auxv).order(order);
        while (words.remaining() >= 16) {
            long type = words.getLong();
            long value = words.getLong();
            if (type == AT_CLKTCK && value > 0) {
                return value;
            }
            if (type == 0) {
                break;
            }
        }
        return DEFAULT_TICKS_PER_SECOND;
    }

    private static long ticksPerSecond(Path auxv) {
        try {
            return ticksPerSecond(Files.readAllBytes(auxv), ByteOrder.nativeOrder());
        } catch (IOException | RuntimeException e) {
            return DEFAULT_TICKS_PER_SECOND;
        }
    }

    /**
     * Bytes of the regular files under {@code root} (their length, not the blocks they occupy);
     * symbolic links are not followed. A file or folder that vanishes or cannot be read while walking
     * is left out: the database and the agent change the folder all the time.
     */
    static long folderBytes(Path root) {
        long[] total = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // walkFileTree reports failures to the visitor, which goes on; nothing reaches here.
        }
        return total[0];
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }
}
