package dev.marina.agent.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.marina.agent.InstanceFiles;
import dev.marina.schemas.v1.ServerConfig;
import dev.marina.schemas.v1.Size;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The instance's build and parameters: my.cnf, engine.properties, the catalogue of builds. */
class EngineConfigTest {

    @TempDir
    Path dir;

    @Test
    void rendersTheDeploymentsParametersNormalizedAfterThePlatformsDefaults() {
        String cnf = MyCnf.render(new InstanceFiles(dir), "127.0.0.1", Size.SIZE_SMALL, false, true, false,
                Map.of("performance_schema", "on", "max_connections", " 250", "sql_mode", "strict_trans_tables,ansi_quotes"));
        int defaults = cnf.indexOf("performance_schema=OFF");
        int deployment = cnf.indexOf("performance_schema=ON");
        assertTrue(defaults >= 0 && deployment > defaults, "the deployment's setting comes last and wins:\n" + cnf);
        assertTrue(cnf.contains("\nmax_connections=250\n"), cnf);
        assertTrue(cnf.contains("\nsql_mode=ANSI_QUOTES,STRICT_TRANS_TABLES\n"), cnf);
    }

    @Test
    void neverRendersAParameterOffTheAllowListOrAnInvalidValue() {
        InstanceFiles files = new InstanceFiles(dir);
        IllegalArgumentException off = assertThrows(IllegalArgumentException.class, () -> MyCnf.render(files, "127.0.0.1",
                Size.SIZE_SMALL, false, true, false, Map.of("datadir", "/tmp")));
        assertTrue(off.getMessage().contains("datadir"), off.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MyCnf.render(files, "127.0.0.1", Size.SIZE_SMALL, false, true, false,
                Map.of("max_connections", "100\ninit_file=/tmp/x.sql")));
    }

    @Test
    void keepsTheBuildSizeAndParametersOfAnInstance() {
        InstanceFiles files = new InstanceFiles(dir);
        assertTrue(ServerConfigFile.read(files).isEmpty(), "an instance from before builds had a choice has no file");
        ServerConfigFile.write(files, ServerConfig.newBuilder().setVersion("10.11.18").setSize(Size.SIZE_MEDIUM)
                .putParameters("slow_query_log", "1").build());
        assertEquals(ServerConfig.newBuilder().setVersion("10.11.18").setSize(Size.SIZE_MEDIUM).putParameters("slow_query_log", "ON")
                .build(), ServerConfigFile.read(files).orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> ServerConfigFile.write(files, ServerConfig.newBuilder()
                .setVersion("10.11.18").putParameters("wait_timeout", "forever").build()));
    }

    @Test
    void offersTheSystemBuildAndEveryUnpackedOneResolvingASeriesToTheNewest() throws Exception {
        Path system = Path.of("/usr/sbin/mariadbd");
        if (!Files.isExecutable(system)) {
            throw new AssertionError("no MariaDB installed: run ./marina deps");
        }
        unpacked("mariadb-10.11.7");
        unpacked("mariadb-99.1.2");
        Files.createDirectories(dir.resolve("mariadb-10.11.8/usr/sbin")); // no mariadbd: not offered
        Files.createDirectories(dir.resolve("something-else"));
        EngineCatalogue catalogue = new EngineCatalogue(system, Path.of("/usr/bin/mariadb-install-db"), dir);
        String installed = catalogue.system().version();
        List<String> versions = catalogue.versions();
        assertTrue(versions.containsAll(List.of("10.11.7", "99.1.2", installed)), versions.toString());
        assertFalse(versions.contains("10.11.8"), versions.toString());
        assertEquals(installed, catalogue.resolve("").orElseThrow().version());
        assertEquals("99.1.2", catalogue.resolve("99.1").orElseThrow().version());
        assertEquals(dir.resolve("mariadb-10.11.7/usr/sbin/mariadbd"), catalogue.resolve("10.11.7").orElseThrow().mariadbd());
        assertEquals(List.of("--basedir=" + dir.resolve("mariadb-10.11.7/usr"), "--lc-messages-dir="
                + dir.resolve("mariadb-10.11.7/usr/share/mysql")), catalogue.resolve("10.11.7").orElseThrow().serverOptions());
        assertEquals(List.of(), catalogue.system().serverOptions());
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> catalogue.require("10.11.1"));
        assertTrue(missing.getMessage().contains("./marina deps"), missing.getMessage());
    }

    private void unpacked(String folder) throws Exception {
        Path mariadbd = Files.createDirectories(dir.resolve(folder).resolve("usr/sbin")).resolve("mariadbd");
        Files.writeString(mariadbd, "#!/bin/sh\nexit 1\n");
        Files.setPosixFilePermissions(mariadbd, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
