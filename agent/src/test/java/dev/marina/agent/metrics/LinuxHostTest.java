package dev.marina.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxHostTest {

    /** A real line of a mariadbd: utime 1234, stime 567 (fields 14 and 15). */
    private static final String STAT = "4242 (mariadbd) S 1 4242 4242 0 -1 4194560 9336 0 12 0 1234 567 0 0 20 0 "
            + "8 0 850459 1556840448 15530 18446744073709551615 1 1 0 0 0 0 552967 4096 1260 0 0 0 17 1 0 0 0 0 0";

    private static final String STATUS = String.join("\n",
            "Name:\tmariadbd",
            "Umask:\t0022",
            "State:\tS (sleeping)",
            "Pid:\t4242",
            "VmPeak:\t 1520448 kB",
            "VmSize:\t 1520352 kB",
            "VmHWM:\t   62196 kB",
            "VmRSS:\t   61234 kB",
            "RssAnon:\t   40000 kB",
            "Threads:\t8",
            "");

    @TempDir
    Path dir;

    @Test
    void reads_user_and_system_time_from_a_stat_line() {
        assertEquals(1234 + 567, LinuxHost.cpuTicks(STAT));
    }

    @Test
    void counts_stat_fields_after_the_last_parenthesis_because_a_command_name_may_hold_spaces_and_parentheses() {
        String odd = STAT.replace("(mariadbd)", "(my (odd) name)");
        assertEquals(1234 + 567, LinuxHost.cpuTicks(odd));
    }

    @Test
    void refuses_what_is_not_a_stat_line() {
        assertThrows(IllegalArgumentException.class, () -> LinuxHost.cpuTicks("no parentheses here"));
        assertThrows(IllegalArgumentException.class, () -> LinuxHost.cpuTicks("1 (x) S 1 2"));
    }

    @Test
    void reads_resident_memory_from_vm_rss_in_kilobytes() {
        assertEquals(61234L * 1024, LinuxHost.rssBytes(STATUS));
    }

    @Test
    void a_status_without_vm_rss_is_an_error() {
        assertThrows(IllegalArgumentException.class, () -> LinuxHost.rssBytes("Name:\tkthreadd\nState:\tS (sleeping)\n"));
    }

    @Test
    void finds_the_clock_ticks_in_the_auxiliary_vector() {
        assertEquals(250, LinuxHost.ticksPerSecond(auxv(ByteOrder.LITTLE_ENDIAN, 33, 140542743834624L, 6, 4096, 17, 250, 0, 0),
                ByteOrder.LITTLE_ENDIAN));
        assertEquals(100, LinuxHost.ticksPerSecond(auxv(ByteOrder.BIG_ENDIAN, 6, 4096, 17, 100, 0, 0), ByteOrder.BIG_ENDIAN));
    }

    @Test
    void takes_one_hundred_ticks_per_second_when_the_vector_does_not_say() {
        assertEquals(100, LinuxHost.ticksPerSecond(auxv(ByteOrder.LITTLE_ENDIAN, 6, 4096, 0, 0, 17, 1000), ByteOrder.LITTLE_ENDIAN));
        assertEquals(100, LinuxHost.ticksPerSecond(new byte[0], ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void reads_a_process_from_a_proc_folder_in_nanoseconds_and_bytes() throws IOException {
        Path proc = dir.resolve("proc");
        Files.createDirectories(proc.resolve("4242"));
        Files.writeString(proc.resolve("4242/stat"), STAT);
        Files.writeString(proc.resolve("4242/status"), STATUS);
        ProcessFigures figures = new LinuxHost(proc, dir, 100).process(4242);
        assertEquals(new ProcessFigures(4242, 18_010_000_000L, 61234L * 1024), figures);
    }

    @Test
    void a_process_that_is_gone_is_an_error() {
        LinuxHost host = new LinuxHost(dir.resolve("proc"), dir, 100);
        assertThrows(NoSuchFileException.class, () -> host.process(99999));
    }

    @Test
    void reads_the_real_proc_of_this_process() throws IOException {
        ProcessFigures self = new LinuxHost(dir).process(ProcessHandle.current().pid());
        assertTrue(self.rssBytes() > 10L * 1024 * 1024, "a JVM uses more than 10 MB: " + self.rssBytes());
        assertTrue(self.cpuNanos() > 0, "a JVM has used some CPU: " + self.cpuNanos());
    }

    @Test
    void sums_the_lengths_of_the_files_in_a_folder_and_its_subfolders() throws IOException {
        Path folder = dir.resolve("instance");
        Files.createDirectories(folder.resolve("data/shop"));
        Files.write(folder.resolve("my.cnf"), new byte[100]);
        Files.write(folder.resolve("data/ibdata1"), new byte[4096]);
        Files.write(folder.resolve("data/shop/orders.ibd"), new byte[1000]);
        Files.createSymbolicLink(folder.resolve("elsewhere"), dir.resolve("somewhere-big"));
        assertEquals(5196, LinuxHost.folderBytes(folder));
        assertEquals(5196, new LinuxHost(folder).folderBytes());
    }

    @Test
    void a_missing_folder_has_no_bytes() {
        assertEquals(0, LinuxHost.folderBytes(dir.resolve("not-there")));
    }

    private static byte[] auxv(ByteOrder order, long... words) {
        ByteBuffer buffer = ByteBuffer.allocate(words.length * 8).order(order);
        for (long w : words) {
            buffer.putLong(w);
        }
        return buffer.array();
    }
}
