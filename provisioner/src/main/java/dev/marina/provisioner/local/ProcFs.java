package dev.marina.provisioner.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What Linux's {@code /proc} says about processes: enough to tell whether a pid is still the process
 * we started (its working directory), which processes share a process group, and whether a process
 * is only a zombie. Every read tolerates the process vanishing meanwhile.
 */
final class ProcFs {

    private static final Path PROC = Path.of("/proc");

    /** The fields of {@code /proc/<pid>/stat} we use. */
    record Stat(long pid, char state, long parentPid, long processGroup) {
        /** Zombies (Z) and dead tasks (X) have exited; only their parent has not collected them yet. */
        boolean hasExited() {
            return state == 'Z' || state == 'X';
        }
    }

    private ProcFs() {}

    static Optional<Stat> stat(long pid) {
        try {
            String text = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
            // "pid (comm) state ppid pgrp …": comm may contain spaces and parentheses, so cut after the last ')'.
            String[] rest = text.substring(text.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new Stat(pid, rest[0].charAt(0), Long.parseLong(rest[1]), Long.parseLong(rest[2])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** True when the process exists and has not exited. */
    static boolean isRunning(long pid) {
        return stat(pid).map(stat -> !stat.hasExited()).orElse(false);
    }

    /** The process's working directory; empty when it is gone or not readable. */
    static Optional<Path> workingDirectory(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("cwd")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The process's command line, arguments joined by spaces; empty when it is gone. */
    static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The running members of a process group. */
    static List<Long> processGroupMembers(long processGroup) {
        List<Long> members = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path entry : entries) {
                long pid = Long.parseLong(entry.getFileName().toString());
                stat(pid).filter(s -> s.processGroup() == processGroup && !s.hasExited()).ifPresent(s -> members.add(pid));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc", e);
        }
        return members;
    }
}
