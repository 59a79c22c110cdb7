package dev.marina.provisioner.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.schemas.access.Role;
import dev.marina.schemas.v1.Size;
import dev.marina.testkit.SharedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent roll with stand-in agents (a script that starts a stand-in {@code mariadbd} once, which later agents
 * adopt): the order, the one-at-a-time rule, the database left alone, the halt after a failed replacement and its
 * lifting, and supervision beside it. {@link AgentRollIT} does the same with a real agent and a real database.
 */
class AgentRollStandInIT {

    private static final AddressRange RANGE = AddressRange.parse("127.10.0.0/16");
    private static final dev.marina.schemas.proof.PlatformProofKey PROOF = new dev.marina.schemas.proof.PlatformProofKey(new byte[32]);
    private static final String SCRIPT = """
            #!/bin/bash
            # Stands in for an agent: records its launch and build, starts a stand-in mariadbd unless one runs, waits for its parent.
            echo "$$ $MARINA_AGENT_BUILD" >> launches
            if ! { [ -f mariadbd.pid ] && kill -0 "$(< mariadbd.pid)" 2>/dev/null; }; then
              sleep 600 &
              echo $! > mariadbd.pid
            fi
            [ -p idle.fifo ] || mkfifo idle.fifo
            exec 9<>idle.fifo
            while kill -0 "$PPID" 2>/dev/null; do read -t 0.2 -u 9; done
            """;

    @TempDir
    Path home;

    private AgentCredentials credentials;

    @AfterEach
    void cleanUp() {
        if (credentials != null) {
            credentials.close();
        }
        StandInAgent.killEverythingUnder(home);
    }

    private Path jar() {
        return home.resolve("agent/quarkus-run.jar");
    }

    private LocalDriver openDriver() throws IOException {
        Files.createDirectories(jar().getParent());
        if (!Files.exists(jar())) {
            Files.writeString(jar(), "a stand-in agent build");
        }
        Path script = home.resolve("bin/roll-stand-in.sh");
        Files.createDirectories(script.getParent());
        Files.writeString(script, SCRIPT);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        AgentLauncher.Settings settings = new AgentLauncher.Settings(List.of("setsid", "/bin/bash", script.toString()), home,
                "127.0.0.1:9", home.resolve("key"), 8086, Optional.of(jar()), Optional.empty());
        credentials = new AgentCredentials(SharedKafka.clientProperties(Role.PROVISIONER));
        return LocalDriver.open(home, RANGE, settings, new InstanceKeys(PROOF, credentials), Duration.ofSeconds(5),
                Clock.systemUTC());
    }

    private static InstanceRecord recordOf(LocalDriver driver, String id) {
        return driver.records().stream().filter(r -> r.instanceId().equals(id)).findFirst().orElseThrow();
    }

