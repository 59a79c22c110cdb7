package dev.marina.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** What the agent's integration test needs from this machine: MariaDB installed, a free address, clean-up. */
final class LocalServers {
    private LocalServers() {}

    static final Path MARIADBD = Path.of("/usr/sbin/mariadbd");
    static final Path INSTALL_DB = Path.of("/usr/bin/mariadb-install-db");

    /** Fails (never skips) when MariaDB is not installed. */
    static void requireMariaDb() {
        assertTrue(Files.isExecutable(MARIADBD) && Files.isExecutable(INSTALL_DB),
                "MariaDB is not installed (" + MARIADBD + ", " + INSTALL_DB + "): apt-get install mariadb-server");
    }

    /** An address in 127.10.250.0/24 where nothing listens on port 3306. */
    static String freeAddress() {
        for (int attempt = 0; attempt < 50; attempt++) {
            String address = "127.10.250." + ThreadLocalRandom.current().nextInt(2, 255);
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getByName(address), 3306));
                return address;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free address in 127.10.250.0/24");
    }

    /** Every mariadbd whose command line names a file under {@code dir}. */
    static List<ProcessHandle> serversUnder(Path dir) {
        String prefix = "--defaults-file=" + dir.toAbsolutePath();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("mariadbd")).orElse(false))
                .filter(p -> p.info().arguments().map(args -> List.of(args).stream().anyMatch(a -> a.startsWith(prefix))).orElse(false))
                .toList();
    }

    /** SIGKILL to every mariadbd under {@code dir}, and wait until they are gone. */
    static void killServersUnder(Path dir) {
        for (ProcessHandle p : serversUnder(dir)) {
            p.destroyForcibly();
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the test that checks for leftovers
            }
        }
    }

    /** Sends a signal by name (STOP, KILL, …) to a process, as an operator or a crash would. */
    static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }
}
