package dev.marina.provisioner.local;

import dev.marina.testkit.SharedKafka;
import dev.marina.schemas.access.Role;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.provisioner.driver.CreateRequest;
import dev.marina.provisioner.driver.Instance;
import dev.marina.schemas.v1.InstanceState;
import dev.marina.schemas.v1.ProvisionEvent;
import dev.marina.schemas.v1.Size;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local driver and supervisor put together by hand, with stand-in agents: what a provisioner
 * that crashed finds when it starts again, and how it treats agents that keep dying.
 */
class CrashRecoveryIT {

    private static final AddressRange RANGE = AddressRange.parse("127.10.0.0/16");

    @TempDir
    Path home;

    private final List<ProvisionEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void killEveryStandIn() {
        StandInAgent.killEverythingUnder(home);
    }

    private LocalDriver openDriver(List<String> command, Clock clock) {
        return openDriver(command, clock, java.util.Optional.empty());
    }

    private LocalDriver openDriver(List<String> command, Clock clock, java.util.Optional<Path> objectStore) {
        AgentLauncher.Settings settings = new AgentLauncher.Settings(command, home, "127.0.0.1:9", home.resolve("key"),
                8086, java.util.Optional.empty(), objectStore);
        return LocalDriver.open(home, RANGE, settings, new InstanceKeys(PROOF, new AgentCredentials(SharedKafka.clientProperties(Role.PROVISIONER))), Duration.ofSeconds(5), clock);
    }

    private static final dev.marina.schemas.proof.PlatformProofKey PROOF = new dev.marina.schemas.proof.PlatformProofKey(new byte[32]);

    private LocalDriver openDriver() {
        return openDriver(StandInAgent.command(StandInAgent.install(home.resolve("bin"))), Clock.systemUTC());
    }

    private static CreateRequest create(String id) {
        return new CreateRequest(id, "acme/recovery", Size.SIZE_SMALL, Instant.now());
    }

    private static InstanceRecord recordOf(LocalDriver driver, String id) {
        return driver.records().stream().filter(r -> r.instanceId().equals(id)).findFirst().orElseThrow();
    }

    private List<String> eventsOf(String instanceId) {
        return events.stream().filter(e -> e.getInstanceId().equals(instanceId))
                .map(e -> e.getState().name().replace("INSTANCE_STATE_", ""))
                .toList();
    }

    @Test
    void adopts_a_live_agent_and_relaunches_a_dead_one_after_a_provisioner_restart() {
        LocalDriver before = openDriver();
        Instance alive = before.create(create("acme-recovery-1"));
        Instance dead = before.create(create("acme-recovery-2"));
        long alivePid = recordOf(before, alive.instanceId()).pid();
        long deadPid = recordOf(before, dead.instanceId()).pid();
        // The provisioner is gone (nothing of `before` is used again); meanwhile one agent dies.
        StandInAgent.crash(deadPid);

        LocalDriver after = openDriver();
        new Supervisor(after, RestartBackoff.DEFAULT, events::add, Clock.systemUTC()).recover();

        InstanceRecord adopted = recordOf(after, alive.instanceId());
        assertEquals(alivePid, adopted.pid(), "the live agent is adopted, not restarted");
        assertTrue(StandInAgent.isRunning(alivePid));
        assertEquals(List.of(), eventsOf(alive.instanceId()));

        InstanceRecord relaunched = recordOf(after, dead.instanceId());
        assertNotEquals(deadPid, relaunched.pid());
        assertTrue(StandInAgent.isRunning(relaunched.pid()));
        assertEquals(dead.address(), relaunched.address(), "same address");
        assertEquals(Path.of(recordOf(before, dead.instanceId()).folder()), relaunched.folderPath(), "same folder");
        assertEquals(relaunched.folderPath(), StandInAgent.workingDirectory(relaunched.pid()).orElseThrow());
        assertEquals(List.of("RESTARTING", "RUNNING"), eventsOf(dead.instanceId()));
        ProvisionEvent running = events.get(events.size() - 1);
        assertEquals(dead.address(), running.getAddress());
    }

    @Test
    void every_agent_gets_its_instance_key_an_adopted_one_without_it_is_restarted_with_it_and_destroy_removes_it() throws Exception {
        LocalDriver before = openDriver();
        Instance instance = before.create(create("acme-recovery-7"));
        InstanceRecord record = recordOf(before, instance.instanceId());
        Path keyFile = record.folderPath().resolve("instance.key");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertEquals(PROOF.forInstance("acme/recovery", instance.instanceId()), dev.marina.schemas.proof.InstanceKey.read(keyFile));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(record.folderPath().resolve(StandInAgent.ENV_FILE)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                keyFile.toString().equals(StandInAgent.recordedEnvironment(record.folderPath()).get("MARINA_INSTANCE_KEY_FILE")));
        assertFalse(Files.readString(record.folderPath().resolve(StandInAgent.ENV_FILE)).contains(
                java.util.Base64.getEncoder().encodeToString(PROOF.forInstance("acme/recovery", instance.instanceId()).key())),
                "the key itself is not in the environment");

        // As an agent launched by a provisioner from before proofs: running, no key file.
        Files.delete(keyFile);
        LocalDriver after = openDriver();
        new Supervisor(after, RestartBackoff.DEFAULT, events::add, Clock.systemUTC()).recover();
        InstanceRecord rekeyed = recordOf(after, instance.instanceId());
        assertNotEquals(record.pid(), rekeyed.pid(), "the agent is restarted, to read its key");
        assertFalse(StandInAgent.isRunning(record.pid()));
        assertTrue(StandInAgent.isRunning(rekeyed.pid()));
        assertEquals(PROOF.forInstance("acme/recovery", instance.instanceId()), dev.marina.schemas.proof.InstanceKey.read(keyFile));
        assertEquals(List.of("RESTARTING", "RUNNING"), eventsOf(instance.instanceId()));

        // A provisioner start with the key in place changes nothing.
        events.clear();
        LocalDriver again = openDriver();
        new Supervisor(again, RestartBackoff.DEFAULT, events::add, Clock.systemUTC()).recover();
        assertEquals(rekeyed.pid(), recordOf(again, instance.instanceId()).pid());
        assertEquals(List.of(), eventsOf(instance.instanceId()));

        again.destroy(instance.instanceId());
        assertFalse(Files.exists(keyFile));
    }