    private static long databasePid(InstanceRecord record) throws Exception {
        Path file = record.folderPath().resolve(InstanceProcesses.MARIADBD_PID_FILE);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(file) || Files.readString(file).isBlank()) {
            assertTrue(System.nanoTime() < deadline, "the stand-in agent started no stand-in mariadbd in " + record.folder());
            Thread.sleep(20);
        }
        return Long.parseLong(Files.readString(file).trim());
    }

    /** A rebuild, as far as the provisioner can tell: the jar's time changes (to the past: settled). */
    private void rebuild() throws IOException {
        Files.setLastModifiedTime(jar(), FileTime.from(Files.getLastModifiedTime(jar()).toInstant().minusSeconds(3600)));
    }

    private void create(LocalDriver driver, String id) {
        driver.create(new CreateRequest(id, "acme/roll", Size.SIZE_SMALL, Instant.now()));
    }

    @Test
    void replaces_outdated_agents_oldest_first_one_at_a_time_and_leaves_their_databases_running() throws Exception {
        LocalDriver driver = openDriver();
        create(driver, "acme-roll-1");
        create(driver, "acme-roll-2");
        InstanceRecord first = recordOf(driver, "acme-roll-1");
        InstanceRecord second = recordOf(driver, "acme-roll-2");
        long firstDatabase = databasePid(first);
        long secondDatabase = databasePid(second);
        String oldBuild = first.agentBuild();
        assertEquals(AgentBuild.of(jar()).fingerprint(), oldBuild);

        // Whenever the roll waits for a new agent, every other instance has its agent: never two down at once.
        List<String> asked = new CopyOnWriteArrayList<>();
        AgentReadiness readiness = record -> {
            asked.add(record.instanceId());
            for (InstanceRecord other : driver.records()) {
                assertTrue(driver.isAgentRunning(other), "the agent of " + other.instanceId() + " runs while "
                        + record.instanceId() + " is replaced");
            }
            return true;
        };
        AgentRoller roller = new AgentRoller(driver, readiness, build -> false,
                new AgentRoller.Settings(Duration.ZERO, Duration.ofSeconds(10), Duration.ofMillis(50)), Clock.systemUTC());
        Supervisor supervisor = new Supervisor(driver, RestartBackoff.DEFAULT, event -> { }, Clock.systemUTC());

        roller.rollOnce();
        assertEquals(0, roller.replaced(), "nothing to roll before the build changes");

        rebuild();
        String newBuild = AgentBuild.of(jar()).fingerprint();
        roller.rollOnce();

        assertEquals(2, roller.replaced());
        assertEquals(0, roller.outdated());
        assertEquals(List.of("acme-roll-1", "acme-roll-2"), asked, "oldest first, each waited for before the next");
        for (InstanceRecord before : List.of(first, second)) {
            InstanceRecord after = recordOf(driver, before.instanceId());
            assertNotEquals(before.pid(), after.pid(), "a new agent for " + before.instanceId());
            assertFalse(ProcFs.isRunning(before.pid()), "the old agent is gone");
            assertEquals(newBuild, after.agentBuild());
            // The new stand-in's shell records its launch once it runs, which may be just after the roll moved on.
            Path launchFile = before.folderPath().resolve("launches");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Files.readAllLines(launchFile).size() >= 2);
            List<String> launches = Files.readAllLines(launchFile);
            assertEquals(List.of(before.pid() + " " + oldBuild, after.pid() + " " + newBuild), launches,
                    "the build reaches the agent as MARINA_AGENT_BUILD");
        }
        assertEquals(firstDatabase, databasePid(recordOf(driver, "acme-roll-1")));
        assertEquals(secondDatabase, databasePid(recordOf(driver, "acme-roll-2")));
        assertTrue(ProcFs.isRunning(firstDatabase) && ProcFs.isRunning(secondDatabase), "the databases were never stopped");

        supervisor.superviseOnce();
        assertEquals(0, supervisor.restarts(), "the supervisor takes no replaced agent for a dead one");
        assertEquals(newBuild, InstanceRegistry.load(driver.registryFile()).find("acme-roll-2").orElseThrow().agentBuild(),
                "the build is on disk for the next provisioner");
    }

    @Test
    void a_new_agent_that_is_not_ready_halts_the_roll_until_it_is() throws Exception {
        LocalDriver driver = openDriver();
        create(driver, "acme-roll-3");
        create(driver, "acme-roll-4");
        InstanceRecord second = recordOf(driver, "acme-roll-4");
        long firstDatabase = databasePid(recordOf(driver, "acme-roll-3"));
        AtomicBoolean ready = new AtomicBoolean(false);
        AgentRoller roller = new AgentRoller(driver, record -> ready.get(), build -> false,
                new AgentRoller.Settings(Duration.ZERO, Duration.ofMillis(500), Duration.ofMillis(50)), Clock.systemUTC());

        rebuild();
        roller.rollOnce();
        assertEquals(1, roller.failed(), "the first new agent was not ready in time");
        assertEquals(0, roller.replaced());
        assertEquals(second, recordOf(driver, "acme-roll-4"), "the build is not spread to the next instance");
        assertTrue(driver.isAgentRunning(recordOf(driver, "acme-roll-3")), "the new agent is left running (the supervisor's)");
        assertTrue(ProcFs.isRunning(firstDatabase), "and its database was never touched");

        roller.rollOnce();
        assertEquals(second, recordOf(driver, "acme-roll-4"), "still halted while that agent is not ready");
        assertEquals(1, roller.failed(), "nothing retried on another instance");

        ready.set(true);
        roller.rollOnce();
        assertEquals(1, roller.replaced(), "the roll resumes once the agent answers ready");
        assertNotEquals(second.pid(), recordOf(driver, "acme-roll-4").pid());
        assertEquals(0, roller.outdated());
    }
}
