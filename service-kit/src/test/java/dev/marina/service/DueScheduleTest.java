package dev.marina.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DueScheduleTest {

    @Test
    void takes_the_keys_whose_time_has_come_earliest_first_and_forgets_them() {
        DueSchedule schedule = new DueSchedule();
        schedule.set("b", 200);
        schedule.set("a", 100);
        schedule.set("c", 300);

        assertEquals(List.of(), schedule.takeDue(99));
        assertEquals(List.of("a", "b"), schedule.takeDue(200));
        assertNull(schedule.dueAt("a"));
        assertEquals(1, schedule.size());
        assertEquals(List.of(), schedule.takeDue(200), "taken keys are not due again until set again");
        assertEquals(List.of("c"), schedule.takeDue(Long.MAX_VALUE - 1));
    }

    @Test
    void a_rescheduled_key_is_due_only_at_its_new_time_and_a_removed_one_never() {
        DueSchedule schedule = new DueSchedule();
        schedule.set("later", 100);
        schedule.set("later", 500);
        schedule.set("sooner", 400);
        schedule.set("sooner", 50);
        schedule.set("gone", 60);
        schedule.remove("gone");

        assertEquals(List.of("sooner"), schedule.takeDue(100));
        assertEquals(List.of(), schedule.takeDue(499));
        assertEquals(List.of("later"), schedule.takeDue(500));
        assertEquals(0, schedule.size());
    }

    @Test
    void setting_the_same_time_again_adds_nothing_and_never_means_never() {
        DueSchedule schedule = new DueSchedule();
        for (int i = 0; i < 10; i++) {
            schedule.set("k", 100);
        }
        assertEquals(1, schedule.queued());
        schedule.set("idle", Long.MAX_VALUE);
        assertEquals(List.of("k"), schedule.takeDue(Long.MAX_VALUE - 1));
        assertEquals(Long.MAX_VALUE, schedule.dueAt("idle"));
    }

    @Test
    void stale_entries_are_bounded_and_the_answers_match_a_walk_over_every_key() {
        DueSchedule schedule = new DueSchedule();
        Map<String, Long> reference = new HashMap<>();
        Random random = new Random(7);
        long now = 0;
        for (int step = 0; step < 200_000; step++) {
            String key = "d" + random.nextInt(500);
            int what = random.nextInt(100);
            if (what < 80) { // a heartbeat pushes the key's check later
                long at = now + 1 + random.nextInt(1_000);
                schedule.set(key, at);
                reference.put(key, at);
            } else if (what < 83) {
                schedule.remove(key);
                reference.remove(key);
            } else { // the periodic check
                now += random.nextInt(50);
                List<String> expected = new ArrayList<>();
                for (Map.Entry<String, Long> e : reference.entrySet()) {
                    if (e.getValue() <= now) {
                        expected.add(e.getKey());
                    }
                }
                expected.forEach(reference::remove);
                List<String> taken = schedule.takeDue(now);
                assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(taken), "at " + now);
                assertEquals(expected.size(), taken.size(), "each key once");
            }
            assertTrue(schedule.queued() <= 2 * schedule.size() + 1025, "stale entries rebuilt away: " + schedule.queued());
        }
        assertEquals(reference.size(), schedule.size());
    }
}