    @Test
    void agents_get_the_object_store_settings_at_launch_and_an_adopted_one_without_them_gets_them_unrestarted() throws Exception {
        Path settingsFile = home.resolve("object-store.properties");
        dev.marina.objectstore.ObjectStoreConfig config = dev.marina.objectstore.ObjectStoreConfig.of(
                java.net.URI.create("http://127.0.0.1:9"), "marina", "", "AKID", "s3cret");
        config.writeTo(settingsFile, "test");
        List<String> command = StandInAgent.command(StandInAgent.install(home.resolve("bin")));
        LocalDriver before = openDriver(command, Clock.systemUTC(), java.util.Optional.of(settingsFile));
        Instance instance = before.create(create("acme-recovery-8"));
        InstanceRecord record = recordOf(before, instance.instanceId());
        Path copy = record.folderPath().resolve(AgentLauncher.OBJECT_STORE_FILE);
        assertEquals(config, dev.marina.objectstore.ObjectStoreConfig.load(copy));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));

        // As an agent launched by a provisioner from before backups: running, no settings in its folder.
        Files.delete(copy);
        LocalDriver after = openDriver(command, Clock.systemUTC(), java.util.Optional.of(settingsFile));
        new Supervisor(after, RestartBackoff.DEFAULT, events::add, Clock.systemUTC()).recover();
        assertEquals(config, dev.marina.objectstore.ObjectStoreConfig.load(copy));
        assertEquals(record.pid(), recordOf(after, instance.instanceId()).pid(), "read per backup: no restart needed");
        after.destroy(instance.instanceId());
    }

    @Test
    void does_not_adopt_an_unrelated_process_that_reuses_the_agents_pid() throws Exception {
        LocalDriver before = openDriver();
        Instance instance = before.create(create("acme-recovery-3"));
        InstanceRecord record = recordOf(before, instance.instanceId());
        StandInAgent.crash(record.pid());
        // An unrelated process now has the pid the registry remembers (as after pid reuse).
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Process unrelated = new ProcessBuilder("sleep", "60").directory(elsewhere.toFile()).start();
        try {
            InstanceRegistry registry = InstanceRegistry.load(before.registryFile());
            registry.put(record.withPid(unrelated.pid()));

            LocalDriver after = openDriver();
            new Supervisor(after, RestartBackoff.DEFAULT, events::add, Clock.systemUTC()).recover();

            long newPid = recordOf(after, instance.instanceId()).pid();
            assertNotEquals(unrelated.pid(), newPid, "the unrelated process is not taken for the agent");
            assertTrue(unrelated.isAlive(), "and it is left alone");
            assertEquals(record.folderPath(), StandInAgent.workingDirectory(newPid).orElseThrow());
        } finally {
            unrelated.destroyForcibly();
        }
    }

    @Test
    void finishes_a_destroy_that_a_crash_interrupted() {
        LocalDriver before = openDriver();
        Instance instance = before.create(create("acme-recovery-4"));
        InstanceRecord record = recordOf(before, instance.instanceId());
        InstanceRegistry.load(before.registryFile()).put(record.markedDestroying());

        LocalDriver after = openDriver();
        new Supervisor(after, RestartBackoff.DEFAULT, events::add, Clock.systemUTC()).recover();

        StandInAgent.awaitGone(record.pid(), Duration.ofSeconds(10));
        assertFalse(Files.exists(record.folderPath()));
        assertEquals(List.of(), after.list());
        assertEquals(List.of("DESTROYED"), eventsOf(instance.instanceId()));
    }

    @Test
    void backs_off_when_an_agent_keeps_dying() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        LocalDriver driver = openDriver(List.of("setsid", "/bin/sh", "-c", "exit 3"), clock);
        Supervisor supervisor = new Supervisor(driver, RestartBackoff.DEFAULT, events::add, clock);
        Instance instance = driver.create(create("acme-recovery-5"));
        Path folder = recordOf(driver, instance.instanceId()).folderPath();

        awaitAgentGone(driver, instance.instanceId());
        supervisor.superviseOnce();
        assertEquals(1, supervisor.restarts(), "the first death is answered at once");

        awaitAgentGone(driver, instance.instanceId());
        supervisor.superviseOnce();
        supervisor.superviseOnce();
        assertEquals(1, supervisor.restarts(), "no second relaunch before the backoff has passed");

        clock.advance(Duration.ofSeconds(1));
        supervisor.superviseOnce();
        assertEquals(2, supervisor.restarts());

        awaitAgentGone(driver, instance.instanceId());
        clock.advance(Duration.ofSeconds(1));
        supervisor.superviseOnce();
        assertEquals(2, supervisor.restarts(), "the wait doubled to 2 s");
        clock.advance(Duration.ofSeconds(1));
        supervisor.superviseOnce();
        assertEquals(3, supervisor.restarts());
        assertTrue(Files.readString(folder.resolve(AgentLauncher.LOG_FILE)).contains("launching the agent"));
    }

    private static void awaitAgentGone(LocalDriver driver, String instanceId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (driver.isAgentRunning(recordOf(driver, instanceId))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the agent of " + instanceId + " did not exit");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
