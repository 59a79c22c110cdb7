package dev.marina.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The local ACME server: up on 127.0.0.1 with HTTPS we trust explicitly, stoppable and restartable. */
class LocalPebbleIT {

    private static LocalBind bind;
    private static LocalPebble pebble;

    @BeforeAll
    static void start() {
        bind = LocalBind.start("marina.test");
        pebble = LocalPebble.start(bind.host(), bind.port());
    }

    @AfterAll
    static void close() {
        if (pebble != null) {
            pebble.close();
        }
        if (bind != null) {
            bind.close();
        }
    }

    @Test
    void serves_a_directory_and_its_roots_over_https_on_loopback() {
        assertTrue(pebble.directoryUrl().startsWith("https://127.0.0.1:"), pebble.directoryUrl());
        assertTrue(pebble.rootsPem().startsWith("-----BEGIN CERTIFICATE-----"), pebble.rootsPem());
        assertTrue(pebble.intermediatesPem().startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(pebble.certStatus("abcdef").isEmpty(), "an unknown serial has no status");
    }

    @Test
    void stops_and_starts_again_with_a_new_root_also_through_an_attached_handle() {
        String rootBefore = pebble.rootsPem();
        LocalPebble attached = LocalPebble.attach(pebble.dir());
        assertEquals(pebble.directoryUrl(), attached.directoryUrl());

        attached.stop();
        assertFalse(pebble.isRunning());
        assertThrows(RuntimeException.class, pebble::rootsPem);

        attached.restart();
        assertTrue(pebble.isRunning());
        assertNotEquals(rootBefore, pebble.rootsPem(), "Pebble makes a new root at every start");
    }
}
